/**
 * Authorizer benchmark: the real bundle that synth deploys (lib/authorizer/authorizer-bundle.ts, `dev` config),
 * against real RS256 tokens served by a real local JWKS endpoint.
 *
 * - raw_verify_us: one `crypto.verify('RSA-SHA256')` with a ready public KeyObject: the floor.
 * - first_seen_us: a warm handler (JWKS and deny-list loaded) given a token it has never seen.
 * - repeat_us: the same handler given the same token again and again.
 * - vs_peer_first_seen, vs_peer_repeat: ours / the naive peer (bench/peer-authorizer.ts: the same
 *   libraries used the obvious way), same tokens, same process, same rounds.
 * - bundle_kb: the minified bundle. init_ms: `require()` of the bundle in a fresh process.
 * - cold_*: a fresh process loads the bundle with the JWKS answering after BENCH_AUTHORIZER_JWKS_DELAY_MS
 *   (50) and makes its first decision, called as the Lambda runtime calls it today, and (cold_ready_*)
 *   as it would be if init waited for the bundle's `ready` (bench/authorizer-cold.ts).
 *
 * The handler writes its decision line to stdout on every call; that I/O is part of the hot path, so
 * the calls run in a child process (bench/authorizer-worker.ts) whose stdout is /dev/null. The
 * per-call figures come from the same child, in interleaved rounds: µs figures are medians of rounds,
 * ratios medians of per-round ratios.
 *
 * BENCH_AUTHORIZER_PROFILE=1 also profiles a batch of each kind of call (an unminified bundle under
 * the inspector's CPU profiler) and prints where the microseconds go (bench/cpu-profile.ts).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { AUTHORIZER_ENTRY, authorizerPolicyOf, bundleAuthorizer } from '../lib/authorizer/authorizer-bundle';
import { bundleLambda } from '../lib/bundling/lambda-bundle';
import type { EnvironmentConfig } from '../lib/config/schema';
import { loadEnvironments } from '../lib/config/load';
import type { Report } from './report';
import type { CallKind, Round, WorkerInput, WorkerOutput } from './authorizer-worker';
import { measureColdStart } from './authorizer-cold';
import { breakdown, moduleLinesOf, PARTS, type CpuProfile, type Part } from './cpu-profile';
import { countFromEnv, median, progressOf } from './support';

const progress = progressOf('authorizer');

const REPO_ROOT = path.resolve(__dirname, '..');
/** Inside the repo, so that a `require('@aws-sdk/...')` in the bundle would resolve as in Lambda. */
const CACHE_DIR = path.join(REPO_ROOT, 'node_modules', '.cache', 'm2m-auth-bench');
const WORKER = path.join(__dirname, 'authorizer-worker.ts');
const PEER_ENTRY = 'bench/peer-authorizer.ts';
const POOL_ID = 'eu-west-1_TestPool1';

/** Fresh process: time `require()` of the bundle, and only that (the JWKS and deny-list requests it sends included). */
const INIT_PROBE = `
const fs = require('node:fs');
const { performance } = require('node:perf_hooks');
const [file, out] = process.argv.slice(1);
const started = performance.now();
const loaded = require(file);
const ms = performance.now() - started;
if (typeof loaded.handler !== 'function') { process.stderr.write('the bundle exports no handler function\\n'); process.exit(2); }
fs.writeFileSync(out, JSON.stringify({ ms }));
process.exit(0);
`;

