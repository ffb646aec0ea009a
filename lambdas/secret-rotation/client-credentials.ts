/**
 * The SecretString of an M2M client's secret as Terraform writes it: `{"client_id","client_secret","token_endpoint"}`
 * for a client on the default path (oauth2 only); otherwise `{"client_id","client_secret","token_paths","region"}`
 * plus `"token_endpoint"` when oauth2 is one of the paths. Plus `"client_secret_id"` once rotated
 * (Cognito's `ClientSecretId` of `client_secret`; metadata, not secret).
 */
import { DEFAULT_TOKEN_PATHS, TOKEN_PATHS, type TokenPath } from '../client-token-flow/token-paths';
import { ClientCredentialsValueError } from './errors';

// A value without `token_paths` has the default paths: Terraform writes none for a client on them.
export { DEFAULT_TOKEN_PATHS, TOKEN_PATHS, type TokenPath };

export interface ClientCredentials {
  readonly client_id: string;
  readonly client_secret: string;
  /** Present exactly when `token_paths` includes `oauth2`. */
  readonly token_endpoint?: string;
  /** As written, or {@link DEFAULT_TOKEN_PATHS} when the value has none. */
  readonly token_paths: readonly TokenPath[];
  /** The pool's region, for GetClientToken; present whenever the value has `token_paths`. */
  readonly region?: string;
  /** Absent in the value Terraform wrote at creation; every rotated version has it. */
  readonly client_secret_id?: string;
}

/** A parsed version: the checked fields, and every field as read (extra fields are carried over). */
export interface ParsedClientCredentials {
  readonly credentials: ClientCredentials;
  readonly fields: Readonly<Record<string, unknown>>;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value === '') return 'an empty string';
  return `a ${typeof value}`;
}

function requiredString(fields: Record<string, unknown>, name: keyof ClientCredentials, where: string): string {
  const value = fields[name];
  if (typeof value !== 'string' || value === '') throw new ClientCredentialsValueError(`${where}: ${name} must be a non-empty string; received ${describeType(value)}`);
  return value;
}

/**
 * Whether a token endpoint may receive a client secret: https, or http on loopback only (the secret
 * travels in the Authorization header, never in clear text off the machine).
 */
export function isSafeTokenEndpoint(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
}

function tokenEndpoint(fields: Record<string, unknown>, where: string): string {
  const value = requiredString(fields, 'token_endpoint', where);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ClientCredentialsValueError(`${where}: token_endpoint must be an absolute URL; received ${JSON.stringify(value)}`);
  }
  if (!isSafeTokenEndpoint(url)) {
    throw new ClientCredentialsValueError(`${where}: token_endpoint must be an https URL (http only on loopback); received ${JSON.stringify(value)}`);
  }
  return value;
}

// Messages describe what was received by its type only: a SecretString's fields are never repeated.
function tokenPaths(fields: Record<string, unknown>, where: string): readonly TokenPath[] {
  const value = fields.token_paths;
  if (value === undefined) return DEFAULT_TOKEN_PATHS;
  const rule = `token_paths must be a non-empty array of ${TOKEN_PATHS.map((path) => JSON.stringify(path)).join(' and ')}, each once`;
  if (!Array.isArray(value) || value.length === 0) throw new ClientCredentialsValueError(`${where}: ${rule}; received ${Array.isArray(value) ? 'an empty array' : describeType(value)}`);
  value.forEach((path: unknown, i) => {
    if (!TOKEN_PATHS.includes(path as TokenPath)) throw new ClientCredentialsValueError(`${where}: ${rule}; token_paths[${i}] is ${typeof path === 'string' ? 'another string' : describeType(path)}`);
    if (value.indexOf(path) !== i) throw new ClientCredentialsValueError(`${where}: ${rule}; token_paths[${i}] repeats token_paths[${value.indexOf(path)}]`);
  });
  return value as TokenPath[];
}

/**
 * Parses and checks a version's SecretString. `where` names the version in errors:
 * `secret m2m/prod/billing-batch (AWSCURRENT)`.
 *
 * @throws ClientCredentialsValueError naming the field and the rule; never the value of a secret.
 * @example
 * const { credentials } = parseClientCredentials(output.SecretString, 'secret m2m/prod/billing-batch (AWSCURRENT)');
 * credentials.client_id // => '4tq3example'
 */
export function parseClientCredentials(secretString: string | undefined, where: string): ParsedClientCredentials {
  if (secretString === undefined || secretString === '') throw new ClientCredentialsValueError(`${where}: has no SecretString`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString);
  } catch {
    // No cause and no position: JSON.parse's message quotes the text, which holds the secret.
    throw new ClientCredentialsValueError(`${where}: SecretString is not JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ClientCredentialsValueError(`${where}: SecretString must be a JSON object; received ${describeType(parsed)}`);
  const fields = parsed as Record<string, unknown>;
  const client_id = requiredString(fields, 'client_id', where);
  const client_secret = requiredString(fields, 'client_secret', where);
  const token_paths = tokenPaths(fields, where);
  const oauth2 = token_paths.includes('oauth2');
  // A token_endpoint beside paths without oauth2 contradicts them: a caller could not tell which to believe.
  if (!oauth2 && fields.token_endpoint !== undefined) throw new ClientCredentialsValueError(`${where}: token_endpoint must be absent when token_paths does not include "oauth2"`);
  const credentials: ClientCredentials = {
    client_id,
    client_secret,
    ...(oauth2 ? { token_endpoint: tokenEndpoint(fields, where) } : {}),
    token_paths,
    // Callers of GetClientToken need the region; a value on the default path may have none.
    ...(fields.token_paths !== undefined || fields.region !== undefined ? { region: requiredString(fields, 'region', where) } : {}),
  };
  if (fields.client_secret_id === undefined) return { credentials, fields };
  return { credentials: { ...credentials, client_secret_id: requiredString(fields, 'client_secret_id', where) }, fields };
}

/** Where the pending version says the client gets tokens: its paths and the pool's region. */
export interface PendingTokenPaths {
  readonly token_paths: readonly TokenPath[];
  readonly region: string;
  /** The environment's token endpoint, for a version that had none and whose client gained oauth2. */
  readonly token_endpoint?: string;
}

/**
 * The SecretString of the pending version: every field of the current one, with the new secret and its
 * id, and with `paths` when given (then `token_endpoint` only if they include oauth2).
 *
 * @example
 * pendingSecretString(current, { id: '4tq3example--1767225600000', value: generated });
 * // '{"client_id":"4tq3example","client_secret":"<generated>","token_endpoint":"https://...","client_secret_id":"4tq3example--1767225600000"}'
 * pendingSecretString(current, added, { token_paths: ['api'], region: 'eu-west-1' });
 * // '{"client_id":"4tq3example","client_secret":"<generated>","client_secret_id":"...","token_paths":["api"],"region":"eu-west-1"}'
 */
export function pendingSecretString(current: ParsedClientCredentials, secret: { readonly id: string; readonly value: string }, paths?: PendingTokenPaths): string {
  const fields: Record<string, unknown> = { ...current.fields, client_secret: secret.value, client_secret_id: secret.id };
  if (paths) {
    Object.assign(fields, { token_paths: [...paths.token_paths], region: paths.region }, paths.token_endpoint ? { token_endpoint: paths.token_endpoint } : {});
    if (!paths.token_paths.includes('oauth2')) delete fields.token_endpoint;
  }
  return JSON.stringify(fields);
}
