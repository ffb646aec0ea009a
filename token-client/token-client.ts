import { InvalidTokenResponseError, TokenClientConfigError, TokenEndpointError, TokenEndpointUnavailableError } from './errors';

/** A calling service's OAuth client credentials: what the stack's Secrets Manager secret holds. */
export interface ClientCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
  /** `https://<domain>/oauth2/token` */
  readonly tokenEndpoint: string;
  /** The scopes to ask for when `getToken()` is called without any; none means all the client's scopes. */
  readonly scopes?: readonly string[];
}

export interface RetryOptions {
  /** @default 4 */
  readonly maxAttempts?: number;
  /** First back-off step; doubles each attempt, with full jitter. @default 200 */
  readonly baseDelayMs?: number;
  /** @default 5000 */
  readonly maxDelayMs?: number;
  /** A `Retry-After` longer than this is not waited for: the request fails instead. @default 30000 */
  readonly maxRetryAfterMs?: number;
}

export interface TokenClientOptions {
  /**
   * The credentials, or a function that loads them (e.g. {@link credentialsFromSecretsManager}): called
   * once, on the first token request, and again when the token endpoint answers `invalid_client`
   * (a rotated secret), at most once per `credentialsRereadIntervalSeconds`.
   */
  readonly credentials: ClientCredentials | (() => Promise<ClientCredentials>);
  /**
   * When the token endpoint answers `invalid_client`, the credentials loader is called again (one
   * call shared by all concurrent callers) and the request retried once if the credentials changed;
   * not more often than this. Static credentials are never re-read. @default 30
   */
  readonly credentialsRereadIntervalSeconds?: number;
  /** How the client authenticates to the token endpoint. @default 'client_secret_basic' */
  readonly authMethod?: 'client_secret_basic' | 'client_secret_post';
  /** Refresh in the background when a token has less than this left. @default 60 */
  readonly refreshAheadSeconds?: number;
  /** Per attempt. @default 5000 */
  readonly timeoutMs?: number;
  readonly retry?: RetryOptions;
  /** Called before each retry (for your logs); never receives a secret or a token. */
  readonly onRetry?: (event: { attempt: number; delayMs: number; reason: string }) => void;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** Milliseconds since the epoch. @default Date.now */
  readonly now?: () => number;
  /** @default setTimeout-based */
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default Math.random */
  readonly random?: () => number;
}

interface CachedToken {
  readonly accessToken: string;
  /** A token is never handed out at or after this instant (its expiry, less a safety margin). */
  readonly usableUntilMs: number;
  readonly refreshAtMs: number;
}

/** A token is treated as expired this long before its real expiry (clock skew, request time). */
const EXPIRY_MARGIN_MS = 10_000;
const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);

/**
 * Gets and caches OAuth 2.0 client-credentials tokens for one client, and calls APIs with them.
 *
 * - one cache entry per scope set; a token is reused until shortly before it expires (Cognito bills
 *   every token request);
 * - single flight: any number of concurrent callers cause one token request;
 * - a token is refreshed in the background `refreshAheadSeconds` before expiry, without blocking callers;
 * - 5xx, 429 (honouring `Retry-After`) and network errors are retried with exponential back-off and
 *   full jitter; `invalid_client`, `invalid_scope` and the other RFC 6749 errors are not;
 * - on `invalid_client` (a rotated secret) a credentials loader is called again, once for all concurrent
 *   callers and at most every `credentialsRereadIntervalSeconds`, and the request is sent once more only
 *   if the credentials changed;
 * - every field of the token response is checked; secrets and tokens never appear in errors.
 *
 * @example
 * const client = new TokenClient({ credentials: credentialsFromEnvironment() });
 * const response = await client.fetch('https://api.example.com/dev/orders');
 */
export class TokenClient {
  /** Token requests sent so far (each retry counts): what Cognito bills. */
  tokenRequests = 0;
  /** Times the credentials loader was called again after `invalid_client`. */
  credentialsRereads = 0;
  private credentialsValue?: Promise<ClientCredentials>;
  /** The last credentials loaded, once loaded. */
  private latestCredentials?: ClientCredentials;
  private rereading?: Promise<ClientCredentials>;
  private lastRereadAtMs?: number;
  private readonly cache = new Map<string, CachedToken>();
  private readonly inflight = new Map<string, Promise<CachedToken>>();
  private readonly fetchImpl: typeof fetch;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly retry: Required<RetryOptions>;

  constructor(private readonly options: TokenClientOptions) {
    this.fetchImpl = options.fetch ?? globalThis.fetch;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
    this.retry = { maxAttempts: 4, baseDelayMs: 200, maxDelayMs: 5_000, maxRetryAfterMs: 30_000, ...options.retry };
    if (!Number.isInteger(this.retry.maxAttempts) || this.retry.maxAttempts < 1) {
      throw new TokenClientConfigError(`retry.maxAttempts must be a whole number >= 1; received ${this.retry.maxAttempts}`);
    }
    if (options.refreshAheadSeconds !== undefined && !(options.refreshAheadSeconds >= 0)) {
      throw new TokenClientConfigError(`refreshAheadSeconds must be >= 0; received ${options.refreshAheadSeconds}`);
    }
    if (options.credentialsRereadIntervalSeconds !== undefined && !(options.credentialsRereadIntervalSeconds >= 0)) {
      throw new TokenClientConfigError(`credentialsRereadIntervalSeconds must be >= 0; received ${options.credentialsRereadIntervalSeconds}`);
    }
  }

