/**
 * Property: whatever the Authorization header, a request without a valid token is never allowed and
 * never fails with anything but the documented 401 (REST) / isAuthorized false (HTTP API).
 */
import * as fc from 'fast-check';
import { generateSigningKey, m2mAccessTokenClaims, signJwt, type SigningKey } from '../../sandbox/cognito-tokens';
import { environment } from '../fixtures';
import { captureOutput, loadAuthorizer, writeClientRegistry, type AuthorizerHandler } from '../support/authorizer-bundle';
import { methodArn } from '../support/iam';
import { JwksServer } from '../../sandbox/jwks-server';

const CLIENT = 'client0reporting0000000001';
let key: SigningKey;
let intruder: SigningKey;
let jwks: JwksServer;
let handler: AuthorizerHandler;
let output: ReturnType<typeof captureOutput>;

beforeAll(async () => {
  key = generateSigningKey('key-1');
  intruder = generateSigningKey('key-1');
  jwks = await new JwksServer([key]).start();
  output = captureOutput();
  const config = environment();
  handler = loadAuthorizer(config, {
    USER_POOL_ID: jwks.poolId,
    TOKEN_ISSUER: jwks.issuer,
    JWKS_URL: jwks.jwksUrl,
    CLIENT_REGISTRY_FILE: writeClientRegistry([{ id: CLIENT, name: 'reporting' }], config),
    REVOCATION_FILE: '/nonexistent/deny-list.json',
    ENVIRONMENT: 'fuzz',
  });
});

afterAll(async () => {
  output.restore();
  await jwks.stop();
});

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value) ?? 'null').toString('base64url');
const segment = fc.stringMatching(/^[A-Za-z0-9_-]{0,60}$/);

/** Headers of every shape: noise, Bearer noise, JWT-shaped noise, hostile headers, near-valid tokens. */
function headers(): fc.Arbitrary<string> {
  const claims = fc.record(
    {
      sub: fc.oneof(fc.constant(CLIENT), fc.string()),
      client_id: fc.oneof(fc.constant(CLIENT), fc.constant(CLIENT.toUpperCase()), fc.string()),
      token_use: fc.oneof(fc.constantFrom('access', 'id', 'ACCESS', 'refresh'), fc.jsonValue()),
      scope: fc.oneof(fc.constantFrom('api/read', 'api/admin', 'API/ADMIN', 'other/admin'), fc.string()),
      iss: fc.oneof(fc.constant(jwks.issuer), fc.string()),
      exp: fc.oneof(fc.constant(Math.floor(Date.now() / 1000) + 3600), fc.integer(), fc.jsonValue()),
      iat: fc.oneof(fc.integer(), fc.jsonValue()),
    },
    { requiredKeys: [] },
  );
  const header = fc.record(
    {
      alg: fc.oneof(fc.constantFrom('RS256', 'none', 'HS256', 'RS512', 'ES256', 'rs256'), fc.jsonValue()),
      kid: fc.oneof(fc.constantFrom('key-1', 'key-2', ''), fc.jsonValue()),
      jku: fc.webUrl(),
      x5u: fc.webUrl(),
      jwk: fc.object(),
      typ: fc.string(),
    },
    { requiredKeys: [] },
  );
  const validClaims = () => m2mAccessTokenClaims({ issuer: jwks.issuer, clientId: CLIENT, scopes: ['api/read'] });
  return fc.oneof(
    fc.string({ maxLength: 200 }),
    fc.string({ unit: 'binary', maxLength: 100 }),
    fc.string({ maxLength: 200 }).map((s) => `Bearer ${s}`),
    fc.tuple(segment, segment, segment).map(([a, b, c]) => `Bearer ${a}.${b}.${c}`),
    fc.tuple(header, claims, segment).map(([h, p, sig]) => `Bearer ${b64(h)}.${b64(p)}.${sig}`),
    // Correctly signed, but by an intruder's key under our kid.
    claims.map((p) => `Bearer ${signJwt(intruder, { ...validClaims(), ...p })}`),
    // Signed by our key but with a hostile or wrong header or claims.
    fc.tuple(fc.constantFrom({ jku: 'https://evil.example.com' }, { x5u: 'https://evil.example.com' }, { alg: 'RS512' }), fc.constant(0)).map(([h]) => `Bearer ${signJwt(key, validClaims(), { header: h })}`),
    fc.constantFrom({ iss: 'https://elsewhere' }, { token_use: 'id' }, { client_id: 'someone-else' }, { exp: 1 }).map((bad) => `Bearer ${signJwt(key, { ...validClaims(), ...bad })}`),
    // A valid token with one character changed.
    fc.tuple(fc.nat(), fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.')).map(([at, c]) => {
      const token = signJwt(key, validClaims());
      const i = at % token.length;
      const mutated = token.slice(0, i) + (token[i] === c ? (c === 'A' ? 'B' : 'A') : c) + token.slice(i + 1);
      return `Bearer ${mutated}`;
    }),
    fc.nat({ max: 20_000 }).map((n) => `Bearer ${'a'.repeat(n)}.b.c`),
  );
}

test('10,000 arbitrary Authorization headers: zero Allows, only the documented 401', async () => {
  let calls = 0;
  await fc.assert(
    fc.asyncProperty(headers(), fc.constantFrom('GET', 'DELETE', 'POST'), async (header, method) => {
      calls++;
      if (calls % 500 === 0) output.clear();
      const arn = methodArn(method, '/orders');
      await expect(handler({ type: 'TOKEN', authorizationToken: header, methodArn: arn } as never)).rejects.toThrow(/^Unauthorized$/);
      const http = (await handler({ version: '2.0', type: 'REQUEST', routeKey: `${method} /orders`, headers: { authorization: header }, identitySource: [header] } as never)) as { isAuthorized: boolean; context?: unknown };
      expect(http).toEqual({ isAuthorized: false });
    }),
    { numRuns: 10_000 },
  );
  expect(calls).toBeGreaterThanOrEqual(10_000);
  // A sanity check that the property can fail: a valid token is allowed by the same handler.
  const valid = `Bearer ${signJwt(key, m2mAccessTokenClaims({ issuer: jwks.issuer, clientId: CLIENT, scopes: ['api/read'] }))}`;
  await expect(handler({ type: 'TOKEN', authorizationToken: valid, methodArn: methodArn('GET', '/orders') } as never)).resolves.toMatchObject({ principalId: CLIENT });
}, 120_000);
