import { JwtVerifier } from 'aws-jwt-verify/jwt-verifier';
import {
  FetchError,
  JwksNotAvailableInCacheError,
  JwksValidationError,
  JwkValidationError,
  JwtExpiredError,
  JwtInvalidIssuerError,
  JwtInvalidSignatureAlgorithmError,
  JwtInvalidSignatureError,
  JwtNotBeforeError,
  JwtParseError,
  JwtWithoutValidKidError,
  KidNotFoundInJwksError,
  WaitPeriodNotYetEndedJwkError,
  JwkInvalidKtyError,
  JwkInvalidUseError,
} from 'aws-jwt-verify/error';
import type { Fetcher } from 'aws-jwt-verify/https';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';
import { AuthorizationDenied, type DenyReason } from './reasons';

export type { JwtPayload };

/** JWKS documents larger than this are refused. */
const MAX_JWKS_BYTES = 256 * 1024;

/**
 * Fetches the JWKS over https (AWS) or http (local sandbox and tests), with one overall deadline,
 * so that a JWKS endpoint that is down or slow costs at most `timeoutMs`, never a hung request.
 */
export class JwksFetcher implements Fetcher {
  constructor(private readonly timeoutMs: number) {}

  fetch(uri: string): Promise<ArrayBuffer> {
    return new Promise((resolve, reject) => {
      const url = new URL(uri);
      // Loaded on first use: keeps module start-up fast.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const transport = (url.protocol === 'http:' ? require('node:http') : require('node:https')) as typeof import('node:https');
      const request = transport.get(url, { headers: { accept: 'application/json' } }, (response) => {
        if (response.statusCode !== 200) {
          response.resume();
          request.destroy(new FetchError(uri, `status ${response.statusCode}`));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_JWKS_BYTES) request.destroy(new FetchError(uri, `JWKS larger than ${MAX_JWKS_BYTES} bytes`));
          else chunks.push(chunk);
        });
        response.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer);
        });
        response.on('error', reject);
      });
      const timer = setTimeout(() => request.destroy(new FetchError(uri, `no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      request.on('error', (error) => reject(error instanceof FetchError ? error : new FetchError(uri, error.message)));
      request.on('close', () => clearTimeout(timer));
    });
  }
}

/** Verifies signature (RS256 only, key from the JWKS by `kid`), `iss`, `exp` and `nbf`. */
export interface TokenVerifier {
  /**
   * The verified payload; synchronous when the token's key is already loaded (the common case),
   * a promise when the JWKS must be fetched first. Throws (or rejects with) {@link AuthorizationDenied}.
   */
  verify(token: string): JwtPayload | Promise<JwtPayload>;
  /** Loads the keys; called at start-up so the first request finds them. */
  hydrate(): Promise<void>;
}

/**
 * The aws-jwt-verify verifier for one issuer. `audience` is not checked here (Cognito access tokens
 * have none): the client checks (`client_id` / `aud` against this environment's clients) and
 * `token_use` are made by {@link principalOf}, so each failure gets its own reason code.
 * An unknown `kid` triggers one JWKS refetch, then a 10 s back-off (aws-jwt-verify's penalty box).
 */
export function createTokenVerifier(options: { issuer: string; jwksUrl: string; timeoutMs: number }): TokenVerifier {
  const verifier = JwtVerifier.create(
    { issuer: options.issuer, audience: null, jwksUri: options.jwksUrl, includeRawJwtInErrors: true },
    { jwksCache: new SimpleJwksCache({ fetcher: new JwksFetcher(options.timeoutMs) }) },
  );
  const denial = (error: unknown) => new AuthorizationDenied(reasonOf(error), error instanceof Error ? error.constructor.name : undefined, { cause: error });
  return {
    verify(token) {
      try {
        return verifier.verifySync(token);
      } catch (error) {
        // The key is not loaded: the JWKS has not arrived yet, or the kid is new (a key rotation). The
        // async path fetches it, shares a fetch already under way, and applies the unknown-kid back-off.
        if (error instanceof JwksNotAvailableInCacheError || error instanceof KidNotFoundInJwksError) {
          return verifier.verify(token).catch((failure: unknown) => Promise.reject(denial(failure)));
        }
        throw denial(error);
      }
    },
    hydrate: () => verifier.hydrate(),
  };
}

/** The denial reason of each aws-jwt-verify error (subclasses included); anything else is `internal_error`. */
const REASONS_BY_ERROR: ReadonlyArray<[DenyReason, ReadonlyArray<abstract new (...args: never[]) => Error>]> = [
  ['expired', [JwtExpiredError]],
  ['not_yet_valid', [JwtNotBeforeError]],
  ['wrong_issuer', [JwtInvalidIssuerError]],
  ['unsupported_alg', [JwtInvalidSignatureAlgorithmError]],
  ['bad_signature', [JwtInvalidSignatureError]],
  ['unknown_kid', [KidNotFoundInJwksError, WaitPeriodNotYetEndedJwkError]],
  ['jwks_unavailable', [JwksNotAvailableInCacheError, FetchError, JwksValidationError, JwkValidationError, JwkInvalidUseError, JwkInvalidKtyError]],
  ['malformed', [JwtParseError, JwtWithoutValidKidError]],
];

function reasonOf(error: unknown): DenyReason {
  if (error instanceof AuthorizationDenied) return error.reason;
  return REASONS_BY_ERROR.find(([, types]) => types.some((type) => error instanceof type))?.[0] ?? 'internal_error';
}
