/**
 * Adding a route is a one-place change: the shipped config plus one route, in a temporary config
 * module (`M2M_AUTH_CONFIG`), and nothing else edited. The synthesized REST and HTTP APIs have it,
 * the real authorizer bundle allows it exactly for the roles the permission model gives, the real
 * sample backend bundle answers it, the local sandbox serves it, and the README generator lists it.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { APIGatewayProxyResult, APIGatewaySimpleAuthorizerResult } from 'aws-lambda';
import { ROLES, rolesAllow, type Role } from '../../lambdas/authorizer/permission-model';
import { bundleSampleBackend } from '../../lib/api/sample-backend-bundle';
import { loadEnvironments } from '../../lib/config/load';
import { scopeRoles, type EnvironmentConfig } from '../../lib/config/schema';
import { renderReadme } from '../../lib/docs/readme-regions';
import { routeTableMarkdown } from '../../lib/docs/route-docs';
import { loadBundledHandler } from '../../sandbox/bundles';
import { generateSigningKey, m2mAccessTokenClaims, signJwt, userAccessTokenClaims, type SigningKey } from '../../sandbox/cognito-tokens';
import { startSandbox } from '../../sandbox/server';
import { TokenClient } from '../../token-client';
import { captureOutput as captureBackendOutput, eventOf, type Format } from '../api/gateway-events';
import { resourcesOf, synthEnvironment } from '../fixtures';
import { captureOutput, loadAuthorizer, writeClientRegistry, type AuthorizerHandler } from '../support/authorizer-bundle';
import { ARN_PREFIX, policyAllows } from '../support/iam';
import { JwksServer } from '../../sandbox/jwks-server';
import { restRouteKeys } from '../support/terraform';

const ROOT = path.resolve(__dirname, '..', '..');
const NEW_ROUTE = { method: 'GET', path: '/reports/{id}', permission: 'read' } as const;
const NEW_KEY = `${NEW_ROUTE.method} ${NEW_ROUTE.path}`;
const keysOf = (config: EnvironmentConfig) => config.routes.map((route) => `${route.method} ${route.path}`);

// The temporary config module: the shipped config, with one more route in dev only.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'm2m-new-route-'));
const CONFIG_MODULE = path.join(dir, 'environments.js');
fs.writeFileSync(
  CONFIG_MODULE,
  `const { environments } = require(${JSON.stringify(path.join(ROOT, 'config', 'environments'))});
module.exports = { environments: { ...environments, dev: { ...environments.dev, routes: [...environments.dev.routes, ${JSON.stringify(NEW_ROUTE)}] } } };
`,
);
const configs = loadEnvironments({ M2M_AUTH_CONFIG: CONFIG_MODULE });
const dev = configs.find((config) => config.name === 'dev')!;
const others = configs.filter((config) => config.name !== 'dev');

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('the temporary config is the shipped one plus the new route in dev', () => {
  const shipped = loadEnvironments({});
  expect(keysOf(shipped.find((config) => config.name === 'dev')!)).not.toContain(NEW_KEY);
  expect(keysOf(dev)).toEqual([...keysOf(shipped.find((config) => config.name === 'dev')!), NEW_KEY]);
  expect(others.map((config) => config.name)).toEqual(shipped.filter((config) => config.name !== 'dev').map((config) => config.name));
  for (const config of others) expect(keysOf(config)).not.toContain(NEW_KEY);
});

describe('synth', () => {
  test('REST: the route is a method, like every other route of the table, and the backend bundle carries it', () => {
    const { tf } = synthEnvironment(dev);
    expect(restRouteKeys(tf)).toEqual(keysOf(dev).sort());
    expect(restRouteKeys(tf)).toContain(NEW_KEY);
    const sample = tf.resource.aws_lambda_function.sample_backend_function;
    expect(sample.source_code_hash).toBe(bundleSampleBackend(dev).sourceCodeHash);
    expect(sample.source_code_hash).not.toBe(bundleSampleBackend(others[0]).sourceCodeHash);
  });

  test('HTTP API: the route is a route key', () => {
    const { tf } = synthEnvironment({ ...dev, gateway: { ...dev.gateway, type: 'http' } });
    const routeKeys = resourcesOf(tf, 'aws_apigatewayv2_route').map((route) => String(route.route_key));
    expect(routeKeys.sort()).toEqual(keysOf(dev).sort());
    expect(routeKeys).toContain(NEW_KEY);
  });
});

describe('the real authorizer bundle', () => {
  const USER_CLIENT = 'client0users000000000001';
  const clientIds = Object.fromEntries(dev.m2mClients.map((client, i) => [client.name, `client0${String(i).padStart(18, '0')}`]));
  let key: SigningKey;
  let jwks: JwksServer;
  let handler: AuthorizerHandler;
  let output: ReturnType<typeof captureOutput>;

  beforeAll(async () => {
    key = generateSigningKey('key-1');
    jwks = await new JwksServer([key]).start();
    output = captureOutput();
    handler = loadAuthorizer(dev, {
      USER_POOL_ID: jwks.poolId,
      TOKEN_ISSUER: jwks.issuer,
      JWKS_URL: jwks.jwksUrl,
      CLIENT_REGISTRY_FILE: writeClientRegistry(Object.entries(clientIds).map(([name, id]) => ({ id, name })), dev),
      USER_CLIENT_ID: USER_CLIENT,
      REVOCATION_FILE: '/nonexistent/deny-list.json',
    });
  });

  afterAll(async () => {
    output.restore();
    await jwks.stop();
  });

  /** Every principal the config can give `role`: a service token per configured scope granting it, a user per group. */
  function principalsOf(role: Role): Array<[string, Record<string, string>]> {
    const roleOfScope = scopeRoles(dev);
    const principals: Array<[string, Record<string, string>]> = [];
    for (const client of dev.m2mClients) {
      for (const scope of client.scopes.filter((name) => roleOfScope[name] === role)) {
        const token = signJwt(key, m2mAccessTokenClaims({ issuer: jwks.issuer, clientId: clientIds[client.name], scopes: [`${dev.resourceServer.identifier}/${scope}`] }));
        principals.push([`service ${client.name} with ${scope}`, { authorization: `Bearer ${token}` }]);
      }
    }
    for (const [group, groupRole] of Object.entries(dev.userClient?.groupRoles ?? {})) {
      if (groupRole !== role) continue;
      const token = signJwt(key, userAccessTokenClaims({ issuer: jwks.issuer, clientId: USER_CLIENT, username: `user-${group}`, groups: [group] }));
      principals.push([`user in ${group}`, { authorization: `Bearer ${token}` }]);
    }
    return principals;
  }

  test('the shipped config gives every role a principal, so every role is exercised below', () => {
    expect(ROLES.filter((role) => principalsOf(role).length === 0)).toEqual([]);
  });

  test.each(ROLES.map((role) => [role, rolesAllow([role], NEW_ROUTE.permission)]))('%s: allowed on the new route: %s (REST policy and HTTP API answer)', async (role, allowed) => {
    const concrete = NEW_ROUTE.path.replace('{id}', '7');
    const methodArn = `${ARN_PREFIX}${NEW_ROUTE.method}${concrete}`;
    for (const [who, headers] of principalsOf(role)) {
      const rest = (await handler({ type: 'REQUEST', methodArn, resource: NEW_ROUTE.path, path: concrete, httpMethod: NEW_ROUTE.method, headers } as never)) as {
        policyDocument: Parameters<typeof policyAllows>[0];
      };
      const http = (await handler({ version: '2.0', type: 'REQUEST', routeKey: NEW_KEY, headers } as never)) as APIGatewaySimpleAuthorizerResult;
      expect([who, policyAllows(rest.policyDocument, methodArn), http.isAuthorized]).toEqual([who, allowed, allowed]);
    }
  });
});

