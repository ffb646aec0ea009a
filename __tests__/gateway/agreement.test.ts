/**
 * The gateway that Terraform builds and the policy the real authorizer returns must agree: for every
 * route of the synthesized API and every kind of principal (a service, a user and a legacy API-key
 * caller for each role), the call is allowed exactly when the role permits the route.
 */
import { createHash } from 'node:crypto';
import type { APIGatewaySimpleAuthorizerResult } from 'aws-lambda';
import { ROLES, rolesAllow, STANDARD_SCOPE_ROLES, type Role } from '../../lambdas/authorizer/permission-model';
import { generateSigningKey, m2mAccessTokenClaims, signJwt, userAccessTokenClaims, type SigningKey } from '../../sandbox/cognito-tokens';
import { environment, resourcesOf, synthEnvironment } from '../fixtures';
import { captureOutput, loadAuthorizer, writeClientRegistry, type AuthorizerHandler } from '../support/authorizer-bundle';
import { ARN_PREFIX, policyAllows } from '../support/iam';
import { JwksServer } from '../../sandbox/jwks-server';
import { restResourcePaths } from '../support/terraform';

const SERVICE_CLIENT = 'client0service00000000001';
const USER_CLIENT = 'client0users000000000002';
const scopeOf = Object.fromEntries(Object.entries(STANDARD_SCOPE_ROLES).map(([scope, role]) => [role, scope])) as Record<Role, string>;
const legacyKey = (role: Role) => `legacy-key-for-${role}-0123456789`;

const input: Parameters<typeof environment>[0] = {
  routes: [
    { method: 'GET', path: '/', permission: 'read' },
    { method: 'GET', path: '/orders', permission: 'read' },
    { method: 'GET', path: '/orders/{id}', permission: 'read' },
    { method: 'GET', path: '/orders/{id}/audit', permission: 'admin' },
    { method: 'PUT', path: '/orders/{id}', permission: 'write' },
    { method: 'POST', path: '/orders', permission: 'write' },
    { method: 'DELETE', path: '/orders/{id}', permission: 'delete' },
    { method: 'POST', path: '/orders/{id}/fulfil', permission: 'execute' },
    { method: 'GET', path: '/files/{path+}', permission: 'read' },
  ],
  // Configured for every scope: each test token carries one, and the authorizer counts only configured ones.
  m2mClients: [{ name: 'svc', scopes: Object.keys(STANDARD_SCOPE_ROLES) }],
  userClient: { callbackUrls: ['https://app.example.com/cb'], groupRoles: Object.fromEntries(ROLES.map((role) => [`group-${role}`, role])) },
  legacyApiKeys: {
    enabled: true,
    callers: ROLES.map((role) => ({ name: `legacy-${role}`, role, keySha256: createHash('sha256').update(legacyKey(role)).digest('hex') })),
  },
};
const config = environment(input);

let key: SigningKey;
let jwks: JwksServer;
let handler: AuthorizerHandler;
let output: ReturnType<typeof captureOutput>;

beforeAll(async () => {
  key = generateSigningKey('key-1');
  jwks = await new JwksServer([key]).start();
  output = captureOutput();
  handler = loadAuthorizer(config, {
    USER_POOL_ID: jwks.poolId,
    TOKEN_ISSUER: jwks.issuer,
    JWKS_URL: jwks.jwksUrl,
    CLIENT_REGISTRY_FILE: writeClientRegistry([{ id: SERVICE_CLIENT, name: 'svc' }], config),
    USER_CLIENT_ID: USER_CLIENT,
    REVOCATION_FILE: '/nonexistent/deny-list.json',
  });
});

afterAll(async () => {
  output.restore();
  await jwks.stop();
});

