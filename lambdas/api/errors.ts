/** Stable error codes of the backend's JSON error bodies (`{ error: <code>, message }`). */
export type ApiErrorCode =
  | 'invalid_json'
  | 'invalid_request'
  | 'payload_too_large'
  | 'not_found'
  | 'already_fulfilled'
  | 'misconfigured'
  | 'internal_error';

/**
 * A request that ends in an error answer. `message` goes to the caller; `detail` only to the log
 * (it may describe the deployment, never a token).
 *
 * @example
 * throw new ApiError(404, 'not_found', 'order "9" not found; the sample backend has orders 1, 2, 3');
 */
export class ApiError extends Error {
  readonly detail?: string;

  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    message: string,
    options: { readonly detail?: string } = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.detail = options.detail;
  }
}

/** What a caller is told when the gateway is deployed wrongly; the log says what exactly. */
const MISCONFIGURED_MESSAGE = 'the API gateway did not pass the caller identity to the backend; this is a deployment error, not a problem with the request';

/**
 * The 500 for a gateway that calls the backend without a usable authorizer context or with an
 * unexpected event format: fail closed, and say why in the log only.
 *
 * @example
 * throw gatewayMisconfigured('no authorizer context: the route has no Lambda authorizer');
 */
export function gatewayMisconfigured(detail: string): ApiError {
  return new ApiError(500, 'misconfigured', MISCONFIGURED_MESSAGE, { detail });
}

/**
 * A caller-supplied value, quoted and cut short, for an error message.
 *
 * @example
 * quoted('a'.repeat(500)); // "\"aaaa…\"" (at most 40 characters of the value)
 */
export function quoted(value: string, max = 40): string {
  return JSON.stringify(value.length > max ? `${value.slice(0, max)}…` : value);
}
