import type {
  APIGatewayAuthorizerResult,
  APIGatewayRequestAuthorizerEvent,
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerWithContextResult,
  APIGatewayTokenAuthorizerEvent,
} from 'aws-lambda';
import type { Decision, DualTokenAuthorizer } from './authorizer';
import type { DecisionObserver, DecisionRecord } from './observability';
import type { Principal } from './principal';
import { errorName } from './reasons';
import type { CompiledRoute, RouteTable } from './routes';

export type AuthorizerEvent = APIGatewayTokenAuthorizerEvent | APIGatewayRequestAuthorizerEvent | APIGatewayRequestAuthorizerEventV2;
export type AuthorizerResult = APIGatewayAuthorizerResult | APIGatewaySimpleAuthorizerWithContextResult<AuthorizerContext>;

/** What the backend receives in `requestContext.authorizer`. Never the token. */
export type AuthorizerContext = {
  principalType: Principal['type'];
  principalId: string;
  clientId: string;
  clientName: string;
  tokenUse: Principal['tokenUse'];
  /** Space-separated, like the `scope` claim. */
  scopes: string;
  /** Comma-separated. */
  roles: string;
};

/** REST API authorizers answer 401 by failing with exactly this message. */
export const UNAUTHORIZED = 'Unauthorized';

interface Target {
  readonly eventType: DecisionRecord['eventType'];
  readonly header: string | undefined;
  /** `x-api-key` (REQUEST events only): the legacy migration path. */
  readonly apiKey?: string;
  readonly route: CompiledRoute | undefined;
  /** What the request named, for the log when no route matched. */
  readonly label: string;
  /** REST only: `arn:aws:execute-api:<region>:<account>:<apiId>/<stage>/`. */
  readonly arnPrefix?: string;
}

/**
 * The Lambda handler for API Gateway REST TOKEN, REST REQUEST and HTTP API (payload 2.0) authorizers.
 *
 * REST: an IAM policy that allows exactly the routes the principal's roles permit, whatever route was
 * asked, so the gateway's cache (keyed by token) never carries a token to a route it lacks; invalid or
 * missing token -> 401, valid token without permission -> 403 (the policy does not cover the route).
 * HTTP API: a simple response for the requested route; the infrastructure puts `$context.routeKey` in
 * the identity sources, so cached answers never cross routes.
 */
export function createHandler(
  authorizer: DualTokenAuthorizer | Error,
  routes: RouteTable | undefined,
  observer: DecisionObserver,
): (event: AuthorizerEvent) => Promise<AuthorizerResult> {
  return async function handler(event) {
    const started = performance.now();
    let target: Target | undefined;
    let decision: Decision;
    try {
      target = targetOf(event, routes);
      if (authorizer instanceof Error) decision = failed('misconfigured', authorizer.message);
      else if (!target) decision = failed('malformed', 'unrecognized event');
      else decision = await authorizer.decide(target.header, target.route, target.apiKey);
    } catch (error) {
      decision = failed('internal_error', errorName(error));
    }
    observer.record({
      ...decision,
      route: target?.route?.key ?? target?.label ?? 'unknown',
      eventType: target?.eventType ?? 'rest-token',
      latencyMs: performance.now() - started,
    });
    return respond(event, target, decision, routes);
  };
}

function failed(reason: 'misconfigured' | 'malformed' | 'internal_error', detail: string): Decision {
  return { allowed: false, reason, status: 401, cached: false, detail };
}

function respond(event: AuthorizerEvent, target: Target | undefined, decision: Decision, routes: RouteTable | undefined): AuthorizerResult {
  const principal = decision.principal;
  if (target?.eventType === 'http' || (target === undefined && isHttpEvent(event))) {
    return decision.allowed && principal ? { isAuthorized: true, context: contextOf(principal) } : ({ isAuthorized: false } as AuthorizerResult);
  }
  // REST: no valid principal -> 401; a valid one gets its whole policy (403 where it does not reach).
  if (decision.status === 401 || !principal || !routes || !target?.arnPrefix) throw new Error(UNAUTHORIZED);
  return { principalId: principal.id, policyDocument: routes.policyFor(target.arnPrefix, principal.roles) as APIGatewayAuthorizerResult['policyDocument'], context: contextOf(principal) };
}

function contextOf(principal: Principal): AuthorizerContext {
  return {
    principalType: principal.type,
    principalId: principal.id,
    clientId: principal.clientId,
    clientName: principal.clientName,
    tokenUse: principal.tokenUse,
    scopes: principal.scopes.join(' '),
    roles: principal.roles.join(','),
  };
}

function isHttpEvent(event: AuthorizerEvent): event is APIGatewayRequestAuthorizerEventV2 {
  try {
    return typeof event === 'object' && event !== null && (event as { version?: string }).version === '2.0';
  } catch {
    return false;
  }
}

const METHOD_ARN = /^(arn:aws[a-z-]*:execute-api:[a-z0-9-]+:\d{12}:[A-Za-z0-9]+\/[^/]+\/)([A-Z]+)(\/.*)?$/;

/** Reads the header and the route of any of the three event formats; undefined for anything else. */
function targetOf(event: AuthorizerEvent, routes: RouteTable | undefined): Target | undefined {
  if (typeof event !== 'object' || event === null) return undefined;
  if (isHttpEvent(event)) {
    const header = headerOf(event.headers, 'authorization');
    return { eventType: 'http', header, apiKey: headerOf(event.headers, 'x-api-key'), route: routes?.byRouteKey(event.routeKey), label: String(event.routeKey).slice(0, 200) };
  }
  const arn = typeof event.methodArn === 'string' ? METHOD_ARN.exec(event.methodArn) : null;
  if (!arn) return undefined;
  const [, arnPrefix, method, path = '/'] = arn;
  const label = `${method} ${path}`.slice(0, 200);
  if (event.type === 'TOKEN') {
    return { eventType: 'rest-token', header: event.authorizationToken, route: routes?.match(method, path), label, arnPrefix };
  }
  if (event.type === 'REQUEST') {
    const route = routes?.byRouteKey(`${event.httpMethod} ${event.resource}`) ?? routes?.match(method, path);
    return { eventType: 'rest-request', header: headerOf(event.headers, 'authorization'), apiKey: headerOf(event.headers, 'x-api-key'), route, label, arnPrefix };
  }
  return undefined;
}

/** A header by its lower-case name, whatever case the request used. */
export function headerOf(headers: Record<string, string | undefined> | null | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  if (headers[name] !== undefined) return headers[name];
  for (const key of Object.keys(headers)) if (key.toLowerCase() === name) return headers[key];
  return undefined;
}