export async function run(report: Report): Promise<void> {
  const initRuns = countFromEnv('BENCH_AUTHORIZER_INIT_RUNS', 9);
  const rounds = countFromEnv('BENCH_AUTHORIZER_ROUNDS', 11);
  const coldRuns = countFromEnv('BENCH_AUTHORIZER_COLD_RUNS', 9);
  const jwksDelayMs = countFromEnv('BENCH_AUTHORIZER_JWKS_DELAY_MS', 50);
  const profile = process.env.BENCH_AUTHORIZER_PROFILE === '1';

  const dev = loadEnvironments({}).find((environment) => environment.name === 'dev');
  if (!dev) throw new Error('config/environments has no "dev" environment');
  const client = dev.m2mClients.find((candidate) => candidate.scopes.includes('read'));
  if (!client) throw new Error('the dev environment has no M2M client with the "read" scope, which GET /orders needs');
  const route = dev.routes.find((candidate) => candidate.method === 'GET' && candidate.path === '/orders');
  if (route?.permission !== 'read') throw new Error(`the dev route table must have GET /orders needing "read"; found ${JSON.stringify(route)}`);

  const bundleStarted = Date.now();
  const { code } = bundleAuthorizer(dev);
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  const bundleFile = writeAtomically(path.join(CACHE_DIR, 'authorizer.js'), code);
  const bundleBytes = Buffer.byteLength(code);
  progress(`bundle: ${bundleBytes} bytes in ${Date.now() - bundleStarted} ms -> ${path.relative(REPO_ROOT, bundleFile)}`);
  const peer = bundleLambda({ entry: PEER_ENTRY, define: { __PEER_ROUTE_SCOPES__: peerRouteScopes(dev) } });
  const peerBundleFile = writeAtomically(path.join(CACHE_DIR, 'peer-authorizer.js'), peer.code);
  progress(`naive peer bundle: ${Buffer.byteLength(peer.code)} bytes -> ${path.relative(REPO_ROOT, peerBundleFile)}`);

  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'm2m-auth-bench-authorizer-'));
  try {
    // The bench client as the stack's client registry lists it: [clientId, name, bare scopes].
    const clientRegistryFile = path.join(scratch, 'clients.json');
    fs.writeFileSync(clientRegistryFile, JSON.stringify([['bench-client-1', client.name, client.scopes]]));
    const initMs = measureInit(bundleFile, scratch, clientRegistryFile, initRuns);
    const initFloorMs = measureInitFloor(scratch, clientRegistryFile, initRuns);
    const coldOptions = { bundleFile, scratchDir: scratch, clientRegistryFile, identifier: dev.resourceServer.identifier, delayMs: jwksDelayMs, runs: coldRuns, progress };
    const cold = await measureColdStart({ ...coldOptions, mode: 'runtime' });
    const coldReady = await measureColdStart({ ...coldOptions, mode: 'ready' });
    const profileBundles = profile ? unminifiedBundles(dev) : undefined;
    if (profileBundles) progress('BENCH_AUTHORIZER_PROFILE=1: the per-call figures below come from the unminified bundles');
    const hot = measureHotPath({
      bundleFile: profileBundles?.ours ?? bundleFile,
      peerBundleFile: profileBundles?.peer ?? peerBundleFile,
      resultFile: path.join(scratch, 'hot-path.json'),
      scratchDir: scratch,
      clientRegistryFile,
      identifier: dev.resourceServer.identifier,
      rounds,
      rawBatch: 2_000,
      firstSeenBatch: 400,
      repeatBatch: 2_000,
      // First-seen calls keep getting faster for ~3000 calls (JIT tiering), so warm up with 2000 of each kind.
      warmupCalls: 2_000,
      progressFd: 3,
      ...(profileBundles ? { profileDir: profileDirOf(), profileCalls: countFromEnv('BENCH_AUTHORIZER_PROFILE_CALLS', 4_000), profileIntervalUs: 100 } : {}),
    });
    if (profileBundles) printBreakdown(hot.profiles, profileBundles);

    // A ratio is the median of its per-round ratios: each round measures both sides back to back, so a
    // load spike on this shared machine moves both, where a ratio of two medians would mix rounds.
    const ratio = (of: (round: Round) => number, to: (round: Round) => number) => median(hot.rounds.map((round) => of(round) / to(round)));
    report('authorizer.raw_verify_us', hot.rawVerifyUs, 'us');
    report('authorizer.first_seen_us', hot.firstSeenUs, 'us');
    report('authorizer.repeat_us', hot.repeatUs, 'us');
    report('authorizer.first_seen_ratio', ratio((r) => r.firstSeenUs, (r) => r.rawVerifyUs), 'x');
    report('authorizer.repeat_ratio', ratio((r) => r.repeatUs, (r) => r.rawVerifyUs), 'x');
    report('authorizer.peer_first_seen_us', hot.peerFirstSeenUs, 'us');
    report('authorizer.peer_repeat_us', hot.peerRepeatUs, 'us');
    report('authorizer.vs_peer_first_seen', ratio((r) => r.firstSeenUs, (r) => r.peerFirstSeenUs), 'x');
    report('authorizer.vs_peer_repeat', ratio((r) => r.repeatUs, (r) => r.peerRepeatUs), 'x');
    report('authorizer.bundle_kb', bundleBytes / 1024, 'KiB');
    report('authorizer.init_ms', initMs, 'ms');
    report('authorizer.init_floor_ms', initFloorMs, 'ms');
    report('authorizer.init_own_ms', initMs - initFloorMs, 'ms');
    report('authorizer.cold_first_decision_ms', cold.firstDecisionMs, 'ms');
    report('authorizer.cold_fetch_overlap_ms', cold.fetchOverlapMs, 'ms');
    report('authorizer.cold_ready_init_ms', coldReady.initMs, 'ms');
    report('authorizer.cold_ready_first_decision_ms', coldReady.firstDecisionMs, 'ms');
  } catch (error) {
    progress(`failed; scratch files kept in ${scratch}`);
    throw error;
  }
  fs.rmSync(scratch, { recursive: true, force: true });
}

