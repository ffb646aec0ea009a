/**
 * The real sample backend bundle (what synth deploys, lambdas/api, with a route table compiled in),
 * called with realistic REST API (payload 1.0) and HTTP API (payload 2.0) proxy events.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import { bundleLambda } from '../../lib/bundling/lambda-bundle';
import { bundleSampleBackend, SAMPLE_BACKEND_ENTRY, sampleBackendRouteKeys, type SampleBackendSource } from '../../lib/api/sample-backend-bundle';
import { loadEnvironments } from '../../lib/config/load';
import { loadBundledHandler } from '../../sandbox/bundles';
import { API_KEY, CONTEXTS, TOKEN, captureOutput, eventOf, httpEvent, restEvent, type Format, type PrincipalKind, type RequestOptions } from './gateway-events';

type Handler = (event: unknown) => Promise<APIGatewayProxyResult>;

interface Outcome {
  readonly status: number;
  readonly body: Record<string, unknown>;
  /** The one log line of the request. */
  readonly log: Record<string, unknown>;
}

const FORMATS: readonly Format[] = ['rest', 'http'];
const SERVICE_BY = { principalType: 'service', principalId: CONTEXTS.service.principalId, clientName: 'billing-batch' };

/**
 * The route table of most tests: the routes the sample has behaviour for (exercised below), and
 * configured routes it knows nothing about, which it must answer too.
 */
const TABLE: SampleBackendSource = {
  routes: [
    { method: 'GET', path: '/whoami' },
    { method: 'GET', path: '/orders' },
    { method: 'GET', path: '/orders/{id}' },
    { method: 'POST', path: '/orders' },
    { method: 'PUT', path: '/orders/{id}' },
    { method: 'DELETE', path: '/orders/{id}' },
    { method: 'POST', path: '/orders/{id}/fulfil' },
    { method: 'GET', path: '/reports/{id}' },
    { method: 'POST', path: '/jobs/{name}/run' },
    { method: 'GET', path: '/files/{path+}' },
  ],
};

const loadBackend = (table: SampleBackendSource) => loadBundledHandler<Handler>(bundleSampleBackend(table).code, { ENVIRONMENT: 'test' });

let handler: Handler;
let output: ReturnType<typeof captureOutput>;

beforeAll(() => {
  output = captureOutput();
  handler = loadBackend(TABLE);
});

afterAll(() => output.restore());

/**
 * Calls the bundle with `event`. Every answer, whatever the test, must be JSON with its content type,
 * come with exactly one log line, and carry neither the token nor the API key.
 */
async function call(event: unknown, backend: Handler = handler): Promise<Outcome> {
  output.clear();
  const result = await backend(event);
  expect(result.headers).toMatchObject({ 'content-type': 'application/json' });
  const lines = output.lines();
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatchObject({ message: 'request', service: 'm2m-auth-api', environment: 'test', status: result.statusCode });
  expect(typeof lines[0].latencyMs).toBe('number');
  const everything = output.raw() + JSON.stringify(result);
  expect(everything).not.toContain(TOKEN);
  expect(everything).not.toContain(TOKEN.split('.')[2]);
  expect(everything).not.toContain(API_KEY);
  return { status: result.statusCode, body: JSON.parse(result.body) as Record<string, unknown>, log: lines[0] };
}

const send = (format: Format, method: string, path: string, options?: RequestOptions) => call(eventOf(format, method, path, options));
const order = (body: unknown) => ({ body: JSON.stringify(body) });

describe('GET /whoami', () => {
  const cases: Array<[Format, PrincipalKind, string[], string[]]> = [];
  for (const format of FORMATS) {
    cases.push([format, 'service', ['api/read', 'api/execute'], ['reader', 'executor']], [format, 'user', [], ['admin']], [format, 'legacy-api-key', [], ['reader']]);
  }

  test.each(cases)('%s API: a %s caller gets its identity from the authorizer context', async (format, principal, scopes, roles) => {
    const context = CONTEXTS[principal];
    const { status, body, log } = await send(format, 'GET', '/whoami', { principal });
    expect(status).toBe(200);
    expect(body).toEqual({
      principalType: principal,
      principalId: context.principalId,
      clientId: context.clientId,
      clientName: context.clientName,
      tokenUse: context.tokenUse,
      scopes,
      roles,
    });
    expect(log).toMatchObject({ level: 'INFO', route: 'GET /whoami', format, principalType: principal, principalId: context.principalId, clientName: context.clientName });
  });
});

