import { AuthorizationDenied } from './reasons';

/** Tokens larger than this are refused before any parsing or crypto. */
export const MAX_TOKEN_BYTES = 8 * 1024;

// The signature may be empty here so that `alg: none` is reported as such; verification refuses it.
const JWT_SHAPE = /^[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*$/;
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
// Header parameters that point a verifier at attacker-chosen keys; Cognito never sets them.
const FORBIDDEN_HEADER_PARAMETERS = ['jku', 'x5u', 'jwk', 'x5c', 'crit'];

/**
 * The token of an `Authorization: Bearer <token>` header value.
 *
 * @example
 * bearerToken('Bearer eyJ...') // => 'eyJ...'
 */
export function bearerToken(header: string | undefined | null): string {
  if (header === undefined || header === null || header.trim() === '') throw new AuthorizationDenied('missing_token');
  if (header.length > MAX_TOKEN_BYTES + 7) throw new AuthorizationDenied('oversized', `${header.length} characters`);
  const match = /^Bearer +(\S+)$/i.exec(header.trim());
  if (!match) throw new AuthorizationDenied('malformed', 'not a Bearer authorization header');
  return match[1];
}

/**
 * Cheap structural checks before any crypto: size, three base64url parts, a JSON header with
 * `alg: RS256`, a `kid`, and none of the parameters that name keys (`jku`, `x5u`, `jwk`, ...).
 */
export function precheckJwt(token: string): void {
  if (token.length > MAX_TOKEN_BYTES) throw new AuthorizationDenied('oversized', `${token.length} characters`);
  if (!JWT_SHAPE.test(token)) throw new AuthorizationDenied('malformed', 'not a JWS compact serialization');
  if (!isCanonicalBase64url(token.slice(token.lastIndexOf('.') + 1))) throw new AuthorizationDenied('malformed', 'signature is not canonical base64url');
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(token.slice(0, token.indexOf('.')), 'base64url').toString('utf8'));
  } catch {
    throw new AuthorizationDenied('malformed', 'header is not JSON');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new AuthorizationDenied('malformed', 'header is not an object');
  const fields = header as Record<string, unknown>;
  if (fields.alg !== 'RS256') throw new AuthorizationDenied('unsupported_alg', `alg ${JSON.stringify(fields.alg)}`.slice(0, 40));
  const forbidden = FORBIDDEN_HEADER_PARAMETERS.find((name) => name in fields);
  if (forbidden) throw new AuthorizationDenied('malformed', `header parameter ${forbidden} is not accepted`);
  if (typeof fields.kid !== 'string' || fields.kid === '') throw new AuthorizationDenied('malformed', 'header has no kid');
}

/**
 * Whether unused trailing bits are zero, so that exactly one string encodes the bytes. Otherwise a
 * signature has several spellings that all verify: one token, many strings.
 */
function isCanonicalBase64url(segment: string): boolean {
  const remainder = segment.length % 4;
  if (remainder === 0) return true;
  if (remainder === 1) return false;
  const last = BASE64URL.indexOf(segment[segment.length - 1]);
  return (last & (remainder === 2 ? 0x0f : 0x03)) === 0;
}
