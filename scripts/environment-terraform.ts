import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'cdktf';
import type { EnvironmentConfig } from '../lib/config/schema';
import { M2mAuthStack } from '../lib/stacks/m2m-auth-stack';

/**
 * The Terraform JSON of an environment's stack, synthesized through the stack class into a throw-away
 * output directory (the App creates it; nothing is written to ./cdktf.out).
 *
 * @example
 * const tf = environmentTerraform(config);
 */
export function environmentTerraform(config: EnvironmentConfig): ReturnType<M2mAuthStack['toTerraform']> {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'm2m-auth-synth-'));
  try {
    return new M2mAuthStack(new App({ outdir }), { config }).toTerraform();
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}
