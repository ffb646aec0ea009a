/**
 * testSecret's proof that a secret works: a client-credentials token request to the client's own token
 * endpoint, retried while Cognito has not yet caught up with a secret it has just added.
 */
import type { ClientCredentials } from './client-credentials';
import { PendingSecretTestError } from './errors';

/** Attempts in all; Cognito may answer `invalid_client` for a few seconds after AddUserPoolClientSecret. */
export const TOKEN_CHECK_ATTEMPTS = 5;
/** Sleep before attempt 2, 3, 4 and 5. */
export const TOKEN_CHECK_DELAYS_MS: readonly number[] = [1000, 2000, 4000, 8000];
/** Each attempt is abandoned (and retried) after this long. */
export const TOKEN_CHECK_TIMEOUT_MS = 5000;

export interface TokenCheckDependencies {
  readonly fetch: typeof fetch;
  readonly sleep: (ms: number) => Promise<void>;
  readonly onRetry?: (attempt: TokenCheckAttempt & { readonly delayMs: number }) => void;
}

/** What one attempt got: HTTP status and OAuth `error` code, or neither when no answer came. */
export interface TokenCheckAttempt {
  readonly attempt: number;
  readonly status?: number;
  readonly oauthError?: string;
  /** In words: `HTTP 401 invalid_client`, `no answer within 5000 ms`, `the request failed`. */
  readonly reason: string;
}

type Outcome = { readonly ok: true } | { readonly ok: false; readonly retry: boolean; readonly reason: string; readonly status?: number; readonly oauthError?: string; readonly cause?: unknown };

// RFC 6749 error codes are plain tokens; anything else the server sends is not repeated into logs.
const OAUTH_ERROR_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

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

/** The payload of a JWT, decoded only (the issuer is the endpoint just asked): `undefined` if it is not one. */
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

function oauthErrorOf(body: unknown): string | undefined {
  const error = typeof body === 'object' && body !== null ? (body as { error?: unknown }).error : undefined;
  if (error === undefined) return undefined;
  return typeof error === 'string' && OAUTH_ERROR_PATTERN.test(error) ? error : 'unrecognized';
}

/** Checks a 200 answer field by field; never repeats the token. */
function checkTokenResponse(body: unknown, clientId: string): Outcome {
  const fail = (reason: string): Outcome => ({ ok: false, retry: false, reason: `invalid token response: ${reason}`, status: 200 });
  if (typeof body !== 'object' || body === null) return fail('not a JSON object');
  const { access_token: accessToken, token_type: tokenType, expires_in: expiresIn } = body as Record<string, unknown>;
  if (typeof accessToken !== 'string' || accessToken === '') return fail('access_token must be a non-empty string');
  if (typeof tokenType !== 'string' || tokenType.toLowerCase() !== 'bearer') return fail('token_type must be Bearer');
  if (typeof expiresIn !== 'number' || !(expiresIn > 0)) return fail('expires_in must be a positive number');
  const claims = jwtPayload(accessToken);
  if (!claims) return fail('access_token is not a JWT');
  if (claims.client_id !== clientId) return fail(`the access token's client_id is ${JSON.stringify(claims.client_id)}, not ${JSON.stringify(clientId)}`);
  if (claims.token_use !== 'access') return fail(`the access token's token_use is ${JSON.stringify(claims.token_use)}, not "access"`);
  return { ok: true };
}

async function attempt(credentials: ClientCredentials, deps: TokenCheckDependencies): Promise<Outcome> {
  let response: Response;
  let text: string;
  try {
    response = await deps.fetch(credentials.token_endpoint, {
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
    const name = (error as { name?: unknown } | null)?.name;
    const timedOut = name === 'TimeoutError' || name === 'AbortError';
    return { ok: false, retry: true, reason: timedOut ? `no answer within ${TOKEN_CHECK_TIMEOUT_MS} ms` : 'the request failed', cause: error };
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const status = response.status;
  if (status === 200) return checkTokenResponse(body, credentials.client_id);
  const oauthError = oauthErrorOf(body);
  const retry = status >= 500 || status === 429 || ((status === 400 || status === 401) && oauthError === 'invalid_client');
  return { ok: false, retry, status, oauthError, reason: `HTTP ${status}${oauthError ? ` ${oauthError}` : ''}` };
}

/**
 * Requests a token with `credentials` (client_secret_basic, `grant_type=client_credentials`, no scope:
 * the client's own scopes) and checks it is an access token for that client. Retries on `invalid_client`
 * (Cognito is eventually consistent after AddUserPoolClientSecret), 5xx, 429, timeouts and network
 * errors: {@link TOKEN_CHECK_ATTEMPTS} attempts with {@link TOKEN_CHECK_DELAYS_MS} between them.
 * Any other answer fails at once.
 *
 * @returns how many attempts it took.
 * @throws PendingSecretTestError with the last status and OAuth `error` code; never the secret or the token.
 * @example
 * const attempts = await checkClientCredentials(pending.credentials, { fetch, sleep });
 */
export async function checkClientCredentials(credentials: ClientCredentials, deps: TokenCheckDependencies): Promise<number> {
  for (let n = 1; ; n++) {
    const outcome = await attempt(credentials, deps);
    if (outcome.ok) return n;
    const last = n >= TOKEN_CHECK_ATTEMPTS;
    if (!outcome.retry || last) {
      const tried = outcome.retry ? ` after ${n} attempts` : '';
      throw new PendingSecretTestError(
        `token endpoint ${credentials.token_endpoint} did not issue an access token to client ${credentials.client_id} with the pending secret${tried}: ${outcome.reason}`,
        n,
        outcome.status,
        outcome.oauthError,
        outcome.cause === undefined ? undefined : { cause: outcome.cause },
      );
    }
    const delayMs = TOKEN_CHECK_DELAYS_MS[n - 1];
    deps.onRetry?.({ attempt: n, status: outcome.status, oauthError: outcome.oauthError, reason: outcome.reason, delayMs });
    await deps.sleep(delayMs);
  }
}
