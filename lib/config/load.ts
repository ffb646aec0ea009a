/**
 * Loading and validating the environment configs: all of them, before anything is synthesized.
 */
import * as path from 'node:path';
import { crossEnvironmentProblems } from './cross-environment';
import { gatewayCacheWarnings } from './gateway-cache';
import { describeValue, formatIssue, mergeProblems, plainRule, type Problem } from './issues';
import { IAM_ROLE_NAME_MAX, PIPELINE_ACCESS_STACK_PREFIX, PIPELINE_ROLE_SUFFIXES } from './pipeline-schema';
import { ENVIRONMENT_NAME, environmentSchema, namedEnvironment, type EnvironmentConfig } from './schema';

/** Stack names that environments may not take. */
export const RESERVED_STACK_NAMES = ['state-bootstrap'] as const;

/** Prefixes of stack names that environments may not take: each names a stack of another environment. */
export const RESERVED_STACK_PREFIXES = [PIPELINE_ACCESS_STACK_PREFIX] as const;

/** Default config module, relative to the project root. */
export const DEFAULT_CONFIG_MODULE = 'config/environments';

/**
 * One or more environments are invalid; `problems` holds one line per distinct problem, naming
 * every environment that has it: `dev, prod: <field path>: <rule>; received <value>`.
 */
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
  M2M_AUTH_STATE_LOCK_TABLE: 's3: optional DynamoDB lock table (deprecated)',
  M2M_AUTH_STATE_KMS_KEY_ID: 's3: KMS key that encrypts the state (ARN, alias ARN or alias/<name>)',
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
  const overrideType = env.M2M_AUTH_STATE_BACKEND || undefined;
  const configured = isRecord(input.stateBackend) ? input.stateBackend : undefined;
  // Nothing to override into and no type to switch to: leave it to the schema to report.
  if (overrideType === undefined && configured === undefined) return input;
  const type = overrideType ?? configured?.type;
  const base: Record<string, unknown> = configured && type === configured.type ? { ...configured } : { type };
  const set = (key: string, value: string | undefined) => {
    if (value !== undefined && value !== '') base[key] = value;
  };
  if (type === 's3') {
    set('bucket', env.M2M_AUTH_STATE_BUCKET);
    set('region', env.M2M_AUTH_STATE_REGION);
    set('lockTable', env.M2M_AUTH_STATE_LOCK_TABLE);
    set('kmsKeyId', env.M2M_AUTH_STATE_KMS_KEY_ID);
  } else if (type === 'cloud') {
    set('organization', env.M2M_AUTH_TFC_ORGANIZATION);
    set('hostname', env.M2M_AUTH_TFC_HOSTNAME);
    const prefix = env.M2M_AUTH_TFC_WORKSPACE_PREFIX ?? (base.workspace === undefined ? `${String(input.namePrefix ?? 'm2m-auth')}-` : undefined);
    if (prefix !== undefined) base.workspace = `${prefix}${name}`;
  }
  return { ...input, stateBackend: base };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Validates every environment, then the rules that span environments, and returns them with
 * defaults applied, or throws one {@link ConfigValidationError} that lists every problem of every
 * environment, each distinct problem once.
 *
 * @example
 * const [dev] = validateEnvironments({ dev: devConfig });
 */
