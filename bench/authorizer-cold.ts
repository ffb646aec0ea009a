/**
 * Cold start of the authorizer bundle: a fresh process loads it (init) while the JWKS is served over
 * local HTTP with an added delay (the network to Cognito), then makes its first decision.
 *
 * Two ways of calling the handler after init:
 * - `runtime`: as the Lambda runtime calls a CommonJS handler, on a later turn of the event loop (it
 *   schedules its first `/next` with `setImmediate`): what a cold start costs today.
 * - `ready`: after the bundle's exported `ready` promise settles, which is what an ES module entry with
 *   `await ready` at top level would make Lambda do (init then lasts until the JWKS has arrived).
 *
 * Times are wall-clock (`performance.timeOrigin + performance.now()`), so that the child's and the
 * JWKS server's compare.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { generateSigningKey, jwksOf, m2mAccessTokenClaims, signJwt } from '../sandbox/cognito-tokens';
import { policyAllows } from '../sandbox/iam-policy';
import { median } from './support';

const METHOD_ARN = 'arn:aws:execute-api:eu-west-1:123456789012:abc123/dev/GET/orders';
const CLIENT_ID = 'bench-client-1';
const POOL_ID = 'eu-west-1_ColdPool1';

/** The child: load the bundle, call the handler (next loop turn, or once `ready` settles), report the times. */
const COLD_PROBE = `
const fs = require('node:fs');
const { performance } = require('node:perf_hooks');
const [file, out, token, methodArn, mode] = process.argv.slice(1);
const now = () => performance.timeOrigin + performance.now();
(async () => {
  const initStarted = now();
  const { handler, ready } = require(file);
  const initEnded = now();
  if (mode === 'ready') await ready;
  else await new Promise((resolve) => setImmediate(resolve));
  const called = now();
  let result, error;
  try { result = await handler({ type: 'TOKEN', authorizationToken: 'Bearer ' + token, methodArn }); } catch (e) { error = String(e && e.message); }
  const decided = now();
  fs.writeFileSync(out, JSON.stringify({ initStarted, initEnded, called, decided, result, error }));
  process.exit(0);
})();
`;

export type ColdMode = 'runtime' | 'ready';

export interface ColdStart {
  /** Handler call -> decision, median, ms. */
  readonly firstDecisionMs: number;
  /** How much of the JWKS delay had passed when the handler was called (0: the request had not reached the server yet), median, ms. */
  readonly fetchOverlapMs: number;
  /** Module load until the handler is called (`ready` mode: until the JWKS has arrived), median, ms. */
  readonly initMs: number;
  /** Runs whose JWKS request reached the server before the handler was called. */
  readonly requestedBeforeCall: number;
  readonly runs: number;
}

interface Sample {
  initStarted: number;
  initEnded: number;
  called: number;
  decided: number;
  result?: { policyDocument?: { Statement: Array<{ Effect: string; Resource?: string | string[] }> } };
  error?: string;
}

/**
 * Runs `runs` fresh processes (after one unrecorded run) against a JWKS endpoint that answers after
 * `delayMs`. Fails unless every first decision is an Allow and each process fetched the JWKS once.
 */
export async function measureColdStart(options: {
  bundleFile: string;
  scratchDir: string;
  /** The client registry file (`CLIENT_REGISTRY_FILE`), listing the bench client. */
  clientRegistryFile: string;
  /** The app client id of the tokens; the registry file must list it. @default 'bench-client-1' */
  clientId?: string;
  identifier: string;
  delayMs: number;
  runs: number;
  mode: ColdMode;
  progress: (message: string) => void;
}): Promise<ColdStart> {
  const key = generateSigningKey();
  const body = JSON.stringify(jwksOf([key]));
  let arrivals: number[] = [];
  const server = http.createServer((request, response) => {
    arrivals.push(performance.timeOrigin + performance.now());
    if (request.url !== `/${POOL_ID}/.well-known/jwks.json`) {
      response.writeHead(404).end();
      return;
    }
    setTimeout(() => response.writeHead(200, { 'content-type': 'application/json' }).end(body), options.delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const issuer = `https://cognito-idp.eu-west-1.amazonaws.com/${POOL_ID}`;
  const revocations = path.join(options.scratchDir, 'cold-revocations.json');
  fs.writeFileSync(revocations, JSON.stringify({ clientIds: [], jtis: [] }));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    USER_POOL_ID: POOL_ID,
    JWKS_URL: `http://127.0.0.1:${port}/${POOL_ID}/.well-known/jwks.json`,
    CLIENT_REGISTRY_FILE: options.clientRegistryFile,
    REVOCATION_FILE: revocations,
    ENVIRONMENT: 'bench',
  };
  for (const name of Object.keys(env)) if (name.startsWith('POWERTOOLS_') || name === 'NODE_OPTIONS' || name === 'TOKEN_ISSUER' || name === 'M2M_CLIENTS' || name === 'CLIENT_REGISTRY_PARAMETERS') delete env[name];

  const samples: Array<Sample & { arrival: number }> = [];
  try {
    for (let i = 0; i <= options.runs; i++) {
      arrivals = [];
      const token = signJwt(key, m2mAccessTokenClaims({ issuer, clientId: options.clientId ?? CLIENT_ID, scopes: [`${options.identifier}/read`] }));
      const out = path.join(options.scratchDir, `cold-${i}.json`);
      await run(process.execPath, ['-e', COLD_PROBE, options.bundleFile, out, token, METHOD_ARN, options.mode], env);
      const sample = JSON.parse(fs.readFileSync(out, 'utf8')) as Sample;
      if (sample.error || !sample.result?.policyDocument || !policyAllows(sample.result.policyDocument, METHOD_ARN)) {
        throw new Error(`cold start ${i}: the first decision was not an Allow (${sample.error ?? JSON.stringify(sample.result)})`);
      }
      if (arrivals.length !== 1) throw new Error(`cold start ${i}: the JWKS was requested ${arrivals.length} times, not once`);
      if (i > 0) samples.push({ ...sample, arrival: arrivals[0] });
    }
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }

  const result: ColdStart = {
    firstDecisionMs: median(samples.map((s) => s.decided - s.called)),
    fetchOverlapMs: median(samples.map((s) => Math.min(options.delayMs, Math.max(0, s.called - s.arrival)))),
    initMs: median(samples.map((s) => s.called - s.initStarted)),
    requestedBeforeCall: samples.filter((s) => s.arrival <= s.called).length,
    runs: samples.length,
  };
  const ms = (value: number) => `${value.toFixed(1)} ms`;
  options.progress(
    `cold start, handler called ${options.mode === 'ready' ? 'once `ready` settled' : 'on the next loop turn'} (JWKS answered after ${options.delayMs} ms): ` +
      `load ${ms(median(samples.map((s) => s.initEnded - s.initStarted)))}, JWKS request at the server ${ms(median(samples.map((s) => s.arrival - s.initStarted)))} ` +
      `and handler called ${ms(median(samples.map((s) => s.called - s.initStarted)))} after load started (medians); ` +
      `request before the call in ${result.requestedBeforeCall} of ${result.runs} runs; first decision ${samples.map((s) => (s.decided - s.called).toFixed(1)).join(', ')} ms`,
  );
  return result;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill(), 30_000);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`cold-start probe failed (exit ${code ?? signal}): ${stderr}`));
    });
  });
}
