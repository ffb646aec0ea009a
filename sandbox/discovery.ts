/**
 * The OpenID Connect discovery document of a user pool, as Cognito publishes it at
 * `https://cognito-idp.<region>.amazonaws.com/<poolId>/.well-known/openid-configuration`.
 */

/** Cognito's discovery document: exactly the fields it publishes, nothing more. */
export interface DiscoveryDocument {
  readonly authorization_endpoint: string;
  readonly end_session_endpoint: string;
  readonly id_token_signing_alg_values_supported: readonly string[];
  readonly issuer: string;
  readonly jwks_uri: string;
  readonly response_types_supported: readonly string[];
  readonly revocation_endpoint: string;
  readonly scopes_supported: readonly string[];
  readonly subject_types_supported: readonly string[];
  readonly token_endpoint: string;
  readonly token_endpoint_auth_methods_supported: readonly string[];
  readonly userinfo_endpoint: string;
}

/** The path of the discovery document under the issuer. */
export const DISCOVERY_PATH = '/.well-known/openid-configuration';

/**
 * The discovery document for a pool whose issuer is `issuer` and whose domain (where Cognito serves
 * `/oauth2/*`, `/logout`) is `domain`. Cognito publishes no `grant_types_supported`; neither does
 * this. Of the endpoints, the sandbox serves the token endpoint and the JWKS only.
 *
 * @example
 * discoveryDocument({ issuer: 'http://127.0.0.1:8787/eu-west-1_Local1', domain: 'http://127.0.0.1:8787' });
 */
export function discoveryDocument(options: { readonly issuer: string; readonly domain: string }): DiscoveryDocument {
  const { issuer, domain } = options;
  return {
    authorization_endpoint: `${domain}/oauth2/authorize`,
    end_session_endpoint: `${domain}/logout`,
    id_token_signing_alg_values_supported: ['RS256'],
    issuer,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    response_types_supported: ['code', 'token'],
    revocation_endpoint: `${domain}/oauth2/revoke`,
    scopes_supported: ['openid', 'email', 'phone', 'profile'],
    subject_types_supported: ['public'],
    token_endpoint: `${domain}/oauth2/token`,
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    userinfo_endpoint: `${domain}/oauth2/userInfo`,
  };
}
