/**
 * Errors of the token client. Each has a stable `code`. None ever carries a secret or a token:
 * context goes into `cause`.
 */

/** The token endpoint refused the request (RFC 6749 section 5.2). Retrying will not help. */
export class TokenEndpointError extends Error {
  readonly code: string;
  constructor(
    /** The RFC 6749 error: `invalid_client`, `invalid_scope`, `unauthorized_client`, ... */
    readonly oauthError: string,
    readonly status: number,
    description?: string,
  ) {
    super(`token endpoint refused the request: ${oauthError} (HTTP ${status})${description ? `: ${description}` : ''}`);
    this.name = 'TokenEndpointError';
    this.code = `OAUTH_${oauthError.toUpperCase()}`;
  }
}

/** The token endpoint answered something that is not a valid token response. */
export class InvalidTokenResponseError extends Error {
  readonly code = 'OAUTH_INVALID_RESPONSE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(`invalid token response: ${message}`, options);
    this.name = 'InvalidTokenResponseError';
  }
}

/** Every attempt failed with a retryable error (5xx, 429, network); `cause` is the last one. */
export class TokenEndpointUnavailableError extends Error {
  readonly code = 'OAUTH_ENDPOINT_UNAVAILABLE';
  constructor(
    readonly attempts: number,
    options?: { cause?: unknown },
  ) {
    super(`token endpoint unavailable after ${attempts} attempt${attempts === 1 ? '' : 's'}`, options);
    this.name = 'TokenEndpointUnavailableError';
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
