/**
 * Reading the token endpoint's answer: every field checked, nothing trusted, no read without a deadline.
 */
import { InvalidTokenResponseError, TokenEndpointError, TokenEndpointRedirectError } from './errors';

/** What RFC 6749 5.1 leaves open: a token response without `expires_in` is taken to last this long. */
export const DEFAULT_EXPIRES_IN_SECONDS = 300;

/** A token response's fields, checked. */
export interface TokenResponse {
  readonly accessToken: string;
  readonly expiresInSeconds: number;
}

/** The attempt failed in a way another attempt may not: a dropped connection, a stall, a 5xx or 429. */
export class RetryableAttemptError extends Error {
  constructor(
    message: string,
    options?: { cause?: unknown },
    /** How long the endpoint asked us to wait (`Retry-After`), if it did. */
    readonly retryAfterMs?: number,
  ) {
    super(message, options);
    this.name = 'RetryableAttemptError';
  }
}

/**
 * The whole body as text, or a {@link RetryableAttemptError} when the connection fails or `deadline`
 * fires before the last byte: the deadline covers the body as well as the headers, whatever `fetch`
 * implementation produced the response.
 */
export async function readBody(response: Response, deadline: AbortSignal, timeoutMs: number): Promise<string> {
  const text = response.text();
  // Once the deadline has won the race, the read's own failure is expected: nobody waits for it.
  text.catch(() => undefined);
  let onAbort = (): void => undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(deadline.reason);
    if (deadline.aborted) onAbort();
    else deadline.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => undefined);
  try {
    return await Promise.race([text, aborted]);
  } catch (cause) {
    response.body?.cancel().catch(() => undefined);
    if (deadline.aborted) throw new RetryableAttemptError(`no complete response within timeoutMs (${timeoutMs} ms)`, { cause });
    throw new RetryableAttemptError('the connection failed while the response body was read', { cause });
  } finally {
    deadline.removeEventListener('abort', onAbort);
  }
}

/** Checks every field of a successful token response before use. */
export function parseTokenResponse(body: string): TokenResponse {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (cause) {
    throw new InvalidTokenResponseError('body is not JSON', { cause });
  }
  if (typeof json !== 'object' || json === null) throw new InvalidTokenResponseError('body is not a JSON object');
  const { access_token: accessToken, token_type: tokenType, expires_in: expiresIn } = json as Record<string, unknown>;
  if (typeof accessToken !== 'string' || accessToken === '') throw new InvalidTokenResponseError('access_token must be a non-empty string');
  if (typeof tokenType !== 'string' || tokenType.toLowerCase() !== 'bearer') throw new InvalidTokenResponseError('token_type must be Bearer');
  return { accessToken, expiresInSeconds: expiresInSeconds(expiresIn) };
}

/**
 * RFC 6749 5.1 `expires_in`: a positive number of seconds, also as a string of digits (some servers
 * quote it); absent (or null) means {@link DEFAULT_EXPIRES_IN_SECONDS}. Anything else is refused.
 */
function expiresInSeconds(value: unknown): number {
  if (value === undefined || value === null) return DEFAULT_EXPIRES_IN_SECONDS;
  const seconds = typeof value === 'number' ? value : typeof value === 'string' && /^\d+(\.\d+)?$/.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(seconds) || seconds <= 0) throw new InvalidTokenResponseError('expires_in must be a positive number');
  return seconds;
}

/** A 3xx answer (or a fetch's opaque redirect), which is never followed. */
export function isRedirect(response: Response): boolean {
  return (response.status >= 300 && response.status < 400) || response.type === 'opaqueredirect';
}

/** The error for a redirect: its status and the origin of its `Location`, never the path or query. */
export function redirectError(response: Response, requestUrl: string): TokenEndpointRedirectError {
  let origin: string | undefined;
  try {
    const location = response.headers.get('location');
    if (location !== null) origin = new URL(location, requestUrl).origin;
  } catch {
    // A Location that does not parse is reported as none.
  }
  return new TokenEndpointRedirectError(response.status, origin === 'null' ? undefined : origin);
}

/** The RFC 6749 5.2 error of a refused request, or `http_<status>` when the body has none. */
export function endpointError(status: number, body: string): TokenEndpointError {
  let json: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null) json = parsed as Record<string, unknown>;
  } catch {
    // Not JSON: the status says enough.
  }
  const error = typeof json.error === 'string' && /^[\x20-\x21\x23-\x5B\x5D-\x7E]{1,64}$/.test(json.error) ? json.error : `http_${status}`;
  const description = typeof json.error_description === 'string' ? json.error_description : undefined;
  return new TokenEndpointError(error, status, description);
}

/**
 * `Retry-After` in ms: delay-seconds, or an IMF-fixdate measured against the response's own `Date`
 * header (so a wrong local clock does not matter), against the local wall clock when it has none.
 * Anything else is ignored (the usual back-off applies).
 */
export function retryAfterMs(headers: Headers): number | undefined {
  const value = headers.get('retry-after')?.trim();
  if (value === undefined) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  if (!/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(value)) return undefined;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  const serverNow = Date.parse(headers.get('date') ?? '');
  return Math.max(0, at - (Number.isNaN(serverNow) ? Date.now() : serverNow));
}
