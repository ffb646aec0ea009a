/**
 * The real authorizer bundle (what synth deploys), real RSA keys, a real JWKS over local HTTP,
 * tokens with exactly Cognito's claims.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHmac } from 'node:crypto';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import {
  generateSigningKey,
  m2mAccessTokenClaims,
  signJwt,
  userAccessTokenClaims,
  userIdTokenClaims,
  type SigningKey,
} from '../../sandbox/cognito-tokens';
import { environment } from '../fixtures';
import { captureOutput, loadAuthorizer, loadAuthorizerModule, writeClientRegistry, type AuthorizerHandler } from '../support/authorizer-bundle';
import { httpApi, restRequest, restToken } from '../support/authorizer-harness';
import { JwksServer } from '../../sandbox/jwks-server';

const CLIENTS = { reporting: 'client0reporting0000000001', partner: 'client0partner000000000002', user: 'client0users00000000000003' };
// reporting: read; partner-backend: read, write (the fixture's M2M clients). The user client is configured
// for execute and admin, so only the token type can keep an ID token's scope claim from counting.
const config = environment({
  userClient: { callbackUrls: ['https://app.example.com/callback'], groupRoles: { 'api-admins': 'admin', readers: 'reader' }, scopes: ['execute', 'admin'] },
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let key: SigningKey;
let jwks: JwksServer;
let stdout: ReturnType<typeof captureOutput>;
let revocationFile: string;
let registryFile: string;
let handler: AuthorizerHandler;

function settings(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    USER_POOL_ID: jwks.poolId,
    TOKEN_ISSUER: jwks.issuer,
    JWKS_URL: jwks.jwksUrl,
    CLIENT_REGISTRY_FILE: registryFile,
    USER_CLIENT_ID: CLIENTS.user,
    REVOCATION_FILE: revocationFile,
    REVOCATION_PARAMETER: undefined,
    REVOCATION_REFRESH_SECONDS: '1',
    ENVIRONMENT: 'test',
    ...overrides,
  };
}

/** A valid M2M access token of a configured client. */
function m2mToken(client: keyof typeof CLIENTS, scopes: string[], claims: Record<string, unknown> = {}, signer = key, header?: Record<string, unknown>): string {
  return signJwt(signer, { ...m2mAccessTokenClaims({ issuer: jwks.issuer, clientId: CLIENTS[client], scopes }), ...claims }, { header });
}

/** The last decision log line. */
function lastDecision(): Record<string, unknown> {
  const decisions = stdout.lines().filter((line) => line.message === 'authorization decision');
  expect(decisions.length).toBeGreaterThan(0);
  return decisions[decisions.length - 1];
}

beforeAll(async () => {
  key = generateSigningKey('key-1');
  jwks = await new JwksServer([key]).start();
  revocationFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'm2m-revocations-')), 'deny-list.json');
  registryFile = writeClientRegistry([{ id: CLIENTS.reporting, name: 'reporting' }, { id: CLIENTS.partner, name: 'partner-backend' }], config);
  stdout = captureOutput();
  handler = loadAuthorizer(config, settings());
});

afterAll(async () => {
  stdout.restore();
  await jwks.stop();
});

beforeEach(() => stdout.clear());

