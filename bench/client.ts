/**
 * Token client figures: token requests (what Cognito bills) for 1,000 concurrent callers on a cold
 * cache against the sandbox's real token endpoint, and for a simulated day of steady calls, ours
 * against a client that fetches a token per call, with the monthly cost of each.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadEnvironments } from '../lib/config/load';
import { startSandbox } from '../sandbox/server';
import { TokenClient } from '../token-client';
import type { Report } from './report';
import { progressOf } from './support';

const progress = progressOf('client');
/** Cognito's price per successful token request (USD). */
const USD_PER_TOKEN_REQUEST = 2.25 / 1000;
const DAY_SECONDS = 24 * 60 * 60;

export async function run(report: Report): Promise<void> {
  report('client.cold_concurrent_token_requests', await coldConcurrent(1000), 'requests');

  const oursRequests = await simulateDay(true);
  const naiveRequests = await simulateDay(false);
  report('client.day_token_requests', oursRequests, 'requests');
  report('client.naive_day_token_requests', naiveRequests, 'requests');
  report('client.monthly_token_cost_usd', oursRequests * 30 * USD_PER_TOKEN_REQUEST, 'USD');
  report('client.naive_monthly_token_cost_usd', naiveRequests * 30 * USD_PER_TOKEN_REQUEST, 'USD');
}

/** `callers` concurrent `getToken()` on a fresh client, against the sandbox's token endpoint over HTTP. */
async function coldConcurrent(callers: number): Promise<number> {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'm2m-bench-client-'));
  const config = loadEnvironments().find((env) => env.name === 'dev')!;
  const sandbox = await startSandbox({ config, stateDir, port: 0 });
  try {
    const [client] = sandbox.clients;
    const tokens = new TokenClient({ credentials: { clientId: client.clientId, clientSecret: client.clientSecret, tokenEndpoint: sandbox.tokenEndpoint } });
    const results = await Promise.all(Array.from({ length: callers }, () => tokens.getToken()));
    if (new Set(results).size !== 1) throw new Error(`${callers} concurrent callers got ${new Set(results).size} different tokens`);
    progress(`${callers} concurrent callers on a cold cache -> ${tokens.tokenRequests} token request(s)`);
    return tokens.tokenRequests;
  } finally {
    await sandbox.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

/**
 * One call per second for 24 simulated hours, 1-hour tokens. The endpoint is an in-process stand-in
 * that counts requests (86,400 real RSA-signed tokens for the naive client would measure the signer,
 * not the client); `cached` false gives each call a fresh client, which is what "a token per call" is.
 */
async function simulateDay(cached: boolean): Promise<number> {
  let now = Date.UTC(2026, 0, 1);
  let requests = 0;
  const endpoint = (async () => {
    requests++;
    return new Response(JSON.stringify({ access_token: `token-${requests}`, token_type: 'Bearer', expires_in: 3600 }), { status: 200, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
  const options = { credentials: { clientId: 'bench', clientSecret: 'bench-secret', tokenEndpoint: 'https://auth.example.com/oauth2/token' }, fetch: endpoint, now: () => now };
  const shared = new TokenClient(options);
  for (let second = 0; second < DAY_SECONDS; second++) {
    now += 1000;
    await (cached ? shared : new TokenClient(options)).getToken();
  }
  progress(`24 h of 1 call/s (${DAY_SECONDS} calls), ${cached ? 'cached' : 'token per call'}: ${requests} token requests`);
  return requests;
}
