/**
 * testSecret's proof that a secret works: a real token request on one of the client's token paths
 * (client_credentials at its token endpoint, or Cognito's GetClientToken), retried while Cognito has
 * not yet caught up with a secret it has just added. Both paths retry, check and report alike.
 */
import { GetClientTokenCommand, type GetClientTokenCommandOutput } from '@aws-sdk/client-cognito-identity-provider';
import { awsErrorName, type SdkClient } from './aws-call';
import type { ClientCredentials, TokenPath } from './client-credentials';
import { PendingSecretTestError, type TokenAnswer } from './errors';

/** Attempts in all; Cognito may refuse the secret for a few seconds after AddUserPoolClientSecret. */
export const TOKEN_CHECK_ATTEMPTS = 5;
/** Sleep before attempt 2, 3, 4 and 5. */
export const TOKEN_CHECK_DELAYS_MS: readonly number[] = [1000, 2000, 4000, 8000];
/** Each attempt is abandoned (and retried) after this long. */
export const TOKEN_CHECK_TIMEOUT_MS = 5000;

export interface TokenCheckDependencies {
  readonly fetch: typeof fetch;
  /** Cognito in the pool's region, for GetClientToken. */
  readonly cognito: SdkClient;
  readonly sleep: (ms: number) => Promise<void>;
  readonly onRetry?: (attempt: TokenCheckAttempt & { readonly delayMs: number }) => void;
}

/** What one attempt got (see {@link TokenAnswer}), and in words: `HTTP 401 invalid_client`, `NotAuthorizedException`, `no answer within 5000 ms`. */
export interface TokenCheckAttempt extends TokenAnswer {
  readonly attempt: number;
  readonly reason: string;
}

/** What testSecret proved: the path it used and how many attempts it took. */
export interface TokenCheckResult {
  readonly tokenPath: TokenPath;
  readonly attempts: number;
}

type Outcome = { readonly ok: true } | ({ readonly ok: false; readonly retry: boolean; readonly reason: string; readonly cause?: unknown } & TokenAnswer);

// RFC 6749 error codes are plain tokens; anything else the server sends is not repeated into logs.
const OAUTH_ERROR_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
// GetClientToken's counterparts of invalid_client (a secret not propagated yet), 429 and 5xx.
const GET_CLIENT_TOKEN_RETRY_ON: ReadonlySet<string> = new Set(['NotAuthorizedException', 'TooManyRequestsException', 'InternalErrorException']);

/** The names of a token answer's fields on each path. */
interface TokenFieldNames {
  readonly accessToken: string;
  readonly tokenType: string;
  readonly expiresIn: string;
}
const TOKEN_ENDPOINT_FIELDS: TokenFieldNames = { accessToken: 'access_token', tokenType: 'token_type', expiresIn: 'expires_in' };
const GET_CLIENT_TOKEN_FIELDS: TokenFieldNames = { accessToken: 'AccessToken', tokenType: 'TokenType', expiresIn: 'ExpiresIn' };

/**
 * The HTTP Basic credentials of client_secret_basic (RFC 6749 2.3.1): id and secret each
 * form-urlencoded, joined by a colon, base64.
 *
 * @example
 * basicAuthorization('my client', 'p@ss') // => 'Basic bXkrY2xpZW50OnAlNDBzcw=='
 */
export function basicAuthorization(clientId: string, clientSecret: string): string {
  const formEncode = (text: string) => new URLSearchParams({ v: text }).toString().slice(2);
  return `Basic ${Buffer.from(`${formEncode(clientId)}:${formEncode(clientSecret)}`).toString('base64')}`;
}

