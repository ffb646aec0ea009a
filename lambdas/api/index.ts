/**
 * Lambda entry of the sample backend behind the gateway: REST API (payload 1.0) and HTTP API
 * (payload 2.0) proxy integrations. No persistence, no auth of its own (the gateway's authorizer
 * ran first), one JSON log line per request. The handler never throws.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import { ApiError } from './errors';
import { readCaller, readRequest, type ApiRequest, type BackendEvent, type Caller } from './events';
import { errorReply, toProxyResult, type Reply } from './responses';
import { bundledRouteKeys } from './route-table';
import { route } from './router';

/** The `service` of the log lines (lib/api/sample-backend.ts sets the same POWERTOOLS_SERVICE_NAME). */
export const SERVICE_NAME = 'm2m-auth-api';

const logger = new Logger({ serviceName: SERVICE_NAME, persistentKeys: { environment: process.env.ENVIRONMENT || 'unknown' } });

/**
 * Answers one proxied request on a configured route (the route table is compiled into the bundle):
 * `GET /whoami` and the order routes with their behaviour, any other configured route with which
 * route it is and who called; JSON in every case. A route outside the table is a 404; a missing
 * authorizer context or an unknown event format is a logged 500 (`misconfigured`).
 *
 * @example
 * const result = await handler(restEvent); // { statusCode: 200, headers: {...}, body: '{"action":"listed",...}' }
 */
export async function handler(event: BackendEvent): Promise<APIGatewayProxyResult> {
  const started = performance.now();
  let request: ApiRequest | undefined;
  let caller: Caller | undefined;
  let reply: Reply;
  let failure: ApiError | undefined;
  try {
    request = readRequest(event);
    caller = readCaller(request.authorizerContext);
    reply = route(request, caller, bundledRouteKeys());
  } catch (error) {
    failure =
      error instanceof ApiError
        ? error
        : new ApiError(500, 'internal_error', 'the backend failed unexpectedly; its log has the cause', {
            detail: error instanceof Error ? `${error.name}: ${error.message}` : typeof error,
          });
    reply = errorReply(failure);
  }
  const attributes = {
    route: request?.routeKey.slice(0, 200) ?? 'unknown',
    format: request?.format,
    status: reply.status,
    error: failure?.code,
    detail: failure?.detail,
    principalType: caller?.principalType,
    principalId: caller?.principalId,
    clientName: caller?.clientName,
    requestId: request?.requestId,
    latencyMs: Math.round((performance.now() - started) * 1000) / 1000,
  };
  if (reply.status >= 500) logger.error('request', attributes);
  else logger.info('request', attributes);
  return toProxyResult(reply);
}
