/**
 * What a TokenClient is given: its credentials and options, with their checks. A caller's mistake is a
 * TokenClientConfigError naming the field and the rule, never a value that could be a secret.
 */
import type { CognitoClientLike } from './client-token-api';
import { TokenClientConfigError } from './errors';

/** How a client gets tokens: `oauth2`, the token endpoint (client credentials grant); `api`, Cognito's GetClientToken. */
export type TokenPath = 'oauth2' | 'api';
export const TOKEN_PATHS: readonly TokenPath[] = ['oauth2', 'api'];

/** A calling service's OAuth client credentials: what the stack's Secrets Manager secret holds. */
export interface ClientCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
  /**
   * `https://<domain>/oauth2/token`: needed by the `oauth2` path only.
   * @default - none: the client uses GetClientToken (`api`)
   */
  readonly tokenEndpoint?: string;
  /**
   * The paths this client may use (the secret's `token_paths`); a `tokenPath` outside them is refused.
   * @default - not stated: any
   */
  readonly tokenPaths?: readonly TokenPath[];
  /**
   * The user pool's region (the secret's `region`): where the `api` path calls GetClientToken.
   * @default - the AWS SDK's (AWS_REGION)
   */
  readonly region?: string;
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
  /**
   * A `Retry-After` longer than this is not waited for: the call fails at once with
   * `TokenEndpointUnavailableError` (its `attempts` the requests actually sent, its `retryAfterMs` the wait
   * asked for). @default 30000
   */
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
  /**
   * Where tokens come from: `oauth2`, the token endpoint; `api`, Cognito's GetClientToken through
   * `@aws-sdk/client-cognito-identity-provider` (install it; it is loaded on the first token request).
   * Must be one of the credentials' `tokenPaths` when they state them.
   * @default - 'oauth2' when the credentials have a tokenEndpoint, else 'api'
   */
  readonly tokenPath?: TokenPath;
  /**
   * For the `api` path: the Cognito client to call GetClientToken with, e.g. your
   * `CognitoIdentityProviderClient`; set its `maxAttempts` to 1, the token client retries.
   * @default - a CognitoIdentityProviderClient per region: `{ region: credentials.region, endpoint: cognitoEndpoint, maxAttempts: 1 }`
   */
  readonly cognitoClient?: CognitoClientLike;
  /**
   * For the `api` path: Cognito's endpoint, e.g. the local sandbox's `http://127.0.0.1:8787`; https
   * (http for loopback only). Not with `cognitoClient`: configure that client instead.
   * @default - the SDK's: AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER, else `https://cognito-idp.<region>.amazonaws.com`
   */
  readonly cognitoEndpoint?: string;
  /** How the client authenticates to the token endpoint (`oauth2` path). @default 'client_secret_basic' */
  readonly authMethod?: 'client_secret_basic' | 'client_secret_post';
  /** Refresh in the background when a token has less than this left. @default 60 */
  readonly refreshAheadSeconds?: number;
  /** Per attempt, from sending the request to the last byte of the response body. @default 5000 */
  readonly timeoutMs?: number;
  readonly retry?: RetryOptions;
  /** Called before each retry (for your logs); never receives a secret or a token. */
  readonly onRetry?: (event: { attempt: number; delayMs: number; reason: string }) => void;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /**
   * A monotonic clock in milliseconds: only differences between its readings are used (token lifetimes,
   * re-read and back-off intervals), so it must never step back. Not the wall clock: `Retry-After` dates
   * are measured against the response's `Date` header. @default performance.now
   */
  readonly now?: () => number;
  /** @default setTimeout-based */
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default Math.random */
  readonly random?: () => number;
}

/** The path a token request takes: the option, else `oauth2` when there is a token endpoint, else `api`. */
export function tokenPathOf(credentials: ClientCredentials, option: TokenPath | undefined): TokenPath {
  return option ?? (credentials.tokenEndpoint !== undefined ? 'oauth2' : 'api');
}

/** An endpoint the secret goes to: https, or http on loopback only. */
export function checkEndpointUrl(name: string, value: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch (cause) {
    throw new TokenClientConfigError(`${name} must be a URL`, { cause });
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new TokenClientConfigError(`${name} must use https (http only for loopback); received ${url.protocol}//${url.host}`);
  }
}

/** The credentials, checked for the path they will be used on. */
export function checkCredentials(credentials: ClientCredentials, tokenPath: TokenPath | undefined): ClientCredentials {
  const fields: Array<'clientId' | 'clientSecret'> = ['clientId', 'clientSecret'];
  for (const field of fields) {
    if (typeof credentials[field] !== 'string' || credentials[field] === '') throw new TokenClientConfigError(`credentials.${field} must be a non-empty string`);
  }
  const paths = credentials.tokenPaths;
  if (paths !== undefined && (!Array.isArray(paths) || paths.length === 0 || paths.some((p) => !TOKEN_PATHS.includes(p)))) {
    throw new TokenClientConfigError('credentials.tokenPaths must be a non-empty list of "oauth2" and "api"');
  }
  if (credentials.region !== undefined && (typeof credentials.region !== 'string' || !/^[a-z0-9-]{1,64}$/.test(credentials.region))) {
    throw new TokenClientConfigError('credentials.region must be an AWS region name such as eu-west-1');
  }
  const path = tokenPathOf(credentials, tokenPath);
  if (paths !== undefined && !paths.includes(path)) {
    const why = tokenPath === undefined ? ` (the default: the credentials have ${path === 'oauth2' ? 'a' : 'no'} tokenEndpoint)` : '';
    throw new TokenClientConfigError(`tokenPath "${path}"${why} is not one of this client's token paths: ${paths.join(', ')}; set tokenPath to one of them`);
  }
  if (credentials.tokenEndpoint !== undefined || path === 'oauth2') {
    if (typeof credentials.tokenEndpoint !== 'string' || credentials.tokenEndpoint === '') {
      throw new TokenClientConfigError(`credentials.tokenEndpoint must be a non-empty string${path === 'oauth2' ? ' (tokenPath "oauth2")' : ''}`);
    }
    checkEndpointUrl('credentials.tokenEndpoint', credentials.tokenEndpoint);
  }
  return credentials;
}
