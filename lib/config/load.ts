/**
 * Loading and validating the environment configs: all of them, before anything is synthesized.
 */
import * as path from 'node:path';
import type { z } from 'zod';
import { ENVIRONMENT_NAME, environmentSchema, type EnvironmentConfig } from './schema';

/** Stack names that environments may not take. */
export const RESERVED_STACK_NAMES = ['state-bootstrap'] as const;

/** Default config module, relative to the project root. */
export const DEFAULT_CONFIG_MODULE = 'config/environments';

/** One or more environments are invalid; `problems` holds one line per broken rule. */
export class ConfigValidationError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid m2m-auth configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigValidationError';
  }
}

/**
 * Environment variables that override the state backend, so that CI can point a stack at another
 * backend without editing the config. Values are validated like the config itself.
 */
export const STATE_OVERRIDE_VARIABLES = {
  M2M_AUTH_STATE_BACKEND: 'backend type: "s3" or "cloud"',
  M2M_AUTH_STATE_BUCKET: 's3: state bucket name',
  M2M_AUTH_STATE_REGION: 's3: state bucket region',
  M2M_AUTH_STATE_LOCK_TABLE: 's3: optional DynamoDB lock table',
  M2M_AUTH_TFC_ORGANIZATION: 'cloud: Terraform Cloud organization',
  M2M_AUTH_TFC_HOSTNAME: 'cloud: Terraform Cloud / Enterprise hostname',
  M2M_AUTH_TFC_WORKSPACE_PREFIX: 'cloud: workspace name is <prefix><environment>',
} as const;

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The environment's `stateBackend` with the `M2M_AUTH_STATE_*` / `M2M_AUTH_TFC_*` overrides applied.
 * Switching the type drops the fields of the other backend type.
 */
export function applyStateBackendOverrides(name: string, input: Record<string, unknown>, env: Env): Record<string, unknown> {
  const configured = (input.stateBackend ?? {}) as Record<string, unknown>;
  const type = env.M2M_AUTH_STATE_BACKEND ?? configured.type;
  const base: Record<string, unknown> = type === configured.type ? { ...configured } : { type };
  const set = (key: string, value: string | undefined) => {
    if (value !== undefined && value !== '') base[key] = value;
  };
  if (type === 's3') {
    set('bucket', env.M2M_AUTH_STATE_BUCKET);
    set('region', env.M2M_AUTH_STATE_REGION);
    set('lockTable', env.M2M_AUTH_STATE_LOCK_TABLE);
  } else if (type === 'cloud') {
    set('organization', env.M2M_AUTH_TFC_ORGANIZATION);
    set('hostname', env.M2M_AUTH_TFC_HOSTNAME);
    const prefix = env.M2M_AUTH_TFC_WORKSPACE_PREFIX ?? (base.workspace === undefined ? `${String(input.namePrefix ?? 'm2m-auth')}-` : undefined);
    if (prefix !== undefined) base.workspace = `${prefix}${name}`;
  }
  return { ...input, stateBackend: base };
}

/**
 * Validates every environment and returns them with defaults applied, or throws one
 * {@link ConfigValidationError} that lists every problem of every environment.
 *
 * @example
 * const [dev] = validateEnvironments({ dev: devConfig });
 */
export function validateEnvironments(input: unknown, env: Env = process.env): EnvironmentConfig[] {
  if (typeof input !== 'object' || input === null || Array.isArray(input) || Object.keys(input).length === 0) {
    throw new ConfigValidationError(['environments: must be an object with one entry per environment, e.g. { dev: {...}, prod: {...} }']);
  }
  const problems: string[] = [];
  const valid: EnvironmentConfig[] = [];
  for (const [name, raw] of Object.entries(input)) {
    if (!ENVIRONMENT_NAME.test(name) || (RESERVED_STACK_NAMES as readonly string[]).includes(name)) {
      problems.push(`${name}: environment names become stack names: use 1-31 lowercase letters, digits and hyphens, not ${RESERVED_STACK_NAMES.join(', ')}`);
      continue;
    }
    const withOverrides = typeof raw === 'object' && raw !== null ? applyStateBackendOverrides(name, raw as Record<string, unknown>, env) : raw;
    const result = environmentSchema.safeParse(withOverrides);
    if (result.success) {
      valid.push({ ...result.data, name });
    } else {
      problems.push(...result.error.issues.map((issue) => formatIssue(name, issue, withOverrides)));
    }
  }
  if (problems.length > 0) throw new ConfigValidationError(problems);
  return valid;
}

/**
 * Loads the config module (default `config/environments`, or `M2M_AUTH_CONFIG`), which exports
 * `environments`, and validates it. A `.json` file with an `environments` key works too.
 */
export function loadEnvironments(env: Env = process.env, projectRoot = path.resolve(__dirname, '..', '..')): EnvironmentConfig[] {
  const modulePath = path.resolve(projectRoot, env.M2M_AUTH_CONFIG ?? DEFAULT_CONFIG_MODULE);
  let loaded: { environments?: unknown };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require(modulePath);
  } catch (cause) {
    throw new ConfigValidationError([`config module ${modulePath}: cannot be loaded: ${(cause as Error).message}`]);
  }
  if (loaded.environments === undefined) {
    throw new ConfigValidationError([`config module ${modulePath}: must export "environments"`]);
  }
  return validateEnvironments(loaded.environments, env);
}

function formatIssue(environment: string, issue: z.core.$ZodIssue, input: unknown): string {
  const fieldPath = formatPath(issue.path);
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    message = `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}: remove or fix the spelling (see README "Configuration reference")`;
    return `${environment}: ${fieldPath || '(environment)'}: ${message}`;
  }
  const value = valueAt(input, issue.path);
  const received = value === undefined ? 'nothing' : truncate(JSON.stringify(value));
  return `${environment}: ${fieldPath || '(environment)'}: ${message}; received ${received}`;
}

function formatPath(segments: readonly PropertyKey[]): string {
  return segments
    .map((segment, i) => (typeof segment === 'number' ? `[${segment}]` : `${i === 0 ? '' : '.'}${String(segment)}`))
    .join('');
}

function valueAt(input: unknown, segments: readonly PropertyKey[]): unknown {
  let current: unknown = input;
  for (const segment of segments) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

function truncate(text: string, max = 120): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}
