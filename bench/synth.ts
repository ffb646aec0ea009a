/**
 * Synth benchmark: `npm run synth` (tsx, deep provider imports) against the CDKTF template's naive
 * way (ts-node with type-checking, provider root imports) on a copy of the same app.
 *
 * Each run is a fresh child process writing to its own temp dir through CDKTF_OUTDIR (cdktf's App
 * reads it), so the repo's cdktf.out is never touched. Peak RSS comes from bench/rss-probe.cjs,
 * preloaded into the child. The naive copy must synthesize byte-identical output, or the bench fails.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Report } from './report';
import { buildNaiveApp } from './naive-app';
import { countFromEnv, median, progressOf } from './support';

const progress = progressOf('synth');

const REPO_ROOT = path.resolve(__dirname, '..');
const NAIVE_DIR = path.join(REPO_ROOT, '.bench', 'naive');
const RSS_PROBE = path.join(__dirname, 'rss-probe.cjs');

interface Variant {
  label: string;
  cwd: string;
  nodeArgs: string[];
  env: NodeJS.ProcessEnv;
}

interface Sample {
  seconds: number;
  peakRssMb: number;
  outdir: string;
}

export async function run(report: Report): Promise<void> {
  const ourRuns = countFromEnv('BENCH_SYNTH_RUNS', 5);
  const naiveRuns = countFromEnv('BENCH_NAIVE_RUNS', 3);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'm2m-auth-bench-synth-'));
  try {
    const ours: Variant = { label: 'ours', cwd: REPO_ROOT, nodeArgs: ['--import', 'tsx', 'main.ts'], env: {} };
    const oursSamples = measure(ours, ourRuns, scratch);

    const naiveApp = buildNaiveApp(REPO_ROOT, NAIVE_DIR);
    progress(`naive app: ${naiveApp.rewrittenImports} deep provider imports rewritten in ${naiveApp.files} files -> ${path.relative(REPO_ROOT, NAIVE_DIR)}`);
    const naive: Variant = {
      label: 'naive',
      cwd: NAIVE_DIR,
      nodeArgs: ['-r', 'ts-node/register', 'main.ts'],
      // No TS_NODE_TRANSPILE_ONLY: ts-node type-checks, as `npx ts-node main.ts` in the cdktf template does.
      env: { TS_NODE_PROJECT: path.join(NAIVE_DIR, 'tsconfig.json') },
    };
    const naiveSamples = measure(naive, naiveRuns, scratch);

    assertSameOutput(oursSamples[0].outdir, naiveSamples[0].outdir);
    progress('naive output is identical to ours');

    const oursMedian = median(oursSamples.map((s) => s.seconds));
    const naiveMedian = median(naiveSamples.map((s) => s.seconds));
    report('synth.median_s', oursMedian, 's');
    report('synth.peak_rss_mb', Math.max(...oursSamples.map((s) => s.peakRssMb)), 'MB');
    report('synth.naive_median_s', naiveMedian, 's');
    report('synth.naive_peak_rss_mb', Math.max(...naiveSamples.map((s) => s.peakRssMb)), 'MB');
    report('synth.ratio_vs_naive', naiveMedian / oursMedian, 'x');
  } catch (error) {
    progress(`failed; synth outputs kept in ${scratch}`);
    throw error;
  }
  fs.rmSync(scratch, { recursive: true, force: true });
}

function measure(variant: Variant, runs: number, scratch: string): Sample[] {
  const samples: Sample[] = [];
  for (let i = 1; i <= runs; i++) {
    const sample = synthOnce(variant, path.join(scratch, `${variant.label}-${i}`));
    progress(`${variant.label} run ${i}/${runs}: ${sample.seconds.toFixed(2)} s, peak RSS ${sample.peakRssMb.toFixed(0)} MB`);
    samples.push(sample);
  }
  return samples;
}

function synthOnce(variant: Variant, outdir: string): Sample {
  const rssFile = `${outdir}.rss`;
  const env: NodeJS.ProcessEnv = { ...process.env, ...variant.env, CDKTF_OUTDIR: outdir, BENCH_RSS_FILE: rssFile };
  for (const name of Object.keys(env)) if (name.startsWith('TS_NODE_') && !(name in variant.env)) delete env[name];

  const start = process.hrtime.bigint();
  const child = spawnSync(process.execPath, ['--require', RSS_PROBE, ...variant.nodeArgs], {
    cwd: variant.cwd,
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;

  if (child.error) throw child.error;
  if (child.status !== 0) {
    throw new Error(`${variant.label} synth failed (exit ${child.status ?? child.signal}) in ${variant.cwd}:\n${child.stdout}${child.stderr}`);
  }
  if (!fs.existsSync(path.join(outdir, 'manifest.json'))) {
    throw new Error(`${variant.label} synth wrote no ${path.join(outdir, 'manifest.json')}: is CDKTF_OUTDIR still honoured by cdktf's App?`);
  }
  const maxRssKb = Number(fs.readFileSync(rssFile, 'utf8'));
  return { seconds, peakRssMb: maxRssKb / 1024, outdir };
}

/** Every file in both output dirs must match byte for byte (the copy's path normalised to the repo's). */
function assertSameOutput(oursDir: string, naiveDir: string): void {
  const oursFiles = listFiles(oursDir);
  const naiveFiles = listFiles(naiveDir);
  const problems: string[] = [];
  for (const file of new Set([...oursFiles, ...naiveFiles])) {
    if (!oursFiles.includes(file)) problems.push(`${file}: only in the naive output`);
    else if (!naiveFiles.includes(file)) problems.push(`${file}: only in our output`);
    else {
      const expected = fs.readFileSync(path.join(oursDir, file), 'utf8');
      const actual = fs.readFileSync(path.join(naiveDir, file), 'utf8').replaceAll(NAIVE_DIR, REPO_ROOT);
      if (expected !== actual) problems.push(`${file}: contents differ`);
    }
  }
  if (oursFiles.length === 0) problems.push('no output at all');
  if (problems.length > 0) {
    throw new Error(`the naive app does not synthesize the same Terraform as ours, so the comparison would be meaningless:\n  ${problems.join('\n  ')}\n(ours: ${oursDir}, naive: ${naiveDir})`);
  }
}

function listFiles(dir: string, prefix = ''): string[] {
  return fs.readdirSync(path.join(dir, prefix), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(prefix, entry.name);
    return entry.isDirectory() ? listFiles(dir, relative) : [relative];
  });
}
