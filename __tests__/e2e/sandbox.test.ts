/**
 * The whole M2M flow over real HTTP on one machine: the local sandbox (Cognito-compatible token
 * endpoint and JWKS, the real bundled authorizer and backend behind REST gateway semantics) and the
 * token client that services use.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { rolesAllow, STANDARD_SCOPE_ROLES, type Role, type Route } from '../../lambdas/authorizer/permission-model';
import { startSandbox, type Sandbox } from '../../sandbox/server';
import { TokenClient, TokenEndpointError } from '../../token-client';
import { loadEnvironments } from '../../lib/config/load';
import { environment } from '../fixtures';
import { captureOutput } from '../support/authorizer-bundle';
import { FaultProxy } from '../support/fault-proxy';

/** The shipped dev route table, whatever it holds; plus `GET /whoami` if it lacks it (the identity test needs it). */
const SHIPPED_ROUTES = loadEnvironments({}).find((env) => env.name === 'dev')!.routes;
const WHOAMI = { method: 'GET', path: '/whoami', permission: 'read' } as const;

const config = environment({
  routes: SHIPPED_ROUTES.some((r) => r.method === WHOAMI.method && r.path === WHOAMI.path) ? SHIPPED_ROUTES : [...SHIPPED_ROUTES, WHOAMI],
  m2mClients: [
    { name: 'reporting', scopes: ['read'] },
    { name: 'partner-backend', scopes: ['read', 'write'] },
    { name: 'retention-job', scopes: ['delete'] },
    { name: 'billing-batch', scopes: ['read', 'execute'] },
  ],
  // The gateway calls the authorizer on every request, so revocations show within the refresh time.
  gateway: { resultCacheTtlSeconds: 0 },
  authorizer: { revocationRefreshSeconds: 1, revocationMaxStaleSeconds: 5, memoryMb: 256, decisionCacheSize: 1000 },
});

const ORDER = { item: 'widget', quantity: 2 };

/** The first route that `role` may call and `not` may not: the flow tests need one, whatever the table holds. */
function routeFor(role: Role, not?: Role): Route {
  const route = config.routes.find((r) => rolesAllow([role], r.permission) && !(not && rolesAllow([not], r.permission)));
  if (!route) throw new Error(`the shipped dev route table has no route that a ${role} may call${not ? ` and a ${not} may not` : ''}; the sandbox flow tests need one`);
  return route;
}
const READ = routeFor('reader');
const DELETE = routeFor('deleter');
const WRITE = routeFor('writer', 'reader');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let stateDir: string;
let sandbox: Sandbox;
let output: ReturnType<typeof captureOutput>;

beforeAll(async () => {
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'm2m-sandbox-'));
  output = captureOutput();
  sandbox = await startSandbox({ config, stateDir, port: 0 });
});

afterAll(async () => {
  await sandbox.stop();
  output.restore();
  fs.rmSync(stateDir, { recursive: true, force: true });
});

beforeEach(() => output.clear());

function clientFor(name: string, options: Partial<ConstructorParameters<typeof TokenClient>[0]> = {}): TokenClient {
  const client = sandbox.clients.find((c) => c.name === name)!;
  return new TokenClient({ credentials: { clientId: client.clientId, clientSecret: client.clientSecret, tokenEndpoint: sandbox.tokenEndpoint }, ...options });
}

/** A concrete path for a route template: `1` for `{id}` (a seed order), `a/b` for a greedy `{param+}`, `x` otherwise. */
const concrete = (template: string) => template.replace(/\{id\}/g, '1').replace(/\{[^}]+\+\}/g, 'a/b').replace(/\{[^}]+\}/g, 'x');
const urlOf = (route: Route) => `${sandbox.apiUrl}${concrete(route.path)}`;

async function call(client: TokenClient, method: string, route: string): Promise<Response> {
  const body = method === 'POST' || method === 'PUT' || method === 'PATCH' ? JSON.stringify(ORDER) : undefined;
  return client.fetch(`${sandbox.apiUrl}${concrete(route)}`, { method, body, headers: { 'content-type': 'application/json' } });
}