describe('who gets in', () => {
  test('an M2M client with the scope for the route: allowed, with its identity for the backend', async () => {
    const token = m2mToken('reporting', ['api/read']);
    const outcome = await restToken(handler, `Bearer ${token}`, 'GET', '/orders');
    expect(outcome.status).toBe(200);
    expect(outcome.context).toEqual({
      principalType: 'service',
      principalId: CLIENTS.reporting,
      clientId: CLIENTS.reporting,
      clientName: 'reporting',
      tokenUse: 'access',
      scopes: 'api/read',
      roles: 'reader',
    });
    expect(lastDecision()).toMatchObject({ decision: 'allow', reason: 'allowed', clientName: 'reporting', route: 'GET /orders', eventType: 'rest-token', grantedBy: 'api/read' });
    expect(lastDecision()).not.toHaveProperty('ignoredScopes');
    const everything = JSON.stringify(stdout.lines()) + JSON.stringify(outcome);
    expect(everything).not.toContain(token);
    expect(everything).not.toContain(token.split('.')[2]);
  });

  test('a user ID token: roles from Cognito groups', async () => {
    const token = signJwt(key, userIdTokenClaims({ issuer: jwks.issuer, clientId: CLIENTS.user, username: 'ana', email: 'ana@example.com', groups: ['api-admins'] }));
    const outcome = await restToken(handler, `Bearer ${token}`, 'DELETE', '/orders/42');
    expect(outcome).toMatchObject({ status: 200, context: { principalType: 'user', tokenUse: 'id', roles: 'admin', clientName: 'user-client' } });
  });

  test('a user access token: roles from groups plus scopes', async () => {
    const token = signJwt(key, userAccessTokenClaims({ issuer: jwks.issuer, clientId: CLIENTS.user, username: 'bo', groups: ['readers'], scopes: ['openid', 'api/execute'] }));
    expect((await restToken(handler, `Bearer ${token}`, 'GET', '/orders')).status).toBe(200);
    expect((await restToken(handler, `Bearer ${token}`, 'POST', '/orders/7/fulfil')).status).toBe(200);
    expect((await restToken(handler, `Bearer ${token}`, 'POST', '/orders')).status).toBe(403);
    expect(lastDecision()).toMatchObject({ principalType: 'user', roles: ['reader', 'executor'], scopes: ['api/execute'] });
  });

  test('the Authorization scheme is case-insensitive (RFC 6750)', async () => {
    expect((await restToken(handler, `bearer ${m2mToken('reporting', ['api/read'])}`, 'GET', '/orders')).status).toBe(200);
  });
});

