/**
 * The `api` token path: Cognito's GetClientToken through the AWS SDK for JavaScript v3
 * (`@aws-sdk/client-cognito-identity-provider`, an optional peer dependency loaded on first use, never
 * bundled), with its answers and failures mapped onto the token client's errors so that caching,
 * retries and the credentials re-read work as on the `oauth2` path.
 */
import { InvalidTokenResponseError, TokenClientConfigError, TokenEndpointError } from './errors';
import { DEFAULT_EXPIRES_IN_SECONDS, RetryableAttemptError, type TokenResponse } from './token-response';

/** The package that has GetClientTokenCommand (3.1121.0 and later). */
export const COGNITO_SDK_PACKAGE = '@aws-sdk/client-cognito-identity-provider';

/**
 * The part of a Cognito client this needs: the SDK's `CognitoIdentityProviderClient` fits. Turn its own
 * retries off (`maxAttempts: 1`): the token client's govern.
 */
export interface CognitoClientLike {
  send(command: unknown, options?: { abortSignal?: AbortSignal }): Promise<unknown>;
}

/** What this uses of the SDK module; typed here so that no declaration of this package needs the SDK. */
interface CognitoSdk {
  readonly CognitoIdentityProviderClient: new (config: { region?: string; endpoint?: string; maxAttempts?: number }) => CognitoClientLike;
  readonly GetClientTokenCommand?: new (input: { ClientId: string; Secret: string; Scopes?: string[] }) => unknown;
}

/** What GetClientToken needs of the credentials. */
export interface ClientTokenCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly region?: string;
}

export interface ClientTokenApiOptions {
  /** @default - a CognitoIdentityProviderClient per region, `maxAttempts: 1` */
  readonly cognitoClient?: CognitoClientLike;
  /** @default - the SDK's (AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER, else the regional endpoint) */
  readonly endpoint?: string;
  readonly timeoutMs: number;
}

/**
 * Cognito's exceptions as the token endpoint's RFC 6749 errors, so that callers handle one set:
 * NotAuthorizedException (wrong id or secret, or the client lacks ALLOW_CLIENT_TOKEN_AUTH) is
 * `invalid_client`, which makes a credentials loader re-read a rotated secret. Not retried.
 */
const OAUTH_ERROR_OF: Readonly<Record<string, string>> = {
  NotAuthorizedException: 'invalid_client',
  InvalidParameterException: 'invalid_request',
  ResourceNotFoundException: 'invalid_request',
};
/** Retried, like 429 and 5xx on the token endpoint. */
const RETRYABLE_EXCEPTIONS = new Set(['TooManyRequestsException', 'InternalErrorException']);

/** An SDK failure, as far as it is read here. */
interface SdkFailure {
  readonly name?: unknown;
  readonly message?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: unknown };
}

/**
 * GetClientToken calls for one TokenClient: one SDK client per region, created on the first call.
 *
 * @example
 * const api = new ClientTokenApi({ timeoutMs: 5000, endpoint: 'http://127.0.0.1:8787' });
 * const { accessToken, expiresInSeconds } = await api.request({ clientId, clientSecret, region: 'eu-west-1' }, ['api/read']);
 */
export class ClientTokenApi {
  private sdk?: CognitoSdk;
  private readonly clients = new Map<string, CognitoClientLike>();

  constructor(private readonly options: ClientTokenApiOptions) {}

  /**
   * One GetClientToken call, `timeoutMs` from sending to the parsed answer. Throws
   * {@link RetryableAttemptError} for what another attempt may fix, a {@link TokenEndpointError} for a
   * refusal, {@link InvalidTokenResponseError} for an answer without a usable token and
   * {@link TokenClientConfigError} when the SDK is missing or cannot sign.
   */
  async request(credentials: ClientTokenCredentials, scopes: readonly string[]): Promise<TokenResponse> {
    const sdk = this.loadSdk();
    const client = this.clientFor(sdk, credentials.region);
    const command = new sdk.GetClientTokenCommand!({ ClientId: credentials.clientId, Secret: credentials.clientSecret, ...(scopes.length > 0 ? { Scopes: [...scopes] } : {}) });
    const deadline = AbortSignal.timeout(this.options.timeoutMs);
    let output: unknown;
    try {
      output = await client.send(command, { abortSignal: deadline });
    } catch (error) {
      throw failure(error, deadline.aborted, this.options.timeoutMs, scopes);
    }
    return parseClientTokenOutput(output);
  }