/** Where the profiles stay after the run (open them in Chrome DevTools or VS Code). */
function profileDirOf(): string {
  const dir = path.join(CACHE_DIR, 'profiles');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

function writeAtomically(file: string, code: string): string {
  fs.writeFileSync(`${file}.${process.pid}.tmp`, code);
  fs.renameSync(`${file}.${process.pid}.tmp`, file);
  return file;
}

/** `GET /orders/{id}` -> `api/read`, for the peer: the standard scope named like the route's permission. */
export function peerRouteScopes(config: EnvironmentConfig): Record<string, string> {
  return Object.fromEntries(config.routes.map((route) => [`${route.method} ${route.path}`, `${config.resourceServer.identifier}/${route.permission}`]));
}

/** Ours and the peer, bundled as synth bundles them but unminified, so that a profile names its modules. */
function unminifiedBundles(config: EnvironmentConfig): { ours: string; peer: string } {
  const build = (entry: string, define: Record<string, unknown>, file: string) => {
    const result = buildSync({
      entryPoints: [path.join(REPO_ROOT, entry)],
      absWorkingDir: REPO_ROOT,
      bundle: true,
      platform: 'node',
      target: 'node22',
      format: 'cjs',
      external: ['@aws-sdk/*'],
      define: Object.fromEntries(Object.entries(define).map(([name, value]) => [name, JSON.stringify(value)])),
      write: false,
      logLevel: 'silent',
    });
    return writeAtomically(path.join(CACHE_DIR, file), result.outputFiles[0].text);
  };
  return {
    ours: build(AUTHORIZER_ENTRY, { __M2M_AUTH_POLICY__: authorizerPolicyOf(config) }, 'authorizer-profiled.js'),
    peer: build(PEER_ENTRY, { __PEER_ROUTE_SCOPES__: peerRouteScopes(config) }, 'peer-authorizer-profiled.js'),
  };
}

/**
 * Prints, per kind of call, the µs per call of each part of a decision: the write of the lines is
 * the timed difference with writes stubbed; the rest is that stubbed time split by the profile.
 */
function printBreakdown(profiles: WorkerOutput['profiles'], bundles: { ours: string; peer: string }): void {
  const WRITE: Part = 'stdout write (timed: with writes - without)';
  const columns = new Map<CallKind, Map<string, number>>();
  for (const { kind, file, usPerCall, usPerCallWithoutWrites } of profiles) {
    const bundle = kind.startsWith('peer') ? bundles.peer : bundles.ours;
    const shares = breakdown(JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile, path.basename(bundle), moduleLinesOf(fs.readFileSync(bundle, 'utf8')));
    const micros = new Map<string, number>([...shares].map(([part, share]) => [part, share * usPerCallWithoutWrites]));
    micros.set(WRITE, (micros.get(WRITE) ?? 0) + usPerCall - usPerCallWithoutWrites);
    micros.set('total (timed)', usPerCall);
    columns.set(kind, micros);
  }
  const kinds = [...columns.keys()];
  const rows = [...PARTS, 'total (timed)'].filter((part) => kinds.some((kind) => Math.abs(columns.get(kind)!.get(part) ?? 0) >= 0.05));
  progress(`where a decision's microseconds go (${profiles[0]?.calls ?? 0} calls of each kind; unminified bundles; CPU profile sampled every 100 us, writes stubbed; profiles in ${path.relative(REPO_ROOT, path.dirname(profiles[0]?.file ?? '.'))}):`);
  progress(`  ${'part'.padEnd(52)}${kinds.map((kind) => kind.padStart(16)).join('')}`);
  for (const part of rows) progress(`  ${part.padEnd(52)}${kinds.map((kind) => (columns.get(kind)!.get(part) ?? 0).toFixed(1).padStart(16)).join('')}`);
}

/** Environment of a measured child: the parent's, without anything that would change how node or Powertools behave. */
export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const name of Object.keys(env)) if (name.startsWith('POWERTOOLS_') || name === 'NODE_OPTIONS' || name === 'M2M_CLIENTS' || name === 'CLIENT_REGISTRY_PARAMETERS') delete env[name];
  return env;
}

