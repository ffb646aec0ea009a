/**
 * Realistic API Gateway proxy events for the sample backend: REST API (payload 1.0) and HTTP API
 * (payload 2.0) with a Lambda authorizer, carrying the context lambdas/authorizer sends.
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { HttpApiEvent } from '../../lambdas/api/events';

/** A bearer token as the caller sent it: the backend must never echo or log it. */
export const TOKEN =
  'eyJraWQiOiJrZXktMSIsImFsZyI6IlJTMjU2In0.eyJzdWIiOiJjbGllbnQwYmlsbGluZzAwMDAwMDAwMDEiLCJ0b2tlbl91c2UiOiJhY2Nlc3MifQ.c2lnbmF0dXJlLXRoYXQtbXVzdC1uZXZlci1iZS1sb2dnZWQ';
/** A legacy API key as the caller sent it (`x-api-key`): never echoed or logged either. */
export const API_KEY = 'legacy0key0that0must0never0be0logged0000';

/** The authorizer context of each principal type, exactly as lambdas/authorizer/handler.ts builds it. */
export const CONTEXTS = {
  service: {
    principalType: 'service',
    principalId: 'client0billing0000000001',
    clientId: 'client0billing0000000001',
    clientName: 'billing-batch',
    tokenUse: 'access',
    scopes: 'api/read api/execute',
    roles: 'reader,executor',
  },
  user: {
    principalType: 'user',
    principalId: '7c1e2a4b-0d3f-4e5a-9b6c-8d7e6f5a4b3c',
    clientId: 'client0users00000000000003',
    clientName: 'user-client',
    tokenUse: 'id',
    scopes: '',
    roles: 'admin',
  },
  'legacy-api-key': {
    principalType: 'legacy-api-key',
    principalId: 'old-reporting',
    clientId: 'legacy:old-reporting',
    clientName: 'old-reporting',
    tokenUse: 'api-key',
    scopes: '',
    roles: 'reader',
  },
} as const;

export type PrincipalKind = keyof typeof CONTEXTS;
export type Format = 'rest' | 'http';

export interface RequestOptions {
  /** `{ id: '1' }` for `/orders/{id}`. */
  readonly pathParameters?: Record<string, string>;
  readonly body?: string;
  /** Sends `body` base64-encoded, as the gateway does for binary media types. */
  readonly base64?: boolean;
  /** The authorizer context; `null` leaves it out (a route without the authorizer). */
  readonly context?: Record<string, unknown> | null;
  readonly principal?: PrincipalKind;
}

const REQUEST_TIME = 1_767_225_600_000;

function pathOf(template: string, parameters: Record<string, string> = {}): string {
  return template.replace(/\{([^}]+)\}/g, (_match, name: string) => encodeURIComponent(parameters[name] ?? ''));
}

function headersOf(options: RequestOptions, lowerCase: boolean): Record<string, string> {
  const headers: Record<string, string> = {
    Authorization: `Bearer ${TOKEN}`,
    'X-Api-Key': API_KEY,
    Host: 'abc123.execute-api.eu-west-1.amazonaws.com',
    'User-Agent': 'billing-batch/1.4',
    ...(options.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
  };
  return lowerCase ? Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value])) : headers;
}

function contextOf(options: RequestOptions): Record<string, unknown> | undefined {
  if (options.context === null) return undefined;
  return options.context ?? CONTEXTS[options.principal ?? 'service'];
}

function encodedBody(options: RequestOptions): string | null {
  if (options.body === undefined) return null;
  return options.base64 ? Buffer.from(options.body, 'utf8').toString('base64') : options.body;
}

/** A REST API Lambda proxy event (payload 1.0) for `method` on the route template `resource`. */
export function restEvent(method: string, resource: string, options: RequestOptions = {}): APIGatewayProxyEvent {
  const path = pathOf(resource, options.pathParameters);
  const headers = headersOf(options, false);
  const context = contextOf(options);
  return {
    resource,
    path,
    httpMethod: method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: options.pathParameters ?? null,
    stageVariables: null,
    body: encodedBody(options),
    isBase64Encoded: options.base64 === true,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      // REST adds the policy's principalId and the authorizer's latency to the context.
      authorizer: context ? { ...context, principalId: context.principalId, integrationLatency: 14 } : undefined,
      protocol: 'HTTP/1.1',
      httpMethod: method,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: '203.0.113.7',
        user: null,
        userAgent: 'billing-batch/1.4',
        userArn: null,
      },
      path: `/dev${path}`,
      stage: 'dev',
      requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      requestTimeEpoch: REQUEST_TIME,
      resourceId: 'x1y2z3',
      resourcePath: resource,
    },
  } as APIGatewayProxyEvent;
}

/** An HTTP API Lambda proxy event (payload 2.0) for the route key `GET /orders/{id}`. */
export function httpEvent(routeKey: string, options: RequestOptions = {}): HttpApiEvent {
  const [method, template] = routeKey.split(' ');
  const path = template === undefined ? '/' : pathOf(template, options.pathParameters);
  const context = contextOf(options);
  const event = {
    version: '2.0',
    routeKey,
    rawPath: `/dev${path}`,
    rawQueryString: '',
    headers: headersOf(options, true),
    pathParameters: options.pathParameters,
    body: encodedBody(options) ?? undefined,
    isBase64Encoded: options.base64 === true,
    requestContext: {
      accountId: '123456789012',
      apiId: 'def456',
      authorizer: context ? { lambda: context } : undefined,
      domainName: 'def456.execute-api.eu-west-1.amazonaws.com',
      domainPrefix: 'def456',
      http: { method, path: `/dev${path}`, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'billing-batch/1.4' },
      requestId: 'JKJaXmPLvHcESHA=',
      routeKey,
      stage: 'dev',
      time: '01/Jan/2026:00:00:00 +0000',
      timeEpoch: REQUEST_TIME,
    },
  };
  return event as unknown as HttpApiEvent;
}

/** The event of `format` for `method` on the route template `path`. */
export function eventOf(format: Format, method: string, path: string, options: RequestOptions = {}): APIGatewayProxyEvent | HttpApiEvent {
  return format === 'rest' ? restEvent(method, path, options) : httpEvent(`${method} ${path}`, options);
}

/**
 * Captures what the code under test writes to stdout and stderr (Powertools Logger) as parsed JSON
 * lines, so the test output stays clean and the log can be asserted.
 */
export function captureOutput(): { lines: () => Array<Record<string, unknown>>; raw: () => string; clear: () => void; restore: () => void } {
  let buffer: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    buffer.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  const spies = [jest.spyOn(process.stdout, 'write').mockImplementation(capture), jest.spyOn(process.stderr, 'write').mockImplementation(capture)];
  const raw = () => buffer.join('');
  return {
    raw,
    lines: () =>
      raw()
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    clear: () => {
      buffer = [];
    },
    restore: () => spies.forEach((spy) => spy.mockRestore()),
  };
}
