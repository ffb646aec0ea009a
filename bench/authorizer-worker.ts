/**
 * Child process of the `authorizer` bench section (bench/authorizer.ts), run as
 * `node --import tsx bench/authorizer-worker.ts '<WorkerInput as JSON>'` with stdout and stderr going
 * to /dev/null: the handler writes a Powertools log line and an EMF line on every call (and anything
 * else it writes), and that I/O belongs to the hot path. Progress goes to `progressFd` (the bench's
 * stderr); the figures go to `resultFile` as JSON.
 *
 * Everything is measured in this one process, in interleaved rounds (raw verify, ours first-seen and
 * repeat, the naive peer's first-seen and repeat), so that the ratios compare like with like. Every
 * timed handler call must return a policy that allows the route, or the bench fails: a bench that
 * measures denials is worthless.
 *
 * With `profileDir`, the worker then breaks each kind of call down: it times a batch as is and a batch
 * with `process.stdout.write` made a no-op (the difference is what writing the lines costs), and
 * profiles a third batch, writes stubbed too, with the inspector's CPU profiler (as `node --cpu-prof`
 * does), whose shares split the rest. bench/authorizer.ts prints the table. The profiler is kept off
 * the writes because on this kind of machine it inflates write syscalls several times over.
 */
import { verify, type KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import { Session } from 'node:inspector';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import { JwksServer } from '../sandbox/jwks-server';
import { generateSigningKey, jwksOf, m2mAccessTokenClaims, signJwt, type SigningKey } from '../sandbox/cognito-tokens';
import { policyAllows } from '../sandbox/iam-policy';
import { median } from './support';

export interface WorkerInput {
  /** The bundled authorizer (`index.js`), inside the repo so that `@aws-sdk/*` would resolve. */
  readonly bundleFile: string;
  /** The bundled naive peer (bench/peer-authorizer.ts). */
  readonly peerBundleFile: string;
  /** Where the worker writes its {@link WorkerOutput}. */
  readonly resultFile: string;
  /** Scratch dir for the deny-list file. */
  readonly scratchDir: string;
  /** The client registry file (`CLIENT_REGISTRY_FILE`), listing the bench client (a client of the environment). */
  readonly clientRegistryFile: string;
  /**
   * The app client id of the tokens; the registry file must list it.
   * @default 'bench-client-1'
   */
  readonly clientId?: string;
  /** Resource server identifier: scopes are `<identifier>/<name>`. */
  readonly identifier: string;
  readonly rounds: number;
  readonly rawBatch: number;
  readonly firstSeenBatch: number;
  readonly repeatBatch: number;
  readonly warmupCalls: number;
  /** File descriptor for progress lines (the child's stdout and stderr are /dev/null); 2 when run by hand. */
  readonly progressFd: number;
  /**
   * When set, break down `profileCalls` more calls of each kind (after the timed rounds), writing the
   * profiles to `<profileDir>/<kind>.cpuprofile`, sampled every `profileIntervalUs`.
   */
  readonly profileDir?: string;
  readonly profileCalls?: number;
  readonly profileIntervalUs?: number;
}

/** One measured round: µs per call of each kind. */
export interface Round {
  rawVerifyUs: number;
  firstSeenUs: number;
  repeatUs: number;
  peerFirstSeenUs: number;
  peerRepeatUs: number;
}

export type CallKind = 'first-seen' | 'repeat' | 'peer-first-seen' | 'peer-repeat';

export interface WorkerOutput extends Round {
  /** Per round, for the progress log. */
  readonly rounds: readonly Round[];
  readonly allowedCalls: number;
  readonly jwksRequests: number;
  /** What one (untimed) handler call writes, per stream: ours, then the peer's. */
  readonly outputPerCall: { readonly stdout: readonly string[]; readonly stderr: readonly string[] };
  readonly peerOutputPerCall: { readonly stdout: readonly string[]; readonly stderr: readonly string[] };
  /** Per kind of call (profileDir only): µs per call as is and with writes stubbed, and the profile of a stubbed batch. */
  readonly profiles: ReadonlyArray<{ kind: CallKind; file: string; calls: number; usPerCall: number; usPerCallWithoutWrites: number }>;
}

const DEFAULT_CLIENT_ID = 'bench-client-1';
const METHOD_ARN = 'arn:aws:execute-api:eu-west-1:123456789012:abc123/dev/GET/orders';
/** The route needs `read`. */
const SCOPE_NAMES = ['read'];

type Handler = (event: APIGatewayTokenAuthorizerEvent) => Promise<APIGatewayAuthorizerResult>;

let progressFd = 2;
/** The client every token is issued to and every policy must name (set from the input). */
let clientId = DEFAULT_CLIENT_ID;

async function main(input: WorkerInput): Promise<void> {
  progressFd = input.progressFd;
  clientId = input.clientId ?? DEFAULT_CLIENT_ID;
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
  // The issuer a deployed authorizer derives from USER_POOL_ID, so that ours and the peer's
  // CognitoJwtVerifier accept the same tokens; only the JWKS comes from the local server.
  const issuer = `https://cognito-idp.${jwks.poolId.split('_')[0]}.amazonaws.com/${jwks.poolId}`;
  const newToken = () => signJwt(key, m2mAccessTokenClaims({ issuer, clientId, scopes }));

  // Signing is not what we measure: every token is made before the clock starts.
  const profileCalls = input.profileDir ? (input.profileCalls ?? 4_000) : 0;
  // Three batches per kind when breaking down: as is, writes stubbed, profiled (writes stubbed).
  const tokenCount = input.warmupCalls + input.rounds * input.firstSeenBatch + 3 * profileCalls;
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
    JWKS_URL: jwks.jwksUrl,
    CLIENT_REGISTRY_FILE: input.clientRegistryFile,
    REVOCATION_FILE: denyListFile,
    REVOCATION_REFRESH_SECONDS: '60',
    ENVIRONMENT: 'bench',
  });
  for (const name of ['TOKEN_ISSUER', 'M2M_CLIENTS', 'CLIENT_REGISTRY_PARAMETERS', 'USER_CLIENT_ID', 'REVOCATION_PARAMETER', 'REVOCATION_MAX_STALE_SECONDS', 'DECISION_CACHE_SIZE', 'JWKS_TIMEOUT_MS']) delete process.env[name];
  const loadedAt = performance.now();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const handler = (require(input.bundleFile) as { handler: Handler }).handler;
  // The peer, in the same environment; its verifier gets the JWKS by hand (deployed, it would fetch it from Cognito).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const peer = require(input.peerBundleFile) as { handler: Handler; verifier: { cacheJwks(jwks: unknown): void } };
  peer.verifier.cacheJwks(jwksOf([key]));

  // Warm-up: JWKS fetched, deny-list read, both paths compiled by the JIT, for ours and the peer.
  const warmup = events.slice(0, input.warmupCalls);
  let next = warmup.length;
  const repeated = Array.from({ length: input.warmupCalls }, () => warmup[warmup.length - 1]);
  for (const [label, fn] of [['', handler], ['peer ', peer.handler]] as const) {
    const first = await timeCalls(fn, warmup);
    check(`${label}warm-up (first seen)`, first.results, first.failures, warmup.length);
    const again = await timeCalls(fn, repeated);
    check(`${label}warm-up (repeat)`, again.results, again.failures, repeated.length);
  }
  rawVerifyBatch(signingInput, publicKey, signature, input.rawBatch);
  const jwksRequestsAfterWarmup = jwks.requests;
  progress(`warm: ${2 * (warmup.length + repeated.length)} calls allowed (ours and the peer's), JWKS fetched ${jwksRequestsAfterWarmup} time(s)`);

  // The repeated token: one the handler has already seen and cached.
  const repeatToken = warmup[warmup.length - 1];
  const repeatEvents = Array.from({ length: input.repeatBatch }, () => ({ ...repeatToken }));
  const rounds: Round[] = [];
  let allowedCalls = 0;
  const timed = async (label: string, fn: Handler, batch: readonly APIGatewayTokenAuthorizerEvent[]) => {
    const { ms, results, failures } = await timeCalls(fn, batch);
    check(label, results, failures, batch.length);
    allowedCalls += batch.length;
    return (ms * 1000) / batch.length;
  };
  for (let round = 0; round < input.rounds; round++) {
    const rawVerifyUs = rawVerifyBatch(signingInput, publicKey, signature, input.rawBatch);
    const fresh = events.slice(next, next + input.firstSeenBatch);
    next += fresh.length;
    const firstSeenUs = await timed(`round ${round + 1} first seen`, handler, fresh);
    const repeatUs = await timed(`round ${round + 1} repeat`, handler, repeatEvents);
    // The peer keeps no token cache: these tokens are as new to it as they were to ours.
    const peerFirstSeenUs = await timed(`round ${round + 1} peer first seen`, peer.handler, fresh);
    const peerRepeatUs = await timed(`round ${round + 1} peer repeat`, peer.handler, repeatEvents);
    rounds.push({ rawVerifyUs, firstSeenUs, repeatUs, peerFirstSeenUs, peerRepeatUs });
  }
  if (jwks.requests !== jwksRequestsAfterWarmup) throw new Error(`the JWKS was fetched again during the measurement (${jwks.requests - jwksRequestsAfterWarmup} time(s)): not a warm measurement`);
  const secondsSinceLoad = (performance.now() - loadedAt) / 1000;
  if (secondsSinceLoad >= 60) progress(`warning: ${secondsSinceLoad.toFixed(0)} s since load: a deny-list refresh (every 60 s) may have fallen into a timed batch`);

  const profiles: Array<WorkerOutput['profiles'][number]> = [];
  if (input.profileDir) {
    const freshBatches = [0, 1, 2].map(() => {
      const batch = events.slice(next, next + profileCalls);
      next += batch.length;
      return batch;
    });
    const again = Array.from({ length: profileCalls }, () => ({ ...repeatToken }));
    const kinds: Array<[CallKind, Handler, (i: number) => readonly APIGatewayTokenAuthorizerEvent[]]> = [
      ['first-seen', handler, (i) => freshBatches[i]],
      ['repeat', handler, () => again],
      // The peer keeps no cache: the tokens ours has seen are new to it.
      ['peer-first-seen', peer.handler, (i) => freshBatches[i]],
      ['peer-repeat', peer.handler, () => again],
    ];
    for (const [kind, fn, batchOf] of kinds) {
      const usPerCall = await timed(`broken-down ${kind}`, fn, batchOf(0));
      const written = process.stdout.write;
      process.stdout.write = (() => true) as typeof process.stdout.write;
      try {
        const usPerCallWithoutWrites = await timed(`broken-down ${kind} (writes stubbed)`, fn, batchOf(1));
        const file = path.join(input.profileDir, `${kind}.cpuprofile`);
        await profiled(file, input.profileIntervalUs ?? 100, () => timed(`profiled ${kind}`, fn, batchOf(2)));
        profiles.push({ kind, file, calls: profileCalls, usPerCall, usPerCallWithoutWrites });
      } finally {
        process.stdout.write = written;
      }
    }
  }
  if (next !== events.length) throw new Error(`used ${next} of ${events.length} tokens`);

  const outputPerCall = await outputOfOneCall(handler, eventOf(newToken()), false);
  await outputOfOneCall(handler, { ...repeatToken }, true);
  const peerOutputPerCall = await outputOfOneCall(peer.handler, { ...repeatToken }, undefined);

  const medianOf = (pick: (round: Round) => number) => median(rounds.map(pick));
  return {
    rawVerifyUs: medianOf((r) => r.rawVerifyUs),
    firstSeenUs: medianOf((r) => r.firstSeenUs),
    repeatUs: medianOf((r) => r.repeatUs),
    peerFirstSeenUs: medianOf((r) => r.peerFirstSeenUs),
    peerRepeatUs: medianOf((r) => r.peerRepeatUs),
    rounds,
    allowedCalls,
    jwksRequests: jwks.requests,
    outputPerCall,
    peerOutputPerCall,
    profiles,
  };
}