describe('which scopes count', () => {
  const idToken = (claims: Record<string, unknown>, groups: string[]) =>
    signJwt(key, { ...userIdTokenClaims({ issuer: jwks.issuer, clientId: CLIENTS.user, username: 'cy', email: 'cy@example.com', groups }), ...claims });

  test('an ID token with a scope claim gets roles from cognito:groups only', async () => {
    const token = idToken({ scope: 'api/admin' }, ['readers']);
    expect(await restToken(handler, `Bearer ${token}`, 'GET', '/orders')).toMatchObject({ status: 200, context: { tokenUse: 'id', scopes: '', roles: 'reader' } });
    const outcome = await restToken(handler, `Bearer ${token}`, 'DELETE', '/orders/42');
    expect(outcome.status).toBe(403);
    expect(lastDecision()).toMatchObject({ reason: 'insufficient_scope', tokenUse: 'id', roles: ['reader'], scopes: [], ignoredScopes: ['api/admin'] });
    expect((await httpApi(handler, `Bearer ${token}`, 'DELETE /orders/{id}')).status).toBe(403);
  });

  test('an ID token whose only claim to a role is a scope: 403 insufficient_scope, the policy allows nothing', async () => {
    const outcome = await restToken(handler, `Bearer ${idToken({ scope: 'api/admin api/read' }, [])}`, 'GET', '/orders');
    expect(outcome.status).toBe(403);
    expect(outcome.policy!.Statement.map((s) => s.Effect)).toEqual(['Deny']);
    expect(lastDecision()).toMatchObject({ reason: 'insufficient_scope', roles: [], scopes: [], ignoredScopes: ['api/admin', 'api/read'] });
  });

  test('an M2M token with a scope its client is not configured for: that scope grants nothing, and is logged', async () => {
    const token = m2mToken('reporting', ['api/read', 'api/admin']);
    const allowed = await restToken(handler, `Bearer ${token}`, 'GET', '/orders');
    expect(allowed).toMatchObject({ status: 200, context: { clientName: 'reporting', scopes: 'api/read', roles: 'reader' } });
    expect(lastDecision()).toMatchObject({ decision: 'allow', scopes: ['api/read'], roles: ['reader'], ignoredScopes: ['api/admin'], grantedBy: 'api/read' });
    // The gateway caches this policy per token: it must reach no route that only the ignored scope grants.
    const { methodArn, policyAllows } = await import('../support/iam');
    expect(policyAllows(allowed.policy!, methodArn('DELETE', '/orders/42'))).toBe(false);
    expect(policyAllows(allowed.policy!, methodArn('POST', '/orders'))).toBe(false);
    expect((await restToken(handler, `Bearer ${token}`, 'DELETE', '/orders/42')).status).toBe(403);
    expect(lastDecision()).toMatchObject({ reason: 'insufficient_scope', cached: true, ignoredScopes: ['api/admin'] });
    expect((await httpApi(handler, `Bearer ${token}`, 'POST /orders')).status).toBe(403);
  });

  test('an M2M token whose only scope is not configured for its client: 403 insufficient_scope', async () => {
    const outcome = await restToken(handler, `Bearer ${m2mToken('reporting', ['api/write'])}`, 'POST', '/orders');
    expect(outcome.status).toBe(403);
    expect(outcome.policy!.Statement.map((s) => s.Effect)).toEqual(['Deny']);
    expect(lastDecision()).toMatchObject({ reason: 'insufficient_scope', clientName: 'reporting', roles: [], scopes: [], ignoredScopes: ['api/write'] });
  });

  test('each client is held to its own scopes: what one may use, another may not', async () => {
    expect((await restToken(handler, `Bearer ${m2mToken('partner', ['api/write'])}`, 'POST', '/orders')).status).toBe(200);
    expect((await restToken(handler, `Bearer ${m2mToken('reporting', ['api/write'])}`, 'POST', '/orders')).status).toBe(403);
  });

  test('a user access token: scopes the user client is not configured for are ignored', async () => {
    const token = signJwt(key, userAccessTokenClaims({ issuer: jwks.issuer, clientId: CLIENTS.user, username: 'di', scopes: ['openid', 'api/delete', 'api/execute'] }));
    expect((await restToken(handler, `Bearer ${token}`, 'POST', '/orders/7/fulfil')).status).toBe(200);
    expect((await restToken(handler, `Bearer ${token}`, 'DELETE', '/orders/7')).status).toBe(403);
    expect(lastDecision()).toMatchObject({ reason: 'insufficient_scope', roles: ['executor'], scopes: ['api/execute'], ignoredScopes: ['api/delete'] });
  });

  test('the name and the scopes come from the registry entry, not the config the bundle was built from', async () => {
    const registry = writeClientRegistry([{ id: CLIENTS.reporting, name: 'renamed-client', scopes: ['write'] }]);
    const mismatched = loadAuthorizer(config, settings({ CLIENT_REGISTRY_FILE: registry }));
    expect((await restToken(mismatched, `Bearer ${m2mToken('reporting', ['api/read'])}`, 'GET', '/orders')).status).toBe(403);
    expect(lastDecision()).toMatchObject({ reason: 'insufficient_scope', clientName: 'renamed-client', roles: [], ignoredScopes: ['api/read'] });
    expect((await restToken(mismatched, `Bearer ${m2mToken('reporting', ['api/write'])}`, 'POST', '/orders')).status).toBe(200);
  });
});

describe('event formats', () => {
  test('REST TOKEN: invalid token 401, valid without permission 403', async () => {
    expect((await restToken(handler, 'Bearer nope', 'GET', '/orders')).status).toBe(401);
    expect((await restToken(handler, `Bearer ${m2mToken('reporting', ['api/read'])}`, 'DELETE', '/orders/1')).status).toBe(403);
    expect(lastDecision()).toMatchObject({ decision: 'deny', reason: 'insufficient_scope', route: 'DELETE /orders/{id}' });
  });

  test('REST REQUEST: the header is found whatever its case', async () => {
    const token = m2mToken('partner', ['api/read', 'api/write']);
    expect((await restRequest(handler, { Authorization: `Bearer ${token}` }, 'POST', '/orders', '/orders')).status).toBe(200);
    expect((await restRequest(handler, { AUTHORIZATION: `Bearer ${token}` }, 'GET', '/orders', '/orders')).status).toBe(200);
    expect((await restRequest(handler, {}, 'GET', '/orders', '/orders')).status).toBe(401);
    expect(lastDecision()).toMatchObject({ reason: 'missing_token', eventType: 'rest-request' });
    expect((await restRequest(handler, { authorization: `Bearer ${token}` }, 'DELETE', '/orders/{id}', '/orders/9')).status).toBe(403);
  });

  test('HTTP API payload 2.0: a simple response for exactly the requested route', async () => {
    const token = m2mToken('reporting', ['api/read']);
    expect(await httpApi(handler, `Bearer ${token}`, 'GET /orders')).toMatchObject({ status: 200, context: { clientName: 'reporting', roles: 'reader' } });
    expect((await httpApi(handler, `Bearer ${token}`, 'POST /orders')).status).toBe(403);
    expect((await httpApi(handler, 'Bearer x.y.z', 'GET /orders')).status).toBe(403);
    expect(lastDecision()).toMatchObject({ eventType: 'http', reason: 'malformed' });
    expect((await httpApi(handler, `Bearer ${token}`, 'GET /unknown')).status).toBe(403);
    expect(lastDecision()).toMatchObject({ reason: 'unknown_route' });
  });

  test('an unrecognized event is denied, never thrown at', async () => {
    await expect(handler({ type: 'SOMETHING' } as never)).rejects.toThrow(/^Unauthorized$/);
    const hostile = new Proxy({}, { get: () => { throw new Error('boom'); } });
    await expect(handler(hostile as never)).rejects.toThrow(/^Unauthorized$/);
    expect(lastDecision()).toMatchObject({ decision: 'deny', reason: 'internal_error' });
  });
});

