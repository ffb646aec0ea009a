/**
 * Scale benchmark: the dev environment with 10, 100 and 1,000 M2M clients (bench/scale-fixture.ts),
 * each size measured the same way, then the 1,000 / 10 ratios. The goal: synth and plan grow at most
 * linearly with the clients, the authorizer's decision cost stays flat.
 *
 * Per size:
 * - synth_s, synth_peak_rss_mb: `node --import tsx main.ts` with `M2M_AUTH_CONFIG` in a child process
 *   (peak RSS from bench/rss-probe.cjs), writing to a temp dir through CDKTF_OUTDIR.
 * - resources: managed resources in the synthesized dev stack.
 * - plan_s: `terraform plan -refresh=false` of the dev stack as `npm run validate -- --stacks dev` runs
 *   it offline (the time terraform's plan step reports; init, validate, show -json and the validate
 *   CLI's own synth come on top of it and are not counted). Needs terraform and TF_PROVIDER_MIRROR;
 *   without them the figure is a `SKIPPED` line. The CLI is run, not imported: bench sits beside
 *   scripts in the layering, not above it.
 * - authorizer_init_ms: `require()` of the real bundle in a fresh process (bench/authorizer.ts).
 * - authorizer_init_floor_ms: the same for a module that only loads node:crypto and node:https and sends
 *   one request (the floor of any authorizer on this machine), measured beside it; init_own_ms: the
 *   difference, what our code costs.
 * - authorizer_ready_ms: load until the bundle's `ready` settles (JWKS answering at once, deny-list and
 *   the registry file of N clients read and parsed): where the registry's size can show.
 * - first_seen_us, repeat_us: a warm handler with the full registry loaded, tokens of the N-th client,
 *   each new / the same one again (bench/authorizer-worker.ts, medians of rounds). Each size runs in its
 *   own process, minutes apart, so the ratios `*_per_raw_verify` also compare them per unit of one RSA
 *   verify timed in the same rounds: on a shared machine that moves with the load, the decision should not.
 * - custom_metrics, custom_metrics_per_client: the custom metrics the authorizer can publish by default
 *   and with `monitoring.perClientMetrics` (lib/authorizer/custom-metrics.ts).
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bundleAuthorizer } from '../lib/authorizer/authorizer-bundle';
import { bundleLambda } from '../lib/bundling/lambda-bundle';
import type { EnvironmentConfig } from '../lib/config/schema';
import { childEnv, measureInit, measureInitFloor, peerRouteScopes } from './authorizer';
import { measureColdStart } from './authorizer-cold';
import type { WorkerInput, WorkerOutput } from './authorizer-worker';
import { reportSkipped, type Report } from './report';
import { scaleClientId, scaleConfig, writeScaleConfig, writeScaleRegistry } from './scale-fixture';
import { customMetricCount } from '../lib/authorizer/custom-metrics';
import { countFromEnv, median, progressOf } from './support';

const progress = progressOf('scale');

const REPO_ROOT = path.resolve(__dirname, '..');
/** Inside the repo, so that a `require('@aws-sdk/...')` in the bundle would resolve as in Lambda. */
const CACHE_DIR = path.join(REPO_ROOT, 'node_modules', '.cache', 'm2m-auth-bench');
const RSS_PROBE = path.join(__dirname, 'rss-probe.cjs');
const WORKER = path.join(__dirname, 'authorizer-worker.ts');
const SIZES = [10, 100, 1000] as const;

interface SizeFigures {
  synthS: number;
  synthPeakRssMb: number;
  resources: number;
  planS?: number;
  initMs: number;
  /** The same machine's floor for any authorizer's init, measured beside it (bench/authorizer.ts). */
  initFloorMs: number;
  readyMs: number;
  rawVerifyUs: number;
  firstSeenUs: number;
  repeatUs: number;
  /** Per round of the worker: first seen and repeat divided by one raw RSA verify in the same round. */
  rounds: ReadonlyArray<{ firstSeenPerRaw: number; repeatPerRaw: number }>;
}

