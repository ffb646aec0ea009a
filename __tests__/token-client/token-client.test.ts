import * as http from 'node:http';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import {
  credentialsFromEnvironment,
  credentialsFromSecretsManager,
  InvalidTokenResponseError,
  TokenClient,
  TokenClientConfigError,
  TokenEndpointError,
  TokenEndpointUnavailableError,
  type TokenClientOptions,
} from '../../token-client';
import { closeServer, listenOnLoopback } from '../../sandbox/loopback';
import { ScriptedTokenEndpoint } from '../support/token-endpoint';

const SECRET = 's3cr3t+/with=special&chars';
let endpoint: ScriptedTokenEndpoint;

beforeEach(async () => {
  endpoint = await new ScriptedTokenEndpoint().start();
});
afterEach(() => endpoint.stop());

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

describe('TokenClient', () => {
  test('client_secret_basic: form-encoded id and secret in the Basic header, scope in the body', async () => {
    expect(await client().getToken()).toBe('token-1');
    const [request] = endpoint.requests;
    expect(Buffer.from(request.authorization!.replace('Basic ', ''), 'base64').toString()).toBe(`client-1:${encodeURIComponent(SECRET)}`);
    expect(Object.fromEntries(request.body)).toEqual({ grant_type: 'client_credentials', scope: 'api/read' });
  });

  test('client_secret_post: credentials in the body, no Authorization header', async () => {
    await client({ authMethod: 'client_secret_post' }).getToken(['api/write', 'api/read']);
    const [request] = endpoint.requests;
    expect(request.authorization).toBeUndefined();
    expect(Object.fromEntries(request.body)).toEqual({ grant_type: 'client_credentials', scope: 'api/read api/write', client_id: 'client-1', client_secret: SECRET });
  });

  test('caches per scope set and reuses the token until shortly before it expires', async () => {
    let now = 1_000_000;
    const tokens = client({ now: () => now });
    expect(await tokens.getToken()).toBe('token-1');
    expect(await tokens.getToken(['api/read'])).toBe('token-1');
    expect(await tokens.getToken(['api/write'])).toBe('token-2');
    now += 3_540_000; // 59 min: inside the refresh-ahead window (the last 60 s before expiry, less the 10 s margin)
    expect(await tokens.getToken()).toBe('token-1');
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await tokens.getToken()).toBe('token-3');
    expect(tokens.tokenRequests).toBe(3);
  });

  test('an expired token is never handed out', async () => {
    let now = 0;
    const tokens = client({ now: () => now });
    await tokens.getToken();
    now = 3_600_000;
    expect(await tokens.getToken()).toBe('token-2');
  });

  test('single flight: 1,000 concurrent callers cause one token request', async () => {
    endpoint.replies = [{ ...ScriptedTokenEndpoint.ok(), delayMs: 50 }];
    const tokens = client();
    const results = await Promise.all(Array.from({ length: 1000 }, () => tokens.getToken()));
    expect(new Set(results)).toEqual(new Set(['token-1']));
    expect(endpoint.requests).toHaveLength(1);
  });

  test('retries 503 and 429 with Retry-After, then succeeds', async () => {
    const delays: number[] = [];
    endpoint.replies = [{ status: 503 }, { status: 429, headers: { 'retry-after': '2' } }, ScriptedTokenEndpoint.ok()];
    const tokens = client({ sleep: async (ms) => void delays.push(ms), random: () => 0.5 });
    expect(await tokens.getToken()).toBe('token-1');
    expect(delays).toEqual([100, 2000]);
    expect(tokens.tokenRequests).toBe(3);
  });

  test('retries a network error and a timeout', async () => {
    endpoint.replies = [{ ...ScriptedTokenEndpoint.ok(), delayMs: 500 }, ScriptedTokenEndpoint.ok()];
    expect(await client({ timeoutMs: 100 }).getToken()).toBe('token-2');
    await endpoint.stop();
    const error = await rejection(client({ retry: { maxAttempts: 2 } }).getToken());
    expect(error).toBeInstanceOf(TokenEndpointUnavailableError);
    expect(error.message).toBe('token endpoint unavailable after 2 attempts');
    expect((error as TokenEndpointUnavailableError).code).toBe('OAUTH_ENDPOINT_UNAVAILABLE');
  });

  test.each([
    ['invalid_client', 401],
    ['invalid_scope', 400],
    ['unauthorized_client', 400],
    ['unsupported_grant_type', 400],
  ])('fails at once on %s, with the RFC 6749 code and no secret', async (oauthError, status) => {
    endpoint.replies = [{ status, body: { error: oauthError } }];
    const error = await rejection(client().getToken());
    expect(error).toBeInstanceOf(TokenEndpointError);
    expect(error).toMatchObject({ oauthError, status, code: `OAUTH_${oauthError.toUpperCase()}` });
    expect(endpoint.requests).toHaveLength(1);
    expect(JSON.stringify({ ...error, message: error.message, stack: error.stack })).not.toContain(SECRET);
  });

  test('gives up when Retry-After is longer than allowed', async () => {
    endpoint.replies = [{ status: 429, headers: { 'retry-after': '3600' } }];
    expect(await rejection(client().getToken())).toBeInstanceOf(TokenEndpointUnavailableError);
    expect(endpoint.requests).toHaveLength(1);
  });

  test.each([
    ['no access_token', { token_type: 'Bearer', expires_in: 3600, access_token: '' }, 'access_token must be a non-empty string'],
    ['another token type', { access_token: 'x', token_type: 'mac', expires_in: 3600 }, 'token_type must be Bearer'],
    ['expires_in not positive', { access_token: 'x', token_type: 'Bearer', expires_in: 0 }, 'expires_in must be a positive number'],
    ['expires_in not a number', { access_token: 'x', token_type: 'Bearer', expires_in: 'an hour' }, 'expires_in must be a positive number'],
    ['not JSON', 'oops', 'body is not JSON'],
    ['a JSON array', [], 'access_token must be a non-empty string'],
  ])('fails when the response has %s', async (_what, body, message) => {
    endpoint.replies = [{ status: 200, body: typeof body === 'string' ? body : body }];
    const error = await rejection(client().getToken());
    expect(error).toBeInstanceOf(InvalidTokenResponseError);
    expect(error.message).toBe(`invalid token response: ${message}`);
  });

  test('fetch adds the bearer token and retries once with a fresh token on 401', async () => {
    const seen: string[] = [];
    const api = async (_input: string | URL | Request, init?: RequestInit) => {
      seen.push(new Headers(init?.headers).get('authorization')!);
      return new Response(null, { status: seen.length === 1 ? 401 : 200 });
    };
    const tokens = new TokenClient({ credentials: { clientId: 'c', clientSecret: SECRET, tokenEndpoint: endpoint.url }, fetch: ((input: string | URL | Request, init?: RequestInit) => (String(input).endsWith('/oauth2/token') ? fetch(input, init) : api(input, init))) as typeof fetch });
    const response = await tokens.fetch('https://api.example.com/orders', { method: 'POST', body: '{}' });
    expect(response.status).toBe(200);
    expect(seen).toEqual(['Bearer token-1', 'Bearer token-2']);
  });

  test('fails when the credentials are incomplete or the endpoint is not https', async () => {
    expect(await rejection(new TokenClient({ credentials: { clientId: '', clientSecret: 'x', tokenEndpoint: 'https://a/oauth2/token' } }).getToken())).toEqual(
      new TokenClientConfigError('credentials.clientId must be a non-empty string'),
    );
    const error = await rejection(new TokenClient({ credentials: { clientId: 'a', clientSecret: SECRET, tokenEndpoint: 'http://auth.example.com/oauth2/token' } }).getToken());
    expect(error.message).toBe('credentials.tokenEndpoint must use https (http only for loopback); received http://auth.example.com');
  });
});

