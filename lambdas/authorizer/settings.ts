/**
 * The authorizer's environment variables, read once at module load. Ids only, never secrets; the
 * route table and the scope/group -> role maps are bundled, and the M2M clients are read from the
 * client registry at run time, not passed here (4 KB limit).
 */
export interface AuthorizerSettings {
  readonly issuer: string;
  readonly jwksUrl: string;
  readonly userClientId?: string;
  /** Where the M2M clients are read from: exactly one of the two. Re-read every `revocation.refreshSeconds`. */
  readonly clientRegistry: { readonly parameterNames?: readonly string[]; readonly file?: string };
  /** `refreshSeconds` is the cadence of both the deny-list and the client registry. */
  readonly revocation: { readonly parameterName?: string; readonly file?: string; readonly refreshSeconds: number; readonly maxStaleSeconds: number };
  readonly decisionCacheSize: number;
  readonly jwksTimeoutMs: number;
  /** `PER_CLIENT_METRICS`: whether every allowed call carries the `client` metric dimension (one custom metric per client). */
  readonly perClientMetrics: boolean;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Thrown at start-up for a missing or bad variable; the handler then denies every request. */
export class SettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SettingsError';
  }
}

function required(env: Env, name: string): string {
  const value = env[name];
  if (value === undefined || value === '') throw new SettingsError(`Environment variable ${name} is required`);
  return value;
}

function positiveInteger(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new SettingsError(`Environment variable ${name} must be a positive integer; received ${JSON.stringify(raw)}`);
  return value;
}

function booleanOf(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw !== 'true' && raw !== 'false') throw new SettingsError(`Environment variable ${name} must be true or false; received ${JSON.stringify(raw)}`);
  return raw === 'true';
}

/** `CLIENT_REGISTRY_PARAMETERS` (`/p/clients/0,/p/clients/1`) or `CLIENT_REGISTRY_FILE`: exactly one. */
function clientRegistryOf(env: Env): AuthorizerSettings['clientRegistry'] {
  // An authorizer deployed before the registry would otherwise start with no M2M clients and deny them all, silently.
  if (env.M2M_CLIENTS !== undefined) {
    throw new SettingsError('Environment variable M2M_CLIENTS is no longer read: the M2M clients come from the client registry (CLIENT_REGISTRY_PARAMETERS or CLIENT_REGISTRY_FILE); deploy the current stack');
  }
  const parameters = env.CLIENT_REGISTRY_PARAMETERS || undefined;
  const file = env.CLIENT_REGISTRY_FILE || undefined;
  if (parameters && file) throw new SettingsError('Environment variables CLIENT_REGISTRY_PARAMETERS and CLIENT_REGISTRY_FILE: set only one');
  if (file) return { file };
  if (!parameters) throw new SettingsError('Environment variable CLIENT_REGISTRY_PARAMETERS (or CLIENT_REGISTRY_FILE) is required');
  const parameterNames = parameters.split(',').map((name) => name.trim());
  if (parameterNames.some((name) => name === '') || new Set(parameterNames).size !== parameterNames.length) {
    throw new SettingsError(`Environment variable CLIENT_REGISTRY_PARAMETERS must be distinct SSM parameter names separated by commas; received ${JSON.stringify(parameters)}`);
  }
  return { parameterNames };
}

/**
 * Reads the settings. The issuer and JWKS URL derive from `USER_POOL_ID` (its prefix is the region);
 * `TOKEN_ISSUER` and `JWKS_URL` override them for the local sandbox and tests.
 */
export function readSettings(env: Env = process.env): AuthorizerSettings {
  const userPoolId = required(env, 'USER_POOL_ID');
  const region = /^([a-z]{2}(?:-[a-z]+)+-\d)_[A-Za-z0-9]+$/.exec(userPoolId)?.[1];
  if (!region) throw new SettingsError(`Environment variable USER_POOL_ID must look like eu-west-1_AbCdEf123; received ${JSON.stringify(userPoolId)}`);
  const issuer = env.TOKEN_ISSUER || `https://cognito-idp.${region}.amazonaws.com/${userPoolId}`;
  const parameterName = env.REVOCATION_PARAMETER || undefined;
  const file = env.REVOCATION_FILE || undefined;
  if (!parameterName && !file) throw new SettingsError('Environment variable REVOCATION_PARAMETER (or REVOCATION_FILE) is required');
  const refreshSeconds = positiveInteger(env, 'REVOCATION_REFRESH_SECONDS', 60);
  const maxStaleSeconds = positiveInteger(env, 'REVOCATION_MAX_STALE_SECONDS', 5 * refreshSeconds);
  if (maxStaleSeconds < refreshSeconds) throw new SettingsError('REVOCATION_MAX_STALE_SECONDS must be at least REVOCATION_REFRESH_SECONDS');
  return {
    issuer,
    jwksUrl: env.JWKS_URL || `${issuer}/.well-known/jwks.json`,
    userClientId: env.USER_CLIENT_ID || undefined,
    clientRegistry: clientRegistryOf(env),
    revocation: { parameterName, file, refreshSeconds, maxStaleSeconds },
    decisionCacheSize: positiveInteger(env, 'DECISION_CACHE_SIZE', 10_000),
    jwksTimeoutMs: positiveInteger(env, 'JWKS_TIMEOUT_MS', 1_500),
    perClientMetrics: booleanOf(env, 'PER_CLIENT_METRICS', false),
  };
}
