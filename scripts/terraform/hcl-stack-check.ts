/**
 * The check of one HCL stack (`cdktf synth --hcl` output): `terraform fmt -check -diff` on its
 * `cdk.tf`, then, in a copy with the offline override file, `terraform init -backend=false` and
 * `validate`. No plan: the JSON check plans the same stacks.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { awsProviderAliases, offlineOverride, OVERRIDE_FILE } from './hcl-override';
import { type CheckContext, diagnosticsOf, hasWarnings, initFailure, type StackResult, withoutSuccessLine } from './report';
import { runTerraform, type TerraformRun } from './run';
import type { SynthesizedStack } from './synth';

/** How much of a `terraform fmt -diff` is shown; cdktf's unindented HCL differs on nearly every line. */
const DIFF_LINES_SHOWN = 30;

/**
 * Checks one HCL stack. The verdict is `<fmt>, <validity>`: `formatted` or `fmt FAILED`, then
 * `valid`, `INVALID` or `init FAILED`; the stack passes only as `formatted, valid`.
 *
 * @example
 * const result = await checkHclStack(stack, context); // { verdict: 'fmt FAILED, INVALID', ... }
 */
export async function checkHclStack(stack: SynthesizedStack, context: CheckContext): Promise<StackResult> {
  const started = Date.now();
  const dir = path.join(context.workRoot, stack.name);
  fs.cpSync(stack.dir, dir, { recursive: true });
  const step = async (args: string[]): Promise<TerraformRun> => {
    const run = await runTerraform(args, { cwd: dir, env: context.env, timeoutMs: context.timeoutMs });
    context.progress(`${stack.name}: terraform ${args[0]} ${run.code === 0 ? 'ok' : 'failed'} (${run.seconds.toFixed(1)} s)`);
    return run;
  };

  const fmt = await step(['fmt', '-check', '-diff', '-no-color', stack.file]);
  const hcl = fs.readFileSync(path.join(dir, stack.file), 'utf8');
  fs.writeFileSync(path.join(dir, OVERRIDE_FILE), `${JSON.stringify(offlineOverride(context.providerVersion, awsProviderAliases(hcl)), null, 2)}\n`);

  const pluginDir = context.mirrorDir ? [`-plugin-dir=${context.mirrorDir}`] : [];
  const init = await step(['init', '-backend=false', '-input=false', '-no-color', ...pluginDir]);
  const validate = init.code === 0 ? await step(['validate', '-no-color']) : undefined;

  let validity: string;
  let validateDiagnostics = '';
  if (!validate) {
    validity = initFailure(init);
    validateDiagnostics = diagnosticsOf(init);
  } else if (validate.code !== 0) {
    validity = 'INVALID';
    validateDiagnostics = diagnosticsOf(validate);
  } else {
    validity = hasWarnings(validate) ? 'valid (with warnings)' : 'valid';
    validateDiagnostics = hasWarnings(validate) ? withoutSuccessLine(validate.stdout) : '';
  }
  const fmtDiagnostics = describeFmt(fmt, stack.file, validity !== 'valid' && validity !== 'valid (with warnings)');
  return {
    stack: stack.name,
    ok: fmt.code === 0 && validate?.code === 0,
    verdict: `${fmt.code === 0 ? 'formatted' : 'fmt FAILED'}, ${validity}`,
    diagnostics: [fmtDiagnostics, validateDiagnostics].filter((d) => d.trim() !== '').join('\n\n'),
    seconds: (Date.now() - started) / 1000,
  };
}

/** What `terraform fmt -check -diff` found: nothing, a diff excerpt, or its parse errors. */
function describeFmt(fmt: TerraformRun, file: string, validateFailed: boolean): string {
  if (fmt.code === 0) return '';
  if (fmt.code === 3) {
    const diff = fmt.stdout.split('\n').filter((line) => line !== file);
    const changed = diff.filter((line) => /^[+-]/.test(line) && !/^(\+\+\+|---) /.test(line)).length;
    const more = diff.length - DIFF_LINES_SHOWN;
    return [
      `terraform fmt -check: ${file} is not in canonical format (${changed} lines added or removed); the diff starts:`,
      ...diff.slice(0, DIFF_LINES_SHOWN).map((line) => `  ${line}`),
      ...(more > 0 ? [`  ... (${more} more diff lines: terraform fmt -diff ${file})`] : []),
    ].join('\n');
  }
  // Exit code 2: fmt could not parse the file; validate reports the same errors, so say it once.
  return validateFailed ? `terraform fmt: cannot parse ${file} (the errors are the ones validate reports below)` : diagnosticsOf(fmt);
}
