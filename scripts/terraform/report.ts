/**
 * The result of checking one stack, what every check needs to run, and how results are printed:
 * one verdict line per stack, terraform's diagnostics indented below it, one summary line.
 */
import type { PlanSummary } from './plan-summary';
import type { TerraformRun } from './run';

/** What a stack check needs; the same for every stack of one run. */
export interface CheckContext {
  /** Each stack's copy goes to `<workRoot>/<stack>`. */
  readonly workRoot: string;
  /** The environment of every terraform command: `offlineTerraformEnv` in run.ts. */
  readonly env: NodeJS.ProcessEnv;
  /**
   * A `-plugin-dir` provider mirror.
   * @default - `terraform init` installs from the registry (needs network)
   */
  readonly mirrorDir?: string;
  /**
   * The AWS provider version the copy pins.
   * @default - the stack's own pin
   */
  readonly providerVersion?: string;
  /** Receives one progress line per step (stderr in the CLI). */
  readonly progress: (line: string) => void;
  /**
   * Per terraform command.
   * @default 600_000
   */
  readonly timeoutMs?: number;
}

/** The verdict on one stack. */
export interface StackResult {
  readonly stack: string;
  readonly ok: boolean;
  /** What follows `<stack>: ` on the stack's line, e.g. `valid, plan: 75 to add, 0 to change, 0 to destroy`. */
  readonly verdict: string;
  /** Terraform's diagnostics (no colour) when it printed any errors or warnings; else empty. */
  readonly diagnostics: string;
  /** `terraform show -json` of the plan (JSON checks that planned). */
  readonly plan?: unknown;
  readonly summary?: PlanSummary;
  readonly seconds: number;
}

/** Source lines in diagnostics longer than this are cut (a mangled dashboard body is one 3 kB line). */
const MAX_LINE = 300;

/**
 * The stack's line and, below it, its diagnostics indented by four spaces, over-long lines cut.
 *
 * @example
 * resultLines({ stack: 'dev', ok: false, verdict: 'INVALID', diagnostics: 'Error: ...', seconds: 4 });
 * // ['dev: INVALID', '    Error: ...']
 */
export function resultLines(result: StackResult): string[] {
  return [`${result.stack}: ${result.verdict}`, ...indented(result.diagnostics)];
}

/**
 * `text` trimmed, blank-line runs collapsed, every line indented by `prefix` and cut at 300 characters.
 *
 * @example
 * indented('Error: x\n\n\n  on cdk.tf.json line 3'); // ['    Error: x', '', '      on cdk.tf.json line 3']
 */
export function indented(text: string, prefix = '    '): string[] {
  const trimmed = text.trim().replace(/\n{3,}/g, '\n\n');
  if (trimmed === '') return [];
  return trimmed.split('\n').map((line) => {
    const cut = line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)} ... (${line.length - MAX_LINE} more characters)` : line;
    return cut === '' ? '' : `${prefix}${cut}`;
  });
}

/**
 * What terraform said about a failed (or warned-about) command: its stderr, else its stdout, or
 * that it timed out.
 *
 * @example
 * diagnosticsOf(validateRun); // 'Error: Unsupported argument\n\n  on cdk.tf.json line 12 ...'
 */
export function diagnosticsOf(run: TerraformRun): string {
  if (run.timedOut) return `${run.command}: killed after ${Math.round(run.seconds)} s (timeout)`;
  return run.stderr.trim() !== '' ? run.stderr : run.stdout;
}

/**
 * `INVALID` when `terraform init` failed because the configuration does not parse (init reads it
 * first), else `init FAILED` (a provider it could not install, a backend it could not reach).
 *
 * @example
 * initFailure(init); // 'INVALID'
 */
export function initFailure(run: TerraformRun): 'INVALID' | 'init FAILED' {
  return /problems\s+with the configuration/.test(run.stderr + run.stdout) ? 'INVALID' : 'init FAILED';
}

/** A successful validate's warnings without its closing `Success! The configuration is valid, but ...` sentence. */
export function withoutSuccessLine(stdout: string): string {
  return stdout.replace(/^Success! [\s\S]*$/m, '').trim();
}

/** True when a successful command still printed warnings. */
export function hasWarnings(run: TerraformRun): boolean {
  return /^Warning: /m.test(run.stdout) || /^Warning: /m.test(run.stderr);
}

/**
 * The last line of a run: `validate: 4 of 4 stacks valid and planned` (JSON) or
 * `validate --hcl: 2 of 4 stacks formatted and valid` (HCL).
 *
 * @example
 * summaryLine(results, false);
 */
export function summaryLine(results: readonly StackResult[], hcl: boolean): string {
  const passed = results.filter((r) => r.ok).length;
  const stacks = `${passed} of ${results.length} stack${results.length === 1 ? '' : 's'}`;
  return hcl ? `validate --hcl: ${stacks} formatted and valid` : `validate: ${stacks} valid and planned`;
}