describe('a cached decision never crosses routes', () => {
  test('a token allowed on GET is still refused on DELETE after being cached', async () => {
    const header = `Bearer ${m2mToken('reporting', ['api/read'])}`;
    const first = await restToken(handler, header, 'GET', '/orders');
    expect(first.status).toBe(200);
    // API Gateway caches the policy by token and reuses it for the next route: it must not cover DELETE.
    const { policyAllows } = await import('../support/iam');
    const { methodArn } = await import('../support/iam');
    expect(policyAllows(first.policy!, methodArn('DELETE', '/orders/1'))).toBe(false);
    expect(policyAllows(first.policy!, methodArn('POST', '/orders/1/fulfil'))).toBe(false);
    expect((await restToken(handler, header, 'DELETE', '/orders/1')).status).toBe(403);
    expect(lastDecision()).toMatchObject({ cached: true, reason: 'insufficient_scope' });
    expect((await httpApi(handler, header, 'DELETE /orders/{id}')).status).toBe(403);
  });
});

describe('reason codes', () => {
  const cases: Array<[string, () => string, string]> = [
    ['missing_token', () => '', 'missing_token'],
    ['a non-Bearer header', () => 'Basic dXNlcjpwYXNz', 'malformed'],
    ['a token that is not a JWT', () => 'Bearer abc.def', 'malformed'],
    ['a header without kid', () => `Bearer ${m2mToken('reporting', ['api/read'], {}, key, { kid: undefined })}`, 'malformed'],
    ['an oversized token (> 8 KB)', () => `Bearer ${m2mToken('reporting', ['api/read'], { padding: 'x'.repeat(9000) })}`, 'oversized'],
    ['alg none', () => `Bearer ${unsigned({ alg: 'none', kid: 'key-1' })}`, 'unsupported_alg'],
    ['HS256 signed with the RSA public key', () => `Bearer ${hs256WithPublicKey()}`, 'unsupported_alg'],
    ['a jku header (validly signed)', () => `Bearer ${m2mToken('reporting', ['api/read'], {}, key, { jku: 'https://evil.example.com/jwks.json' })}`, 'malformed'],
    ['an x5u header (validly signed)', () => `Bearer ${m2mToken('reporting', ['api/read'], {}, key, { x5u: 'https://evil.example.com/cert.pem' })}`, 'malformed'],
    ['an embedded jwk header (validly signed)', () => `Bearer ${m2mToken('reporting', ['api/read'], {}, key, { jwk: { kty: 'RSA', n: 'AQAB', e: 'AQAB' } })}`, 'malformed'],
    ['an x5c header (validly signed)', () => `Bearer ${m2mToken('reporting', ['api/read'], {}, key, { x5c: ['MIIB'] })}`, 'malformed'],
    ['RS512 instead of RS256', () => `Bearer ${m2mToken('reporting', ['api/read'], {}, key, { alg: 'RS512' })}`, 'unsupported_alg'],
    ['a kid the JWKS does not have', () => `Bearer ${m2mToken('reporting', ['api/read'], {}, generateSigningKey('key-unknown'))}`, 'unknown_kid'],
    ['a signature by another key under our kid', () => `Bearer ${m2mToken('reporting', ['api/read'], {}, { ...generateSigningKey('key-1') })}`, 'bad_signature'],
    ['a tampered payload', () => `Bearer ${tampered(m2mToken('reporting', ['api/read']), { scope: 'api/admin' })}`, 'bad_signature'],
    ['a duplicate claim appended to the payload', () => `Bearer ${tamperedJson(m2mToken('reporting', ['api/read']), (json) => `${json.slice(0, -1)},"scope":"api/admin"}`)}`, 'bad_signature'],
    ['a valid signature spelled another way (base64url malleability)', () => `Bearer ${respelled(m2mToken('reporting', ['api/read']))}`, 'malformed'],
    ['an expired token', () => `Bearer ${m2mToken('reporting', ['api/read'], { exp: Math.floor(Date.now() / 1000) - 10 })}`, 'expired'],
    ['a token issued in the future', () => `Bearer ${m2mToken('reporting', ['api/read'], { iat: Math.floor(Date.now() / 1000) + 3600, exp: Math.floor(Date.now() / 1000) + 7200 })}`, 'not_yet_valid'],
    ['a token not valid yet (nbf)', () => `Bearer ${m2mToken('reporting', ['api/read'], { nbf: Math.floor(Date.now() / 1000) + 3600 })}`, 'not_yet_valid'],
    ['another issuer', () => `Bearer ${m2mToken('reporting', ['api/read'], { iss: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other' })}`, 'wrong_issuer'],
    ['a refresh token_use', () => `Bearer ${m2mToken('reporting', ['api/read'], { token_use: 'refresh' })}`, 'wrong_token_use'],
    ['token_use in upper case', () => `Bearer ${m2mToken('reporting', ['api/read'], { token_use: 'ACCESS' })}`, 'wrong_token_use'],
    ['an unknown client', () => `Bearer ${m2mToken('reporting', ['api/read'], { client_id: 'client0unknown0000000000009', sub: 'client0unknown0000000000009' })}`, 'unknown_client'],
    ['a client id in another case', () => `Bearer ${m2mToken('reporting', ['api/read'], { client_id: CLIENTS.reporting.toUpperCase() })}`, 'unknown_client'],
    ['an ID token for another client', () => `Bearer ${signJwt(key, userIdTokenClaims({ issuer: jwks.issuer, clientId: CLIENTS.reporting, username: 'x', email: 'x@example.com' }))}`, 'unknown_client'],
  ];

  test.each(cases)('%s: 401', async (_what, header, reason) => {
    const outcome = await restToken(handler, header(), 'GET', '/orders');
    expect(outcome.status).toBe(401);
    expect(lastDecision()).toMatchObject({ decision: 'deny', reason });
  });

  test.each([
    ['another resource server', ['other/admin']],
    ['case tricks on the identifier', ['API/ADMIN', 'Api/read']],
    ['a bare scope name', ['admin']],
    ['no scope at all', []],
  ])('scopes of %s grant nothing: 403 insufficient_scope', async (_what, scopes) => {
    const outcome = await restToken(handler, `Bearer ${m2mToken('partner', scopes)}`, 'GET', '/orders');
    expect(outcome.status).toBe(403);
    expect(outcome.policy!.Statement.map((s) => s.Effect)).toEqual(['Deny']);
    expect(lastDecision()).toMatchObject({ reason: 'insufficient_scope', roles: [] });
  });

  test('unknown_route: 403 and logged', async () => {
    expect((await restToken(handler, `Bearer ${m2mToken('reporting', ['api/admin'])}`, 'GET', '/secrets')).status).toBe(403);
    expect(lastDecision()).toMatchObject({ reason: 'unknown_route', route: 'GET /secrets' });
  });

  test('an expired token names its client in the log, from the verified-signature payload', async () => {
    await restToken(handler, `Bearer ${m2mToken('partner', ['api/read'], { exp: Math.floor(Date.now() / 1000) - 60 })}`, 'GET', '/orders');
    expect(lastDecision()).toMatchObject({ reason: 'expired', clientId: CLIENTS.partner });
  });

  test('a user ID token when no user client is configured: wrong_token_use', async () => {
    const withoutUsers = loadAuthorizer(config, settings({ USER_CLIENT_ID: undefined }));
    const token = signJwt(key, userIdTokenClaims({ issuer: jwks.issuer, clientId: CLIENTS.user, username: 'x', email: 'x@example.com', groups: ['api-admins'] }));
    expect((await restToken(withoutUsers, `Bearer ${token}`, 'GET', '/orders')).status).toBe(401);
    expect(lastDecision()).toMatchObject({ reason: 'wrong_token_use' });
  });

  test('misconfigured: a missing variable denies every request and logs why', async () => {
    stdout.clear();
    const broken = loadAuthorizer(config, settings({ USER_POOL_ID: undefined }));
    expect(stdout.lines().find((line) => line.level === 'ERROR')).toMatchObject({ error: 'Environment variable USER_POOL_ID is required' });
    expect((await restToken(broken, `Bearer ${m2mToken('reporting', ['api/read'])}`, 'GET', '/orders')).status).toBe(401);
    expect(lastDecision()).toMatchObject({ reason: 'misconfigured' });
  });
});

