import { ClientTokenApi } from './client-token-api';
import { InvalidTokenResponseError, TokenClientConfigError, TokenEndpointError, TokenEndpointUnavailableError } from './errors';
import { checkCredentials, checkEndpointUrl, TOKEN_PATHS, tokenPathOf, type ClientCredentials, type RetryOptions, type TokenClientOptions, type TokenPath } from './options';
import { endpointError, isRedirect, parseTokenResponse, readBody, redirectError, RetryableAttemptError, retryAfterMs } from './token-response';

export type { ClientCredentials, RetryOptions, TokenClientOptions, TokenPath };

/** Instants are readings of the client's monotonic clock (`now`). */
interface CachedToken {
  readonly accessToken: string;
  /** A token is never handed out at or after this instant (its expiry, less a safety margin). */
  readonly usableUntilMs: number;
  readonly refreshAtMs: number;
}

/** Per cache key: the API refused a token fetched to replace a refused one. */
interface ApiRefusal {
  /** The refused replacement. */
  readonly token: string;
  /** Replacements refused in a row. */
  readonly streak: number;
  /** Until this instant a 401 returns to the caller without a token request. */
  readonly quietUntilMs: number;
}

/** A token is treated as expired this long before its real expiry (request time, rounding). */
const EXPIRY_MARGIN_MS = 10_000;

/**
 * How a token's lifetime is used: it is refreshed `refreshAheadSeconds` (default) before it is no longer
 * usable, which is `expiryMarginSeconds` before it expires. The cost estimate reads these to count
 * token requests.
 */
export const TOKEN_REUSE = { refreshAheadSeconds: 60, expiryMarginSeconds: EXPIRY_MARGIN_MS / 1000 } as const;
const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);
/** After the API refuses a fresh token, no new one is fetched on a 401 for this long; doubled per refusal in a row. */
const API_REFUSAL_BACKOFF_FIRST_MS = 5_000;
const API_REFUSAL_BACKOFF_MAX_MS = 300_000;