describe.each(FORMATS)('order routes, %s API', (format) => {
  test('GET /orders lists the seed', async () => {
    const { status, body, log } = await send(format, 'GET', '/orders');
    expect(status).toBe(200);
    expect(body).toEqual({
      action: 'listed',
      orders: [
        { id: '1', item: 'widget', quantity: 3, status: 'open' },
        { id: '2', item: 'gadget', quantity: 1, status: 'fulfilled' },
        { id: '3', item: 'sprocket', quantity: 12, status: 'open' },
      ],
      by: SERVICE_BY,
    });
    expect(log).toMatchObject({ route: 'GET /orders', status: 200 });
  });

  test('GET /orders/{id} reads one order', async () => {
    const { status, body, log } = await send(format, 'GET', '/orders/{id}', { pathParameters: { id: '3' }, principal: 'user' });
    expect(status).toBe(200);
    expect(body).toEqual({
      action: 'read',
      order: { id: '3', item: 'sprocket', quantity: 12, status: 'open' },
      by: { principalType: 'user', principalId: CONTEXTS.user.principalId, clientName: 'user-client' },
    });
    expect(log).toMatchObject({ route: 'GET /orders/{id}' });
  });

  test('POST /orders answers 201 with the order it would create, and stores nothing', async () => {
    const { status, body } = await send(format, 'POST', '/orders', order({ item: 'flange', quantity: 1000 }));
    expect(status).toBe(201);
    expect(body).toEqual({ action: 'created', order: { id: expect.stringMatching(/^[0-9a-f-]{36}$/), item: 'flange', quantity: 1000, status: 'open' }, by: SERVICE_BY });
    const second = await send(format, 'POST', '/orders', order({ item: 'flange', quantity: 1 }));
    expect((second.body.order as { id: string }).id).not.toBe((body.order as { id: string }).id);
    expect((await send(format, 'GET', '/orders')).body.orders).toHaveLength(3);
  });

  test('PUT /orders/{id} answers with the updated order, and the seed stays as it was', async () => {
    const { status, body } = await send(format, 'PUT', '/orders/{id}', { pathParameters: { id: '1' }, ...order({ item: 'widget XL', quantity: 5 }) });
    expect(status).toBe(200);
    expect(body).toEqual({ action: 'updated', order: { id: '1', item: 'widget XL', quantity: 5, status: 'open' }, by: SERVICE_BY });
    expect((await send(format, 'GET', '/orders/{id}', { pathParameters: { id: '1' } })).body.order).toEqual({ id: '1', item: 'widget', quantity: 3, status: 'open' });
  });

  test('DELETE /orders/{id} answers with what it deleted, and the order is still there', async () => {
    const { status, body, log } = await send(format, 'DELETE', '/orders/{id}', { pathParameters: { id: '2' } });
    expect(status).toBe(200);
    expect(body).toEqual({ action: 'deleted', order: { id: '2', item: 'gadget', quantity: 1, status: 'fulfilled' }, by: SERVICE_BY });
    expect(log).toMatchObject({ route: 'DELETE /orders/{id}', status: 200 });
    expect((await send(format, 'GET', '/orders/{id}', { pathParameters: { id: '2' } })).status).toBe(200);
  });

  test('POST /orders/{id}/fulfil fulfils an open order, again and again (nothing is stored)', async () => {
    for (let attempt = 0; attempt < 2; attempt++) {
      const { status, body } = await send(format, 'POST', '/orders/{id}/fulfil', { pathParameters: { id: '1' }, principal: 'legacy-api-key' });
      expect(status).toBe(200);
      expect(body).toEqual({
        action: 'fulfilled',
        order: { id: '1', item: 'widget', quantity: 3, status: 'fulfilled' },
        by: { principalType: 'legacy-api-key', principalId: 'old-reporting', clientName: 'old-reporting' },
      });
    }
  });

  test('fails when the order is already fulfilled: 409', async () => {
    const { status, body, log } = await send(format, 'POST', '/orders/{id}/fulfil', { pathParameters: { id: '2' } });
    expect(status).toBe(409);
    expect(body).toEqual({ error: 'already_fulfilled', message: 'order "2" is already fulfilled' });
    expect(log).toMatchObject({ level: 'INFO', status: 409, error: 'already_fulfilled', principalType: 'service' });
  });
});

