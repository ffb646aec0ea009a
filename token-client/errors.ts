/**
 * Errors of the token client. Each has a stable `code`. None ever carries a secret or a token:
 * context goes into `cause`.
 */

/** The longest `error_description` kept, in characters. */
const MAX_DESCRIPTION_LENGTH = 200;

/**
 * The token endpoint refused the request (RFC 6749 section 5.2), or GetClientToken did (its exception
 * mapped to the RFC 6749 error, in `awsErrorType`). Retrying will not help.
 * `message` holds only the error code and the status; the server's own words are in `description`.
 */
export class TokenEndpointError extends Error {
  readonly code: string;
  /**
   * The server's `error_description`, for diagnosis: server-chosen text, so kept out of `message`, cut to
   * 200 characters, with control and formatting characters (newlines, escapes, bidi overrides) removed.
   */
  readonly description: string | undefined;
  /**
   * On the `api` path (GetClientToken): Cognito's exception, e.g. `NotAuthorizedException`, from which
   * `oauthError` is mapped. Undefined on the token endpoint.
   */
  readonly awsErrorType: string | undefined;
  constructor(
    /** The RFC 6749 error: `invalid_client`, `invalid_scope`, `unauthorized_client`, ... */
    readonly oauthError: string,
    readonly status: number,
    description?: string,
    options?: { awsErrorType?: string; cause?: unknown },
  ) {
    const refused = options?.awsErrorType === undefined ? 'token endpoint refused the request:' : `GetClientToken refused the request: ${options.awsErrorType} ->`;
    super(`${refused} ${oauthError} (HTTP ${status})`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TokenEndpointError';
    this.code = `OAUTH_${oauthError.toUpperCase()}`;
    this.description = description === undefined ? undefined : cleanDescription(description);
    this.awsErrorType = options?.awsErrorType;
  }
}

/**
 * The token endpoint answered a redirect (3xx). Redirects are never followed: with `client_secret_post`
 * the secret would go to wherever the redirect points. `oauthError` is `http_<status>`.
 */
export class TokenEndpointRedirectError extends TokenEndpointError {
  override readonly code = 'OAUTH_ENDPOINT_REDIRECT';
  constructor(
    status: number,
    /** The origin of the `Location` header (never its path or query), or undefined when it has none that parses. */
    readonly locationOrigin: string | undefined,
  ) {
    super(`http_${status}`, status);
    this.name = 'TokenEndpointRedirectError';
    this.message = `token endpoint answered a redirect (HTTP ${status}) to ${locationOrigin ?? 'no valid Location'}; redirects are not followed`;
  }
}

/** Control and formatting characters (line breaks, terminal escapes, bidi overrides) become one space. */
function cleanDescription(description: string): string {
  return Array.from(description.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+/gu, ' ').trim())
    .slice(0, MAX_DESCRIPTION_LENGTH)
    .join('');
}

/** The token endpoint answered something that is not a valid token response. */
export class InvalidTokenResponseError extends Error {
  readonly code = 'OAUTH_INVALID_RESPONSE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(`invalid token response: ${message}`, options);
    this.name = 'InvalidTokenResponseError';
  }
}

/**
 * Every attempt failed with a retryable error (5xx, 429, network, timeout), or the endpoint asked to be
 * retried later than `retry.maxRetryAfterMs` allows (then `retryAfterMs` is set); `cause` is the last error.
 */
export class TokenEndpointUnavailableError extends Error {
  readonly code = 'OAUTH_ENDPOINT_UNAVAILABLE';
  /** The wait the endpoint asked for (`Retry-After`), when that is why the client gave up. */
  readonly retryAfterMs: number | undefined;
  constructor(
    /** Token requests sent for this call. */
    readonly attempts: number,
    options?: { cause?: unknown; retryAfterMs?: number; maxRetryAfterMs?: number },
  ) {
    const tooLong = options?.retryAfterMs === undefined ? '' : `: it asked to be retried in ${Math.ceil(options.retryAfterMs / 1000)} s, more than retry.maxRetryAfterMs (${options.maxRetryAfterMs} ms)`;
    super(`token endpoint unavailable after ${attempts} attempt${attempts === 1 ? '' : 's'}${tooLong}`, options);
    this.name = 'TokenEndpointUnavailableError';
    this.retryAfterMs = options?.retryAfterMs;
  }
}

/** The caller configured the client wrongly. */
export class TokenClientConfigError extends Error {
  readonly code = 'ERR_TOKEN_CLIENT_CONFIG';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TokenClientConfigError';
  }
}