describe('each client on each route', () => {
  test.each(config.m2mClients.map((client) => [client.name, client.scopes]))('%s: 200 where its scopes permit, 403 elsewhere', async (name, scopes) => {
    const client = clientFor(name);
    const roles = scopes.map((scope) => STANDARD_SCOPE_ROLES[scope]);
    for (const route of config.routes) {
      const response = await call(client, route.method, route.path);
      const expected = rolesAllow(roles, route.permission) ? [200, 201] : [403];
      expect([route.method, route.path, expected.includes(response.status)]).toEqual([route.method, route.path, true]);
      if (response.status === 403) {
        expect(response.headers.get('www-authenticate')).toBe('Bearer realm="m2m-auth", error="insufficient_scope"');
        expect(await response.json()).toMatchObject({ error: 'insufficient_scope' });
      } else {
        // whoami answers with the identity itself, the order routes say who did it under `by`, any
        // other configured route names its caller under `caller`.
        const body = (await response.json()) as { clientName?: string; by?: { clientName: string }; caller?: { clientName: string } };
        expect(body.by?.clientName ?? body.caller?.clientName ?? body.clientName).toBe(name);
      }
    }
    expect(client.tokenRequests).toBe(1);
  });

  test('whoami returns the identity the authorizer established', async () => {
    const response = await call(clientFor('billing-batch'), 'GET', '/whoami');
    const billing = sandbox.clients.find((c) => c.name === 'billing-batch')!;
    expect(await response.json()).toEqual({
      principalType: 'service',
      principalId: billing.clientId,
      clientId: billing.clientId,
      clientName: 'billing-batch',
      tokenUse: 'access',
      scopes: ['api/read', 'api/execute'],
      roles: ['reader', 'executor'],
    });
  });

  test('401 without a token, with a bad token, and with a token of another issuer', async () => {
    const plain = await fetch(urlOf(READ), { method: READ.method });
    expect(plain.status).toBe(401);
    expect(plain.headers.get('www-authenticate')).toBe('Bearer realm="m2m-auth", error="invalid_token"');
    expect((await fetch(urlOf(READ), { method: READ.method, headers: { authorization: 'Bearer not.a.jwt' } })).status).toBe(401);
    const token = await clientFor('reporting').getToken();
    const [header, , signature] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()), scope: 'api/admin' })).toString('base64url');
    expect((await fetch(urlOf(DELETE), { method: DELETE.method, headers: { authorization: `Bearer ${header}.${forged}.${signature}` } })).status).toBe(401);
  });

  test('an unknown route is a 404', async () => {
    expect((await call(clientFor('reporting'), 'GET', '/unknown')).status).toBe(404);
  });
});

describe('the token endpoint', () => {
  test('client_secret_post works too, and a scope subset narrows the token', async () => {
    const partner = clientFor('partner-backend', { authMethod: 'client_secret_post' });
    const request = { method: WRITE.method, body: JSON.stringify(ORDER) };
    expect((await partner.fetch(urlOf(WRITE), request, ['api/read'])).status).toBe(403);
    expect([200, 201]).toContain((await partner.fetch(urlOf(WRITE), request, ['api/write'])).status);
  });

  test.each([
    ['a wrong secret', { clientSecret: 'wrong' }, 'invalid_client'],
    ['a scope the client does not have', { scopes: ['api/admin'] }, 'invalid_scope'],
  ])('%s: a clear RFC 6749 error, no retry', async (_what, change, oauthError) => {
    const reporting = sandbox.clients.find((c) => c.name === 'reporting')!;
    const client = new TokenClient({ credentials: { clientId: reporting.clientId, clientSecret: reporting.clientSecret, tokenEndpoint: sandbox.tokenEndpoint, ...change } });
    await expect(client.getToken()).rejects.toMatchObject({ name: 'TokenEndpointError', oauthError });
    expect(client.tokenRequests).toBe(1);
  });

  test('an unsupported grant type; a grant an M2M client may not use (Cognito: unauthorized_client)', async () => {
    const response = await fetch(sandbox.tokenEndpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=password&username=a&password=b' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_client' });
    const reporting = sandbox.clients.find((c) => c.name === 'reporting')!;
    const body = new URLSearchParams({ grant_type: 'authorization_code', client_id: reporting.clientId, client_secret: reporting.clientSecret });
    const refused = await fetch(sandbox.tokenEndpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: body.toString() });
    expect(await refused.json()).toMatchObject({ error: 'unauthorized_client' });
  });
});