  /**
   * An access token for `scopes` (default: the credentials' scopes), from the cache when it has one
   * that is not about to expire.
   */
  async getToken(scopes?: readonly string[]): Promise<string> {
    const credentials = await this.credentials();
    const requested = [...(scopes ?? credentials.scopes ?? [])].sort();
    const key = cacheKey(credentials, requested);
    const cached = this.cache.get(key);
    const now = this.now();
    if (cached && now < cached.usableUntilMs) {
      if (now >= cached.refreshAtMs) void this.request(key, credentials, requested).catch(() => undefined);
      return cached.accessToken;
    }
    return (await this.request(key, credentials, requested)).accessToken;
  }

  /** Forgets a cached token (e.g. after the API answered 401 with it). */
  invalidate(accessToken?: string): void {
    for (const [key, cached] of this.cache) if (accessToken === undefined || cached.accessToken === accessToken) this.cache.delete(key);
  }

  /**
   * `fetch` with `Authorization: Bearer <token>`. On a 401 it gets a fresh token and tries once more
   * (the body must be re-sendable: a string, a Buffer, URLSearchParams...).
   */
  async fetch(input: string | URL, init: RequestInit = {}, scopes?: readonly string[]): Promise<Response> {
    const token = await this.getToken(scopes);
    const response = await this.fetchImpl(input, withBearer(init, token));
    if (response.status !== 401) return response;
    await response.body?.cancel();
    this.invalidate(token);
    return this.fetchImpl(input, withBearer(init, await this.getToken(scopes)));
  }

  private credentials(): Promise<ClientCredentials> {
    if (!this.credentialsValue) {
      const source = this.options.credentials;
      this.credentialsValue = (typeof source === 'function' ? source() : Promise.resolve(source)).then(checkCredentials).then((loaded) => (this.latestCredentials = loaded));
      this.credentialsValue.catch(() => (this.credentialsValue = undefined));
    }
    return this.credentialsValue;
  }

  /**
   * Re-reads the credentials after `invalid_client` with `stale`: the new credentials, or undefined when
   * there is nothing to re-read (static credentials), the re-read is rate-limited or fails, or the
   * credentials did not change. One re-read at a time, shared by all callers.
   */
  private async rereadCredentials(stale: ClientCredentials): Promise<ClientCredentials | undefined> {
    const source = this.options.credentials;
    if (typeof source !== 'function') return undefined;
    // Another caller may already have re-read them since `stale` was handed out.
    if (this.latestCredentials && !sameCredentials(this.latestCredentials, stale)) return this.latestCredentials;
    let rereading = this.rereading;
    if (!rereading) {
      const now = this.now();
      const intervalMs = (this.options.credentialsRereadIntervalSeconds ?? 30) * 1000;
      if (this.lastRereadAtMs !== undefined && now - this.lastRereadAtMs < intervalMs) return undefined;
      this.lastRereadAtMs = now;
      this.credentialsRereads++;
      rereading = Promise.resolve()
        .then(source)
        .then(checkCredentials)
        .then((fresh) => {
          this.latestCredentials = fresh;
          this.credentialsValue = Promise.resolve(fresh);
          return fresh;
        })
        .finally(() => (this.rereading = undefined));
      this.rereading = rereading;
    }
    // A failed re-read leaves the current credentials in place and surfaces the invalid_client.
    const fresh = await rereading.catch(() => undefined);
    return fresh && !sameCredentials(fresh, stale) ? fresh : undefined;
  }

  /**
   * One token request per key at a time: concurrent callers share it. On `invalid_client` it
   * re-reads the credentials and, if they changed, tries once more with them.
   */
  private request(key: string, credentials: ClientCredentials, scopes: readonly string[]): Promise<CachedToken> {
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = this.requestWithRetries(credentials, scopes)
        .then(
          (token) => ({ token, used: credentials }),
          async (error: unknown) => {
            const fresh = error instanceof TokenEndpointError && error.oauthError === 'invalid_client' ? await this.rereadCredentials(credentials) : undefined;
            if (!fresh) throw error;
            return { token: await this.requestWithRetries(fresh, scopes), used: fresh };
          },
        )
        .then(({ token, used }) => {
          this.cache.set(cacheKey(used, scopes), token);
          return token;
        })
        .finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return pending;
  }