/** Runs `work` under the inspector's CPU profiler and writes the profile to `file`. */
async function profiled<T>(file: string, intervalUs: number, work: () => Promise<T>): Promise<T> {
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) => session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result))));
  try {
    await post('Profiler.enable');
    await post('Profiler.setSamplingInterval', { interval: intervalUs });
    await post('Profiler.start');
    const result = await work();
    const { profile } = (await post('Profiler.stop')) as { profile: unknown };
    fs.writeFileSync(file, JSON.stringify(profile));
    return result;
  } finally {
    session.disconnect();
  }
}

/**
 * What one more call (not timed) writes to stdout and stderr, caught by wrapping the streams' `write`.
 * Its decision log line must say whether the principal came from the cache as `expectCached` says:
 * that is what makes first-seen and repeat the two paths they claim to be (the peer has no cache:
 * `undefined`, nothing to confirm).
 */
async function outputOfOneCall(handler: Handler, event: APIGatewayTokenAuthorizerEvent, expectCached: boolean | undefined) {
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
  if (expectCached === undefined) return written;
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

/** Fails the bench unless every call returned a policy allowing GET /orders to the bench client (`clientId`). */
function check(label: string, results: ReadonlyArray<APIGatewayAuthorizerResult | undefined>, failures: readonly unknown[], expected: number): void {
  if (failures.length > 0) {
    const first = failures[0];
    throw new Error(`${label}: ${failures.length} of ${expected} handler calls were denied or failed (first: ${first instanceof Error ? first.message : String(first)}); see the handler's log by rerunning the worker with stdout`);
  }
  for (const result of results) {
    if (result === undefined) throw new Error(`${label}: a handler call returned nothing`);
    if (result.context?.clientId !== clientId) throw new Error(`${label}: policy for ${String(result.context?.clientId)}, not ${clientId}`);
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