/**
 * Gets and caches OAuth 2.0 client-credentials tokens for one client, and calls APIs with them. The
 * tokens come from the token endpoint (`tokenPath` `oauth2`) or from Cognito's GetClientToken (`api`,
 * through `@aws-sdk/client-cognito-identity-provider`); everything below holds for both.
 *
 * - one cache entry per scope set; a token is reused until shortly before it expires (Cognito bills
 *   every token request);
 * - single flight: any number of concurrent callers cause one token request;
 * - a token is refreshed in the background `refreshAheadSeconds` before expiry, without blocking callers;
 *   lifetimes run on a monotonic clock from the moment the token response arrived;
 * - 5xx, 429 (honouring `Retry-After`), network errors, timeouts and connections that drop or stall
 *   mid-body are retried with exponential back-off and full jitter; `invalid_client`, `invalid_scope` and
 *   the other RFC 6749 errors are not, and neither is a redirect: redirects are never followed;
 * - on `invalid_client` (a rotated secret) a credentials loader is called again, once for all concurrent
 *   callers and at most every `credentialsRereadIntervalSeconds`, and the request is sent once more only
 *   if the credentials changed;
 * - every field of the token response is checked; secrets and tokens never appear in errors.
 *
 * @example
 * const client = new TokenClient({ credentials: credentialsFromEnvironment() });
 * const response = await client.fetch('https://api.example.com/dev/orders');
 * const viaApi = new TokenClient({ credentials: credentialsFromSecretsManager(secretArn), tokenPath: 'api' });
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
  private readonly apiRefusals = new Map<string, ApiRefusal>();
  private readonly fetchImpl: typeof fetch;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly retry: Required<RetryOptions>;
  private readonly clientTokenApi: ClientTokenApi;

  constructor(private readonly options: TokenClientOptions) {
    this.fetchImpl = options.fetch ?? globalThis.fetch;
    this.now = options.now ?? (() => performance.now());
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
    if (options.tokenPath !== undefined && !TOKEN_PATHS.includes(options.tokenPath)) {
      throw new TokenClientConfigError(`tokenPath must be "oauth2" or "api"; received ${JSON.stringify(options.tokenPath)}`);
    }
    if (options.cognitoClient !== undefined && typeof options.cognitoClient?.send !== 'function') {
      throw new TokenClientConfigError('cognitoClient must have a send() method, as the AWS SDK client has');
    }
    if (options.cognitoEndpoint !== undefined) {
      if (options.cognitoClient !== undefined) throw new TokenClientConfigError('cognitoEndpoint applies to the Cognito client the TokenClient creates: with cognitoClient, set the endpoint on that client');
      checkEndpointUrl('cognitoEndpoint', options.cognitoEndpoint);
    }
    const timeoutMs = options.timeoutMs ?? 5_000;
    this.clientTokenApi = new ClientTokenApi({ cognitoClient: options.cognitoClient, endpoint: options.cognitoEndpoint, timeoutMs });
  }

  /**
   * An access token for `scopes` (default: the credentials' scopes), from the cache when it has one
   * that is not about to expire.
   */
  async getToken(scopes?: readonly string[]): Promise<string> {
    return (await this.token(scopes)).accessToken;
  }

  /** Forgets a cached token (e.g. after the API answered 401 with it). */
  invalidate(accessToken?: string): void {
    for (const [key, cached] of this.cache) if (accessToken === undefined || cached.accessToken === accessToken) this.cache.delete(key);
  }

  /**
   * `fetch` with `Authorization: Bearer <token>`. On a 401 it gets a fresh token and tries once more
   * (the body must be re-sendable: a string, a Buffer, URLSearchParams...). If the API refuses the fresh
   * token too, the 401 goes back to the caller and, for this scope set, no 401 causes a token request for
   * 5 s, then 10 s, 20 s... up to 5 minutes, until the API accepts a fresh token again.
   */
  async fetch(input: string | URL, init: RequestInit = {}, scopes?: readonly string[]): Promise<Response> {
    const { key, accessToken } = await this.token(scopes);
    const response = await this.fetchImpl(input, withBearer(init, accessToken));
    if (response.status !== 401) return response;
    const refusal = this.apiRefusals.get(key);
    if (refusal && this.now() < refusal.quietUntilMs) return response;
    await response.body?.cancel();
    // Removes only the refused token: concurrent callers refused with it share one replacement.
    this.invalidate(accessToken);
    const fresh = await this.getToken(scopes);
    const retried = await this.fetchImpl(input, withBearer(init, fresh));
    if (retried.status !== 401) {
      this.apiRefusals.delete(key);
    } else if (this.apiRefusals.get(key)?.token !== fresh) {
      const streak = (refusal?.streak ?? 0) + 1;
      const backoffMs = Math.min(API_REFUSAL_BACKOFF_MAX_MS, API_REFUSAL_BACKOFF_FIRST_MS * 2 ** (streak - 1));
      this.apiRefusals.set(key, { token: fresh, streak, quietUntilMs: this.now() + backoffMs });
    }
    return retried;
  }

  /** A usable token for `scopes` and its cache key, from the cache or a token request. */
  private async token(scopes?: readonly string[]): Promise<{ key: string; accessToken: string }> {
    const credentials = await this.credentials();
    const requested = [...(scopes ?? credentials.scopes ?? [])].sort();
    const key = cacheKey(credentials, requested);
    const cached = this.cache.get(key);
    const now = this.now();
    if (cached && now < cached.usableUntilMs) {
      if (now >= cached.refreshAtMs) void this.request(key, credentials, requested).catch(() => undefined);
      return { key, accessToken: cached.accessToken };
    }
    return { key, accessToken: (await this.request(key, credentials, requested)).accessToken };
  }

  private credentials(): Promise<ClientCredentials> {
    if (!this.credentialsValue) {
      const source = this.options.credentials;
      this.credentialsValue = (typeof source === 'function' ? source() : Promise.resolve(source)).then((loaded) => checkCredentials(loaded, this.options.tokenPath)).then((loaded) => (this.latestCredentials = loaded));
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
        .then((loaded) => checkCredentials(loaded, this.options.tokenPath))
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
    let attempt = 1;
    for (; ; attempt++) {
      try {
        this.tokenRequests++;
        return await this.attempt(credentials, scopes);
      } catch (error) {
        // Refusals, redirects, invalid responses and a missing SDK are final; anything else (a network error, a timeout) may pass.
        if (error instanceof TokenEndpointError || error instanceof InvalidTokenResponseError || error instanceof TokenClientConfigError) throw error;
        lastError = error;
      }
      if (attempt === this.retry.maxAttempts) break;
      const retryAfter = lastError instanceof RetryableAttemptError ? lastError.retryAfterMs : undefined;
      if (retryAfter !== undefined && retryAfter > this.retry.maxRetryAfterMs) {
        throw new TokenEndpointUnavailableError(attempt, { cause: lastError, retryAfterMs: retryAfter, maxRetryAfterMs: this.retry.maxRetryAfterMs });
      }
      const backoff = this.random() * Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
      const delayMs = Math.round(retryAfter ?? backoff);
      this.options.onRetry?.({ attempt, delayMs, reason: lastError instanceof Error ? lastError.message : String(lastError) });
      await this.sleep(delayMs);
    }
    throw new TokenEndpointUnavailableError(attempt, { cause: lastError });
  }

  /** One token request, on the credentials' path. `timeoutMs` runs from sending it to the last byte of the answer. */
  private async attempt(credentials: ClientCredentials, scopes: readonly string[]): Promise<CachedToken> {
    if (tokenPathOf(credentials, this.options.tokenPath) === 'api') {
      const { accessToken, expiresInSeconds } = await this.clientTokenApi.request(credentials, scopes);
      return this.cachedToken(accessToken, expiresInSeconds, this.now());
    }
    const tokenEndpoint = credentials.tokenEndpoint!;
    const timeoutMs = this.options.timeoutMs ?? 5_000;
    const deadline = AbortSignal.timeout(timeoutMs);
    const response = await this.fetchImpl(tokenEndpoint, { ...this.tokenRequest(credentials, scopes), redirect: 'manual', signal: deadline }).catch((cause: unknown) => {
      throw deadline.aborted ? new RetryableAttemptError(`no complete response within timeoutMs (${timeoutMs} ms)`, { cause }) : cause;
    });
    const receivedAt = this.now();
    if (isRedirect(response)) {
      response.body?.cancel().catch(() => undefined);
      throw redirectError(response, tokenEndpoint);
    }
    if (RETRYABLE_STATUS.has(response.status)) {
      response.body?.cancel().catch(() => undefined);
      throw new RetryableAttemptError(`HTTP ${response.status}`, undefined, retryAfterMs(response.headers));
    }
    const body = await readBody(response, deadline, timeoutMs);
    if (!response.ok) throw endpointError(response.status, body);
    const { accessToken, expiresInSeconds } = parseTokenResponse(body);
    return this.cachedToken(accessToken, expiresInSeconds, receivedAt);
  }

  /** A token's cache entry: lifetimes on the monotonic clock from when its answer arrived. */
  private cachedToken(accessToken: string, expiresInSeconds: number, receivedAt: number): CachedToken {
    const expiresAt = receivedAt + expiresInSeconds * 1000;
    const usableUntilMs = Math.max(receivedAt, expiresAt - EXPIRY_MARGIN_MS);
    const refreshAhead = (this.options.refreshAheadSeconds ?? TOKEN_REUSE.refreshAheadSeconds) * 1000;
    return { accessToken, usableUntilMs, refreshAtMs: Math.max(receivedAt, usableUntilMs - refreshAhead) };
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
    return { method: 'POST', headers, body: body.toString() };
  }
}

function cacheKey(credentials: ClientCredentials, scopes: readonly string[]): string {
  return `${credentials.clientId} ${scopes.join(' ')}`;
}

function sameCredentials(a: ClientCredentials, b: ClientCredentials): boolean {
  return a.clientId === b.clientId && a.clientSecret === b.clientSecret && a.tokenEndpoint === b.tokenEndpoint && a.region === b.region;
}

function withBearer(init: RequestInit, token: string): RequestInit {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${token}`);
  return { ...init, headers };
}
