import { createHash, timingSafeEqual } from 'node:crypto';
import { m2mAccessTokenClaims, signJwt, type SigningKey } from './cognito-tokens';
import type { SandboxClient } from './state';
import { TOKEN_REFUSALS, type TokenRefusal, type TokenRefusalKind } from './token-errors';

/** A reply of the token endpoint. */
export interface TokenReply {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Record<string, unknown>;
}

const NO_STORE = { 'content-type': 'application/json', 'cache-control': 'no-store', pragma: 'no-cache' };

/**
 * A refusal exactly as Cognito sends it (body `{"error": ...}` only); the sandbox's own explanation
 * goes into `x-sandbox-hint`, which Cognito never sends, so that the body stays identical.
 *
 * @example
 * const reply = tokenRefusal('methodNotAllowed', 'the token endpoint accepts POST only');
 */
export function tokenRefusal(kind: TokenRefusalKind, hint: string): TokenReply {
  const refusal: TokenRefusal = TOKEN_REFUSALS[kind];
  // The hint may quote the request (a grant type): printable ASCII only, so it is always a valid header.
  const printable = hint.replace(/[^\x20-\x7e]/g, '?').slice(0, 200);
  return { status: refusal.status, headers: { ...NO_STORE, ...refusal.headers, 'x-sandbox-hint': printable }, body: { error: refusal.error } };
}

function sameSecret(a: string, b: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(a), digest(b));
}

/**
 * Whether `presented` is one of the client's secrets; every secret is compared, so the time says nothing.
 *
 * @example
 * if (!matchesASecret(client, presented)) return tokenRefusal('clientAuthenticationFailed', 'client authentication failed');
 */
export function matchesASecret(client: SandboxClient, presented: string): boolean {
  return client.secrets.map((secret) => sameSecret(secret.value, presented)).includes(true);
}

/** Grants Cognito knows that an M2M app client (client_credentials only) is not allowed to use. */
const GRANTS_NOT_ALLOWED_FOR_M2M = ['authorization_code', 'refresh_token'];

/** The Basic credentials, or a refusal when the header is not HTTP Basic with `id:secret`. */
function basicCredentials(authorization: string): { clientId: string; clientSecret: string } | TokenReply {
  const basic = authorization.match(/^Basic\s+([A-Za-z0-9+/=]+)$/i);
  const decoded = basic ? Buffer.from(basic[1], 'base64').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  if (colon < 0) return tokenRefusal('clientAuthenticationFailed', 'the Authorization header is not HTTP Basic with client_id:client_secret');
  try {
    return {
      clientId: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')),
      clientSecret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')),
    };
  } catch {
    return tokenRefusal('clientAuthenticationFailed', 'the Basic credentials are not URL-encoded correctly');
  }
}

/**
 * `POST /oauth2/token` as Cognito answers it for client_credentials: client authentication by HTTP
 * Basic (`client_secret_basic`) or in the body (`client_secret_post`), the optional `scope` (a subset
 * of the client's scopes; all of them when absent), Cognito's refusals (sandbox/token-errors.ts), and
 * RS256 access tokens with Cognito's claims. A client authenticates with any of its secrets (two
 * while a rotation has left the previous one in place). A client whose config's `tokenPaths` lack
 * `oauth2` has no OAuth flow, as its app client on AWS: `unauthorized_client`.
 *
 * @example
 * const reply = tokenEndpoint({ method: 'POST', contentType, authorization, body }, { clients, issuer, key });
 */
export function tokenEndpoint(
  request: { readonly method?: string; readonly contentType?: string; readonly authorization?: string; readonly body: string },
  context: { readonly clients: readonly SandboxClient[]; readonly issuer: string; readonly key: SigningKey },
): TokenReply {
  if ((request.method ?? 'POST') !== 'POST') return tokenRefusal('methodNotAllowed', 'the token endpoint accepts POST only');
  if (!request.contentType?.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    return tokenRefusal('notFormEncoded', 'Content-Type must be application/x-www-form-urlencoded');
  }
  const form = new URLSearchParams(request.body);
  const repeated = [...new Set(form.keys())].find((name) => form.getAll(name).length > 1);
  if (repeated !== undefined) return tokenRefusal('repeatedParameter', `parameter ${repeated} appears more than once`);
  const grantType = form.get('grant_type');
  if (!grantType) return tokenRefusal('missingGrantType', 'grant_type is required');

  let clientId = form.get('client_id') ?? undefined;
  let clientSecret = form.get('client_secret') ?? undefined;
  if (request.authorization !== undefined) {
    const basic = basicCredentials(request.authorization);
    if ('status' in basic) return basic;
    if (clientSecret !== undefined) return tokenRefusal('twoAuthenticationMethods', 'use one client authentication method, not two');
    if (clientId !== undefined && clientId !== basic.clientId) return tokenRefusal('clientIdContradictsBasic', 'client_id in the body is not the client of the Authorization header');
    ({ clientId, clientSecret } = basic);
  }
  const client = context.clients.find((c) => c.clientId === clientId);
  if (!client || clientSecret === undefined || !matchesASecret(client, clientSecret)) {
    return tokenRefusal('clientAuthenticationFailed', 'client authentication failed');
  }
  if (GRANTS_NOT_ALLOWED_FOR_M2M.includes(grantType)) return tokenRefusal('grantNotAllowedForClient', `this client may use client_credentials only, not ${grantType}`);
  if (grantType !== 'client_credentials') return tokenRefusal('unsupportedGrantType', `grant_type ${grantType} is not supported`);
  if (!client.tokenPaths.includes('oauth2')) {
    return tokenRefusal('clientCredentialsNotEnabled', 'this client has no OAuth flow (its tokenPaths lack "oauth2"): it gets tokens from GetClientToken only');
  }
  const requested = form.get('scope')?.split(' ').filter(Boolean);
  const scopes = requested && requested.length > 0 ? requested : [...client.scopes];
  const unknown = scopes.find((scope) => !client.scopes.includes(scope));
  if (unknown !== undefined) return tokenRefusal('scopeNotAllowed', `scope ${unknown} is not allowed for this client`);

  const { accessToken, expiresInSeconds } = issueM2mAccessToken(client, scopes, context);
  return { status: 200, headers: NO_STORE, body: { access_token: accessToken, expires_in: expiresInSeconds, token_type: 'Bearer' } };
}

/**
 * An M2M access token for `client` and `scopes` (already checked), valid for the client's configured
 * validity: the same token whichever path asked for it, as Cognito issues one kind of M2M token.
 *
 * @example
 * const { accessToken, expiresInSeconds } = issueM2mAccessToken(client, client.scopes, { issuer, key });
 */
export function issueM2mAccessToken(
  client: SandboxClient,
  scopes: readonly string[],
  context: { readonly issuer: string; readonly key: SigningKey },
): { accessToken: string; expiresInSeconds: number } {
  const validitySeconds = client.accessTokenValidityMinutes * 60;
  const accessToken = signJwt(context.key, m2mAccessTokenClaims({ issuer: context.issuer, clientId: client.clientId, scopes, validitySeconds }));
  return { accessToken, expiresInSeconds: validitySeconds };
}
