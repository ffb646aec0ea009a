import { ApiError, quoted } from './errors';
import type { ApiRequest, Caller } from './events';
import { findOrder, fulfilled, listOrders, newOrder, readOrderInput } from './orders';
import type { Reply } from './responses';

type RouteHandler = (request: ApiRequest, caller: Caller) => Reply;

/** Who did it, in every success answer. */
function by(caller: Caller) {
  return { principalType: caller.principalType, principalId: caller.principalId, clientName: caller.clientName };
}

const id = (request: ApiRequest) => request.pathParameters.id;

// The routes with behaviour of their own, keyed like config/environments.ts routes: `<METHOD> <path
// template>`. Any other configured route gets configuredRoute's answer. A Map: no inherited keys.
const ROUTES: ReadonlyMap<string, RouteHandler> = new Map<string, RouteHandler>([
  ['GET /whoami', (_request, caller) => ({ status: 200, body: { ...caller } })],
  ['GET /orders', (_request, caller) => ({ status: 200, body: { action: 'listed', orders: listOrders(), by: by(caller) } })],
  ['GET /orders/{id}', (request, caller) => ({ status: 200, body: { action: 'read', order: findOrder(id(request)), by: by(caller) } })],
  ['POST /orders', (request, caller) => ({ status: 201, body: { action: 'created', order: newOrder(readOrderInput(request.body)), by: by(caller) } })],
  [
    'PUT /orders/{id}',
    (request, caller) => {
      const order = findOrder(id(request));
      return { status: 200, body: { action: 'updated', order: { ...order, ...readOrderInput(request.body) }, by: by(caller) } };
    },
  ],
  ['DELETE /orders/{id}', (request, caller) => ({ status: 200, body: { action: 'deleted', order: findOrder(id(request)), by: by(caller) } })],
  ['POST /orders/{id}/fulfil', (request, caller) => ({ status: 200, body: { action: 'fulfilled', order: fulfilled(findOrder(id(request))), by: by(caller) } })],
]);

/** A configured route the sample has no behaviour for: which route was called, with what, by whom. */
function configuredRoute(request: ApiRequest, caller: Caller): Reply {
  const { principalType, principalId, clientId, clientName } = caller;
  return { status: 200, body: { route: request.routeKey, pathParameters: { ...request.pathParameters }, caller: { principalType, principalId, clientId, clientName } } };
}

/**
 * Answers `request` for `caller` when `configured` (the environment's route keys) has its route: the
 * sample's own routes with their behaviour, any other with {@link configuredRoute}. A route outside
 * `configured` is a 404 `not_found` error. Nothing is stored: the order routes answer with what
 * they would have done.
 *
 * @example
 * route(request, caller, new Set(['GET /reports/{id}'])).body; // { route: 'GET /reports/{id}', pathParameters: { id: '7' }, caller: {...} }
 */
export function route(request: ApiRequest, caller: Caller, configured: ReadonlySet<string>): Reply {
  if (!configured.has(request.routeKey)) {
    throw new ApiError(404, 'not_found', `no route ${quoted(request.routeKey, 80)}; this backend answers ${[...configured].join(', ')}`);
  }
  return (ROUTES.get(request.routeKey) ?? configuredRoute)(request, caller);
}
