import type { APIGatewayProxyResult } from 'aws-lambda';
import type { ApiError } from './errors';

/** What a route answers, before it becomes a proxy result. */
export interface Reply {
  readonly status: number;
  readonly body: unknown;
}

// no-store: every answer is about one caller, so no shared cache may keep it.
const HEADERS = { 'content-type': 'application/json', 'cache-control': 'no-store' } as const;

/**
 * The Lambda proxy result for `reply`; the same shape serves REST (payload 1.0) and HTTP API (2.0).
 *
 * @example
 * toProxyResult({ status: 200, body: { action: 'listed' } }).headers; // { 'content-type': 'application/json', ... }
 */
export function toProxyResult(reply: Reply): APIGatewayProxyResult {
  return { statusCode: reply.status, headers: { ...HEADERS }, body: JSON.stringify(reply.body), isBase64Encoded: false };
}

/**
 * The JSON error answer `{ error: <code>, message }` of `error`.
 *
 * @example
 * errorReply(new ApiError(404, 'not_found', 'no route GET /nope')); // { status: 404, body: { error: 'not_found', ... } }
 */
export function errorReply(error: ApiError): Reply {
  return { status: error.status, body: { error: error.code, message: error.message } };
}