describe('metrics', () => {
  test('one line per decision: the decision log record and its EMF document, with bounded dimension sets (no per-client metric by default)', async () => {
    await restToken(handler, `Bearer ${m2mToken('reporting', ['api/read'])}`, 'GET', '/orders');
    const lines = stdout.lines();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ message: 'authorization decision', decision: 'allow', clientName: 'reporting', grantedBy: 'api/read' });
    expect(lines[0]).toMatchObject({
      _aws: { CloudWatchMetrics: [{ Namespace: 'M2MAuth', Metrics: [{ Name: 'Decisions', Unit: 'Count' }] }] },
      Decisions: 1,
      decision: 'allow',
      reason: 'allowed',
      scope: 'api/read',
      environment: 'test',
      service: 'm2m-auth-authorizer',
    });
    expect(lines[0]).not.toHaveProperty('client');
    const dimensions = (lines[0]._aws as { CloudWatchMetrics: Array<{ Dimensions: string[][] }> }).CloudWatchMetrics[0].Dimensions;
    expect(dimensions.map((set) => [...set].sort())).toEqual([
      ['decision', 'environment', 'reason', 'service'],
      ['environment', 'scope', 'service'],
    ]);
  });

  test('a denial counts by reason only', async () => {
    await restToken(handler, `Bearer ${m2mToken('reporting', ['api/read'])}`, 'DELETE', '/orders/1');
    const [line, ...more] = stdout.lines();
    expect(more).toEqual([]);
    expect(line).toMatchObject({ message: 'authorization decision', decision: 'deny', reason: 'insufficient_scope', Decisions: 1 });
    expect(line.client).toBeUndefined();
    expect((line._aws as { CloudWatchMetrics: Array<{ Dimensions: string[][] }> }).CloudWatchMetrics[0].Dimensions).toEqual([['service', 'environment', 'decision', 'reason']]);
  });
});

