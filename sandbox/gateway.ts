import { randomUUID } from 'node:crypto';
import type { APIGatewayAuthorizerResult, APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { headerOf } from '../lambdas/authorizer/handler';
import { RouteTable, type CompiledRoute } from '../lambdas/authorizer/routes';
import type { Route } from '../lambdas/authorizer/permission-model';
import { policyAllows } from './iam-policy';

type Handler<E, R> = (event: E) => Promise<R>;

export interface GatewayOptions {
  readonly routes: readonly Route[];
  /** The stage, first segment of every path: `/dev/orders`. */
  readonly stage: string;
  /** The real bundled authorizer (REST REQUEST events). */
  readonly authorizer: Handler<unknown, APIGatewayAuthorizerResult>;
  /** The real bundled backend (REST proxy events, payload 1.0). */
  readonly backend: Handler<APIGatewayProxyEvent, APIGatewayProxyResult>;
  /** The gateway's authorizer cache TTL, keyed by the Authorization header, as API Gateway does. */
  readonly resultCacheTtlSeconds: number;
  /** With the API-key migration on the authorizer has no identity source: called for every request. */
  readonly identitySourceRequired: boolean;
  readonly now?: () => number;
}

export interface GatewayRequest {
  readonly method: string;
  /** Path with query string: `/dev/orders/1?x=y`. */
  readonly url: string;
  readonly headers: Record<string, string | undefined>;
  readonly body: string;
}

export interface GatewayReply {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

const API_ARN = 'arn:aws:execute-api:local:000000000000:sandbox';

/** The JSON error bodies and headers the deployed REST API answers with (lib/api/rest-api.ts). */
function gatewayError(status: number, error: string, message: string, requestId: string, wwwAuthenticate?: string): GatewayReply {
  return {
    status,
    headers: { 'content-type': 'application/json', ...(wwwAuthenticate ? { 'www-authenticate': wwwAuthenticate } : {}) },
    body: JSON.stringify({ error, message, requestId }),
  };
}

/**
 * A local stand-in for the REST API: routes from the route table, the real authorizer with REST
 * semantics (its IAM policy evaluated against the method ARN, results cached by Authorization header
 * for the TTL, no call without the identity source), and the real backend behind it.
 */
export class SandboxGateway {
  private readonly table: RouteTable;
  private readonly cache = new Map<string, { result: APIGatewayAuthorizerResult; expiresAt: number }>();
  private readonly now: () => number;

  constructor(private readonly options: GatewayOptions) {
    this.table = new RouteTable(options.routes);
    this.now = options.now ?? Date.now;
  }

  async handle(request: GatewayRequest): Promise<GatewayReply> {
    const requestId = randomUUID();
    const url = new URL(request.url, 'http://sandbox');
    const prefix = `/${this.options.stage}`;
    const path = url.pathname.startsWith(`${prefix}/`) ? url.pathname.slice(prefix.length) : url.pathname === prefix ? '/' : undefined;
    const route = path === undefined ? undefined : this.table.match(request.method, path);
    if (!route || path === undefined) return gatewayError(404, 'not_found', 'Missing Authentication Token', requestId);

    const header = headerOf(request.headers, 'authorization');
    if (this.options.identitySourceRequired && !header) {
      return gatewayError(401, 'invalid_token', 'Unauthorized', requestId, 'Bearer realm="m2m-auth", error="invalid_token"');
    }
    const methodArn = `${API_ARN}/${this.options.stage}/${request.method}${path}`;
    const authorization = await this.authorize(header, route, request, methodArn, path);
    if (!authorization) return gatewayError(401, 'invalid_token', 'Unauthorized', requestId, 'Bearer realm="m2m-auth", error="invalid_token"');
    if (!policyAllows(authorization.policyDocument, methodArn)) {
      return gatewayError(403, 'insufficient_scope', 'User is not authorized to access this resource', requestId, 'Bearer realm="m2m-auth", error="insufficient_scope"');
    }

    const result = await this.options.backend(this.proxyEvent(request, route, path, url, authorization, requestId));
    return {
      status: result.statusCode,
      headers: Object.fromEntries(Object.entries(result.headers ?? {}).map(([name, value]) => [name, String(value)])),
      body: result.isBase64Encoded ? Buffer.from(result.body, 'base64').toString() : result.body,
    };
  }

  /** The authorizer's answer, from the cache while it is fresh; undefined for 401. */
  private async authorize(header: string | undefined, route: CompiledRoute, request: GatewayRequest, methodArn: string, path: string): Promise<APIGatewayAuthorizerResult | undefined> {
    const cacheable = this.options.identitySourceRequired && this.options.resultCacheTtlSeconds > 0 && header !== undefined;
    const cached = cacheable ? this.cache.get(header) : undefined;
    if (cached && cached.expiresAt > this.now()) return cached.result;
    const event = { type: 'REQUEST', methodArn, resource: route.path, path, httpMethod: request.method, headers: request.headers, requestContext: {} };
    let result: APIGatewayAuthorizerResult;
    try {
      result = await this.options.authorizer(event);
    } catch {
      return undefined;
    }
    if (cacheable) this.cache.set(header, { result, expiresAt: this.now() + this.options.resultCacheTtlSeconds * 1000 });
    return result;
  }

  private proxyEvent(request: GatewayRequest, route: CompiledRoute, path: string, url: URL, authorization: APIGatewayAuthorizerResult, requestId: string): APIGatewayProxyEvent {
    const names = [...route.path.matchAll(/\{([^}+]+)\+?\}/g)].map((match) => match[1]);
    const values = matchParams(route.segments, path.split('/').slice(1));
    const query = Object.fromEntries(url.searchParams);
    return {
      resource: route.path,
      path,
      httpMethod: request.method,
      headers: Object.fromEntries(Object.entries(request.headers).filter((entry): entry is [string, string] => entry[1] !== undefined)),
      multiValueHeaders: {},
      queryStringParameters: Object.keys(query).length > 0 ? query : null,
      multiValueQueryStringParameters: null,
      pathParameters: names.length > 0 ? Object.fromEntries(names.map((name, i) => [name, values[i]])) : null,
      stageVariables: null,
      body: request.body === '' ? null : request.body,
      isBase64Encoded: false,
      requestContext: {
        authorizer: { ...(authorization.context ?? {}), principalId: authorization.principalId },
        resourcePath: route.path,
        httpMethod: request.method,
        stage: this.options.stage,
        requestId,
        path: `/${this.options.stage}${path}`,
      } as unknown as APIGatewayProxyEvent['requestContext'],
    };
  }
}

/** The values of the `{param}` segments of `route` in `parts`. */
function matchParams(route: readonly string[], parts: readonly string[]): string[] {
  const values: string[] = [];
  route.forEach((segment, i) => {
    if (segment.endsWith('+}')) values.push(parts.slice(i).map(decodeURIComponent).join('/'));
    else if (segment.startsWith('{')) values.push(decodeURIComponent(parts[i]));
  });
  return values;
}