  private async requestWithRetries(credentials: ClientCredentials, scopes: readonly string[]): Promise<CachedToken> {
    let lastError: unknown;
    for (let attempt = 1; attempt <= this.retry.maxAttempts; attempt++) {
      let retryAfterMs: number | undefined;
      try {
        this.tokenRequests++;
        const response = await this.fetchImpl(credentials.tokenEndpoint, this.tokenRequest(credentials, scopes));
        if (response.ok) return await this.parse(response);
        if (!RETRYABLE_STATUS.has(response.status)) throw await endpointError(response);
        retryAfterMs = retryAfter(response.headers.get('retry-after'), this.now());
        await response.body?.cancel();
        lastError = new Error(`HTTP ${response.status}`);
      } catch (error) {
        if (error instanceof TokenEndpointError || error instanceof InvalidTokenResponseError) throw error;
        lastError = error;
      }
      if (attempt === this.retry.maxAttempts) break;
      if (retryAfterMs !== undefined && retryAfterMs > this.retry.maxRetryAfterMs) break;
      const backoff = this.random() * Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
      const delayMs = Math.round(retryAfterMs ?? backoff);
      this.options.onRetry?.({ attempt, delayMs, reason: lastError instanceof Error ? lastError.message : String(lastError) });
      await this.sleep(delayMs);
    }
    throw new TokenEndpointUnavailableError(this.retry.maxAttempts, { cause: lastError });
  }

  private tokenRequest(credentials: ClientCredentials, scopes: readonly string[]): RequestInit {
    const body = new URLSearchParams({ grant_type: 'client_credentials' });
    if (scopes.length > 0) body.set('scope', scopes.join(' '));
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    if ((this.options.authMethod ?? 'client_secret_basic') === 'client_secret_basic') {
      // RFC 6749 2.3.1: form-encode both parts before joining them.
      const pair = `${encodeURIComponent(credentials.clientId)}:${encodeURIComponent(credentials.clientSecret)}`;
      headers.authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
    } else {
      body.set('client_id', credentials.clientId);
      body.set('client_secret', credentials.clientSecret);
    }
    return { method: 'POST', headers, body: body.toString(), signal: AbortSignal.timeout(this.options.timeoutMs ?? 5_000) };
  }

  /** Checks every field before use. */
  private async parse(response: Response): Promise<CachedToken> {
    let json: unknown;
    try {
      json = await response.json();
    } catch (cause) {
      throw new InvalidTokenResponseError('body is not JSON', { cause });
    }
    if (typeof json !== 'object' || json === null) throw new InvalidTokenResponseError('body is not a JSON object');
    const { access_token: accessToken, token_type: tokenType, expires_in: expiresIn } = json as Record<string, unknown>;
    if (typeof accessToken !== 'string' || accessToken === '') throw new InvalidTokenResponseError('access_token must be a non-empty string');
    if (typeof tokenType !== 'string' || tokenType.toLowerCase() !== 'bearer') throw new InvalidTokenResponseError('token_type must be Bearer');
    if (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn) || expiresIn <= 0) throw new InvalidTokenResponseError('expires_in must be a positive number');
    const receivedAt = this.now();
    const expiresAt = receivedAt + expiresIn * 1000;
    const usableUntilMs = Math.max(receivedAt, expiresAt - EXPIRY_MARGIN_MS);
    const refreshAhead = (this.options.refreshAheadSeconds ?? 60) * 1000;
    return { accessToken, usableUntilMs, refreshAtMs: Math.max(receivedAt, usableUntilMs - refreshAhead) };
  }
}

function cacheKey(credentials: ClientCredentials, scopes: readonly string[]): string {
  return `${credentials.clientId} ${scopes.join(' ')}`;
}

function sameCredentials(a: ClientCredentials, b: ClientCredentials): boolean {
  return a.clientId === b.clientId && a.clientSecret === b.clientSecret && a.tokenEndpoint === b.tokenEndpoint;
}

function withBearer(init: RequestInit, token: string): RequestInit {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${token}`);
  return { ...init, headers };
}

/** The RFC 6749 5.2 error of a refused request, or `http_<status>` when the body has none. */
async function endpointError(response: Response): Promise<TokenEndpointError> {
  let body: Record<string, unknown> = {};
  try {
    body = (await response.json()) as Record<string, unknown>;
  } catch {
    // Not JSON: the status says enough.
  }
  const error = typeof body.error === 'string' && /^[\x20-\x21\x23-\x5B\x5D-\x7E]{1,64}$/.test(body.error) ? body.error : `http_${response.status}`;
  const description = typeof body.error_description === 'string' ? body.error_description.slice(0, 200) : undefined;
  return new TokenEndpointError(error, response.status, description);
}

/** `Retry-After` in ms: delay-seconds or an HTTP date. */
function retryAfter(header: string | null, nowMs: number): number | undefined {
  if (header === null) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

function checkCredentials(credentials: ClientCredentials): ClientCredentials {
  const fields: Array<keyof ClientCredentials> = ['clientId', 'clientSecret', 'tokenEndpoint'];
  for (const field of fields) {
    if (typeof credentials[field] !== 'string' || credentials[field] === '') throw new TokenClientConfigError(`credentials.${field} must be a non-empty string`);
  }
  let url: URL;
  try {
    url = new URL(credentials.tokenEndpoint);
  } catch (cause) {
    throw new TokenClientConfigError('credentials.tokenEndpoint must be a URL', { cause });
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new TokenClientConfigError(`credentials.tokenEndpoint must use https (http only for loopback); received ${url.protocol}//${url.host}`);
  }
  return credentials;
}
