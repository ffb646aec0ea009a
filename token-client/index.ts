/**
 * The m2m-auth token client: OAuth 2.0 client-credentials tokens for services that call an API
 * protected by m2m-auth. No dependencies beyond Node.js >= 20 (global fetch); reading credentials from
 * Secrets Manager uses `@aws-sdk/client-secrets-manager` when you ask for it.
 */
export { TokenClient, type ClientCredentials, type RetryOptions, type TokenClientOptions } from './token-client';
export { credentialsFromEnvironment, credentialsFromSecretsManager, type SecretsManagerLike } from './credentials';
export { InvalidTokenResponseError, TokenClientConfigError, TokenEndpointError, TokenEndpointRedirectError, TokenEndpointUnavailableError } from './errors';
