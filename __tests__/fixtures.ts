import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { Testing } from 'cdktf';
import { validateEnvironments } from '../lib/config/load';
import type { EnvironmentConfig, EnvironmentConfigInput } from '../lib/config/schema';
import { M2mAuthStack } from '../lib/stacks/m2m-auth-stack';

/** A small, valid environment; tests override what they exercise. */
export function environmentInput(overrides: Partial<EnvironmentConfigInput> = {}): EnvironmentConfigInput {
  return {
    region: 'eu-west-1',
    namePrefix: 'm2m-auth',
    resourceServer: {
      identifier: 'api',
      name: 'Test API',
      scopes: [
        { name: 'read', description: 'Read' },
        { name: 'write', description: 'Write' },
        { name: 'delete', description: 'Delete' },
        { name: 'admin', description: 'Admin' },
        { name: 'execute', description: 'Execute' },
      ],
    },
    domain: { prefix: 'test-m2m-auth' },
    m2mClients: [
      { name: 'reporting', scopes: ['read'] },
      { name: 'partner-backend', scopes: ['read', 'write'], accessTokenValidityMinutes: 30 },
    ],
    routes: [
      { method: 'GET', path: '/orders', permission: 'read' },
      { method: 'POST', path: '/orders', permission: 'write' },
      { method: 'DELETE', path: '/orders/{id}', permission: 'delete' },
      { method: 'POST', path: '/orders/{id}/fulfil', permission: 'execute' },
    ],
    stateBackend: { type: 's3', bucket: 'test-state-bucket', region: 'eu-west-1' },
    ...overrides,
  };
}

/** Validates one environment named `name` (no environment-variable overrides). */
export function environment(overrides: Partial<EnvironmentConfigInput> = {}, name = 'dev'): EnvironmentConfig {
  return validateEnvironments({ [name]: environmentInput(overrides) }, {})[0];
}

/** Synthesizes the stack of one environment and returns its parsed Terraform JSON and the raw text. */
export function synthEnvironment(config: EnvironmentConfig): { json: string; tf: TerraformJson } {
  const stack = new M2mAuthStack(Testing.app(), { config });
  const json = Testing.synth(stack);
  return { json, tf: JSON.parse(json) as TerraformJson };
}

export interface TerraformJson {
  terraform: { backend?: Record<string, Record<string, unknown>>; cloud?: Record<string, unknown> };
  provider: Record<string, Array<Record<string, unknown>>>;
  resource: Record<string, Record<string, Record<string, unknown>>>;
  data?: Record<string, Record<string, Record<string, unknown>>>;
  output?: Record<string, { value: unknown; sensitive?: boolean }>;
}

/** All resources of one Terraform type. */
export function resourcesOf(tf: TerraformJson, type: string): Array<Record<string, unknown>> {
  return Object.values(tf.resource[type] ?? {});
}

/** Runs the app the way `npm run synth` does, into `outdir`. */
export function runSynth(outdir: string, env: Record<string, string> = {}): { status: number | null; stderr: string; stdout: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'main.ts'], {
    cwd: path.resolve(__dirname, '..'),
    env: { ...process.env, CDKTF_OUTDIR: outdir, ...env },
    encoding: 'utf8',
  });
  return { status: result.status, stderr: result.stderr, stdout: result.stdout };
}
