/**
 * The SecretString of an M2M client's secret: `{"client_id","client_secret","token_endpoint"}` as
 * Terraform writes it, plus `"client_secret_id"` once rotated (Cognito's `ClientSecretId` of
 * `client_secret`; metadata, not secret).
 */
import { ClientCredentialsValueError } from './errors';

export interface ClientCredentials {
  readonly client_id: string;
  readonly client_secret: string;
  readonly token_endpoint: string;
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

function tokenEndpoint(fields: Record<string, unknown>, where: string): string {
  const value = requiredString(fields, 'token_endpoint', where);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ClientCredentialsValueError(`${where}: token_endpoint must be an absolute URL; received ${JSON.stringify(value)}`);
  }
  // The client secret travels in the Authorization header: never in clear text off the machine.
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))) {
    throw new ClientCredentialsValueError(`${where}: token_endpoint must be an https URL (http only on loopback); received ${JSON.stringify(value)}`);
  }
  return value;
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
  const credentials: ClientCredentials = {
    client_id: requiredString(fields, 'client_id', where),
    client_secret: requiredString(fields, 'client_secret', where),
    token_endpoint: tokenEndpoint(fields, where),
  };
  if (fields.client_secret_id === undefined) return { credentials, fields };
  return { credentials: { ...credentials, client_secret_id: requiredString(fields, 'client_secret_id', where) }, fields };
}

/**
 * The SecretString of the pending version: every field of the current one, with the new secret and its id.
 *
 * @example
 * pendingSecretString(current, { id: '4tq3example--1767225600000', value: generated });
 * // '{"client_id":"4tq3example","client_secret":"<generated>","token_endpoint":"https://...","client_secret_id":"4tq3example--1767225600000"}'
 */
export function pendingSecretString(current: ParsedClientCredentials, secret: { readonly id: string; readonly value: string }): string {
  return JSON.stringify({ ...current.fields, client_secret: secret.value, client_secret_id: secret.id });
}
