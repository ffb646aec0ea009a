/**
 * What the terraform suites share: whether terraform and a provider mirror are here (else the
 * suite skips with a visible SKIPPED line), and the check context for stacks planned in a test.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { choosePin, mirrorVersions } from '../../scripts/terraform/provider-source';
import type { CheckContext } from '../../scripts/terraform/report';
import { offlineTerraformEnv } from '../../scripts/terraform/run';

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

/** `{ mirrorDir, providerVersion }` when terraform is on PATH and TF_PROVIDER_MIRROR holds hashicorp/aws; else why not. */
export type Availability = { ok: true; mirrorDir: string; providerVersion: string } | { ok: false; reason: string };

/** Checks for terraform and the mirror once, synchronously, so a suite can choose `test` or `test.skip`. */
export function offlineTerraformAvailability(env: NodeJS.ProcessEnv = process.env): Availability {
  const version = spawnSync('terraform', ['version'], { env: { ...env, CHECKPOINT_DISABLE: '1' }, encoding: 'utf8' });
  if (version.error || version.status !== 0) return { ok: false, reason: 'terraform not on PATH' };
  if (!env.TF_PROVIDER_MIRROR) return { ok: false, reason: 'TF_PROVIDER_MIRROR unset; .ci/run sets it' };
  const mirrorDir = path.resolve(env.TF_PROVIDER_MIRROR);
  const versions = mirrorVersions(mirrorDir);
  if (versions.length === 0) return { ok: false, reason: `TF_PROVIDER_MIRROR=${mirrorDir} holds no hashicorp/aws` };
  return { ok: true, mirrorDir, providerVersion: choosePin(undefined, versions).version };
}

/**
 * `test` when terraform and the mirror are available, else `test.skip` after a
 * `SKIPPED: <suite> (<reason>)` line on stderr, so a skip is never a silent pass.
 */
export function testWithTerraform(availability: Availability, suite: string): jest.It {
  if (availability.ok) return test;
  // console output of a suite whose tests are all skipped is dropped by jest workers; stderr is not.
  process.stderr.write(`SKIPPED: ${suite} (${availability.reason})\n`);
  return test.skip;
}

/** A check context for stacks copied under `workRoot`, with progress discarded. */
export function checkContext(availability: Extract<Availability, { ok: true }>, workRoot: string): CheckContext {
  return {
    workRoot,
    env: offlineTerraformEnv(process.env, path.join(workRoot, '.scratch')),
    mirrorDir: availability.mirrorDir,
    providerVersion: availability.providerVersion,
    progress: () => undefined,
  };
}