describe('revocation', () => {
  test('a revoked client is refused within the refresh interval, cached decisions included', async () => {
    const header = `Bearer ${m2mToken('partner', ['api/read'])}`;
    expect((await restToken(handler, header, 'GET', '/orders')).status).toBe(200);
    fs.writeFileSync(revocationFile, JSON.stringify({ clientIds: [CLIENTS.partner], jtis: [] }));
    await sleep(1100);
    expect((await restToken(handler, header, 'GET', '/orders')).status).toBe(401);
    expect(lastDecision()).toMatchObject({ reason: 'revoked', cached: true, clientName: 'partner-backend' });
    expect((await restToken(handler, `Bearer ${m2mToken('reporting', ['api/read'])}`, 'GET', '/orders')).status).toBe(200);
    fs.writeFileSync(revocationFile, JSON.stringify({ clientIds: [], jtis: [] }));
    await sleep(1100);
    expect((await restToken(handler, header, 'GET', '/orders')).status).toBe(200);
  });

  test('a single token can be revoked by its jti', async () => {
    const token = m2mToken('reporting', ['api/read']);
    const jti = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).jti as string;
    fs.writeFileSync(revocationFile, JSON.stringify({ clientIds: [], jtis: [jti] }));
    await sleep(1100);
    expect((await restToken(handler, `Bearer ${token}`, 'GET', '/orders')).status).toBe(401);
    expect(lastDecision()).toMatchObject({ reason: 'revoked' });
    expect((await restToken(handler, `Bearer ${m2mToken('reporting', ['api/read'])}`, 'GET', '/orders')).status).toBe(200);
    fs.writeFileSync(revocationFile, JSON.stringify({ clientIds: [], jtis: [] }));
  });

  describe('from the SSM parameter (aws-sdk-client-mock)', () => {
    const ssm = mockClient(SSMClient);
    afterEach(() => ssm.reset());
    afterAll(() => ssm.restore());

    test('the parameter named by REVOCATION_PARAMETER is read and honoured', async () => {
      ssm.on(GetParameterCommand, { Name: '/m2m-auth/test/revocations' }).resolves({ Parameter: { Value: JSON.stringify({ clientIds: [CLIENTS.reporting] }) } });
      const fromSsm = loadAuthorizer(config, settings({ REVOCATION_FILE: undefined, REVOCATION_PARAMETER: '/m2m-auth/test/revocations', REVOCATION_REFRESH_SECONDS: '60' }));
      expect((await restToken(fromSsm, `Bearer ${m2mToken('reporting', ['api/read'])}`, 'GET', '/orders')).status).toBe(401);
      expect(lastDecision()).toMatchObject({ reason: 'revoked' });
      expect((await restToken(fromSsm, `Bearer ${m2mToken('partner', ['api/read'])}`, 'GET', '/orders')).status).toBe(200);
      expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(1);
    });

    test('a parameter that cannot be read at cold start: every request is denied', async () => {
      ssm.on(GetParameterCommand).rejects(new Error('AccessDeniedException'));
      const blind = loadAuthorizer(config, settings({ REVOCATION_FILE: undefined, REVOCATION_PARAMETER: '/m2m-auth/test/revocations' }));
      expect((await restToken(blind, `Bearer ${m2mToken('partner', ['api/read'])}`, 'GET', '/orders')).status).toBe(401);
      expect(lastDecision()).toMatchObject({ reason: 'revocation_unavailable' });
      expect(stdout.lines().some((line) => line.level === 'WARN' && String(line.message).startsWith('deny-list could not be read'))).toBe(true);
    });
  });
});

