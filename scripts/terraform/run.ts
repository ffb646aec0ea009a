/**
 * Running terraform for the offline checks: an environment that can never read the user's AWS
 * credentials or profile, a timeout per command, and the captured output of each run.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** One finished terraform command. */
export interface TerraformRun {
  /** `terraform plan ...`, for progress lines and error messages. */
  readonly command: string;
  /** Exit code; `null` when terraform was killed (see `timedOut`). */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
  readonly timedOut: boolean;
}

/** Options of {@link runTerraform}. */
export interface RunOptions {
  readonly cwd: string;
  /** The whole environment of the child; build it with {@link offlineTerraformEnv}. */
  readonly env: NodeJS.ProcessEnv;
  /**
   * Kill terraform after this long.
   * @default 600_000 (10 minutes)
   */
  readonly timeoutMs?: number;
}

/** `terraform` is not on PATH. */
export class TerraformNotFoundError extends Error {
  constructor() {
    super('terraform not on PATH (install Terraform >= 1.5, https://developer.hashicorp.com/terraform/install)');
    this.name = 'TerraformNotFoundError';
  }
}

/**
 * Runs `terraform <args>` in `cwd` and collects its output. Resolves for every exit code; rejects
 * only with {@link TerraformNotFoundError} (or another spawn failure, wrapped with its cause).
 *
 * @example
 * const run = await runTerraform(['validate', '-no-color'], { cwd: stackDir, env });
 * if (run.code !== 0) console.log(run.stderr);
 */
export function runTerraform(args: readonly string[], options: RunOptions): Promise<TerraformRun> {
  const command = `terraform ${args.join(' ')}`;
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn('terraform', args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
    }, options.timeoutMs ?? 600_000);
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(error.code === 'ENOENT' ? new TerraformNotFoundError() : new Error(`${command}: cannot start: ${error.message}`, { cause: error }));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const seconds = (Date.now() - started) / 1000;
      resolve({ command, code, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8'), seconds, timedOut });
    });
  });
}

/**
 * The `terraform version` line (e.g. `Terraform v1.11.4`), or `undefined` when terraform is not on PATH.
 *
 * @example
 * if (!(await terraformVersion(process.env))) console.log('SKIPPED: terraform not on PATH');
 */
export async function terraformVersion(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  try {
    const run = await runTerraform(['version'], { cwd: process.cwd(), env: { ...env, CHECKPOINT_DISABLE: '1' }, timeoutMs: 30_000 });
    return run.code === 0 ? run.stdout.split('\n')[0].trim() : undefined;
  } catch (error) {
    if (error instanceof TerraformNotFoundError) return undefined;
    throw error;
  }
}

/** Variables that could make terraform read real credentials or change what a command does. */
const DROPPED_VARIABLE = /^(AWS_|TF_CLI_ARGS|TF_VAR_|TF_WORKSPACE$|TF_DATA_DIR$|TF_INPUT$)/;

/**
 * The environment for offline terraform runs: every `AWS_*` variable (profile, session token, role,
 * config and credentials files) replaced by dummy credentials and empty files under `scratchDir`,
 * instance metadata off, no checkpoint calls, no `TF_CLI_ARGS*` / `TF_VAR_*` / `TF_WORKSPACE`. A
 * `TF_CLI_CONFIG_FILE` that points at a missing file is pointed at an empty one (terraform warns
 * otherwise). Writes the empty files into `scratchDir`.
 *
 * @example
 * const env = offlineTerraformEnv(process.env, workDir);
 */
export function offlineTerraformEnv(base: NodeJS.ProcessEnv, scratchDir: string): NodeJS.ProcessEnv {
  fs.mkdirSync(scratchDir, { recursive: true });
  const empty = (name: string) => {
    const file = path.join(scratchDir, name);
    fs.writeFileSync(file, '');
    return file;
  };
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(base).filter(([key]) => !DROPPED_VARIABLE.test(key)));
  Object.assign(env, {
    CHECKPOINT_DISABLE: '1',
    TF_IN_AUTOMATION: '1',
    TF_INPUT: '0',
    AWS_ACCESS_KEY_ID: 'mock',
    AWS_SECRET_ACCESS_KEY: 'mock',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: empty('aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: empty('aws-credentials'),
  });
  if (env.TF_CLI_CONFIG_FILE !== undefined && !fs.existsSync(env.TF_CLI_CONFIG_FILE)) env.TF_CLI_CONFIG_FILE = empty('terraformrc');
  return env;
}

/**
 * Runs at most `jobs` of the functions it is given at the same time: each terraform command loads the
 * whole AWS provider schema, and CI has two cores.
 *
 * @example
 * const slot = concurrencyLimit(2);
 * await Promise.all(stacks.map((stack) => slot(() => check(stack))));
 */
export function concurrencyLimit(jobs: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async (fn) => {
    if (active >= jobs) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}
