import { createHash, timingSafeEqual } from 'node:crypto';
import { m2mAccessTokenClaims, signJwt, type SigningKey } from './cognito-tokens';
import type { SandboxClient } from './state';

/** A reply of the token endpoint. */
export interface TokenReply {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Record<string, unknown>;
}

const NO_STORE = { 'content-type': 'application/json', 'cache-control': 'no-store', pragma: 'no-cache' };

function oauthError(status: number, error: string, description: string, headers: Record<string, string> = {}): TokenReply {
  return { status, headers: { ...NO_STORE, ...headers }, body: { error, error_description: description } };
}

function sameSecret(a: string, b: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** Whether `presented` is one of the client's secrets; every secret is compared, so the time says nothing. */
function matchesASecret(client: SandboxClient, presented: string): boolean {
  return client.secrets.map((secret) => sameSecret(secret.value, presented)).includes(true);
}

/**
 * `POST /oauth2/token` as Cognito answers it for client_credentials: client authentication by HTTP
 * Basic (`client_secret_basic`) or in the body (`client_secret_post`), the optional `scope` (a subset
 * of the client's scopes; all of them when absent), RFC 6749 5.2 errors, and RS256 access tokens with
 * Cognito's claims. A client authenticates with any of its secrets (two while a rotation has left the
 * previous one in place).
 */
export function tokenEndpoint(
  request: { readonly contentType?: string; readonly authorization?: string; readonly body: string },
  context: { readonly clients: readonly SandboxClient[]; readonly issuer: string; readonly key: SigningKey },
): TokenReply {
  if (!request.contentType?.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    return oauthError(400, 'invalid_request', 'Content-Type must be application/x-www-form-urlencoded');
  }
  const form = new URLSearchParams(request.body);
  let clientId: string | undefined;
  let clientSecret: string | undefined;
  const basic = request.authorization?.match(/^Basic\s+([A-Za-z0-9+/=]+)$/i);
  if (request.authorization !== undefined) {
    if (!basic) return oauthError(401, 'invalid_client', 'unsupported client authentication', { 'www-authenticate': 'Basic realm="m2m-auth-sandbox"' });
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return oauthError(401, 'invalid_client', 'malformed Basic credentials', { 'www-authenticate': 'Basic realm="m2m-auth-sandbox"' });
    try {
      clientId = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '));
      clientSecret = decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' '));
    } catch {
      return oauthError(401, 'invalid_client', 'malformed Basic credentials', { 'www-authenticate': 'Basic realm="m2m-auth-sandbox"' });
    }
    if (form.has('client_secret')) return oauthError(400, 'invalid_request', 'use one client authentication method, not two');
  } else {
    clientId = form.get('client_id') ?? undefined;
    clientSecret = form.get('client_secret') ?? undefined;
  }
  const grantType = form.get('grant_type');
  if (!grantType) return oauthError(400, 'invalid_request', 'grant_type is required');
  const client = context.clients.find((c) => c.clientId === clientId);
  if (!client || clientSecret === undefined || !matchesASecret(client, clientSecret)) {
    return basic
      ? oauthError(401, 'invalid_client', 'client authentication failed', { 'www-authenticate': 'Basic realm="m2m-auth-sandbox"' })
      : oauthError(400, 'invalid_client', 'client authentication failed');
  }
  if (grantType !== 'client_credentials') return oauthError(400, 'unsupported_grant_type', `grant_type ${grantType} is not supported`);
  const requested = form.get('scope')?.split(' ').filter(Boolean);
  const scopes = requested && requested.length > 0 ? requested : [...client.scopes];
  const unknown = scopes.find((scope) => !client.scopes.includes(scope));
  if (unknown !== undefined) return oauthError(400, 'invalid_scope', `scope ${unknown} is not allowed for this client`);

  const validitySeconds = client.accessTokenValidityMinutes * 60;
  const accessToken = signJwt(context.key, m2mAccessTokenClaims({ issuer: context.issuer, clientId: client.clientId, scopes, validitySeconds }));
  return { status: 200, headers: NO_STORE, body: { access_token: accessToken, expires_in: validitySeconds, token_type: 'Bearer' } };
}
