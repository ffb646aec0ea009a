import type { APIGatewayProxyEvent, APIGatewayProxyEventV2WithLambdaAuthorizer } from 'aws-lambda';
import { gatewayMisconfigured, quoted } from './errors';

/** REST API, Lambda proxy integration (payload 1.0). */
export type RestApiEvent = APIGatewayProxyEvent;
/** HTTP API, Lambda proxy integration with payload format 2.0 and a Lambda authorizer. */
export type HttpApiEvent = APIGatewayProxyEventV2WithLambdaAuthorizer<Record<string, string>>;
export type BackendEvent = RestApiEvent | HttpApiEvent;

export const PRINCIPAL_TYPES = ['service', 'user', 'legacy-api-key'] as const;
export type PrincipalType = (typeof PRINCIPAL_TYPES)[number];

/** Who is calling, from the authorizer context (lambdas/authorizer/handler.ts `AuthorizerContext`). */
export interface Caller {
  readonly principalType: PrincipalType;
  readonly principalId: string;
  readonly clientId: string;
  readonly clientName: string;
  readonly tokenUse: string;
  readonly scopes: readonly string[];
  readonly roles: readonly string[];
}

/** One request, whatever the gateway's payload format. */
export interface ApiRequest {
  readonly format: 'rest' | 'http';
  /** The route template with its method: `GET /orders/{id}`, never the concrete path. */
  readonly routeKey: string;
  readonly pathParameters: Readonly<Record<string, string | undefined>>;
  /** The body as text (base64-decoded when the gateway encoded it); undefined when there is none. */
  readonly body: string | undefined;
  readonly requestId: string | undefined;
  /** `requestContext.authorizer` (REST) or `requestContext.authorizer.lambda` (HTTP API), unchecked. */
  readonly authorizerContext: unknown;
}

type Loose = Record<string, unknown> | undefined;

/**
 * Normalizes a REST API (payload 1.0) or HTTP API (payload 2.0) proxy event. Any other event means
 * the integration is deployed wrongly: a 500 `misconfigured` error.
 *
 * @example
 * readRequest(event).routeKey; // 'POST /orders/{id}/fulfil'
 */
export function readRequest(event: unknown): ApiRequest {
  if (typeof event !== 'object' || event === null) throw gatewayMisconfigured('the event is not an object');
  const e = event as Record<string, unknown>;
  const requestContext = objectOr(e.requestContext);
  const base = {
    pathParameters: (objectOr(e.pathParameters) ?? {}) as Record<string, string | undefined>,
    body: bodyOf(e.body, e.isBase64Encoded === true),
    requestId: typeof requestContext?.requestId === 'string' ? requestContext.requestId : undefined,
  };
  if (e.version === '2.0' && typeof e.routeKey === 'string') {
    return { ...base, format: 'http', routeKey: e.routeKey, authorizerContext: objectOr(requestContext?.authorizer)?.lambda };
  }
  if (e.version === '1.0') throw gatewayMisconfigured('HTTP API payload format 1.0: set the integration payload_format_version to 2.0');
  if (typeof e.httpMethod === 'string' && typeof e.resource === 'string') {
    return { ...base, format: 'rest', routeKey: `${e.httpMethod} ${e.resource}`, authorizerContext: requestContext?.authorizer };
  }
  throw gatewayMisconfigured('unrecognized event: expected a REST API proxy event or an HTTP API payload 2.0 event');
}

/**
 * The caller named by the authorizer context. Every call passed the authorizer, so a missing or
 * malformed context means a route without the authorizer: a 500 `misconfigured` error, never a guess.
 *
 * @example
 * readCaller({ principalType: 'service', principalId: 'abc', clientId: 'abc', clientName: 'billing-batch', tokenUse: 'access', scopes: 'api/read', roles: 'reader' });
 */
export function readCaller(context: unknown): Caller {
  const values = objectOr(context);
  if (!values) throw gatewayMisconfigured('no authorizer context: the route is not behind the Lambda authorizer');
  const principalType = values.principalType;
  if (!PRINCIPAL_TYPES.includes(principalType as PrincipalType)) {
    throw gatewayMisconfigured(`authorizer context: principalType must be one of ${PRINCIPAL_TYPES.join(', ')}; received ${describe(principalType)}`);
  }
  return {
    principalType: principalType as PrincipalType,
    principalId: requiredString(values, 'principalId'),
    clientId: requiredString(values, 'clientId'),
    clientName: requiredString(values, 'clientName'),
    tokenUse: requiredString(values, 'tokenUse'),
    // Empty for legacy API keys; tolerated when absent, in case a gateway drops empty context values.
    scopes: listOf(values, 'scopes', ' '),
    roles: listOf(values, 'roles', ','),
  };
}

function requiredString(values: Record<string, unknown>, key: string): string {
  const value = values[key];
  if (typeof value !== 'string' || value === '') throw gatewayMisconfigured(`authorizer context: ${key} must be a non-empty string; received ${describe(value)}`);
  return value;
}

function listOf(values: Record<string, unknown>, key: string, separator: string): string[] {
  const value = values[key];
  if (value === undefined) return [];
  if (typeof value !== 'string') throw gatewayMisconfigured(`authorizer context: ${key} must be a string; received ${describe(value)}`);
  return value.split(separator).map((part) => part.trim()).filter((part) => part !== '');
}

function bodyOf(body: unknown, base64: boolean): string | undefined {
  if (typeof body !== 'string' || body === '') return undefined;
  return base64 ? Buffer.from(body, 'base64').toString('utf8') : body;
}

function objectOr(value: unknown): Loose {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function describe(value: unknown): string {
  return typeof value === 'string' ? quoted(value) : value === null ? 'null' : typeof value;
}