describe('JWKS', () => {
  test('is requested during init: `ready` settles with the keys loaded, and the first decision fetches nothing', async () => {
    const cold = await new JwksServer([key], 'eu-west-1_Cold0001').start();
    try {
      const env = settings({ USER_POOL_ID: cold.poolId, TOKEN_ISSUER: cold.issuer, JWKS_URL: cold.jwksUrl });
      const token = () => `Bearer ${signJwt(key, m2mAccessTokenClaims({ issuer: cold.issuer, clientId: CLIENTS.reporting, scopes: ['api/read'] }))}`;
      const loaded = loadAuthorizerModule(config, env);
      await loaded.ready;
      expect(cold.requests).toBe(1);
      expect((await restToken(loaded.handler, token(), 'GET', '/orders')).status).toBe(200);
      expect(cold.requests).toBe(1);

      // A request that arrives while the init fetch is under way joins it instead of starting another.
      const early = loadAuthorizerModule(config, env);
      expect((await restToken(early.handler, token(), 'GET', '/orders')).status).toBe(200);
      expect(cold.requests).toBe(2);
      await early.ready;
      expect(cold.requests).toBe(2);
    } finally {
      await cold.stop();
    }
  });

  test('key rotation: a new kid triggers one refetch, then the new key works without a redeploy', async () => {
    const rotating = await new JwksServer([key], 'eu-west-1_Rotate01').start();
    try {
      const fresh = loadAuthorizer(config, settings({ USER_POOL_ID: rotating.poolId, TOKEN_ISSUER: rotating.issuer, JWKS_URL: rotating.jwksUrl }));
      const token = (signer: SigningKey) => `Bearer ${signJwt(signer, m2mAccessTokenClaims({ issuer: rotating.issuer, clientId: CLIENTS.reporting, scopes: ['api/read'] }))}`;
      expect((await restToken(fresh, token(key), 'GET', '/orders')).status).toBe(200);
      const before = rotating.requests;

      const rotated = generateSigningKey('key-2');
      rotating.keys = [key, rotated];
      expect((await restToken(fresh, token(rotated), 'GET', '/orders')).status).toBe(200);
      expect(rotating.requests).toBe(before + 1);

      // Unknown kids are rate limited: one refetch, then a back-off; three attempts cost one fetch.
      const stranger = generateSigningKey('key-stranger');
      for (let i = 0; i < 3; i++) expect((await restToken(fresh, token(stranger), 'GET', '/orders')).status).toBe(401);
      expect(rotating.requests).toBe(before + 2);
      expect(lastDecision()).toMatchObject({ reason: 'unknown_kid' });
      expect((await restToken(fresh, token(rotated), 'GET', '/orders')).status).toBe(200);
    } finally {
      await rotating.stop();
    }
  });

  test('a JWKS that is down or slow: denial within 3 s, then recovery', async () => {
    const outage = await new JwksServer([key], 'eu-west-1_Outage01').start();
    try {
      outage.mode = 'slow';
      const isolated = loadAuthorizer(config, settings({ USER_POOL_ID: outage.poolId, TOKEN_ISSUER: outage.issuer, JWKS_URL: outage.jwksUrl }));
      const token = () => signJwt(key, m2mAccessTokenClaims({ issuer: outage.issuer, clientId: CLIENTS.reporting, scopes: ['api/read'] }));

      let started = Date.now();
      expect((await restToken(isolated, `Bearer ${token()}`, 'GET', '/orders')).status).toBe(401);
      expect(Date.now() - started).toBeLessThan(3000);
      expect(lastDecision()).toMatchObject({ reason: 'jwks_unavailable' });

      outage.mode = 'down';
      started = Date.now();
      expect((await restToken(isolated, `Bearer ${token()}`, 'GET', '/orders')).status).toBe(401);
      expect(Date.now() - started).toBeLessThan(3000);
      expect(lastDecision()).toMatchObject({ reason: 'jwks_unavailable' });

      outage.mode = 'up';
      expect((await restToken(isolated, `Bearer ${token()}`, 'GET', '/orders')).status).toBe(200);
    } finally {
      await outage.stop();
    }
  });
});

