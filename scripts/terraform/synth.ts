/**
 * Synthesizing the CDKTF app into a fresh directory (never ./cdktf.out), as JSON or as HCL, and
 * listing the stacks it wrote from its manifest.json.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** One synthesized stack. */
export interface SynthesizedStack {
  /** Stack name (`dev`, `state-bootstrap`). */
  readonly name: string;
  /** The stack's directory: its Terraform file and its `assets/`. */
  readonly dir: string;
  /** The Terraform file inside `dir`: `cdk.tf.json`, or `cdk.tf` for an HCL synth. */
  readonly file: string;
}

/** Options of {@link synthesizeApp}. */
export interface SynthOptions {
  /** The project root, where `main.ts` is. */
  readonly projectRoot: string;
  /** A directory that does not exist yet or is empty. */
  readonly outdir: string;
  /**
   * Write `cdk.tf` (HCL) the way `cdktf synth --hcl` does.
   * @default false
   */
  readonly hcl?: boolean;
  /**
   * The app's environment (M2M_AUTH_* overrides apply).
   * @default process.env
   */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Receives each line the app prints when it succeeds (config warnings, for example).
   * @default - the lines are dropped
   */
  readonly log?: (line: string) => void;
}

/** The app exited non-zero (for example a config error); `output` is what it printed. */
export class SynthError extends Error {
  constructor(readonly output: string) {
    const lines = output.trim().split('\n');
    super(`synthesizing the app failed:\n${lines.slice(0, 20).join('\n')}${lines.length > 20 ? `\n... (${lines.length - 20} more lines)` : ''}`);
    this.name = 'SynthError';
  }
}

/**
 * Runs `node --import tsx main.ts` with `CDKTF_OUTDIR=<outdir>` (and `SYNTH_HCL_OUTPUT=true` for
 * HCL) and returns the stacks it wrote. Throws {@link SynthError} when the app fails.
 *
 * @example
 * const stacks = await synthesizeApp({ projectRoot, outdir: path.join(tmp, 'synth') });
 */
export async function synthesizeApp(options: SynthOptions): Promise<SynthesizedStack[]> {
  // cdktf creates the outdir itself, but not its parents.
  fs.mkdirSync(path.dirname(options.outdir), { recursive: true });
  const env: NodeJS.ProcessEnv = { ...(options.env ?? process.env), CDKTF_OUTDIR: options.outdir };
  if (options.hcl) env.SYNTH_HCL_OUTPUT = 'true';
  else delete env.SYNTH_HCL_OUTPUT;
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'main.ts'], { cwd: options.projectRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.on('error', reject);
    child.on('close', (exitCode) => resolve({ code: exitCode, output: Buffer.concat(chunks).toString('utf8') }));
  });
  if (code !== 0) throw new SynthError(output);
  output.split('\n').filter((line) => line.trim() !== '').forEach((line) => options.log?.(line));
  return listStacks(options.outdir);
}

/**
 * The stacks in a synth output directory, by name, from its `manifest.json`. Throws when the
 * manifest is missing or names a file that is not there.
 *
 * @example
 * listStacks('cdktf.out').map((s) => s.name); // ['dev', 'prod', 'staging', 'state-bootstrap']
 */
export function listStacks(outdir: string): SynthesizedStack[] {
  const manifestFile = path.join(outdir, 'manifest.json');
  if (!fs.existsSync(manifestFile)) throw new Error(`${manifestFile}: missing; the app synthesized nothing`);
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as {
    stacks: Record<string, { name: string; synthesizedStackPath: string; workingDirectory: string }>;
  };
  return Object.values(manifest.stacks)
    .map((stack) => {
      const dir = path.join(outdir, stack.workingDirectory);
      const file = path.relative(stack.workingDirectory, stack.synthesizedStackPath);
      if (!fs.existsSync(path.join(dir, file))) throw new Error(`${path.join(dir, file)}: named in ${manifestFile} but not written`);
      return { name: stack.name, dir, file };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}
