/**
 * The m2m-auth token client: OAuth 2.0 client-credentials tokens for services that call an API
 * protected by m2m-auth, from the token endpoint or Cognito's GetClientToken. No dependencies beyond
 * Node.js >= 20 (global fetch); reading credentials from Secrets Manager uses
 * `@aws-sdk/client-secrets-manager`, and GetClientToken `@aws-sdk/client-cognito-identity-provider`,
 * when you ask for them.
 */
export { TokenClient, type ClientCredentials, type RetryOptions, type TokenClientOptions, type TokenPath } from './token-client';
export type { CognitoClientLike } from './client-token-api';
export { credentialsFromEnvironment, credentialsFromSecretsManager, type SecretsManagerLike } from './credentials';
export { InvalidTokenResponseError, TokenClientConfigError, TokenEndpointError, TokenEndpointRedirectError, TokenEndpointUnavailableError } from './errors';