describe('the real sample backend bundle', () => {
  type Handler = (event: unknown) => Promise<APIGatewayProxyResult>;
  let output: ReturnType<typeof captureBackendOutput>;
  beforeAll(() => {
    output = captureBackendOutput();
  });
  afterAll(() => output.restore());

  test.each<Format>(['rest', 'http'])('%s API: 200 naming the route; an environment without it answers 404', async (format) => {
    const event = eventOf(format, NEW_ROUTE.method, NEW_ROUTE.path, { pathParameters: { id: '7' } });
    const result = await loadBundledHandler<Handler>(bundleSampleBackend(dev).code, { ENVIRONMENT: 'dev' })(event);
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toMatchObject({ route: NEW_KEY, pathParameters: { id: '7' }, caller: { principalType: 'service', clientName: 'billing-batch' } });
    const without = await loadBundledHandler<Handler>(bundleSampleBackend(others[0]).code, { ENVIRONMENT: others[0].name })(event);
    expect(without.statusCode).toBe(404);
  });
});

test('the local sandbox (npm run local) serves the new route behind the authorizer', async () => {
  const stateDir = fs.mkdtempSync(path.join(dir, 'sandbox-'));
  const output = captureOutput();
  const sandbox = await startSandbox({ config: dev, stateDir, port: 0 });
  try {
    const clientFor = (scope: string) => {
      const client = sandbox.clients.find((c) => c.scopes.includes(`${dev.resourceServer.identifier}/${scope}`) && !c.scopes.includes(`${dev.resourceServer.identifier}/admin`))!;
      return new TokenClient({ credentials: { clientId: client.clientId, clientSecret: client.clientSecret, tokenEndpoint: sandbox.tokenEndpoint } });
    };
    const url = `${sandbox.apiUrl}/reports/7`;
    const reader = await clientFor('read').fetch(url);
    expect(reader.status).toBe(200);
    expect(await reader.json()).toMatchObject({ route: NEW_KEY, pathParameters: { id: '7' } });
    expect((await clientFor('delete').fetch(url)).status).toBe(403);
    expect((await fetch(url)).status).toBe(401);
  } finally {
    await sandbox.stop();
    output.restore();
  }
});

describe('the README generator', () => {
  test('lists the route for dev, and says that the environments now differ', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const { text, stale } = renderReadme(readme, configs);
    expect(stale).toEqual(['routes']);
    expect(text).toContain('The environments have different route tables.');
    expect(text).toContain(`**dev**\n\n${routeTableMarkdown(dev.routes)}`);
    expect(text).toContain(`**${others.map((config) => config.name).join(', ')}**\n\n${routeTableMarkdown(others[0].routes)}`);
    expect(routeTableMarkdown(dev.routes)).toContain('| GET | `/reports/{id}` | read | reader, writer, admin |');
  });

  test('npm run docs -- --check with this config says the README is stale and how to fix it', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/docs.ts', '--check'], { cwd: ROOT, env: { ...process.env, M2M_AUTH_CONFIG: CONFIG_MODULE }, encoding: 'utf8' });
    expect(result.status).toBe(1);
    // A route is also a REST method with detailed metrics, so the cost estimate moves with it.
    expect(result.stderr).toContain('README.md is stale: the generated regions "routes", "cost-estimate" differ from the config; run `npm run docs`');
  });
});