  private loadSdk(): CognitoSdk & { readonly GetClientTokenCommand: NonNullable<CognitoSdk['GetClientTokenCommand']> } {
    if (!this.sdk) {
      let loaded: unknown;
      try {
        // A computed name: bundlers leave it to the runtime, so the SDK is never bundled with this package.
        const name = COGNITO_SDK_PACKAGE;
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        loaded = require(name);
      } catch (cause) {
        throw new TokenClientConfigError(`tokenPath "api" calls Cognito's GetClientToken through ${COGNITO_SDK_PACKAGE}, which cannot be loaded: install it in your service (npm install ${COGNITO_SDK_PACKAGE})`, { cause });
      }
      this.sdk = loaded as CognitoSdk;
    }
    const sdk = this.sdk;
    if (typeof sdk.GetClientTokenCommand !== 'function' || typeof sdk.CognitoIdentityProviderClient !== 'function') {
      throw new TokenClientConfigError(`tokenPath "api": the installed ${COGNITO_SDK_PACKAGE} has no GetClientTokenCommand; it needs 3.1121.0 or later`);
    }
    return sdk as CognitoSdk & { readonly GetClientTokenCommand: NonNullable<CognitoSdk['GetClientTokenCommand']> };
  }

  private clientFor(sdk: CognitoSdk, region: string | undefined): CognitoClientLike {
    if (this.options.cognitoClient) return this.options.cognitoClient;
    const key = region ?? '';
    let client = this.clients.get(key);
    if (!client) {
      client = new sdk.CognitoIdentityProviderClient({
        ...(region !== undefined ? { region } : {}),
        ...(this.options.endpoint !== undefined ? { endpoint: this.options.endpoint } : {}),
        maxAttempts: 1,
      });
      this.clients.set(key, client);
    }
    return client;
  }
}

/** An exception name as the SDK sets it from `__type`: an identifier, or undefined. */
function exceptionName(value: unknown): string | undefined {
  return typeof value === 'string' && /^[A-Za-z][A-Za-z0-9]{0,63}$/.test(value) ? value : undefined;
}

/** What a failed call becomes (see {@link ClientTokenApi.request}); the cause keeps the SDK's error. */
function failure(error: unknown, timedOut: boolean, timeoutMs: number, scopes: readonly string[]): Error {
  if (timedOut) return new RetryableAttemptError(`no complete response within timeoutMs (${timeoutMs} ms)`, { cause: error });
  const sdkError = (typeof error === 'object' && error !== null ? error : {}) as SdkFailure;
  const name = exceptionName(sdkError.name);
  const message = typeof sdkError.message === 'string' ? sdkError.message : '';
  const status = typeof sdkError.$metadata?.httpStatusCode === 'number' ? sdkError.$metadata.httpStatusCode : undefined;
  if (name === 'CredentialsProviderError') {
    return new TokenClientConfigError(
      'tokenPath "api": the AWS SDK signs GetClientToken and found no AWS credentials (Cognito does not evaluate them: any will do), or pass a cognitoClient that has some',
      { cause: error },
    );
  }
  if (status === undefined && /region is missing/i.test(message)) {
    return new TokenClientConfigError('tokenPath "api": the credentials have no region and the AWS SDK found none (AWS_REGION)', { cause: error });
  }
  // No HTTP status: the request got no answer (connection refused or reset, DNS): another attempt may pass.
  if (status === undefined) return new RetryableAttemptError(`GetClientToken failed without an answer${name ? ` (${name})` : ''}`, { cause: error });
  if (status === 429 || status >= 500 || (name !== undefined && RETRYABLE_EXCEPTIONS.has(name))) {
    return new RetryableAttemptError(`GetClientToken: ${name ?? 'error'} (HTTP ${status})`, { cause: error });
  }
  let oauthError = name !== undefined ? OAUTH_ERROR_OF[name] : undefined;
  // Cognito names the scope in its words, not in a field: a refusal that speaks of scopes, when some were asked for.
  if (name === 'InvalidParameterException' && scopes.length > 0 && /scope/i.test(message)) oauthError = 'invalid_scope';
  return new TokenEndpointError(oauthError ?? `http_${status}`, status, message || undefined, { awsErrorType: name, cause: error });
}

/** Checks every field of GetClientToken's answer before use. */
export function parseClientTokenOutput(output: unknown): TokenResponse {
  const result = typeof output === 'object' && output !== null ? (output as { ClientAuthenticationResult?: unknown }).ClientAuthenticationResult : undefined;
  if (typeof result !== 'object' || result === null) throw new InvalidTokenResponseError('ClientAuthenticationResult is missing');
  const { AccessToken: accessToken, TokenType: tokenType, ExpiresIn: expiresIn } = result as Record<string, unknown>;
  if (typeof accessToken !== 'string' || accessToken === '') throw new InvalidTokenResponseError('ClientAuthenticationResult.AccessToken must be a non-empty string');
  if (typeof tokenType !== 'string' || tokenType.toLowerCase() !== 'bearer') throw new InvalidTokenResponseError('ClientAuthenticationResult.TokenType must be Bearer');
  if (expiresIn === undefined || expiresIn === null) return { accessToken, expiresInSeconds: DEFAULT_EXPIRES_IN_SECONDS };
  if (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn) || expiresIn <= 0) throw new InvalidTokenResponseError('ClientAuthenticationResult.ExpiresIn must be a positive number');
  return { accessToken, expiresInSeconds: expiresIn };
}
