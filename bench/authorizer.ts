/**
 * Authorizer benchmark: the real bundle that synth deploys (lib/authorizer-bundle.ts, `dev` config),
 * against real RS256 tokens served by a real local JWKS endpoint.
 *
 * - raw_verify_us: one `crypto.verify('RSA-SHA256')` with a ready public KeyObject: the floor.
 * - first_seen_us: a warm handler (JWKS and deny-list loaded) given a token it has never seen.
 * - repeat_us: the same handler given the same token again and again.
 * - bundle_kb: the minified bundle. init_ms: `require()` of the bundle in a fresh process.
 *
 * The handler writes a log line and an EMF line to stdout on every call; that I/O is part of the hot
 * path, so the calls run in a child process (bench/authorizer-worker.ts) whose stdout is /dev/null.
 * The three per-call figures come from the same child, in interleaved rounds (median of rounds).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bundleAuthorizer } from '../lib/authorizer/authorizer-bundle';
import { loadEnvironments } from '../lib/config/load';
import type { Report } from './report';
import type { WorkerInput, WorkerOutput } from './authorizer-worker';
import { countFromEnv, median, progressOf } from './support';

const progress = progressOf('authorizer');

const REPO_ROOT = path.resolve(__dirname, '..');
/** Inside the repo, so that a `require('@aws-sdk/...')` in the bundle would resolve as in Lambda. */
const CACHE_DIR = path.join(REPO_ROOT, 'node_modules', '.cache', 'm2m-auth-bench');
const WORKER = path.join(__dirname, 'authorizer-worker.ts');
const POOL_ID = 'eu-west-1_TestPool1';

/** Fresh process: time `require()` of the bundle, and only that. Exits before the bundle's deferred JWKS warm-up runs. */
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

  const dev = loadEnvironments({}).find((environment) => environment.name === 'dev');
  if (!dev) throw new Error('config/environments has no "dev" environment');
  const client = dev.m2mClients.find((candidate) => candidate.scopes.includes('read'));
  if (!client) throw new Error('the dev environment has no M2M client with the "read" scope, which GET /orders needs');
  const route = dev.routes.find((candidate) => candidate.method === 'GET' && candidate.path === '/orders');
  if (route?.permission !== 'read') throw new Error(`the dev route table must have GET /orders needing "read"; found ${JSON.stringify(route)}`);

  const bundleStarted = Date.now();
  const { code } = bundleAuthorizer(dev);
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  const bundleFile = path.join(CACHE_DIR, 'authorizer.js');
  fs.writeFileSync(`${bundleFile}.${process.pid}.tmp`, code);
  fs.renameSync(`${bundleFile}.${process.pid}.tmp`, bundleFile);
  const bundleBytes = Buffer.byteLength(code);
  progress(`bundle: ${bundleBytes} bytes in ${Date.now() - bundleStarted} ms -> ${path.relative(REPO_ROOT, bundleFile)}`);

  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'm2m-auth-bench-authorizer-'));
  try {
    const initMs = measureInit(bundleFile, scratch, client.name, initRuns);
    const hot = measureHotPath({
      bundleFile,
      resultFile: path.join(scratch, 'hot-path.json'),
      scratchDir: scratch,
      clientName: client.name,
      identifier: dev.resourceServer.identifier,
      rounds,
      rawBatch: 2_000,
      firstSeenBatch: 400,
      repeatBatch: 2_000,
      // First-seen calls keep getting faster for ~3000 calls (JIT tiering), so warm up with 2000 of each kind.
      warmupCalls: 2_000,
      progressFd: 3,
    });

    report('authorizer.raw_verify_us', hot.rawVerifyUs, 'us');
    report('authorizer.first_seen_us', hot.firstSeenUs, 'us');
    report('authorizer.repeat_us', hot.repeatUs, 'us');
    report('authorizer.first_seen_ratio', hot.firstSeenUs / hot.rawVerifyUs, 'x');
    report('authorizer.repeat_ratio', hot.repeatUs / hot.rawVerifyUs, 'x');
    report('authorizer.bundle_kb', bundleBytes / 1024, 'KiB');
    report('authorizer.init_ms', initMs, 'ms');
  } catch (error) {
    progress(`failed; scratch files kept in ${scratch}`);
    throw error;
  }
  fs.rmSync(scratch, { recursive: true, force: true });
}

/** Environment of a measured child: the parent's, without anything that would change how node or Powertools behave. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const name of Object.keys(env)) if (name.startsWith('POWERTOOLS_') || name === 'NODE_OPTIONS') delete env[name];
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
    progress(`round ${i + 1}: raw verify ${round.rawVerifyUs.toFixed(1)} us, first seen ${round.firstSeenUs.toFixed(1)} us, repeat ${round.repeatUs.toFixed(1)} us`),
  );
  progress(`${output.allowedCalls} timed calls, every one allowed; JWKS fetched ${output.jwksRequests} time(s)`);
  for (const stream of ['stdout', 'stderr'] as const) {
    const lines = output.outputPerCall[stream];
    const bytes = lines.reduce((sum, line) => sum + Buffer.byteLength(line) + 1, 0);
    progress(`one call writes ${lines.length} line(s), ${bytes} bytes, to ${stream}${lines.length > 0 ? `:\n    ${lines.map((line) => line.slice(0, 300)).join('\n    ')}` : ''}`);
  }
  return output;
}

/** Median `require()` time of the bundle over `runs` fresh processes (after one unrecorded run). */
function measureInit(bundleFile: string, scratch: string, clientName: string, runs: number): number {
  const issuer = `http://127.0.0.1:9/${POOL_ID}`;
  const env = childEnv({
    USER_POOL_ID: POOL_ID,
    TOKEN_ISSUER: issuer,
    JWKS_URL: `${issuer}/.well-known/jwks.json`,
    M2M_CLIENTS: `${clientName}=bench-client-1`,
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
  progress(`init: ${samples.map((ms) => ms.toFixed(1)).join(', ')} ms -> median ${result.toFixed(1)} ms`);
  return result;
}
