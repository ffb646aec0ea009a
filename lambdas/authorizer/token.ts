import { AuthorizationDenied } from './reasons';

/** Tokens larger than this are refused before any parsing or crypto. */
export const MAX_TOKEN_BYTES = 8 * 1024;

const JWT_SHAPE = /^[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}$/;
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