/** A token with the given header and a valid-looking payload, with no signature. */
function unsigned(header: Record<string, unknown>): string {
  const payload = m2mAccessTokenClaims({ issuer: jwks.issuer, clientId: CLIENTS.reporting, scopes: ['api/admin'] });
  return `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.`;
}

/** The classic key-confusion attack: HS256 with the RSA public key (as PEM) as the HMAC secret. */
function hs256WithPublicKey(): string {
  const header = Buffer.from(JSON.stringify({ alg: 'HS256', kid: 'key-1' })).toString('base64url');
  const payload = Buffer.from(JSON.stringify(m2mAccessTokenClaims({ issuer: jwks.issuer, clientId: CLIENTS.reporting, scopes: ['api/admin'] }))).toString('base64url');
  const secret = key.publicKey.export({ type: 'spki', format: 'pem' });
  return `${header}.${payload}.${createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url')}`;
}

/** The same signature bytes with the unused trailing bits set: a second spelling of one token. */
function respelled(token: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const last = alphabet.indexOf(token[token.length - 1]);
  expect(token.split('.')[2].length % 4).toBe(2);
  return token.slice(0, -1) + alphabet[last | 0x01];
}

function tampered(token: string, claims: Record<string, unknown>): string {
  return tamperedJson(token, (json) => JSON.stringify({ ...JSON.parse(json), ...claims }));
}

function tamperedJson(token: string, edit: (json: string) => string): string {
  const [header, payload, signature] = token.split('.');
  return `${header}.${Buffer.from(edit(Buffer.from(payload, 'base64url').toString())).toString('base64url')}.${signature}`;
}
