/**
 * A Cognito-compatible token issuer: RSA key pairs, their JWKS, and RS256 tokens with exactly the
 * claims Cognito puts in M2M access tokens, user access tokens and user ID tokens. The local sandbox
 * issues its tokens with it; the tests and the benchmark use it to make real tokens.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';

export interface SigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

export interface Jwk {
  readonly kty: 'RSA';
  readonly kid: string;
  readonly alg: 'RS256';
  readonly use: 'sig';
  readonly n: string;
  readonly e: string;
}

/** A new 2048-bit RSA signing key (what Cognito uses). */
export function generateSigningKey(kid: string = randomUUID()): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, privateKey, publicKey };
}

/** A signing key from a PEM private key (the sandbox's persisted key). */
export function signingKeyFromPem(kid: string, pem: string): SigningKey {
  const privateKey = createPrivateKey(pem);
  return { kid, privateKey, publicKey: createPublicKey(privateKey) };
}

/** The JWKS document (`/.well-known/jwks.json`) for the given keys. */
export function jwksOf(keys: readonly SigningKey[]): { keys: Jwk[] } {
  return {
    keys: keys.map((key) => {
      const jwk = key.publicKey.export({ format: 'jwk' }) as { n: string; e: string };
      return { kty: 'RSA', kid: key.kid, alg: 'RS256', use: 'sig', n: jwk.n, e: jwk.e };
    }),
  };
}

const base64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

/**
 * Signs `payload` as an RS256 JWT with `key`. `header` adds or replaces header fields; `payloadJson`
 * replaces the serialized payload verbatim (to sign unusual JSON, e.g. duplicate claims).
 */
export function signJwt(key: SigningKey, payload: object, options: { header?: Record<string, unknown>; payloadJson?: string } = {}): string {
  const header = { kid: key.kid, alg: 'RS256', ...options.header };
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(options.payloadJson ?? JSON.stringify(payload))}`;
  return `${signingInput}.${sign('RSA-SHA256', Buffer.from(signingInput), key.privateKey).toString('base64url')}`;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Claims of an M2M access token (client_credentials): no `aud`, no `username`, no groups. */
export function m2mAccessTokenClaims(options: { issuer: string; clientId: string; scopes: readonly string[]; validitySeconds?: number; iat?: number }) {
  const iat = options.iat ?? nowSeconds();
  return {
    sub: options.clientId,
    token_use: 'access',
    scope: options.scopes.join(' '),
    auth_time: iat,
    iss: options.issuer,
    exp: iat + (options.validitySeconds ?? 3600),
    iat,
    version: 2,
    jti: randomUUID(),
    client_id: options.clientId,
  };
}

/** Claims of a user's access token from the user client. */
export function userAccessTokenClaims(options: { issuer: string; clientId: string; sub?: string; username: string; groups?: readonly string[]; scopes?: readonly string[]; validitySeconds?: number }) {
  const iat = nowSeconds();
  const sub = options.sub ?? randomUUID();
  return {
    sub,
    ...(options.groups?.length ? { 'cognito:groups': [...options.groups] } : {}),
    iss: options.issuer,
    version: 2,
    client_id: options.clientId,
    origin_jti: randomUUID(),
    token_use: 'access',
    scope: (options.scopes ?? ['openid', 'email']).join(' '),
    auth_time: iat,
    exp: iat + (options.validitySeconds ?? 3600),
    iat,
    jti: randomUUID(),
    username: options.username,
  };
}

/** Claims of a user's ID token from the user client. */
export function userIdTokenClaims(options: { issuer: string; clientId: string; sub?: string; username: string; email: string; groups?: readonly string[]; validitySeconds?: number }) {
  const iat = nowSeconds();
  return {
    sub: options.sub ?? randomUUID(),
    ...(options.groups?.length ? { 'cognito:groups': [...options.groups] } : {}),
    email_verified: true,
    iss: options.issuer,
    'cognito:username': options.username,
    origin_jti: randomUUID(),
    aud: options.clientId,
    event_id: randomUUID(),
    token_use: 'id',
    auth_time: iat,
    exp: iat + (options.validitySeconds ?? 3600),
    iat,
    jti: randomUUID(),
    email: options.email,
  };
}