describe('revocation and expiry', () => {
  test('a revoked client is refused within the deny-list refresh time, then allowed again', async () => {
    const retention = clientFor('retention-job');
    expect((await call(retention, DELETE.method, DELETE.path)).status).toBe(200);
    const id = sandbox.clients.find((c) => c.name === 'retention-job')!.clientId;
    fs.writeFileSync(sandbox.denyListFile, JSON.stringify({ clientIds: [id], jtis: [] }));
    await sleep(1100);
    const refused = await call(retention, DELETE.method, DELETE.path);
    expect(refused.status).toBe(401);
    expect(retention.tokenRequests).toBe(2);
    fs.writeFileSync(sandbox.denyListFile, JSON.stringify({ clientIds: [], jtis: [] }));
    await sleep(1100);
    expect((await call(retention, DELETE.method, DELETE.path)).status).toBe(200);
  });

  test('a token the API refuses (401) is replaced once with a fresh one', async () => {
    const reporting = clientFor('reporting');
    const first = await reporting.getToken();
    const jti = JSON.parse(Buffer.from(first.split('.')[1], 'base64url').toString()).jti as string;
    fs.writeFileSync(sandbox.denyListFile, JSON.stringify({ clientIds: [], jtis: [jti] }));
    await sleep(1100);
    const response = await call(reporting, READ.method, READ.path);
    expect(response.status).toBe(200);
    expect(reporting.tokenRequests).toBe(2);
    fs.writeFileSync(sandbox.denyListFile, JSON.stringify({ clientIds: [], jtis: [] }));
  });

  test('an expired token is refreshed by the client before it is used', async () => {
    let clock = Date.now();
    const reporting = clientFor('reporting', { now: () => clock });
    const first = await reporting.getToken();
    clock += 61 * 60 * 1000;
    const second = await reporting.getToken();
    expect(second).not.toBe(first);
    expect(reporting.tokenRequests).toBe(2);
    expect((await call(reporting, READ.method, READ.path)).status).toBe(200);
  });
});

describe('a flaky token endpoint is survived when a retry succeeds', () => {
  let proxy: FaultProxy;
  beforeEach(async () => {
    proxy = await new FaultProxy(sandbox.tokenEndpoint).start();
  });
  afterEach(() => proxy.stop());

  function flaky(): TokenClient {
    const reporting = sandbox.clients.find((c) => c.name === 'reporting')!;
    return new TokenClient({
      credentials: { clientId: reporting.clientId, clientSecret: reporting.clientSecret, tokenEndpoint: proxy.url },
      timeoutMs: 300,
      retry: { baseDelayMs: 10, maxDelayMs: 50 },
    });
  }

  test('503, then success', async () => {
    proxy.faults = [{ kind: 'status', status: 503 }, { kind: 'status', status: 503 }];
    expect((await call(flaky(), READ.method, READ.path)).status).toBe(200);
    expect(proxy.received).toBe(3);
  });

  test('429 with Retry-After, honoured, then success', async () => {
    proxy.faults = [{ kind: 'status', status: 429, headers: { 'retry-after': '1' } }];
    const started = Date.now();
    expect((await call(flaky(), READ.method, READ.path)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(proxy.received).toBe(2);
  });

  test('a slow answer times out, the retry succeeds', async () => {
    proxy.faults = [{ kind: 'hang' }];
    expect((await call(flaky(), READ.method, READ.path)).status).toBe(200);
    expect(proxy.received).toBe(2);
  });

  test('a refusal is not retried and reaches the caller as a clear error', async () => {
    proxy.faults = [{ kind: 'status', status: 400, headers: {} }];
    const error = await flaky()
      .getToken()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenEndpointError);
    expect(proxy.received).toBe(1);
  });
});

test('a restart keeps the same credentials and signing key', async () => {
  const again = await startSandbox({ config, stateDir, port: 0 });
  try {
    expect(again.clients).toEqual(sandbox.clients);
    const token = await clientFor('reporting').getToken();
    const againUrl = `${again.apiUrl}${concrete(READ.path)}`;
    expect((await fetch(againUrl, { method: READ.method, headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    const reporting = again.clients.find((c) => c.name === 'reporting')!;
    const local = new TokenClient({ credentials: { clientId: reporting.clientId, clientSecret: reporting.clientSecret, tokenEndpoint: again.tokenEndpoint } });
    expect((await local.fetch(againUrl, { method: READ.method })).status).toBe(200);
    expect(fs.statSync(path.join(stateDir, 'state.json')).mode & 0o777).toBe(0o600);
  } finally {
    await again.stop();
  }
});