/** A value for every `{param}` of `path`: `1` for `{id}` (a seed order), else a made-up one. */
function parametersOf(path: string): Record<string, string> | undefined {
  const names = [...path.matchAll(/\{([^}+]+)\+?\}/g)].map((match) => match[1]);
  return names.length === 0 ? undefined : Object.fromEntries(names.map((name) => [name, name === 'id' ? '1' : `${name}-value`]));
}

describe('any other configured route', () => {
  const others = TABLE.routes.filter((route) => !route.path.startsWith('/orders') && route.path !== '/whoami');

  test.each(FORMATS)('%s API: 200 naming the route, its path parameters and the caller', async (format) => {
    expect(others.length).toBeGreaterThan(0);
    for (const route of others) {
      const key = `${route.method} ${route.path}`;
      const pathParameters = parametersOf(route.path);
      const { status, body, log } = await send(format, route.method, route.path, { pathParameters, principal: 'user', ...order({ item: 'ignored', quantity: 1 }) });
      const { principalType, principalId, clientId, clientName } = CONTEXTS.user;
      expect([key, status, body]).toEqual([key, 200, { route: key, pathParameters: pathParameters ?? {}, caller: { principalType, principalId, clientId, clientName } }]);
      expect(log).toMatchObject({ level: 'INFO', route: key, format, status: 200, principalType: 'user' });
    }
  });

  test('a route the sample has behaviour for is answered only when configured', async () => {
    const withoutWhoami = loadBackend({ routes: TABLE.routes.filter((route) => route.path !== '/whoami') });
    expect((await call(restEvent('GET', '/whoami'), withoutWhoami)).status).toBe(404);
    expect((await call(restEvent('GET', '/orders'), withoutWhoami)).status).toBe(200);
  });
});

describe.each(loadEnvironments({}).map((config) => [config.name, config]))('the shipped config: %s', (_name, config) => {
  let backend: Handler;
  beforeAll(() => {
    backend = loadBackend(config);
  });

  test.each(FORMATS)('every configured route is answered, %s API (config and backend agree)', async (format) => {
    for (const route of config.routes) {
      const key = `${route.method} ${route.path}`;
      const { status } = await call(eventOf(format, route.method, route.path, { pathParameters: parametersOf(route.path), ...order({ item: 'widget', quantity: 1 }) }), backend);
      expect([key, status >= 200 && status < 300]).toEqual([key, true]);
    }
  });

  test('a route outside the table is a 404 that lists the table', async () => {
    const { status, body } = await call(restEvent('GET', '/not-configured'), backend);
    expect(status).toBe(404);
    expect(body.message).toBe(`no route "GET /not-configured"; this backend answers ${sampleBackendRouteKeys(config).join(', ')}`);
  });
});

