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

// Keyed like config/environments.ts routes: `<METHOD> <path template>`. A Map: no inherited keys.
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

const ROUTE_KEYS = [...ROUTES.keys()].join(', ');

/**
 * Answers `request` for `caller`; an unknown route is a 404 `not_found` error. Nothing is stored:
 * the order routes answer with what they would have done.
 *
 * @example
 * route(readRequest(event), readCaller(readRequest(event).authorizerContext)).status; // 200
 */
export function route(request: ApiRequest, caller: Caller): Reply {
  const handler = ROUTES.get(request.routeKey);
  if (!handler) throw new ApiError(404, 'not_found', `no route ${quoted(request.routeKey, 80)}; this backend answers ${ROUTE_KEYS}`);
  return handler(request, caller);
}