export function validateEnvironments(input: unknown, env: Env = process.env): EnvironmentConfig[] {
  if (!isRecord(input) || Object.keys(input).length === 0) {
    throw new ConfigValidationError(['environments: must be an object with one entry per environment, e.g. { dev: {...}, prod: {...} }']);
  }
  const problems: Problem[] = [];
  const valid: EnvironmentConfig[] = [];
  for (const [name, raw] of Object.entries(input)) {
    if (!ENVIRONMENT_NAME.test(name) || (RESERVED_STACK_NAMES as readonly string[]).includes(name)) {
      problems.push({ environments: [name], text: `environment names become stack names: use 1-31 lowercase letters, digits and hyphens, not ${RESERVED_STACK_NAMES.join(', ')}` });
      continue;
    }
    const reservedPrefix = RESERVED_STACK_PREFIXES.find((prefix) => name.startsWith(prefix));
    if (reservedPrefix) {
      problems.push({
        environments: [name],
        text: `environment names become stack names: "${reservedPrefix}<env>" names the pipeline access stack of environment <env>; choose a name that does not start with "${reservedPrefix}"`,
      });
      continue;
    }
    const withOverrides = isRecord(raw) ? applyStateBackendOverrides(name, raw, env) : raw;
    const result = environmentSchema.safeParse(withOverrides, { error: plainRule });
    if (result.success) {
      const config = namedEnvironment(result.data, name);
      problems.push(...pipelineRoleNameProblems(config));
      valid.push(config);
    } else {
      for (const issue of result.error.issues) problems.push(...formatIssue(issue, withOverrides).map((text) => ({ environments: [name], text })));
    }
  }
  problems.push(...crossEnvironmentProblems(valid));
  if (problems.length > 0) throw new ConfigValidationError(mergeProblems(problems));
  return valid;
}

/** The pipeline roles are `<namePrefix>-<env>-<suffix>`; IAM refuses names over 64 characters only at apply time. */
function pipelineRoleNameProblems(config: EnvironmentConfig): Problem[] {
  const suffixes = [
    ...(config.pipeline?.github ? [PIPELINE_ROLE_SUFFIXES.githubPlan, PIPELINE_ROLE_SUFFIXES.githubDeploy] : []),
    ...(config.pipeline?.terraformCloud ? [PIPELINE_ROLE_SUFFIXES.tfcPlan, PIPELINE_ROLE_SUFFIXES.tfcApply] : []),
  ];
  const longest = suffixes.map((suffix) => `${config.namePrefix}-${config.name}-${suffix}`).sort((a, b) => b.length - a.length)[0];
  if (longest === undefined || longest.length <= IAM_ROLE_NAME_MAX) return [];
  return [
    {
      environments: [config.name],
      text: `pipeline: the role name "${longest}" has ${longest.length} characters and IAM allows ${IAM_ROLE_NAME_MAX}; shorten namePrefix or the environment name; received ${describeValue(config.namePrefix)}`,
    },
  ];
}

/**
 * Things that are valid but should change, one line per distinct setting, merged across
 * environments like problems. Pure: the caller decides where to print them.
 *
 * @example
 * for (const warning of configWarnings(environments)) console.warn(`warning: ${warning}`);
 */
export function configWarnings(configs: readonly EnvironmentConfig[]): string[] {
  const warnings: Problem[] = [];
  for (const config of configs) {
    if (config.stateBackend.type === 's3' && config.stateBackend.lockTable !== undefined) {
      warnings.push({
        environments: [config.name],
        text: `stateBackend.lockTable: deprecated: Terraform 1.11 deprecates DynamoDB state locking; S3-native locking (use_lockfile) is already on. Remove lockTable once no one runs Terraform < 1.10 against this state; received ${describeValue(config.stateBackend.lockTable)}`,
      });
    }
    warnings.push(...gatewayCacheWarnings(config));
  }
  return mergeProblems(warnings);
}

/**
 * What synth does differently because of the config, worth a line though nothing is wrong: an
 * environment without a hosted domain, and the clients whose GetClientToken flow is set at apply.
 *
 * @example
 * for (const note of configNotes(environments)) console.error(`note: ${note}`);
 */
export function configNotes(configs: readonly EnvironmentConfig[]): string[] {
  const notes: string[] = [];
  for (const config of configs) {
    if (!config.domain) notes.push(`${config.name}: no hosted domain (domain is not set): every client uses GetClientToken, and there is no /oauth2/token`);
    const api = config.m2mClients.filter((client) => client.tokenPaths.includes('api')).map((client) => client.name);
    if (api.length > 0) {
      notes.push(`${config.name}: ${api.length === 1 ? 'client' : 'clients'} ${api.join(', ')} use GetClientToken: ALLOW_CLIENT_TOKEN_AUTH is set at apply by the client-token-flow function, because no AWS provider accepts it yet (README "Two token paths")`);
    }
  }
  return notes;
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