describe('order body validation (400)', () => {
  const post = (body: string | undefined, format: Format = 'rest', base64 = false) => send(format, 'POST', '/orders', { body, base64 });

  test.each(FORMATS)('fails when the body is not valid JSON (%s API)', async (format) => {
    const { status, body, log } = await post('{"item": "widget", quantity: 2', format);
    expect(status).toBe(400);
    expect(body).toEqual({ error: 'invalid_json', message: 'body: is not valid JSON; send a JSON object such as {"item":"widget","quantity":2}' });
    expect(log).toMatchObject({ level: 'INFO', status: 400, error: 'invalid_json', route: 'POST /orders' });
  });

  test('fails when there is no body', async () => {
    expect((await post(undefined)).body).toEqual({ error: 'invalid_request', message: 'body: required; send a JSON object such as {"item":"widget","quantity":2}' });
    expect((await post('')).status).toBe(400);
  });

  test('fails when a field is missing', async () => {
    const { status, body } = await post(JSON.stringify({ quantity: 2 }));
    expect(status).toBe(400);
    expect(body).toEqual({ error: 'invalid_request', message: 'item: required; a non-empty string of at most 100 characters' });
  });

  test('fails when a field has the wrong type', async () => {
    expect((await post(JSON.stringify({ item: 'widget', quantity: '2' }))).body).toEqual({
      error: 'invalid_request',
      message: 'quantity: must be an integer from 1 to 1000; received a string',
    });
    expect((await post(JSON.stringify({ item: 42, quantity: 2 }))).body.message).toBe('item: must be a non-empty string of at most 100 characters; received a number');
    expect((await post(JSON.stringify({ item: null, quantity: 2 }))).body.message).toBe('item: must be a non-empty string of at most 100 characters; received null');
  });

  test('fails when a field is unknown', async () => {
    const { status, body } = await post(JSON.stringify({ item: 'widget', quantity: 2, colour: 'red' }));
    expect(status).toBe(400);
    expect(body).toEqual({ error: 'invalid_request', message: '"colour": unknown field; the allowed fields are item, quantity' });
    expect((await post('{"item":"widget","quantity":2,"__proto__":{"admin":true}}')).body.message).toBe('"__proto__": unknown field; the allowed fields are item, quantity');
  });

  test.each([0, -1, 1001, 2.5])('fails when quantity is %p', async (quantity) => {
    const { status, body } = await post(JSON.stringify({ item: 'widget', quantity }));
    expect(status).toBe(400);
    expect(body).toEqual({ error: 'invalid_request', message: `quantity: must be an integer from 1 to 1000; received ${quantity}` });
  });

  test('fails when item is empty or longer than 100 characters; 100 is fine', async () => {
    expect((await post(JSON.stringify({ item: '  ', quantity: 1 }))).body.message).toBe('item: must be a non-empty string of at most 100 characters; received an empty string');
    expect((await post(JSON.stringify({ item: 'x'.repeat(101), quantity: 1 }))).body.message).toBe('item: must be a non-empty string of at most 100 characters; received 101 characters');
    expect((await post(JSON.stringify({ item: 'é'.repeat(100), quantity: 1 }))).status).toBe(201);
  });

  test.each([
    ['an array', '[{"item":"widget","quantity":2}]'],
    ['null', 'null'],
    ['a string', '"widget"'],
    ['a number', '2'],
  ])('fails when the body is %s', async (kind, text) => {
    const { status, body } = await post(text);
    expect(status).toBe(400);
    expect(body).toEqual({ error: 'invalid_request', message: `body: must be a JSON object such as {"item":"widget","quantity":2}; received ${kind}` });
  });

  test('names every bad field at once', async () => {
    const { body } = await post(JSON.stringify({ qty: 2, item: '' }));
    expect(body.message).toBe(
      '"qty": unknown field; the allowed fields are item, quantity; item: must be a non-empty string of at most 100 characters; received an empty string; quantity: required; an integer from 1 to 1000',
    );
  });

  test.each(FORMATS)('decodes a base64-encoded body (%s API)', async (format) => {
    const { status, body } = await post(JSON.stringify({ item: 'café', quantity: 7 }), format, true);
    expect(status).toBe(201);
    expect(body.order).toMatchObject({ item: 'café', quantity: 7 });
    expect((await post(JSON.stringify({ item: 'café', quantity: 0 }), format, true)).body.message).toBe('quantity: must be an integer from 1 to 1000; received 0');
  });

  test('fails when the body is larger than 16 KiB: 413', async () => {
    const { status, body } = await post(JSON.stringify({ item: 'x'.repeat(17_000), quantity: 1 }));
    expect(status).toBe(413);
    expect(body).toEqual({ error: 'payload_too_large', message: 'body: must be at most 16384 bytes; received 17024' });
  });

  test.each(FORMATS)('PUT validates its body the same way (%s API)', async (format) => {
    const { status, body } = await send(format, 'PUT', '/orders/{id}', { pathParameters: { id: '1' }, ...order({ item: 'widget' }) });
    expect(status).toBe(400);
    expect(body).toEqual({ error: 'invalid_request', message: 'quantity: required; an integer from 1 to 1000' });
  });
});

describe('not found (404)', () => {
  test.each([
    ['GET', '/orders/{id}'],
    ['PUT', '/orders/{id}'],
    ['DELETE', '/orders/{id}'],
    ['POST', '/orders/{id}/fulfil'],
  ])('fails when the order does not exist: %s %s', async (method, path) => {
    for (const format of FORMATS) {
      const { status, body, log } = await send(format, method, path, { pathParameters: { id: '42' }, ...order({ item: 'widget', quantity: 1 }) });
      expect(status).toBe(404);
      expect(body).toEqual({ error: 'not_found', message: 'order "42" not found; the sample backend has orders 1, 2, 3' });
      expect(log).toMatchObject({ status: 404, error: 'not_found', route: `${method} ${path}` });
    }
  });

  test('fails when the id names an inherited property', async () => {
    for (const id of ['__proto__', 'constructor', 'toString']) expect((await send('rest', 'GET', '/orders/{id}', { pathParameters: { id } })).status).toBe(404);
  });

  test('fails when the route is not configured', async () => {
    const rest = await call(restEvent('PATCH', '/orders/{id}', { pathParameters: { id: '1' } }));
    expect(rest.status).toBe(404);
    expect(rest.body).toEqual({ error: 'not_found', message: `no route "PATCH /orders/{id}"; this backend answers ${sampleBackendRouteKeys(TABLE).join(', ')}` });
    expect(rest.log).toMatchObject({ route: 'PATCH /orders/{id}', status: 404, principalType: 'service' });
    const http = await call(httpEvent('$default'));
    expect(http).toMatchObject({ status: 404, body: { error: 'not_found' }, log: { route: '$default', format: 'http' } });
  });
});

