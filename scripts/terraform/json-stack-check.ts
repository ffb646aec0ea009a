/**
 * The check of one synthesized JSON stack: offline copy, `terraform init`, `validate`,
 * `plan -refresh=false` and `show -json`, ending in one {@link StackResult}.
 */
import * as path from 'node:path';
import { OfflineCopyError, prepareOfflineStack } from './offline-copy';
import { formatPlanCounts, PlanFormatError, summarizePlan } from './plan-summary';
import { type CheckContext, diagnosticsOf, hasWarnings, initFailure, type StackResult, withoutSuccessLine } from './report';
import { runTerraform, type TerraformRun } from './run';
import type { SynthesizedStack } from './synth';

/**
 * Copies `stack` to `<workRoot>/<stack>`, rewrites it for offline use, and runs init, validate,
 * plan and show -json there. Resolves with the verdict (never rejects for a terraform failure):
 * `valid, plan: 75 to add, 0 to change, 0 to destroy`, `INVALID`, `plan FAILED`, `init FAILED`
 * or `cannot run offline`.
 *
 * @example
 * const result = await checkJsonStack(stack, context);
 * if (result.ok) fs.writeFileSync('dev.plan.json', JSON.stringify(result.plan));
 */
export async function checkJsonStack(stack: SynthesizedStack, context: CheckContext): Promise<StackResult> {
  const started = Date.now();
  const dir = path.join(context.workRoot, stack.name);
  const done = (ok: boolean, verdict: string, diagnostics = '', extra: Partial<StackResult> = {}): StackResult => ({
    stack: stack.name,
    ok,
    verdict,
    diagnostics,
    seconds: (Date.now() - started) / 1000,
    ...extra,
  });

  try {
    prepareOfflineStack(stack.dir, dir, { providerVersion: context.providerVersion }, stack.file);
  } catch (error) {
    if (error instanceof OfflineCopyError || error instanceof SyntaxError) return done(false, 'cannot run offline', error.message);
    throw error;
  }

  const step = async (args: string[]): Promise<TerraformRun> => {
    const run = await runTerraform(args, { cwd: dir, env: context.env, timeoutMs: context.timeoutMs });
    context.progress(`${stack.name}: terraform ${args[0]} ${run.code === 0 ? 'ok' : 'failed'} (${run.seconds.toFixed(1)} s)`);
    return run;
  };
  const pluginDir = context.mirrorDir ? [`-plugin-dir=${context.mirrorDir}`] : [];

  const init = await step(['init', '-input=false', '-no-color', ...pluginDir]);
  if (init.code !== 0) return done(false, initFailure(init), diagnosticsOf(init));
  const validate = await step(['validate', '-no-color']);
  if (validate.code !== 0) return done(false, 'INVALID', diagnosticsOf(validate));
  const warnings = hasWarnings(validate) ? withoutSuccessLine(validate.stdout) : '';
  const plan = await step(['plan', '-refresh=false', '-input=false', '-lock=false', '-no-color', '-out=plan.bin']);
  if (plan.code !== 0) return done(false, 'plan FAILED', diagnosticsOf(plan));
  const show = await step(['show', '-json', 'plan.bin']);
  if (show.code !== 0) return done(false, 'plan FAILED', diagnosticsOf(show));

  try {
    const planJson: unknown = JSON.parse(show.stdout);
    const summary = summarizePlan(planJson);
    return done(true, `valid${warnings ? ' (with warnings)' : ''}, plan: ${formatPlanCounts(summary)}`, warnings, { plan: planJson, summary });
  } catch (error) {
    if (error instanceof PlanFormatError || error instanceof SyntaxError) return done(false, 'plan FAILED', `terraform show -json: ${error.message}`);
    throw error;
  }
}