/** The payload of a JWT, decoded only (the issuer is the one just asked): `undefined` if it is not one. */
function jwtPayload(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return typeof payload === 'object' && payload !== null && !Array.isArray(payload) ? (payload as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Checks a token answer field by field, `what` naming it when it is no object; never repeats the token. */
function checkToken(answer: unknown, names: TokenFieldNames, what: string, clientId: string, received: TokenAnswer): Outcome {
  const fail = (reason: string): Outcome => ({ ok: false, retry: false, reason: `invalid token response: ${reason}`, ...received });
  if (typeof answer !== 'object' || answer === null) return fail(what);
  const fields = answer as Record<string, unknown>;
  const [accessToken, tokenType, expiresIn] = [fields[names.accessToken], fields[names.tokenType], fields[names.expiresIn]];
  if (typeof accessToken !== 'string' || accessToken === '') return fail(`${names.accessToken} must be a non-empty string`);
  if (typeof tokenType !== 'string' || tokenType.toLowerCase() !== 'bearer') return fail(`${names.tokenType} must be Bearer`);
  if (typeof expiresIn !== 'number' || !(expiresIn > 0)) return fail(`${names.expiresIn} must be a positive number`);
  const claims = jwtPayload(accessToken);
  if (!claims) return fail(`${names.accessToken} is not a JWT`);
  if (claims.client_id !== clientId) return fail(`the access token's client_id is ${JSON.stringify(claims.client_id)}, not ${JSON.stringify(clientId)}`);
  if (claims.token_use !== 'access') return fail(`the access token's token_use is ${JSON.stringify(claims.token_use)}, not "access"`);
  return { ok: true };
}

/** No answer came: a timeout or a failed connection; retried. */
function noAnswer(error: unknown): Outcome {
  const name = awsErrorName(error);
  const timedOut = name === 'TimeoutError' || name === 'AbortError';
  return { ok: false, retry: true, reason: timedOut ? `no answer within ${TOKEN_CHECK_TIMEOUT_MS} ms` : 'the request failed', cause: error };
}

/** client_secret_basic, `grant_type=client_credentials`, no scope: the client's own scopes. */
async function requestFromTokenEndpoint(tokenEndpoint: string, credentials: ClientCredentials, deps: TokenCheckDependencies): Promise<Outcome> {
  let response: Response;
  let text: string;
  try {
    response = await deps.fetch(tokenEndpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
        authorization: basicAuthorization(credentials.client_id, credentials.client_secret),
      },
      body: 'grant_type=client_credentials',
      redirect: 'manual',
      signal: AbortSignal.timeout(TOKEN_CHECK_TIMEOUT_MS),
    });
    text = await response.text();
  } catch (error) {
    return noAnswer(error);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const status = response.status;
  if (status === 200) return checkToken(body, TOKEN_ENDPOINT_FIELDS, 'not a JSON object', credentials.client_id, { status });
  const error = typeof body === 'object' && body !== null ? (body as { error?: unknown }).error : undefined;
  const oauthError = error === undefined ? undefined : typeof error === 'string' && OAUTH_ERROR_PATTERN.test(error) ? error : 'unrecognized';
  const retry = status >= 500 || status === 429 || ((status === 400 || status === 401) && oauthError === 'invalid_client');
  return { ok: false, retry, status, oauthError, reason: `HTTP ${status}${oauthError ? ` ${oauthError}` : ''}` };
}

/** GetClientToken with no Scopes: the client's own scopes. Only the error's name is kept: its message and cause stay out of logs. */
async function requestFromGetClientToken(credentials: ClientCredentials, deps: TokenCheckDependencies): Promise<Outcome> {
  let output: GetClientTokenCommandOutput;
  try {
    const command = new GetClientTokenCommand({ ClientId: credentials.client_id, Secret: credentials.client_secret });
    output = (await deps.cognito.send(command, { abortSignal: AbortSignal.timeout(TOKEN_CHECK_TIMEOUT_MS) })) as GetClientTokenCommandOutput;
  } catch (error) {
    // Cognito's errors carry $fault ('client' or 'server'); a timeout or a failed connection does not.
    const fault = (error as { $fault?: unknown } | null)?.$fault;
    if (fault !== 'client' && fault !== 'server') return noAnswer(error);
    const name = awsErrorName(error);
    return { ok: false, retry: fault === 'server' || GET_CLIENT_TOKEN_RETRY_ON.has(name), awsErrorName: name, reason: name };
  }
  return checkToken(output?.ClientAuthenticationResult, GET_CLIENT_TOKEN_FIELDS, 'no ClientAuthenticationResult', credentials.client_id, {});
}

/** The path testSecret uses: the token endpoint when the client has it (as callers on the default path do), else GetClientToken. */
function tokenPathToTest(credentials: ClientCredentials, deps: TokenCheckDependencies): { readonly tokenPath: TokenPath; readonly via: string; readonly attempt: () => Promise<Outcome> } {
  const endpoint = credentials.token_endpoint;
  if (credentials.token_paths.includes('oauth2') && endpoint !== undefined) {
    return { tokenPath: 'oauth2', via: `token endpoint ${endpoint}`, attempt: () => requestFromTokenEndpoint(endpoint, credentials, deps) };
  }
  return { tokenPath: 'api', via: 'GetClientToken', attempt: () => requestFromGetClientToken(credentials, deps) };
}

/**
 * Gets a token with `credentials` on one of their paths (see {@link tokenPathToTest}) and checks it is an
 * access token for that client. Retries while the secret is refused as unknown (Cognito is eventually
 * consistent after AddUserPoolClientSecret), on throttling, server errors, timeouts and network errors:
 * {@link TOKEN_CHECK_ATTEMPTS} attempts with {@link TOKEN_CHECK_DELAYS_MS} between them. Any other answer fails at once.
 *
 * @throws PendingSecretTestError with the last answer; never the secret or the token.
 * @example
 * const { tokenPath, attempts } = await checkClientCredentials(pending.credentials, { fetch, cognito, sleep });
 */
export async function checkClientCredentials(credentials: ClientCredentials, deps: TokenCheckDependencies): Promise<TokenCheckResult> {
  const { tokenPath, via, attempt } = tokenPathToTest(credentials, deps);
  for (let n = 1; ; n++) {
    const outcome = await attempt();
    if (outcome.ok) return { tokenPath, attempts: n };
    const { status, oauthError, awsErrorName: errorName, reason, cause } = outcome;
    const answer: TokenAnswer = { status, oauthError, awsErrorName: errorName };
    if (!outcome.retry || n >= TOKEN_CHECK_ATTEMPTS) {
      const tried = outcome.retry ? ` after ${n} attempts` : '';
      throw new PendingSecretTestError(`${via} did not issue an access token to client ${credentials.client_id} with the pending secret${tried}: ${reason}`, n, answer, cause === undefined ? undefined : { cause });
    }
    const delayMs = TOKEN_CHECK_DELAYS_MS[n - 1];
    deps.onRetry?.({ attempt: n, ...answer, reason, delayMs });
    await deps.sleep(delayMs);
  }
}