function measureHotPath(input: WorkerInput): WorkerOutput {
  progress(`hot path: ${input.rounds} rounds of ${input.rawBatch} raw verifies, ${input.firstSeenBatch} first-seen calls, ${input.repeatBatch} repeat calls`);
  const child = spawnSync(process.execPath, ['--import', 'tsx', WORKER, JSON.stringify(input)], {
    cwd: REPO_ROOT,
    env: childEnv({}),
    // stdout and stderr: whatever the handler writes, to /dev/null; fd 3: the worker's progress, to our stderr.
    stdio: ['ignore', 'ignore', 'ignore', 2],
    timeout: 180_000,
  });
  if (child.error) throw child.error;
  if (child.status !== 0) throw new Error(`authorizer worker failed (exit ${child.status ?? child.signal}); see its messages above`);
  const output = JSON.parse(fs.readFileSync(input.resultFile, 'utf8')) as WorkerOutput;
  output.rounds.forEach((round, i) =>
    progress(
      `round ${i + 1}: raw verify ${round.rawVerifyUs.toFixed(1)} us, first seen ${round.firstSeenUs.toFixed(1)} us, repeat ${round.repeatUs.toFixed(1)} us, ` +
        `peer first seen ${round.peerFirstSeenUs.toFixed(1)} us, peer repeat ${round.peerRepeatUs.toFixed(1)} us`,
    ),
  );
  progress(`${output.allowedCalls} timed calls, every one allowed; JWKS fetched ${output.jwksRequests} time(s)`);
  for (const [who, written] of [['ours', output.outputPerCall], ['the peer', output.peerOutputPerCall]] as const) {
    for (const stream of ['stdout', 'stderr'] as const) {
      const lines = written[stream];
      const bytes = lines.reduce((sum, line) => sum + Buffer.byteLength(line) + 1, 0);
      progress(`one call (${who}) writes ${lines.length} line(s), ${bytes} bytes, to ${stream}${lines.length > 0 ? `:\n    ${lines.map((line) => line.slice(0, 300)).join('\n    ')}` : ''}`);
    }
  }
  return output;
}

/**
 * The floor of any authorizer's init on this machine: a module that loads only the Node.js built-ins
 * ours needs (`node:crypto` for the signatures, `node:https` for the JWKS) and sends one request at
 * load, as ours does for the JWKS. Whatever init ours takes above it is its own code.
 */
const INIT_FLOOR_MODULE = `
require('node:crypto');
require('node:https');
require('node:http').get(process.env.JWKS_URL).on('error', () => {});
exports.handler = async () => ({});
`;

/** Median `require()` time of {@link INIT_FLOOR_MODULE}, measured as {@link measureInit} measures a bundle. */
export function measureInitFloor(scratch: string, clientRegistryFile: string, runs: number): number {
  const file = path.join(scratch, 'init-floor.js');
  fs.writeFileSync(file, INIT_FLOOR_MODULE);
  return measureInit(file, scratch, clientRegistryFile, runs, 'init floor');
}

/** Median `require()` time of the bundle over `runs` fresh processes (after one unrecorded run). */
export function measureInit(bundleFile: string, scratch: string, clientRegistryFile: string, runs: number, label = 'init'): number {
  const issuer = `http://127.0.0.1:9/${POOL_ID}`;
  const env = childEnv({
    USER_POOL_ID: POOL_ID,
    TOKEN_ISSUER: issuer,
    JWKS_URL: `${issuer}/.well-known/jwks.json`,
    CLIENT_REGISTRY_FILE: clientRegistryFile,
    REVOCATION_FILE: path.join(scratch, 'revocations.json'),
    REVOCATION_REFRESH_SECONDS: '60',
    ENVIRONMENT: 'bench',
  });
  const samples: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const out = path.join(scratch, `init-${i}.json`);
    const child = spawnSync(process.execPath, ['-e', INIT_PROBE, bundleFile, out], { cwd: REPO_ROOT, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
    if (child.error) throw child.error;
    if (child.status !== 0) throw new Error(`init probe failed (exit ${child.status ?? child.signal}):\n${child.stdout}${child.stderr}`);
    // A healthy load logs nothing; a misconfigured one logs why and denies everything, which would not be the load we mean to time.
    if (child.stdout.trim() !== '') throw new Error(`the bundle logged at load, so it is not the healthy start we mean to time:\n${child.stdout}`);
    const { ms } = JSON.parse(fs.readFileSync(out, 'utf8')) as { ms: number };
    if (i > 0) samples.push(ms);
  }
  const result = median(samples);
  progress(`${label}: ${samples.map((ms) => ms.toFixed(1)).join(', ')} ms -> median ${result.toFixed(1)} ms`);
  return result;
}
