import { METRICS_NAMESPACE, SERVICE_NAME } from '../authorizer/observability';
import { LegacyUsageSettingsError } from './errors';

/** The environment variables the job reads; the infrastructure sets them. */
export const LEGACY_USAGE_ENV = {
  /** Required: the environment name, the `environment` dimension read and written. */
  environment: 'ENVIRONMENT',
  /** Required: caller names separated by commas; an empty string means nothing to check. */
  callers: 'LEGACY_CALLERS',
  /** Days summed, 1..455. @default 30 */
  windowDays: 'WINDOW_DAYS',
  /** Namespace of the authorizer's `Decisions` and of the published gauge. @default M2MAuth */
  namespace: 'METRICS_NAMESPACE',
  /** The `service` dimension of the authorizer's `Decisions`. @default m2m-auth-authorizer */
  authorizerService: 'AUTHORIZER_SERVICE',
} as const;

export const DEFAULT_WINDOW_DAYS = 30;
/** CloudWatch keeps metric data for 15 months. */
export const MAX_WINDOW_DAYS = 455;
/** One `GetMetricData` call takes at most 500 queries, and each caller is one query. */
export const MAX_CALLERS = 500;

export interface LegacyUsageSettings {
  readonly environment: string;
  /** Configured caller names, in order; they are the `client` dimension values of `Decisions`. */
  readonly callers: readonly string[];
  readonly windowDays: number;
  readonly namespace: string;
  readonly authorizerService: string;
}

type Env = Readonly<Record<string, string | undefined>>;

function required(env: Env, name: string, allowEmpty = false): string {
  const value = env[name];
  if (value === undefined || (value === '' && !allowEmpty)) throw new LegacyUsageSettingsError(`Environment variable ${name} is required`);
  return value;
}

function parseCallers(raw: string): string[] {
  const name = LEGACY_USAGE_ENV.callers;
  if (raw.trim() === '') return [];
  const callers = raw.split(',').map((caller) => caller.trim());
  callers.forEach((caller, i) => {
    if (caller === '') throw new LegacyUsageSettingsError(`${name} must be caller names separated by commas; entry ${i + 1} is empty`);
    if (callers.indexOf(caller) !== i) throw new LegacyUsageSettingsError(`${name} lists ${JSON.stringify(caller)} twice; list each caller once`);
  });
  if (callers.length > MAX_CALLERS) throw new LegacyUsageSettingsError(`${name} must list at most ${MAX_CALLERS} callers (one GetMetricData call); received ${callers.length}`);
  return callers;
}

function windowDays(env: Env): number {
  const name = LEGACY_USAGE_ENV.windowDays;
  const raw = env[name];
  if (raw === undefined || raw === '') return DEFAULT_WINDOW_DAYS;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || value <= 0) throw new LegacyUsageSettingsError(`${name} must be a positive integer; received ${JSON.stringify(raw)}`);
  if (value > MAX_WINDOW_DAYS) throw new LegacyUsageSettingsError(`${name} must be at most ${MAX_WINDOW_DAYS} (CloudWatch keeps metrics for 15 months); received ${JSON.stringify(raw)}`);
  return value;
}

/**
 * Reads and checks the job's settings, once, at module load.
 *
 * @throws LegacyUsageSettingsError naming the variable and the rule, for a missing or bad variable.
 * @example
 * const settings = readSettings({ ENVIRONMENT: 'prod', LEGACY_CALLERS: 'billing-batch,partner-feed' });
 * // { environment: 'prod', callers: ['billing-batch', 'partner-feed'], windowDays: 30, namespace: 'M2MAuth', ... }
 */
export function readSettings(env: Env = process.env): LegacyUsageSettings {
  return {
    environment: required(env, LEGACY_USAGE_ENV.environment),
    callers: parseCallers(required(env, LEGACY_USAGE_ENV.callers, true)),
    windowDays: windowDays(env),
    namespace: env[LEGACY_USAGE_ENV.namespace] || METRICS_NAMESPACE,
    authorizerService: env[LEGACY_USAGE_ENV.authorizerService] || SERVICE_NAME,
  };
}
