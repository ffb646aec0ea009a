/**
 * The client registry in the real authorizer bundle (what synth deploys): read at init and on the
 * deny-list's cadence, from SSM (aws-sdk-client-mock) or a file; what happens when it cannot be read,
 * when a client is added or re-scoped; and what 1,000 clients cost.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { bundleAuthorizer } from '../../lib/authorizer/authorizer-bundle';
import { generateSigningKey, m2mAccessTokenClaims, signJwt, userAccessTokenClaims, userIdTokenClaims, type SigningKey } from '../../sandbox/cognito-tokens';
import { JwksServer } from '../../sandbox/jwks-server';
import { policyAllows } from '../../sandbox/iam-policy';
import { environment } from '../fixtures';
import { captureOutput, loadAuthorizer, writeClientRegistry } from '../support/authorizer-bundle';
import { restToken } from '../support/authorizer-harness';
import { methodArn } from '../support/iam';

const CLIENTS = { reporting: 'client0reporting0000000001', partner: 'client0partner000000000002', added: 'client0added00000000000004', user: 'client0users00000000000003' };
const PARAMETERS = ['/m2m-auth/test/clients/0', '/m2m-auth/test/clients/1'];
const config = environment({ userClient: { callbackUrls: ['https://app.example.com/callback'], groupRoles: { readers: 'reader' }, scopes: [] } });
/** Prints a figure past the output capture (which swallows process.stdout and process.stderr writes). */
const report = (line: string) => fs.writeSync(2, `${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let key: SigningKey;
let jwks: JwksServer;
let output: ReturnType<typeof captureOutput>;
const ssm = mockClient(SSMClient);

function settings(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    USER_POOL_ID: jwks.poolId,
    TOKEN_ISSUER: jwks.issuer,
    JWKS_URL: jwks.jwksUrl,
    USER_CLIENT_ID: CLIENTS.user,
    CLIENT_REGISTRY_PARAMETERS: PARAMETERS.join(','),
    CLIENT_REGISTRY_FILE: undefined,
    M2M_CLIENTS: undefined,
    REVOCATION_FILE: '/nonexistent/deny-list.json',
    REVOCATION_PARAMETER: undefined,
    REVOCATION_REFRESH_SECONDS: '60',
    ENVIRONMENT: 'test',
    ...overrides,
  };
}

/** SSM answers GetParameters with these parts (one per parameter name, in order). */
function ssmHolds(...parts: Array<Array<[string, string, string[]]>>): void {
  ssm.on(GetParametersCommand).callsFake((input: { Names: string[] }) => ({
    Parameters: input.Names.map((Name) => ({ Name, Value: JSON.stringify(parts[PARAMETERS.indexOf(Name)] ?? []) })),
    InvalidParameters: [],
  }));
}

const m2mToken = (clientId: string, scopes: string[]) => `Bearer ${signJwt(key, m2mAccessTokenClaims({ issuer: jwks.issuer, clientId, scopes }))}`;
const registryReads = () => ssm.commandCalls(GetParametersCommand).length;

function lastDecision(): Record<string, unknown> {
  const decisions = output.lines().filter((line) => line.message === 'authorization decision');
  expect(decisions.length).toBeGreaterThan(0);
  return decisions[decisions.length - 1];
}

const warnings = () => output.lines().filter((line) => line.level === 'WARN' && line.message === 'client registry could not be read; keeping the last registry');

beforeAll(async () => {
  key = generateSigningKey('key-1');
  jwks = await new JwksServer([key]).start();
  output = captureOutput();
});

afterAll(async () => {
  output.restore();
  ssm.restore();
  await jwks.stop();
});

beforeEach(() => {
  ssm.reset();
  output.clear();
});

describe('from SSM parameters', () => {
  test('the parts are read with GetParameters and their union is the registry: names and scopes from the entries', async () => {
    ssmHolds([[CLIENTS.reporting, 'reporting', ['read']]], [[CLIENTS.partner, 'partner-backend', ['read', 'write']]]);
    const handler = loadAuthorizer(config, settings());
    expect(await restToken(handler, m2mToken(CLIENTS.partner, ['api/write']), 'POST', '/orders')).toMatchObject({ status: 200, context: { clientName: 'partner-backend', scopes: 'api/write' } });
    expect(await restToken(handler, m2mToken(CLIENTS.reporting, ['api/write']), 'POST', '/orders')).toMatchObject({ status: 403 });
    expect(lastDecision()).toMatchObject({ reason: 'insufficient_scope', clientName: 'reporting', ignoredScopes: ['api/write'] });
    expect(ssm.commandCalls(GetParametersCommand).map((call) => call.args[0].input.Names)).toEqual([PARAMETERS]);
  });

  test('never read (cold start, SSM down): M2M tokens are refused with registry_unavailable, user tokens keep working', async () => {
    ssm.on(GetParametersCommand).rejects(new Error('AccessDeniedException'));
    const handler = loadAuthorizer(config, settings());
    expect((await restToken(handler, m2mToken(CLIENTS.reporting, ['api/read']), 'GET', '/orders')).status).toBe(401);
    expect(lastDecision()).toMatchObject({ decision: 'deny', reason: 'registry_unavailable' });
    const idToken = signJwt(key, userIdTokenClaims({ issuer: jwks.issuer, clientId: CLIENTS.user, username: 'ana', email: 'ana@example.com', groups: ['readers'] }));
    expect((await restToken(handler, `Bearer ${idToken}`, 'GET', '/orders')).status).toBe(200);
    const accessToken = signJwt(key, userAccessTokenClaims({ issuer: jwks.issuer, clientId: CLIENTS.user, username: 'bo', groups: ['readers'] }));
    expect((await restToken(handler, `Bearer ${accessToken}`, 'GET', '/orders')).status).toBe(200);
    expect(warnings().length).toBeGreaterThan(0);
    expect(warnings()[0]).toMatchObject({ source: `2 SSM parameters ${PARAMETERS[0]}, ...`, error: 'Error: AccessDeniedException' });

    // SSM answers again: the next M2M request reads the registry and passes.
    ssm.reset();
    ssmHolds([[CLIENTS.reporting, 'reporting', ['read']]]);
    expect((await restToken(handler, m2mToken(CLIENTS.reporting, ['api/read']), 'GET', '/orders')).status).toBe(200);
  });

  test('InvalidParameters in the answer is a failed read: registry_unavailable at a cold start', async () => {
    ssm.on(GetParametersCommand).resolves({ Parameters: [{ Name: PARAMETERS[0], Value: '[]' }], InvalidParameters: [PARAMETERS[1]] });
    const handler = loadAuthorizer(config, settings());
    expect((await restToken(handler, m2mToken(CLIENTS.reporting, ['api/read']), 'GET', '/orders')).status).toBe(401);
    expect(lastDecision()).toMatchObject({ reason: 'registry_unavailable' });
    expect(String(warnings()[0].error)).toContain(`SSM has no parameter ${PARAMETERS[1]}`);
  });

  test('after one good read, a failing refresh keeps the last registry in force, with a warning each time', async () => {
    ssmHolds([[CLIENTS.reporting, 'reporting', ['read']]]);
    const handler = loadAuthorizer(config, settings({ REVOCATION_REFRESH_SECONDS: '1' }));
    const token = m2mToken(CLIENTS.reporting, ['api/read']);
    expect((await restToken(handler, token, 'GET', '/orders')).status).toBe(200);
    ssm.reset();
    ssm.on(GetParametersCommand).rejects(new Error('ThrottlingException'));
    for (let i = 0; i < 2; i++) {
      await sleep(1100);
      expect((await restToken(handler, m2mToken(CLIENTS.reporting, ['api/read']), 'GET', '/orders')).status).toBe(200);
    }
    expect(registryReads()).toBe(2);
    expect(warnings()).toHaveLength(2);
    expect(warnings()[1]).toMatchObject({ error: 'Error: ThrottlingException' });
    expect(warnings()[1].ageSeconds).toBeGreaterThanOrEqual(2);
  });

  test('a client added by a deploy works at once: its first token forces one re-read', async () => {
    ssmHolds([[CLIENTS.reporting, 'reporting', ['read']]]);
    const handler = loadAuthorizer(config, settings());
    expect((await restToken(handler, m2mToken(CLIENTS.reporting, ['api/read']), 'GET', '/orders')).status).toBe(200);
    expect(registryReads()).toBe(1);
    ssmHolds([[CLIENTS.reporting, 'reporting', ['read']]], [[CLIENTS.added, 'added-client', ['read']]]);
    expect(await restToken(handler, m2mToken(CLIENTS.added, ['api/read']), 'GET', '/orders')).toMatchObject({ status: 200, context: { clientName: 'added-client' } });
    expect(registryReads()).toBe(2);
    // A client the registry lists forces nothing.
    expect((await restToken(handler, m2mToken(CLIENTS.reporting, ['api/read']), 'GET', '/orders')).status).toBe(200);
    expect(registryReads()).toBe(2);
  });

  test('unknown clients force at most one re-read per 10 s, then unknown_client', async () => {
    ssmHolds([[CLIENTS.reporting, 'reporting', ['read']]]);
    const handler = loadAuthorizer(config, settings());
    await restToken(handler, m2mToken(CLIENTS.reporting, ['api/read']), 'GET', '/orders');
    expect(registryReads()).toBe(1);
    for (let i = 0; i < 3; i++) {
      expect((await restToken(handler, m2mToken(`client0stranger00000000${i}`, ['api/read']), 'GET', '/orders')).status).toBe(401);
      expect(lastDecision()).toMatchObject({ reason: 'unknown_client' });
    }
    expect(registryReads()).toBe(2);
  });
});

describe('from a file', () => {
  test('a re-scoped or removed client loses what it lost at the next refresh, cached decisions included', async () => {
    const file = writeClientRegistry([
      { id: CLIENTS.reporting, name: 'reporting', scopes: ['read'] },
      { id: CLIENTS.partner, name: 'partner-backend', scopes: ['read', 'write'] },
    ]);
    const handler = loadAuthorizer(config, settings({ CLIENT_REGISTRY_PARAMETERS: undefined, CLIENT_REGISTRY_FILE: file, REVOCATION_REFRESH_SECONDS: '1' }));
    const partner = m2mToken(CLIENTS.partner, ['api/read', 'api/write']);
    const reporting = m2mToken(CLIENTS.reporting, ['api/read']);
    expect((await restToken(handler, partner, 'POST', '/orders')).status).toBe(200);
    expect((await restToken(handler, partner, 'POST', '/orders')).status).toBe(200);
    expect(lastDecision()).toMatchObject({ cached: true, scopes: ['api/read', 'api/write'] });
    expect((await restToken(handler, reporting, 'GET', '/orders')).status).toBe(200);

    fs.writeFileSync(file, JSON.stringify([[CLIENTS.partner, 'partner-backend', ['read']]]));
    await sleep(1100);
    expect((await restToken(handler, partner, 'POST', '/orders')).status).toBe(403);
    expect(lastDecision()).toMatchObject({ reason: 'insufficient_scope', cached: false, scopes: ['api/read'], ignoredScopes: ['api/write'] });
    expect((await restToken(handler, partner, 'GET', '/orders')).status).toBe(200);
    expect((await restToken(handler, reporting, 'GET', '/orders')).status).toBe(401);
    expect(lastDecision()).toMatchObject({ reason: 'unknown_client' });
  });

  test('a registry that did not change keeps the cache', async () => {
    const file = writeClientRegistry([{ id: CLIENTS.reporting, name: 'reporting', scopes: ['read'] }]);
    const handler = loadAuthorizer(config, settings({ CLIENT_REGISTRY_PARAMETERS: undefined, CLIENT_REGISTRY_FILE: file, REVOCATION_REFRESH_SECONDS: '1' }));
    const token = m2mToken(CLIENTS.reporting, ['api/read']);
    expect((await restToken(handler, token, 'GET', '/orders')).status).toBe(200);
    await sleep(1100);
    expect((await restToken(handler, token, 'GET', '/orders')).status).toBe(200);
    expect(lastDecision()).toMatchObject({ cached: true });
  });

  test('a missing file: no M2M clients', async () => {
    const handler = loadAuthorizer(config, settings({ CLIENT_REGISTRY_PARAMETERS: undefined, CLIENT_REGISTRY_FILE: '/nonexistent/clients.json' }));
    expect((await restToken(handler, m2mToken(CLIENTS.reporting, ['api/read']), 'GET', '/orders')).status).toBe(401);
    expect(lastDecision()).toMatchObject({ reason: 'unknown_client' });
  });
});

describe('misconfigured', () => {
  test.each([
    ['M2M_CLIENTS is set (an old deployment)', { M2M_CLIENTS: `reporting=${CLIENTS.reporting}` }, 'Environment variable M2M_CLIENTS is no longer read'],
    ['no registry is named', { CLIENT_REGISTRY_PARAMETERS: undefined }, 'Environment variable CLIENT_REGISTRY_PARAMETERS (or CLIENT_REGISTRY_FILE) is required'],
    ['both registries are named', { CLIENT_REGISTRY_FILE: '/tmp/clients.json' }, 'Environment variables CLIENT_REGISTRY_PARAMETERS and CLIENT_REGISTRY_FILE: set only one'],
  ])('fails when %s: every request is denied and the cause logged', async (_what, overrides, message) => {
    const broken = loadAuthorizer(config, settings(overrides));
    expect(String(output.lines().find((line) => line.level === 'ERROR')?.error)).toContain(message);
    expect((await restToken(broken, m2mToken(CLIENTS.reporting, ['api/read']), 'GET', '/orders')).status).toBe(401);
    expect(lastDecision()).toMatchObject({ reason: 'misconfigured' });
  });
});

describe('1,000 clients', () => {
  const COUNT = 1_000;
  const ids = Array.from({ length: COUNT }, (_, i) => `client${String(i).padStart(20, '0')}`);
  const names = ids.map((_, i) => `service-${String(i).padStart(4, '0')}`);
  const configWith = (count: number) => ({ ...config, m2mClients: names.slice(0, count).map((name) => ({ ...config.m2mClients[0], name, scopes: ['read', 'write'] })) });

  test('the bundle does not grow with the clients, and stays within 64 KB', () => {
    const small = Buffer.byteLength(bundleAuthorizer(configWith(10)).code);
    const large = Buffer.byteLength(bundleAuthorizer(configWith(COUNT)).code);
    report(`authorizer bundle: ${small} bytes at 10 clients, ${large} bytes at ${COUNT} clients`);
    expect(large).toBe(small);
    expect(large).toBeLessThanOrEqual(64 * 1024);
  });

  test('the first decision in a fresh process: the 1,000th client is allowed (init time: npm run bench -- scale)', async () => {
    const registry = writeClientRegistry(ids.map((id, i) => ({ id, name: names[i], scopes: ['read', 'write'] })));
    report(`client registry of ${COUNT} clients: ${fs.statSync(registry).size} bytes`);
    const dir = path.resolve(__dirname, '..', '..', 'node_modules', '.cache', 'm2m-auth-test-modules');
    fs.mkdirSync(dir, { recursive: true });
    const bundleFile = path.join(dir, `authorizer-1000-${process.pid}.js`);
    fs.writeFileSync(bundleFile, bundleAuthorizer(configWith(COUNT)).code);
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, ...settings({ CLIENT_REGISTRY_PARAMETERS: undefined, CLIENT_REGISTRY_FILE: registry }), POWERTOOLS_LOG_LEVEL: 'ERROR' };
    for (const name of Object.keys(env)) if (env[name] === undefined) delete env[name];
    const arn = methodArn('POST', '/orders');
    const samples: Array<{ initMs: number; readyMs: number; allowed: boolean; clientName: string }> = [];
    try {
      for (let i = 0; i < 1; i++) {
        const out = path.join(path.dirname(registry), `probe-${i}.json`);
        await promisify(execFile)(process.execPath, ['-e', PROBE, bundleFile, out, m2mToken(ids[COUNT - 1], ['api/write']), arn], { env, cwd: dir, timeout: 30_000 });
        const sample = JSON.parse(fs.readFileSync(out, 'utf8')) as { initMs: number; readyMs: number; result: { policyDocument?: unknown; context?: { clientName: string } } };
        samples.push({ initMs: sample.initMs, readyMs: sample.readyMs, allowed: policyAllows(sample.result.policyDocument as never, arn), clientName: sample.result.context?.clientName ?? '' });
      }
    } finally {
      fs.rmSync(bundleFile, { force: true });
    }
    expect(samples.every((s) => s.allowed && s.clientName === names[COUNT - 1])).toBe(true);
  });
});

/** Loads the bundle (timed), waits for `ready`, decides one REST TOKEN request; writes the figures to argv[2]. */
const PROBE = `
const { performance } = require('node:perf_hooks');
const fs = require('node:fs');
const [bundle, out, header, methodArn] = process.argv.slice(1);
const started = performance.now();
const mod = require(bundle);
const initMs = performance.now() - started;
mod.ready.then(async () => {
  const readyMs = performance.now() - started;
  const result = await mod.handler({ type: 'TOKEN', authorizationToken: header, methodArn }).catch((error) => ({ error: String(error) }));
  fs.writeFileSync(out, JSON.stringify({ initMs, readyMs, result }));
});
`;
