import { TokenClientConfigError } from './errors';
import type { ClientCredentials, TokenPath } from './options';

type Env = Readonly<Record<string, string | undefined>>;

/** `token_paths` of a secret, or `M2M_TOKEN_PATHS`: a non-empty list of "oauth2" and "api". */
function tokenPathsOf(value: unknown, where: string): TokenPath[] {
  if (!Array.isArray(value) || value.length === 0 || value.some((path) => path !== 'oauth2' && path !== 'api')) {
    throw new TokenClientConfigError(`${where} must be a non-empty list of "oauth2" and "api"`);
  }
  return value as TokenPath[];
}

/**
 * Credentials from `M2M_CLIENT_ID`, `M2M_CLIENT_SECRET`, `M2M_TOKEN_ENDPOINT` and the optional
 * `M2M_SCOPES` (space-separated), `M2M_TOKEN_PATHS` (space-separated: `oauth2`, `api`) and
 * `M2M_REGION`. `M2M_TOKEN_ENDPOINT` is required unless `M2M_TOKEN_PATHS` leaves out `oauth2`.
 *
 * @example
 * const client = new TokenClient({ credentials: credentialsFromEnvironment() });
 */
export function credentialsFromEnvironment(env: Env = process.env): ClientCredentials {
  const required = (name: string) => {
    const value = env[name];
    if (value === undefined || value === '') throw new TokenClientConfigError(`Environment variable ${name} is required`);
    return value;
  };
  const clientId = required('M2M_CLIENT_ID');
  const clientSecret = required('M2M_CLIENT_SECRET');
  const scopes = env.M2M_SCOPES?.split(' ').filter(Boolean);
  const listed = env.M2M_TOKEN_PATHS?.split(' ').filter(Boolean);
  const tokenPaths = listed === undefined || listed.length === 0 ? undefined : tokenPathsOf(listed, 'Environment variable M2M_TOKEN_PATHS');
  const needsEndpoint = tokenPaths === undefined || tokenPaths.includes('oauth2');
  const tokenEndpoint = needsEndpoint ? required('M2M_TOKEN_ENDPOINT') : env.M2M_TOKEN_ENDPOINT || undefined;
  const region = env.M2M_REGION || undefined;
  return {
    clientId,
    clientSecret,
    ...(tokenEndpoint !== undefined ? { tokenEndpoint } : {}),
    ...(tokenPaths !== undefined ? { tokenPaths } : {}),
    ...(region !== undefined ? { region } : {}),
    scopes,
  };
}

/** The part of a Secrets Manager client this needs (the AWS SDK's SecretsManagerClient fits). */
export interface SecretsManagerLike {
  send(command: unknown): Promise<{ SecretString?: string }>;
}

/**
 * A loader for the credentials in the secret the stack writes per client: `{client_id, client_secret,
 * token_endpoint}`, and for a client with other token paths also `token_paths` and `region`
 * (`token_endpoint` only when `oauth2` is among them); an optional `scopes` array is honoured. Pass it
 * as `credentials`. Each call reads the secret (nothing is cached here): the TokenClient keeps what it
 * read, and calls the loader again, bounded, only when the token endpoint answers `invalid_client`
 * (a rotated secret). Uses `@aws-sdk/client-secrets-manager` (install it in your service; the Lambda
 * runtime has it). The secret's value is never part of an error.
 *
 * @example
 * const client = new TokenClient({ credentials: credentialsFromSecretsManager(process.env.M2M_SECRET_ARN!) });
 */
export function credentialsFromSecretsManager(secretId: string, options: { client?: SecretsManagerLike } = {}): () => Promise<ClientCredentials> {
  return async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const sdk = require('@aws-sdk/client-secrets-manager') as typeof import('@aws-sdk/client-secrets-manager');
    const client = options.client ?? (new sdk.SecretsManagerClient({}) as SecretsManagerLike);
    let secretString: string | undefined;
    try {
      secretString = (await client.send(new sdk.GetSecretValueCommand({ SecretId: secretId }))).SecretString;
    } catch (cause) {
      throw new TokenClientConfigError(`cannot read secret ${secretId}`, { cause });
    }
    if (secretString === undefined) throw new TokenClientConfigError(`secret ${secretId} has no string value`);
    let value: Record<string, unknown>;
    try {
      value = JSON.parse(secretString) as Record<string, unknown>;
    } catch {
      throw new TokenClientConfigError(`secret ${secretId} is not JSON`);
    }
    const field = (name: string) => {
      if (typeof value[name] !== 'string' || value[name] === '') throw new TokenClientConfigError(`secret ${secretId}: ${name} must be a non-empty string`);
      return value[name] as string;
    };
    const scopes = Array.isArray(value.scopes) && value.scopes.every((s) => typeof s === 'string') ? (value.scopes as string[]) : undefined;
    const tokenPaths = value.token_paths === undefined ? undefined : tokenPathsOf(value.token_paths, `secret ${secretId}: token_paths`);
    const needsEndpoint = tokenPaths === undefined || tokenPaths.includes('oauth2');
    const region = value.region === undefined ? undefined : field('region');
    return {
      clientId: field('client_id'),
      clientSecret: field('client_secret'),
      ...(needsEndpoint || value.token_endpoint !== undefined ? { tokenEndpoint: field('token_endpoint') } : {}),
      ...(tokenPaths !== undefined ? { tokenPaths } : {}),
      ...(region !== undefined ? { region } : {}),
      scopes,
    };
  };
}
