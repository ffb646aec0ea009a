/**
 * The gateway's authorizer cache as API Gateway's REST cache behaves: a cached Allow is served for the
 * whole `resultCacheTtlSeconds`, even after the token's `exp`, so a token keeps working up to the TTL
 * past its expiry (the bound README states next to the TTL, and that synth warns about).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { m2mAccessTokenClaims, signJwt } from '../../sandbox/cognito-tokens';
import { startSandbox, type Sandbox } from '../../sandbox/server';
import { loadSandboxState } from '../../sandbox/state';
import { captureOutput } from '../support/authorizer-bundle';
import { environment } from '../fixtures';

const TTL_SECONDS = 3;
const config = environment({ m2mClients: [{ name: 'reporting', scopes: ['read'] }], gateway: { resultCacheTtlSeconds: TTL_SECONDS } });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let dir: string;
let sandbox: Sandbox;
let output: ReturnType<typeof captureOutput>;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'm2m-sandbox-cache-'));
  output = captureOutput();
  sandbox = await startSandbox({ config, stateDir: dir, port: 0 });
});

afterAll(async () => {
  await sandbox.stop();
  output.restore();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A token of the sandbox's own key that expires `seconds` from now. */
function tokenExpiringIn(seconds: number): string {
  const key = loadSandboxState(dir, config).signingKey;
  const [client] = sandbox.clients;
  const iat = Math.floor(Date.now() / 1000) - 60;
  return signJwt(key, m2mAccessTokenClaims({ issuer: sandbox.issuer, clientId: client.clientId, scopes: client.scopes, iat, validitySeconds: 60 + seconds }));
}

test('a token is allowed from the cache up to the TTL past its exp, then refused', async () => {
  // GIVEN a token that expires in 1 s, allowed once (the answer is cached for 3 s)
  const headers = { authorization: `Bearer ${tokenExpiringIn(1)}` };
  const started = Date.now();
  expect((await fetch(`${sandbox.apiUrl}/orders`, { headers })).status).toBe(200);
  // WHEN it has expired but the cached answer has not
  await sleep(2000 - (Date.now() - started));
  // THEN the gateway still lets it through, as API Gateway does
  expect((await fetch(`${sandbox.apiUrl}/orders`, { headers })).status).toBe(200);
  // WHEN the cached answer has expired too
  await sleep(TTL_SECONDS * 1000 + 300 - (Date.now() - started));
  // THEN the authorizer is asked again and refuses it
  expect((await fetch(`${sandbox.apiUrl}/orders`, { headers })).status).toBe(401);
});

test('a fresh token that has never been cached is refused at once after its exp', async () => {
  const headers = { authorization: `Bearer ${tokenExpiringIn(-1)}` };
  expect((await fetch(`${sandbox.apiUrl}/orders`, { headers })).status).toBe(401);
});
