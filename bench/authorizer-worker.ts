/**
 * Child process of the `authorizer` bench section (bench/authorizer.ts), run as
 * `node --import tsx bench/authorizer-worker.ts '<WorkerInput as JSON>'` with stdout and stderr going
 * to /dev/null: the handler writes a Powertools log line and an EMF line on every call (and anything
 * else it writes), and that I/O belongs to the hot path. Progress goes to `progressFd` (the bench's
 * stderr); the figures go to `resultFile` as JSON.
 *
 * Everything is measured in this one process, in interleaved rounds (raw verify, first-seen, repeat),
 * so that the ratios compare like with like. Every timed handler call must return a policy that
 * allows the route, or the bench fails: a bench that measures denials is worthless.
 */
import { verify, type KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import { JwksServer } from '../__tests__/support/jwks-server';
import { generateSigningKey, m2mAccessTokenClaims, signJwt, type SigningKey } from '../sandbox/cognito-tokens';
import { policyAllows } from '../sandbox/iam-policy';
import { median } from './support';

export interface WorkerInput {
  /** The bundled authorizer (`index.js`), inside the repo so that `@aws-sdk/*` would resolve. */
  readonly bundleFile: string;
  /** Where the worker writes its {@link WorkerOutput}. */
  readonly resultFile: string;
  /** Scratch dir for the deny-list file. */
  readonly scratchDir: string;
  /** `M2M_CLIENTS` entry name of the bench client (a client of the environment). */
  readonly clientName: string;
  /** Resource server identifier: scopes are `<identifier>/<name>`. */
  readonly identifier: string;
  readonly rounds: number;
  readonly rawBatch: number;
  readonly firstSeenBatch: number;
  readonly repeatBatch: number;
  readonly warmupCalls: number;
  /** File descriptor for progress lines (the child's stdout and stderr are /dev/null); 2 when run by hand. */
  readonly progressFd: number;
}

export interface WorkerOutput {
  readonly rawVerifyUs: number;
  readonly firstSeenUs: number;
  readonly repeatUs: number;
  /** Per round, for the progress log. */
  readonly rounds: ReadonlyArray<{ rawVerifyUs: number; firstSeenUs: number; repeatUs: number }>;
  readonly allowedCalls: number;
  readonly jwksRequests: number;
  /** What one (untimed) handler call writes, per stream. */
  readonly outputPerCall: { readonly stdout: readonly string[]; readonly stderr: readonly string[] };
}

const CLIENT_ID = 'bench-client-1';
const METHOD_ARN = 'arn:aws:execute-api:eu-west-1:123456789012:abc123/dev/GET/orders';
/** The route needs `read`. */
const SCOPE_NAMES = ['read'];

type Handler = (event: APIGatewayTokenAuthorizerEvent) => Promise<APIGatewayAuthorizerResult>;

let progressFd = 2;

async function main(input: WorkerInput): Promise<void> {
  progressFd = input.progressFd;
  const key = generateSigningKey();
  const jwks = await new JwksServer([key]).start();
  try {
    const output = await measure(input, key, jwks);
    fs.writeFileSync(input.resultFile, JSON.stringify(output));
  } finally {
    await jwks.stop();
  }
}

async function measure(input: WorkerInput, key: SigningKey, jwks: JwksServer): Promise<WorkerOutput> {
  const { publicKey } = key;
  const scopes = SCOPE_NAMES.map((name) => `${input.identifier}/${name}`);
  const newToken = () => signJwt(key, m2mAccessTokenClaims({ issuer: jwks.issuer, clientId: CLIENT_ID, scopes }));

  // Signing is not what we measure: every token is made before the clock starts.
  const tokenCount = input.warmupCalls + input.rounds * input.firstSeenBatch;
  const signStarted = performance.now();
  const events: APIGatewayTokenAuthorizerEvent[] = Array.from({ length: tokenCount }, () => eventOf(newToken()));
  progress(`${tokenCount} distinct tokens signed in ${((performance.now() - signStarted) / 1000).toFixed(1)} s`);
  if (new Set(events.map((event) => event.authorizationToken)).size !== tokenCount) throw new Error('the pre-generated tokens are not all distinct');

  // The raw floor: one token's signature, checked with a ready public KeyObject.
  const [rawHeader, rawPayload, rawSignature] = events[0].authorizationToken.slice('Bearer '.length).split('.');
  const signingInput = Buffer.from(`${rawHeader}.${rawPayload}`);
  const signature = Buffer.from(rawSignature, 'base64url');
  if (!verify('RSA-SHA256', signingInput, publicKey, signature)) throw new Error('raw verify rejected a valid token');

  // The real bundle, configured as the Lambda is (environment read once at module load).
  const denyListFile = path.join(input.scratchDir, 'revocations.json');
  fs.writeFileSync(denyListFile, JSON.stringify({ clientIds: [], jtis: [] }));
  Object.assign(process.env, {
    USER_POOL_ID: jwks.poolId,
    TOKEN_ISSUER: jwks.issuer,
    JWKS_URL: jwks.jwksUrl,
    M2M_CLIENTS: `${input.clientName}=${CLIENT_ID}`,
    REVOCATION_FILE: denyListFile,
    REVOCATION_REFRESH_SECONDS: '60',
    ENVIRONMENT: 'bench',
  });
  for (const name of ['USER_CLIENT_ID', 'REVOCATION_PARAMETER', 'REVOCATION_MAX_STALE_SECONDS', 'DECISION_CACHE_SIZE', 'JWKS_TIMEOUT_MS']) delete process.env[name];
  const loadedAt = performance.now();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const handler = (require(input.bundleFile) as { handler: Handler }).handler;

  // Warm-up: JWKS fetched, deny-list read, both paths compiled by the JIT.
  const warmup = events.slice(0, input.warmupCalls);
  let next = warmup.length;
  const warmupResults = await timeCalls(handler, warmup);
  check('warm-up (first seen)', warmupResults.results, warmupResults.failures, warmup.length);
  const repeated = Array.from({ length: input.warmupCalls }, () => warmup[warmup.length - 1]);
  const warmupRepeat = await timeCalls(handler, repeated);
  check('warm-up (repeat)', warmupRepeat.results, warmupRepeat.failures, repeated.length);
  rawVerifyBatch(signingInput, publicKey, signature, input.rawBatch);
  const jwksRequestsAfterWarmup = jwks.requests;
  progress(`warm: ${warmup.length + repeated.length} calls allowed, JWKS fetched ${jwksRequestsAfterWarmup} time(s)`);

  // The repeated token: one the handler has already seen and cached.
  const repeatToken = warmup[warmup.length - 1];
  const repeatEvents = Array.from({ length: input.repeatBatch }, () => ({ ...repeatToken }));
  const rounds: Array<{ rawVerifyUs: number; firstSeenUs: number; repeatUs: number }> = [];
  let allowedCalls = 0;
  for (let round = 0; round < input.rounds; round++) {
    const rawVerifyUs = rawVerifyBatch(signingInput, publicKey, signature, input.rawBatch);

    const fresh = events.slice(next, next + input.firstSeenBatch);
    next += fresh.length;
    const first = await timeCalls(handler, fresh);
    check(`round ${round + 1} first seen`, first.results, first.failures, fresh.length);

    const repeat = await timeCalls(handler, repeatEvents);
    check(`round ${round + 1} repeat`, repeat.results, repeat.failures, repeatEvents.length);

    allowedCalls += fresh.length + repeatEvents.length;
    rounds.push({ rawVerifyUs, firstSeenUs: (first.ms * 1000) / fresh.length, repeatUs: (repeat.ms * 1000) / repeatEvents.length });
  }
  if (next !== events.length) throw new Error(`used ${next} of ${events.length} tokens`);
  if (jwks.requests !== jwksRequestsAfterWarmup) throw new Error(`the JWKS was fetched again during the measurement (${jwks.requests - jwksRequestsAfterWarmup} time(s)): not a warm measurement`);
  const secondsSinceLoad = (performance.now() - loadedAt) / 1000;
  if (secondsSinceLoad >= 60) progress(`warning: ${secondsSinceLoad.toFixed(0)} s since load: a deny-list refresh (every 60 s) may have fallen into a timed batch`);

  const outputPerCall = await outputOfOneCall(handler, eventOf(newToken()), false);
  await outputOfOneCall(handler, { ...repeatToken }, true);

  return {
    rawVerifyUs: median(rounds.map((r) => r.rawVerifyUs)),
    firstSeenUs: median(rounds.map((r) => r.firstSeenUs)),
    repeatUs: median(rounds.map((r) => r.repeatUs)),
    rounds,
    allowedCalls,
    jwksRequests: jwks.requests,
    outputPerCall,
  };
}

/**
 * What one more call (not timed) writes to stdout and stderr, caught by wrapping the streams' `write`.
 * Its decision log line must say whether the principal came from the cache as `expectCached` says:
 * that is what makes first-seen and repeat the two paths they claim to be.
 */
async function outputOfOneCall(handler: Handler, event: APIGatewayTokenAuthorizerEvent, expectCached: boolean) {
  const written = { stdout: [] as string[], stderr: [] as string[] };
  const originals = { stdout: process.stdout.write, stderr: process.stderr.write };
  for (const name of ['stdout', 'stderr'] as const) {
    process[name].write = ((chunk: string | Uint8Array) => {
      written[name].push(...(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8')).split('\n').filter(Boolean));
      return true;
    }) as typeof process.stdout.write;
  }
  try {
    const { results, failures } = await timeCalls(handler, [event]);
    check('output probe', results, failures, 1);
  } finally {
    process.stdout.write = originals.stdout;
    process.stderr.write = originals.stderr;
  }
  const flags = written.stdout.flatMap((line) => {
    try {
      const cached = (JSON.parse(line) as { cached?: unknown }).cached;
      return typeof cached === 'boolean' ? [cached] : [];
    } catch {
      return [];
    }
  });
  if (flags.length === 0) progress(`could not confirm from the log that a ${expectCached ? 'repeat' : 'first-seen'} call is ${expectCached ? '' : 'not '}served from the cache (no "cached" field)`);
  else if (flags.some((cached) => cached !== expectCached)) throw new Error(`a ${expectCached ? 'repeat' : 'first-seen'} call logged cached=${String(!expectCached)}, so it does not take the path it is meant to measure`);
  return written;
}

function eventOf(token: string): APIGatewayTokenAuthorizerEvent {
  return { type: 'TOKEN', authorizationToken: `Bearer ${token}`, methodArn: METHOD_ARN };
}

/** µs per `crypto.verify` over one batch. */
function rawVerifyBatch(data: Buffer, publicKey: KeyObject, signature: Buffer, count: number): number {
  let ok = 0;
  const started = performance.now();
  for (let i = 0; i < count; i++) if (verify('RSA-SHA256', data, publicKey, signature)) ok++;
  const elapsed = performance.now() - started;
  if (ok !== count) throw new Error(`raw verify rejected ${count - ok} of ${count} checks`);
  return (elapsed * 1000) / count;
}

/** Calls the handler once per event, one after the other, as one Lambda instance does; results are checked afterwards. */
async function timeCalls(handler: Handler, events: readonly APIGatewayTokenAuthorizerEvent[]) {
  const results: Array<APIGatewayAuthorizerResult | undefined> = new Array(events.length);
  const failures: unknown[] = [];
  const started = performance.now();
  for (let i = 0; i < events.length; i++) {
    try {
      results[i] = await handler(events[i]);
    } catch (error) {
      failures.push(error);
    }
  }
  return { ms: performance.now() - started, results, failures };
}

const checkedPolicies = new WeakSet<object>();

/** Fails the bench unless every call returned a policy allowing GET /orders to the bench client. */
function check(label: string, results: ReadonlyArray<APIGatewayAuthorizerResult | undefined>, failures: readonly unknown[], expected: number): void {
  if (failures.length > 0) {
    const first = failures[0];
    throw new Error(`${label}: ${failures.length} of ${expected} handler calls were denied or failed (first: ${first instanceof Error ? first.message : String(first)}); see the handler's log by rerunning the worker with stdout`);
  }
  for (const result of results) {
    if (result === undefined) throw new Error(`${label}: a handler call returned nothing`);
    if (result.context?.clientId !== CLIENT_ID) throw new Error(`${label}: policy for ${String(result.context?.clientId)}, not ${CLIENT_ID}`);
    const policy = result.policyDocument;
    if (checkedPolicies.has(policy)) continue;
    if (!policyAllows(policy, METHOD_ARN)) throw new Error(`${label}: the policy does not allow ${METHOD_ARN}: ${JSON.stringify(policy)}`);
    checkedPolicies.add(policy);
  }
}

function progress(message: string): void {
  fs.writeSync(progressFd, `[authorizer] ${message}\n`);
}

if (require.main === module) {
  const input = JSON.parse(process.argv[2]) as WorkerInput;
  main(input).then(
    () => process.exit(0),
    (error: unknown) => {
      progress(`worker failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      process.exit(1);
    },
  );
}