export async function run(report: Report): Promise<void> {
  const synthCount = countFromEnv('BENCH_SCALE_SYNTH_RUNS', 1);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'm2m-auth-bench-scale-'));
  const terraform = terraformAvailability();
  if (!terraform.ok) progress(`plan: SKIPPED (${terraform.reason})`);
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  const peerBundleFile = path.join(CACHE_DIR, 'scale-peer-authorizer.js');
  writePeerBundle(peerBundleFile, scaleConfig(SIZES[0]));
  try {
    const figures = new Map<number, SizeFigures>();
    for (const size of SIZES) {
      const started = Date.now();
      const config = scaleConfig(size);
      const dir = path.join(scratch, String(size));
      fs.mkdirSync(dir);
      const configFile = path.join(dir, 'config.json');
      writeScaleConfig(configFile, size);

      const synth = synthRuns(configFile, dir, synthCount);
      progress(`${size} clients: synth ${synth.seconds.toFixed(2)} s, peak RSS ${synth.peakRssMb.toFixed(0)} MB, ${synth.resources} resources in the dev stack`);
      const plan = terraform.ok ? await planOnce(configFile, size, terraform.mirror) : undefined;
      if (plan && plan.toAdd !== synth.resources) progress(`${size} clients: the plan adds ${plan.toAdd} resources, the stack declares ${synth.resources} (count or for_each?)`);
      const authorizer = await measureAuthorizer(config, dir, peerBundleFile);

      const result: SizeFigures = { synthS: synth.seconds, synthPeakRssMb: synth.peakRssMb, resources: synth.resources, planS: plan?.seconds, ...authorizer };
      figures.set(size, result);
      report(`scale.${size}.synth_s`, result.synthS, 's');
      report(`scale.${size}.synth_peak_rss_mb`, result.synthPeakRssMb, 'MB');
      report(`scale.${size}.resources`, result.resources, 'resources');
      if (result.planS === undefined) reportSkipped(`scale.${size}.plan_s`, terraform.ok ? 'no plan' : terraform.reason);
      else report(`scale.${size}.plan_s`, result.planS, 's');
      report(`scale.${size}.authorizer_init_ms`, result.initMs, 'ms');
      report(`scale.${size}.authorizer_init_floor_ms`, result.initFloorMs, 'ms');
      report(`scale.${size}.authorizer_init_own_ms`, result.initMs - result.initFloorMs, 'ms');
      report(`scale.${size}.authorizer_ready_ms`, result.readyMs, 'ms');
      report(`scale.${size}.raw_verify_us`, result.rawVerifyUs, 'us');
      report(`scale.${size}.first_seen_us`, result.firstSeenUs, 'us');
      report(`scale.${size}.repeat_us`, result.repeatUs, 'us');
      report(`scale.${size}.custom_metrics`, customMetricCount(config, {}), 'metrics');
      report(`scale.${size}.custom_metrics_per_client`, customMetricCount(config, { perClientMetrics: true }), 'metrics');
      progress(`${size} clients measured in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }

    const [smallest, largest] = [SIZES[0], SIZES[SIZES.length - 1]];
    const [small, large] = [figures.get(smallest)!, figures.get(largest)!];
    const prefix = `scale.ratio_${largest}_vs_${smallest}`;
    progress(`ratios ${largest} / ${smallest} clients (${largest / smallest}x the clients): goal synth and plan at most ${largest / smallest}x, decisions ~1x`);
    report(`${prefix}.synth_s`, large.synthS / small.synthS, 'x');
    report(`${prefix}.synth_peak_rss_mb`, large.synthPeakRssMb / small.synthPeakRssMb, 'x');
    report(`${prefix}.resources`, large.resources / small.resources, 'x');
    if (large.planS === undefined || small.planS === undefined) reportSkipped(`${prefix}.plan_s`, terraform.ok ? 'no plan' : terraform.reason);
    else report(`${prefix}.plan_s`, large.planS / small.planS, 'x');
    report(`${prefix}.authorizer_init_ms`, large.initMs / small.initMs, 'x');
    report(`${prefix}.authorizer_init_own_ms`, (large.initMs - large.initFloorMs) / (small.initMs - small.initFloorMs), 'x');
    report(`${prefix}.authorizer_ready_ms`, large.readyMs / small.readyMs, 'x');
    report(`${prefix}.first_seen_us`, large.firstSeenUs / small.firstSeenUs, 'x');
    report(`${prefix}.repeat_us`, large.repeatUs / small.repeatUs, 'x');
    const perRaw = (figure: SizeFigures, pick: (round: SizeFigures['rounds'][number]) => number) => median(figure.rounds.map(pick));
    report(`${prefix}.first_seen_per_raw_verify`, perRaw(large, (r) => r.firstSeenPerRaw) / perRaw(small, (r) => r.firstSeenPerRaw), 'x');
    report(`${prefix}.repeat_per_raw_verify`, perRaw(large, (r) => r.repeatPerRaw) / perRaw(small, (r) => r.repeatPerRaw), 'x');
  } catch (error) {
    progress(`failed; scratch files kept in ${scratch}`);
    throw error;
  }
  fs.rmSync(scratch, { recursive: true, force: true });
}

/** `{ ok, mirror }` when terraform is on PATH and TF_PROVIDER_MIRROR holds hashicorp/aws; else why not. */
function terraformAvailability(): { ok: true; mirror: string } | { ok: false; reason: string } {
  const version = spawnSync('terraform', ['version'], { env: { ...process.env, CHECKPOINT_DISABLE: '1' }, encoding: 'utf8' });
  if (version.error || version.status !== 0) return { ok: false, reason: 'terraform not on PATH' };
  const mirror = process.env.TF_PROVIDER_MIRROR;
  if (!mirror) return { ok: false, reason: 'TF_PROVIDER_MIRROR unset' };
  if (!fs.existsSync(path.join(mirror, 'registry.terraform.io', 'hashicorp', 'aws'))) return { ok: false, reason: `TF_PROVIDER_MIRROR=${mirror} holds no hashicorp/aws` };
  return { ok: true, mirror: path.resolve(mirror) };
}

/** `runs` synths: the median seconds, the highest peak RSS, the resources of the first. */
function synthRuns(configFile: string, dir: string, runs: number): { seconds: number; peakRssMb: number; resources: number } {
  const samples = Array.from({ length: runs }, (_, i) => synthOnce(configFile, path.join(dir, `synth-${i + 1}`)));
  return { seconds: median(samples.map((s) => s.seconds)), peakRssMb: Math.max(...samples.map((s) => s.peakRssMb)), resources: samples[0].resources };
}

/** One synth of the app with `configFile` in a fresh child; the dev stack's managed resources counted. */
function synthOnce(configFile: string, outdir: string): { seconds: number; peakRssMb: number; resources: number } {
  const rssFile = `${outdir}.rss`;
  const env: NodeJS.ProcessEnv = { ...process.env, M2M_AUTH_CONFIG: configFile, CDKTF_OUTDIR: outdir, BENCH_RSS_FILE: rssFile };
  delete env.SYNTH_HCL_OUTPUT;
  const started = process.hrtime.bigint();
  const child = spawnSync(process.execPath, ['--require', RSS_PROBE, '--import', 'tsx', 'main.ts'], { cwd: REPO_ROOT, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (child.error) throw child.error;
  if (child.status !== 0) throw new Error(`synth with ${configFile} failed (exit ${child.status ?? child.signal}):\n${child.stdout}${child.stderr}`);
  const peakRssMb = Number(fs.readFileSync(rssFile, 'utf8')) / 1024;
  return { seconds, peakRssMb, resources: managedResources(devStackFile(outdir)) };
}

/** The dev stack's Terraform JSON, found through the synth's manifest.json. */
function devStackFile(outdir: string): string {
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8')) as { stacks: Record<string, { synthesizedStackPath: string }> };
  const dev = manifest.stacks.dev;
  if (!dev) throw new Error(`${outdir}/manifest.json: no dev stack (stacks: ${Object.keys(manifest.stacks).join(', ')})`);
  return path.join(outdir, dev.synthesizedStackPath);
}

/** Resource blocks (not data sources) in a Terraform JSON file. */
function managedResources(file: string): number {
  const tf = JSON.parse(fs.readFileSync(file, 'utf8')) as { resource?: Record<string, Record<string, unknown>> };
  return Object.values(tf.resource ?? {}).reduce((sum, byName) => sum + Object.keys(byName).length, 0);
}

/**
 * `npm run validate -- --stacks dev` with `configFile`, once: terraform plan's own seconds (from the
 * CLI's `dev: terraform plan ok (x s)` progress line) and the resources the plan adds.
 */
async function planOnce(configFile: string, size: number, mirror: string): Promise<{ seconds: number; toAdd: number }> {
  const env: NodeJS.ProcessEnv = { ...process.env, M2M_AUTH_CONFIG: configFile, TF_PROVIDER_MIRROR: mirror };
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/validate.ts', '--stacks', 'dev', '--jobs', '1'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      for (const line of chunk.toString().split('\n')) if (/^dev: terraform \w+/.test(line)) progress(`${size} clients: ${line.slice('dev: '.length)}`);
    });
    child.on('error', reject);
    child.on('close', (exitCode) => resolve({ code: exitCode, stdout: Buffer.concat(out).toString('utf8'), stderr: err }));
  });
  const plan = /^dev: terraform plan ok \(([\d.]+) s\)$/m.exec(stderr);
  const verdict = /^dev: valid.*plan: (\d+) to add/m.exec(stdout);
  if (code !== 0 || !plan || !verdict) throw new Error(`npm run validate -- --stacks dev with ${size} clients failed (exit ${code}):\n${stdout}${stderr}`);
  return { seconds: Number(plan[1]), toAdd: Number(verdict[1]) };
}

/** The naive peer the worker also runs (it needs one); its figures are not reported here. */
function writePeerBundle(file: string, config: EnvironmentConfig): void {
  fs.writeFileSync(file, bundleLambda({ entry: 'bench/peer-authorizer.ts', define: { __PEER_ROUTE_SCOPES__: peerRouteScopes(config) } }).code);
}

/** Init, ready, first-seen and repeat decisions of the real bundle with the registry of every client of `config`. */
async function measureAuthorizer(config: EnvironmentConfig, dir: string, peerBundleFile: string): Promise<Pick<SizeFigures, 'initMs' | 'initFloorMs' | 'readyMs' | 'rawVerifyUs' | 'firstSeenUs' | 'repeatUs' | 'rounds'>> {
  const size = config.m2mClients.length;
  const last = config.m2mClients[size - 1];
  if (!last.scopes.includes('read')) throw new Error(`client ${last.name} lacks the read scope that GET /orders needs`);
  const bundleFile = path.join(CACHE_DIR, `scale-authorizer-${size}.js`);
  fs.writeFileSync(bundleFile, bundleAuthorizer(config).code);
  const clientRegistryFile = path.join(dir, 'clients.json');
  writeScaleRegistry(clientRegistryFile, config);
  const clientId = scaleClientId(size - 1);
  progress(`${size} clients: bundle ${fs.statSync(bundleFile).size} bytes, registry ${fs.statSync(clientRegistryFile).size} bytes; tokens of ${last.name} (${clientId})`);

  const initMs = measureInit(bundleFile, dir, clientRegistryFile, countFromEnv('BENCH_SCALE_INIT_RUNS', 7));
  const initFloorMs = measureInitFloor(dir, clientRegistryFile, countFromEnv('BENCH_SCALE_INIT_RUNS', 7));
  const ready = await measureColdStart({
    bundleFile,
    scratchDir: dir,
    clientRegistryFile,
    clientId,
    identifier: config.resourceServer.identifier,
    delayMs: 0,
    runs: countFromEnv('BENCH_SCALE_COLD_RUNS', 5),
    mode: 'ready',
    progress: (message) => progress(`${size} clients: ${message}`),
  });

  const input: WorkerInput = {
    bundleFile,
    peerBundleFile,
    resultFile: path.join(dir, 'hot-path.json'),
    scratchDir: dir,
    clientRegistryFile,
    clientId,
    identifier: config.resourceServer.identifier,
    rounds: countFromEnv('BENCH_SCALE_ROUNDS', 11),
    rawBatch: 500,
    firstSeenBatch: 300,
    repeatBatch: 1_000,
    warmupCalls: 1_500,
    progressFd: 3,
  };
  const child = spawnSync(process.execPath, ['--import', 'tsx', WORKER, JSON.stringify(input)], {
    cwd: REPO_ROOT,
    env: childEnv({}),
    // stdout and stderr: the decision lines, to /dev/null as in Lambda's hot path; fd 3: progress.
    stdio: ['ignore', 'ignore', 'ignore', 2],
    timeout: 180_000,
  });
  if (child.error) throw child.error;
  if (child.status !== 0) throw new Error(`authorizer worker failed at ${size} clients (exit ${child.status ?? child.signal}); see its messages above`);
  const hot = JSON.parse(fs.readFileSync(input.resultFile, 'utf8')) as WorkerOutput;
  progress(`${size} clients: first seen ${hot.rounds.map((r) => r.firstSeenUs.toFixed(1)).join(', ')} us; repeat ${hot.rounds.map((r) => r.repeatUs.toFixed(1)).join(', ')} us (raw verify ${hot.rawVerifyUs.toFixed(1)} us)`);
  const rounds = hot.rounds.map((r) => ({ firstSeenPerRaw: r.firstSeenUs / r.rawVerifyUs, repeatPerRaw: r.repeatUs / r.rawVerifyUs }));
  return { initMs, initFloorMs, readyMs: ready.initMs, rawVerifyUs: hot.rawVerifyUs, firstSeenUs: hot.firstSeenUs, repeatUs: hot.repeatUs, rounds };
}