/** Request headers for each kind of principal holding exactly `role`. */
function principals(role: Role): Array<[string, Record<string, string>]> {
  const service = signJwt(key, m2mAccessTokenClaims({ issuer: jwks.issuer, clientId: SERVICE_CLIENT, scopes: [`api/${scopeOf[role]}`] }));
  const user = signJwt(key, userAccessTokenClaims({ issuer: jwks.issuer, clientId: USER_CLIENT, username: `u-${role}`, groups: [`group-${role}`] }));
  return [
    ['service', { Authorization: `Bearer ${service}` }],
    ['user', { Authorization: `Bearer ${user}` }],
    ['legacy-api-key', { 'x-api-key': legacyKey(role) }],
  ];
}

const concrete = (path: string) => path.replace(/\{[^}]+\+\}/g, 'a/b/c.txt').replace(/\{[^}]+\}/g, '42');

describe('REST: the synthesized methods and the authorizer policy agree', () => {
  const { tf } = synthEnvironment(config);
  const methods = resourcesOf(tf, 'aws_api_gateway_method');
  const paths = restResourcePaths(tf);

  test('every route of the table is a method, and nothing else is', () => {
    const synthesized = methods.map((m) => `${m.http_method} ${paths.get(String(m.resource_id))}`).sort();
    expect(synthesized).toEqual(config.routes.map((r) => `${r.method} ${r.path}`).sort());
  });

  test.each(ROLES.map((role) => [role]))('%s: allowed exactly where the role permits', async (role) => {
    for (const [kind, headers] of principals(role)) {
      for (const method of methods) {
        const path = paths.get(String(method.resource_id))!;
        const route = config.routes.find((r) => r.method === method.http_method && r.path === path)!;
        const methodArn = `${ARN_PREFIX}${method.http_method}${concrete(path)}`;
        const event = { type: 'REQUEST', methodArn, resource: path, path: concrete(path), httpMethod: method.http_method, headers };
        const result = (await handler(event as never)) as { policyDocument: Parameters<typeof policyAllows>[0] };
        expect([kind, route.method, route.path, policyAllows(result.policyDocument, methodArn)]).toEqual([kind, route.method, route.path, rolesAllow([role], route.permission)]);
      }
    }
  });
});

describe('HTTP API: the synthesized route keys and the authorizer decisions agree', () => {
  const { tf } = synthEnvironment(environment({ ...input, gateway: { type: 'http' } }));
  const routeKeys = resourcesOf(tf, 'aws_apigatewayv2_route').map((r) => String(r.route_key));

  test.each(ROLES.map((role) => [role]))('%s: authorized exactly where the role permits', async (role) => {
    expect(routeKeys).toHaveLength(config.routes.length);
    for (const [kind, headers] of principals(role)) {
      for (const routeKey of routeKeys) {
        const route = config.routes.find((r) => `${r.method} ${r.path}` === routeKey)!;
        const lower = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
        const result = (await handler({ version: '2.0', type: 'REQUEST', routeKey, headers: lower } as never)) as APIGatewaySimpleAuthorizerResult;
        expect([kind, routeKey, result.isAuthorized]).toEqual([kind, routeKey, rolesAllow([role], route.permission)]);
      }
    }
  });
});

test('a wrong legacy key, or a key alongside a bearer token, gets nothing from the key', async () => {
  const arn = `${ARN_PREFIX}GET/orders`;
  const request = (headers: Record<string, string>) => handler({ type: 'REQUEST', methodArn: arn, resource: '/orders', path: '/orders', httpMethod: 'GET', headers } as never);
  await expect(request({ 'x-api-key': 'not-a-configured-key' })).rejects.toThrow('Unauthorized');
  await expect(request({ 'x-api-key': legacyKey('admin'), Authorization: 'Bearer not.a.token' })).rejects.toThrow('Unauthorized');
  const decision = output.lines().filter((line) => line.message === 'authorization decision').pop();
  expect(decision).toMatchObject({ reason: 'malformed' });
  expect(JSON.stringify(output.lines())).not.toContain(legacyKey('admin'));
});