describe('credentials', () => {
  test('from the environment', () => {
    expect(credentialsFromEnvironment({ M2M_CLIENT_ID: 'a', M2M_CLIENT_SECRET: 'b', M2M_TOKEN_ENDPOINT: 'https://x/oauth2/token', M2M_SCOPES: 'api/read api/write' })).toEqual({
      clientId: 'a',
      clientSecret: 'b',
      tokenEndpoint: 'https://x/oauth2/token',
      scopes: ['api/read', 'api/write'],
    });
    expect(() => credentialsFromEnvironment({ M2M_CLIENT_ID: 'a' })).toThrow('Environment variable M2M_CLIENT_SECRET is required');
  });

  describe('from the Secrets Manager secret the stack writes (aws-sdk-client-mock)', () => {
    const secrets = mockClient(SecretsManagerClient);
    afterEach(() => secrets.reset());
    afterAll(() => secrets.restore());

    test('reads it once, on the first token request', async () => {
      secrets.on(GetSecretValueCommand, { SecretId: 'arn:secret' }).resolves({
        SecretString: JSON.stringify({ client_id: 'client-9', client_secret: SECRET, token_endpoint: endpoint.url, scopes: ['api/read'] }),
      });
      const tokens = new TokenClient({ credentials: credentialsFromSecretsManager('arn:secret') });
      expect(await tokens.getToken()).toBe('token-1');
      expect(await tokens.getToken(['api/write'])).toBe('token-2');
      expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
      expect(endpoint.requests[0].body.get('scope')).toBe('api/read');
    });

    describe('re-read on invalid_client (a rotated secret)', () => {
      const OLD = 'old-s3cr3t+/=&';
      const NEW = 'new-s3cr3t+/=&';
      let auth: SecretCheckingEndpoint;
      /** What the secret holds now. */
      let stored: string;
      let secretReadDelayMs: number;
      beforeEach(async () => {
        auth = await new SecretCheckingEndpoint().start();
        auth.valid = new Set([OLD]);
        stored = OLD;
        secretReadDelayMs = 0;
        secrets.on(GetSecretValueCommand, { SecretId: 'arn:secret' }).callsFake(async () => {
          await new Promise((resolve) => setTimeout(resolve, secretReadDelayMs));
          return { SecretString: JSON.stringify({ client_id: 'client-9', client_secret: stored, token_endpoint: auth.url, scopes: ['api/read'] }) };
        });
      });
      afterEach(() => auth.stop());
      const reads = () => secrets.commandCalls(GetSecretValueCommand).length;
      const loaderClient = (options: Partial<TokenClientOptions> = {}) => new TokenClient({ credentials: credentialsFromSecretsManager('arn:secret'), sleep: async () => undefined, ...options });
      /** Rotates the secret, and the next rotation retires the old one in Cognito. */
      const rotate = () => {
        stored = NEW;
        auth.valid = new Set([NEW]);
      };

      test('a rotation between two calls keeps the caller working: the second call re-reads and succeeds', async () => {
        let now = 1_000_000;
        const tokens = loaderClient({ now: () => now });
        const results = [await tokens.getToken()];
        rotate();
        now += 3_600_000; // the token expired: the next call needs a new one
        results.push(await tokens.getToken());
        results.push(await tokens.getToken(['api/write']));
        expect(results).toEqual(['token-1', 'token-2', 'token-3']);
        expect(auth.requests).toEqual([
          { secret: OLD, status: 200 },
          { secret: OLD, status: 401 },
          { secret: NEW, status: 200 },
          { secret: NEW, status: 200 },
        ]);
        expect(reads()).toBe(2);
        expect(tokens.credentialsRereads).toBe(1);
      });

      test('the same credentials after the re-read: invalid_client as before, no second token request, no secret in the error', async () => {
        const tokens = loaderClient();
        auth.valid = new Set(); // the secret was revoked but Secrets Manager still holds it
        const error = await rejection(tokens.getToken());
        expect(error).toBeInstanceOf(TokenEndpointError);
        expect(error).toMatchObject({ oauthError: 'invalid_client', status: 401, code: 'OAUTH_INVALID_CLIENT' });
        expect(auth.requests).toHaveLength(1);
        expect(reads()).toBe(2);
        expect(JSON.stringify({ ...error, message: error.message, stack: error.stack })).not.toContain('s3cr3t');
      });

      test('a retry with the re-read credentials that also fails surfaces its invalid_client', async () => {
        const tokens = loaderClient();
        await tokens.getToken();
        stored = NEW;
        auth.valid = new Set(['a-third-secret']);
        tokens.invalidate();
        expect(await rejection(tokens.getToken())).toMatchObject({ oauthError: 'invalid_client', status: 401 });
        expect(auth.requests).toEqual([
          { secret: OLD, status: 200 },
          { secret: OLD, status: 401 },
          { secret: NEW, status: 401 },
        ]);
        expect(tokens.credentialsRereads).toBe(1);
      });

      test('an unreadable secret on the re-read surfaces the invalid_client', async () => {
        const tokens = loaderClient();
        await tokens.getToken();
        auth.valid = new Set();
        tokens.invalidate();
        secrets.on(GetSecretValueCommand).rejects(new Error('AccessDenied'));
        expect(await rejection(tokens.getToken())).toMatchObject({ oauthError: 'invalid_client' });
        expect(tokens.credentialsRereads).toBe(1);
      });

      test('rate limit: at most one re-read per 30 s (configurable) across requests', async () => {
        let now = 1_000_000;
        const tokens = loaderClient({ now: () => now });
        auth.valid = new Set();
        for (let i = 0; i < 5; i++) expect(await rejection(tokens.getToken())).toMatchObject({ oauthError: 'invalid_client' });
        expect(reads()).toBe(2); // the first load and one re-read
        now += 29_999;
        await rejection(tokens.getToken());
        expect(reads()).toBe(2);
        now += 1;
        await rejection(tokens.getToken());
        expect(reads()).toBe(3);
        expect(tokens.credentialsRereads).toBe(2);
        expect(auth.requests).toHaveLength(7); // one token request per call: same credentials, no retry

        const every5s = loaderClient({ now: () => now, credentialsRereadIntervalSeconds: 5 });
        await rejection(every5s.getToken());
        await rejection(every5s.getToken());
        now += 5_000;
        await rejection(every5s.getToken());
        expect(every5s.credentialsRereads).toBe(2);
        expect(() => loaderClient({ credentialsRereadIntervalSeconds: -1 })).toThrow(TokenClientConfigError);
      });

      test('concurrent callers on several scope sets cause one re-read, and all succeed', async () => {
        let now = 1_000_000;
        const tokens = loaderClient({ now: () => now });
        await tokens.getToken();
        rotate();
        now += 3_600_000;
        auth.delayMs = 20;
        secretReadDelayMs = 30;
        const scopeSets = [['api/read'], ['api/write'], ['api/read', 'api/write']];
        const results = await Promise.allSettled(Array.from({ length: 300 }, (_, i) => tokens.getToken(scopeSets[i % 3])));
        expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
        expect(reads()).toBe(2);
        expect(tokens.credentialsRereads).toBe(1);
        // per scope set: one refused request with OLD and one retry with NEW
        expect(auth.requests.slice(1).map((r) => `${r.secret} ${r.status}`).sort()).toEqual([...Array(3).fill(`${NEW} 200`), ...Array(3).fill(`${OLD} 401`)]);
      });

      test('static credentials: nothing to re-read, invalid_client as before', async () => {
        const tokens = new TokenClient({ credentials: { clientId: 'client-9', clientSecret: OLD, tokenEndpoint: auth.url }, sleep: async () => undefined });
        auth.valid = new Set();
        expect(await rejection(tokens.getToken())).toMatchObject({ oauthError: 'invalid_client' });
        expect(tokens.credentialsRereads).toBe(0);
        expect(auth.requests).toHaveLength(1);
      });
    });

    test('fails when the secret is unreadable or incomplete, without its value in the error', async () => {
      secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ client_id: 'a', client_secret: SECRET }) });
      const error = await rejection(credentialsFromSecretsManager('arn:secret')());
      expect(error.message).toBe('secret arn:secret: token_endpoint must be a non-empty string');
      expect(error.message).not.toContain(SECRET);
      secrets.on(GetSecretValueCommand).rejects(new Error('AccessDenied'));
      expect((await rejection(credentialsFromSecretsManager('arn:secret')())).message).toBe('cannot read secret arn:secret');
    });
  });
});

/**
 * A real HTTP token endpoint on 127.0.0.1 that, like Cognito, accepts only the client secrets in
 * `valid` (client_secret_basic) and answers `invalid_client` to any other.
 */
class SecretCheckingEndpoint {
  valid = new Set<string>();
  delayMs = 0;
  readonly requests: Array<{ secret: string; status: number }> = [];
  private server?: http.Server;
  private port = 0;
  private issued = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}/oauth2/token`;
  }

  async start(): Promise<this> {
    this.server = http.createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        const decoded = Buffer.from((request.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString();
        const secret = decodeURIComponent(decoded.slice(decoded.indexOf(':') + 1));
        const ok = this.valid.has(secret);
        this.requests.push({ secret, status: ok ? 200 : 401 });
        const body = ok ? { access_token: `token-${++this.issued}`, token_type: 'Bearer', expires_in: 3600 } : { error: 'invalid_client' };
        setTimeout(() => {
          response.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
          response.end(JSON.stringify(body));
        }, this.delayMs);
      });
    });
    this.port = await listenOnLoopback(this.server);
    return this;
  }

  stop(): Promise<void> {
    return closeServer(this.server);
  }
}
