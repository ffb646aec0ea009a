/**
 * The gateway's authorizer cache as API Gateway's REST cache behaves: a cached Allow is served for the
 * whole `resultCacheTtlSeconds`, even after the token's `exp`, so a token keeps working up to the TTL
 * past its expiry (the bound README states next to the TTL, and that synth warns about).
 */
import { m2mAccessTokenClaims, signJwt } from '../../sandbox/cognito-tokens';
import { loadSandboxState } from '../../sandbox/state';
import { useSandbox } from '../support/sandbox';
import { environment } from '../fixtures';

const TTL_SECONDS = 3;
const config = environment({ m2mClients: [{ name: 'reporting', scopes: ['read'] }], gateway: { resultCacheTtlSeconds: TTL_SECONDS } });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const local = useSandbox(config, 'cache');

/** A token of the sandbox's own key that expires `seconds` from now. */
function tokenExpiringIn(seconds: number): string {
  const key = loadSandboxState(local.dir, config).signingKey;
  const [client] = local.sandbox.clients;
  const iat = Math.floor(Date.now() / 1000) - 60;
  return signJwt(key, m2mAccessTokenClaims({ issuer: local.sandbox.issuer, clientId: client.clientId, scopes: client.scopes, iat, validitySeconds: 60 + seconds }));
}

test('a token is allowed from the cache up to the TTL past its exp, then refused', async () => {
  // GIVEN a token whose exp (whole seconds) is 1-2 s away, allowed once (the answer is cached for 3 s)
  const started = Date.now();
  const headers = { authorization: `Bearer ${tokenExpiringIn(2)}` };
  expect((await fetch(`${local.sandbox.apiUrl}/orders`, { headers })).status).toBe(200);
  const cachedBy = Date.now();
  // WHEN it has expired (exp <= started + 2 s) but the cached answer (until >= started + 3 s) has not
  await sleep(2100 - (Date.now() - started));
  // THEN the gateway still lets it through, as API Gateway does
  expect((await fetch(`${local.sandbox.apiUrl}/orders`, { headers })).status).toBe(200);
  // WHEN the cached answer has expired too (it was cached before cachedBy)
  await sleep(TTL_SECONDS * 1000 + 300 - (Date.now() - cachedBy));
  // THEN the authorizer is asked again and refuses it
  expect((await fetch(`${local.sandbox.apiUrl}/orders`, { headers })).status).toBe(401);
});

test('a fresh token that has never been cached is refused at once after its exp', async () => {
  const headers = { authorization: `Bearer ${tokenExpiringIn(-1)}` };
  expect((await fetch(`${local.sandbox.apiUrl}/orders`, { headers })).status).toBe(401);
});