describe('a misconfigured gateway (500, fail closed)', () => {
  const MESSAGE = 'the API gateway did not pass the caller identity to the backend; this is a deployment error, not a problem with the request';

  test.each(FORMATS)('fails when the authorizer context is missing (%s API)', async (format) => {
    const { status, body, log } = await send(format, 'GET', '/orders', { context: null });
    expect(status).toBe(500);
    expect(body).toEqual({ error: 'misconfigured', message: MESSAGE });
    expect(log).toMatchObject({ level: 'ERROR', status: 500, error: 'misconfigured', route: 'GET /orders', detail: 'no authorizer context: the route is not behind the Lambda authorizer' });
    expect(log.principalType).toBeUndefined();
  });

  test('fails when the HTTP API context sits elsewhere than authorizer.lambda', async () => {
    const event = httpEvent('GET /whoami');
    (event.requestContext as unknown as { authorizer: unknown }).authorizer = { jwt: { claims: {}, scopes: [] } };
    expect(await call(event)).toMatchObject({ status: 500, body: { error: 'misconfigured' } });
  });

  test('fails when the context is not what the authorizer sends', async () => {
    const unknownType = await send('rest', 'GET', '/whoami', { context: { ...CONTEXTS.service, principalType: 'robot' } });
    expect(unknownType).toMatchObject({ status: 500, body: { error: 'misconfigured', message: MESSAGE } });
    expect(unknownType.log.detail).toBe('authorizer context: principalType must be one of service, user, legacy-api-key; received "robot"');
    const noName = await send('http', 'GET', '/whoami', { context: { ...CONTEXTS.service, clientName: '' } });
    expect(noName.log.detail).toBe('authorizer context: clientName must be a non-empty string; received ""');
    const badRoles = await send('http', 'GET', '/whoami', { context: { ...CONTEXTS.service, roles: ['reader'] } });
    expect(badRoles.log.detail).toBe('authorizer context: roles must be a string; received object');
  });

  test('fails when an HTTP API integration uses payload format 1.0', async () => {
    const event = { ...restEvent('GET', '/orders'), version: '1.0' };
    const { status, log } = await call(event);
    expect(status).toBe(500);
    expect(log.detail).toBe('HTTP API payload format 1.0: set the integration payload_format_version to 2.0');
  });

  test('fails when the bundle has no route table (built without bundleSampleBackend)', async () => {
    const unbundled = loadBundledHandler<Handler>(bundleLambda({ entry: SAMPLE_BACKEND_ENTRY }).code, { ENVIRONMENT: 'test' });
    const { status, body, log } = await call(restEvent('GET', '/whoami'), unbundled);
    expect(status).toBe(500);
    expect(body).toEqual({ error: 'misconfigured', message: 'the backend was deployed without its route table; this is a deployment error, not a problem with the request' });
    expect(log).toMatchObject({ level: 'ERROR', detail: 'no bundled route table: build the sample backend with bundleSampleBackend (lib/api/sample-backend-bundle.ts)' });
  });

  test('fails when the event is not a proxy event at all, without throwing', async () => {
    for (const event of [{}, null, 'GET /orders', { type: 'REQUEST', methodArn: 'arn:aws:execute-api:eu-west-1:123456789012:abc/dev/GET/orders' }]) {
      const { status, body, log } = await call(event);
      expect(status).toBe(500);
      expect(body.error).toBe('misconfigured');
      expect(log).toMatchObject({ level: 'ERROR', route: 'unknown' });
    }
    const hostile = new Proxy({}, { get: () => { throw new Error('boom'); } });
    const { status, body, log } = await call(hostile);
    expect(status).toBe(500);
    expect(body).toEqual({ error: 'internal_error', message: 'the backend failed unexpectedly; its log has the cause' });
    expect(log).toMatchObject({ level: 'ERROR', error: 'internal_error', detail: 'Error: boom' });
  });
});
