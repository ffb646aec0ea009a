/**
 * The shipped dev stack as a deployed stack, offline: synthesized through main.ts, copied for
 * offline use, initialized from the provider mirror, planned, and that create plan turned into a
 * prior state (scripts/terraform/prior-state.ts). Plans against edited copies of the state are
 * Terraform's own update, replace and destroy plans: what the pipeline scripts read.
 */
import * as path from 'node:path';
import { prepareOfflineStack } from '../../scripts/terraform/offline-copy';
import { buildPriorState, type PlanJson, planAgainstState, type PriorState, readProviderSchemas } from '../../scripts/terraform/prior-state';
import { runTerraform } from '../../scripts/terraform/run';
import { synthesizeApp } from '../../scripts/terraform/synth';
import { type Availability, checkContext, PROJECT_ROOT } from '../terraform/offline-terraform';

/** An initialized offline copy of the dev stack, its create plan and the prior state built from it. */
export interface DevStack {
  /** The offline copy, initialized; plans of it run with `env`. */
  readonly dir: string;
  /** Offline terraform environment (dummy credentials, no AWS_* of the caller). */
  readonly env: NodeJS.ProcessEnv;
  readonly mirrorDir: string;
  readonly createPlan: PlanJson;
  readonly prior: PriorState;
}

/**
 * Synthesizes the shipped config into `<work>/synth`, copies the dev stack to `<work>/copy`, runs
 * init, the create plan and the schema read (at the same time), and builds the prior state.
 */
export async function prepareDevStack(availability: Extract<Availability, { ok: true }>, work: string): Promise<DevStack> {
  const env = { ...process.env };
  delete env.M2M_AUTH_CONFIG;
  const stacks = await synthesizeApp({ projectRoot: PROJECT_ROOT, outdir: path.join(work, 'synth'), env });
  const dev = stacks.find((s) => s.name === 'dev');
  if (!dev) throw new Error('the app synthesized no dev stack');
  const dir = path.join(work, 'copy');
  prepareOfflineStack(dev.dir, dir, { providerVersion: availability.providerVersion }, dev.file);
  const context = checkContext(availability, work);
  const init = await runTerraform(['init', '-input=false', '-no-color', `-plugin-dir=${availability.mirrorDir}`], { cwd: dir, env: context.env });
  if (init.code !== 0) throw new Error(`terraform init failed:\n${init.stderr || init.stdout}`);
  const [createPlan, schemas] = await Promise.all([planAgainstState({ dir, env: context.env, name: 'create' }), readProviderSchemas({ dir, env: context.env })]);
  return { dir, env: context.env, mirrorDir: availability.mirrorDir, createPlan, prior: buildPriorState(createPlan, schemas) };
}
