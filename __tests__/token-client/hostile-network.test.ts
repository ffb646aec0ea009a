/**
 * The token client on a network that misbehaves: redirects, connections that drop or stall mid-body,
 * an API that refuses every token, a wall clock that jumps, and a token endpoint that says too much.
 * Every server here is a real HTTP server on 127.0.0.1.
 */
import * as http from 'node:http';
import { InvalidTokenResponseError, TokenClient, TokenEndpointError, TokenEndpointUnavailableError, type TokenClientOptions } from '../../token-client';
import { closeServer, listenOnLoopback } from '../../sandbox/loopback';
import { ScriptedTokenEndpoint } from '../support/token-endpoint';

const SECRET = 's3cr3t+/with=special&chars';
let endpoint: ScriptedTokenEndpoint;

beforeEach(async () => {
  endpoint = await new ScriptedTokenEndpoint().start();
});
afterEach(async () => {
  jest.restoreAllMocks();
  await endpoint.stop();
});

function client(options: Partial<TokenClientOptions> = {}): TokenClient {
  return new TokenClient({
    credentials: { clientId: 'client-1', clientSecret: SECRET, tokenEndpoint: endpoint.url, scopes: ['api/read'] },
    sleep: async () => undefined,
    ...options,
  });
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

/** How far the test has moved the wall clock (`Date.now`) from the real time; the monotonic clock does not move. */
let wallClockOffsetMs = 0;
beforeEach(() => {
  wallClockOffsetMs = 0;
  const realNow = Date.now.bind(Date);
  jest.spyOn(Date, 'now').mockImplementation(() => realNow() + wallClockOffsetMs);
});

describe('TokenClient: redirects from the token endpoint', () => {
  let elsewhere: ScriptedTokenEndpoint;
  beforeEach(async () => {
    elsewhere = await new ScriptedTokenEndpoint().start();
  });
  afterEach(() => elsewhere.stop());

  test.each([
    ['client_secret_basic', 302],
    ['client_secret_basic', 307],
    ['client_secret_post', 307],
    ['client_secret_post', 308],
  ] as const)('fails when the endpoint redirects (%s, HTTP %d): not followed, not retried, only the origin named', async (authMethod, status) => {
    // GIVEN a token endpoint that redirects to another origin
    endpoint.replies = [{ status, headers: { location: `${elsewhere.url}/steal?client_secret=${encodeURIComponent(SECRET)}` } }];
    // WHEN a token is requested
    const outcome = await client({ authMethod })
      .getToken()
      .catch((error: Error) => error);
    // THEN the other origin never hears of it, and the error names the status and the origin only
    expect(elsewhere.requests).toHaveLength(0);
    const error = outcome as Error;
    expect(endpoint.requests).toHaveLength(1);
    expect(error).toBeInstanceOf(TokenEndpointError);
    const origin = new URL(elsewhere.url).origin;
    expect(error.message).toBe(`token endpoint answered a redirect (HTTP ${status}) to ${origin}; redirects are not followed`);
    expect(error).toMatchObject({ status, code: 'OAUTH_ENDPOINT_REDIRECT' });
    expect(JSON.stringify({ ...error, message: error.message })).not.toMatch(/steal|s3cr3t/);
  });

  test('fails when the redirect has no usable Location', async () => {
    endpoint.replies = [{ status: 301 }];
    const error = await rejection(client().getToken());
    expect(error.message).toBe('token endpoint answered a redirect (HTTP 301) to no valid Location; redirects are not followed');
    expect(endpoint.requests).toHaveLength(1);
  });
});

describe('TokenClient: a connection that drops or stalls mid-body', () => {
  test('a connection reset after the headers is retried, with the usual back-off', async () => {
    // GIVEN an endpoint whose first answer loses its connection after the headers
    endpoint.replies = [{ ...ScriptedTokenEndpoint.ok(), fault: 'drop-after-headers' }, ScriptedTokenEndpoint.ok()];
    const retries: Array<{ attempt: number; delayMs: number; reason: string }> = [];
    // WHEN a token is requested
    const token = await client({ onRetry: (event) => retries.push(event), random: () => 0.5 }).getToken();
    // THEN the second attempt's token arrives
    expect(token).toBe('token-2');
    expect(endpoint.requests).toHaveLength(2);
    expect(retries).toEqual([{ attempt: 1, delayMs: 100, reason: 'the connection failed while the response body was read' }]);
  });

  test('a body that stops arriving counts against timeoutMs, and the attempt is retried', async () => {
    endpoint.replies = [{ ...ScriptedTokenEndpoint.ok(), fault: 'stall-mid-body' }, ScriptedTokenEndpoint.ok()];
    const retries: string[] = [];
    const started = performance.now();
    const token = await client({ timeoutMs: 500, onRetry: (event) => retries.push(event.reason) }).getToken();
    expect(token).toBe('token-2');
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(retries).toEqual(['no complete response within timeoutMs (500 ms)']);
  });

  test('headers that do not arrive in time give the same reason', async () => {
    endpoint.replies = [{ ...ScriptedTokenEndpoint.ok(), delayMs: 500 }, ScriptedTokenEndpoint.ok()];
    const retries: string[] = [];
    expect(await client({ timeoutMs: 100, onRetry: (event) => retries.push(event.reason) }).getToken()).toBe('token-2');
    expect(retries).toEqual(['no complete response within timeoutMs (100 ms)']);
  });

  test('an error reply that drops mid-body is retried too', async () => {
    endpoint.replies = [{ status: 400, body: { error: 'invalid_scope' }, fault: 'drop-after-headers' }, ScriptedTokenEndpoint.ok()];
    expect(await client().getToken()).toBe('token-1');
    expect(endpoint.requests).toHaveLength(2);
  });

  test('fails with TokenEndpointUnavailableError when every attempt stalls', async () => {
    endpoint.replies = [{ ...ScriptedTokenEndpoint.ok(), fault: 'stall-mid-body' }];
    const error = await rejection(client({ timeoutMs: 50, retry: { maxAttempts: 3 } }).getToken());
    expect(error).toBeInstanceOf(TokenEndpointUnavailableError);
    expect(error.message).toBe('token endpoint unavailable after 3 attempts');
    expect(endpoint.requests).toHaveLength(3);
  });
});

/** A real API on 127.0.0.1 that answers each request with the next status of `statuses` (the last repeats). */
class ScriptedApi {
  statuses: number[] = [200];
  readonly authorizations: string[] = [];
  private server?: http.Server;
  private port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}/orders`;
  }

  async start(): Promise<this> {
    this.server = http.createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        this.authorizations.push(request.headers.authorization ?? '');
        response.writeHead(this.statuses[Math.min(this.authorizations.length - 1, this.statuses.length - 1)]).end('{}');
      });
    });
    this.port = await listenOnLoopback(this.server);
    return this;
  }

  stop(): Promise<void> {
    return closeServer(this.server);
  }
}

describe('TokenClient.fetch: an API that answers 401', () => {
  let api: ScriptedApi;
  beforeEach(async () => {
    api = await new ScriptedApi().start();
  });
  afterEach(() => api.stop());

  test('10 calls against an API that always says 401 cost at most 2 token requests, and each caller sees the 401', async () => {
    api.statuses = [401];
    const tokens = client();
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await tokens.fetch(api.url)).status);
    expect(statuses).toEqual(Array(10).fill(401));
    expect(endpoint.requests).toHaveLength(2);
    expect(tokens.tokenRequests).toBe(2);
  });

  test('10 concurrent calls against an API that always says 401 cost at most 2 token requests', async () => {
    api.statuses = [401];
    const tokens = client();
    const responses = await Promise.all(Array.from({ length: 10 }, () => tokens.fetch(api.url)));
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(401));
    expect(endpoint.requests.length).toBeLessThanOrEqual(2);
  });

  test('401 once, then 200: two token requests, and the caller sees the 200', async () => {
    api.statuses = [401, 200];
    const tokens = client();
    const response = await tokens.fetch(api.url, { method: 'POST', body: '{}' });
    expect(response.status).toBe(200);
    expect(api.authorizations).toEqual(['Bearer token-1', 'Bearer token-2']);
    expect(endpoint.requests).toHaveLength(2);
  });

  test('a refused fresh token is replaced again only after a back-off that doubles, and a success resets it', async () => {
    // GIVEN an API that refuses every token, and a client whose clock the test moves
    api.statuses = [401];
    let now = 1_000_000;
    const tokens = client({ now: () => now });
    await tokens.fetch(api.url); // token-1 refused, token-2 fetched and refused: back off 5 s
    expect(endpoint.requests).toHaveLength(2);
    // WHEN time passes
    now += 4_999;
    await tokens.fetch(api.url);
    expect(endpoint.requests).toHaveLength(2);
    now += 1;
    await tokens.fetch(api.url); // token-2 refused after the back-off: token-3, refused: back off 10 s
    expect(endpoint.requests).toHaveLength(3);
    now += 9_999;
    await tokens.fetch(api.url);
    expect(endpoint.requests).toHaveLength(3);
    now += 1;
    // THEN once the API accepts a fresh token, the next refusal is handled as the first one
    api.statuses = [...Array(api.authorizations.length + 1).fill(401), 200, 401];
    expect((await tokens.fetch(api.url)).status).toBe(200); // token-3 refused, token-4 accepted
    expect(endpoint.requests).toHaveLength(4);
    expect((await tokens.fetch(api.url)).status).toBe(401); // token-4 refused: token-5, refused
    expect(endpoint.requests).toHaveLength(5);
    now += 5_000;
    await tokens.fetch(api.url);
    expect(endpoint.requests).toHaveLength(6);
  });

  test('the back-off is capped at 5 minutes', async () => {
    api.statuses = [401];
    let now = 0;
    const tokens = client({ now: () => now });
    for (let i = 0; i < 12; i++) {
      await tokens.fetch(api.url);
      now += 300_000;
    }
    // one refresh per call: the first call's two token requests, then one every 5 minutes
    expect(endpoint.requests).toHaveLength(13);
  });
});

describe('TokenClient: expiry on a monotonic clock', () => {
  test('a wall clock stepped forward does not expire a cached token', async () => {
    const tokens = client();
    expect(await tokens.getToken()).toBe('token-1');
    wallClockOffsetMs = 2 * 60 * 60 * 1000;
    expect(await tokens.getToken()).toBe('token-1');
    expect(tokens.tokenRequests).toBe(1);
  });

  test('a wall clock stepped back does not keep an expired token alive', async () => {
    // A token usable for 300 ms (expires_in 10.3 s, less the 10 s margin)
    endpoint.replies = [ScriptedTokenEndpoint.ok(10.3)];
    const tokens = client({ refreshAheadSeconds: 0 });
    expect(await tokens.getToken()).toBe('token-1');
    wallClockOffsetMs = -60 * 60 * 1000;
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await tokens.getToken()).toBe('token-2');
  });

  test('Retry-After as an HTTP date is measured against the response Date, not the local wall clock', async () => {
    const serverNow = Math.floor(Date.now() / 1000) * 1000;
    endpoint.replies = [
      { status: 503, headers: { date: new Date(serverNow).toUTCString(), 'retry-after': new Date(serverNow + 2_000).toUTCString() } },
      ScriptedTokenEndpoint.ok(),
    ];
    wallClockOffsetMs = 60 * 60 * 1000; // this host's clock is an hour fast
    const delays: number[] = [];
    expect(await client({ sleep: async (ms) => void delays.push(ms) }).getToken()).toBe('token-1');
    expect(delays).toEqual([2_000]);
  });
});

describe('TokenClient: what a refusal carries', () => {
  test('error_description is kept out of the message, capped at 200 characters and stripped of control characters', async () => {
    // GIVEN a refusal whose description forges a log line, echoes a secret and is 5 KB long
    const description = `client_secret=${SECRET}\r\nERROR forged log line\u001b[31m\u202e${'x'.repeat(5_000)}`;
    endpoint.replies = [{ status: 400, body: { error: 'invalid_request', error_description: description } }];
    // WHEN a token is requested
    const error = (await rejection(client().getToken())) as TokenEndpointError;
    // THEN the message carries the code and the status only
    expect(error).toBeInstanceOf(TokenEndpointError);
    expect(error.message).toBe('token endpoint refused the request: invalid_request (HTTP 400)');
    expect(error.stack).not.toContain(SECRET);
    expect(error.description).toHaveLength(200);
    expect(error.description).toMatch(/^client_secret=\S+ ERROR forged log line \[31m xxx/);
    expect(error.description).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
  });

  test('no description: the field is undefined', async () => {
    endpoint.replies = [{ status: 400, body: { error: 'invalid_scope' } }];
    expect(await rejection(client().getToken())).toMatchObject({ oauthError: 'invalid_scope', description: undefined });
  });
});

describe('TokenClient: expires_in (RFC 6749 5.1)', () => {
  test('a numeric string is accepted', async () => {
    let now = 0;
    endpoint.replies = [{ status: 200, body: { token_type: 'Bearer', expires_in: '3600' } }];
    const tokens = client({ now: () => now, refreshAheadSeconds: 0 });
    expect(await tokens.getToken()).toBe('token-1');
    now = 3_589_999;
    expect(await tokens.getToken()).toBe('token-1');
    now = 3_590_000;
    expect(await tokens.getToken()).toBe('token-2');
  });

  test('a missing expires_in means 300 s', async () => {
    let now = 0;
    endpoint.replies = [{ status: 200, body: { token_type: 'Bearer' } }];
    const tokens = client({ now: () => now, refreshAheadSeconds: 0 });
    expect(await tokens.getToken()).toBe('token-1');
    now = 289_999;
    expect(await tokens.getToken()).toBe('token-1');
    now = 290_000;
    expect(await tokens.getToken()).toBe('token-2');
  });

  test.each([['-5'], [-5], [0], ['abc'], [''], ['NaN'], ['1e3'], [true], [{}], [[3600]]])('fails when expires_in is %j', async (expiresIn) => {
    endpoint.replies = [{ status: 200, body: { token_type: 'Bearer', expires_in: expiresIn } }];
    const error = await rejection(client().getToken());
    expect(error).toBeInstanceOf(InvalidTokenResponseError);
    expect(error.message).toBe('invalid token response: expires_in must be a positive number');
  });
});

describe('TokenClient: Retry-After longer than retry.maxRetryAfterMs', () => {
  test('fails at once, naming the attempts actually made and the wait asked for', async () => {
    endpoint.replies = [{ status: 503 }, { status: 429, headers: { 'retry-after': '3600' } }];
    const error = await rejection(client().getToken());
    expect(error).toBeInstanceOf(TokenEndpointUnavailableError);
    expect(error).toMatchObject({ attempts: 2, retryAfterMs: 3_600_000 });
    expect(error.message).toBe('token endpoint unavailable after 2 attempts: it asked to be retried in 3600 s, more than retry.maxRetryAfterMs (30000 ms)');
    expect(endpoint.requests).toHaveLength(2);
  });
});
