/**
 * Every refusal of the sandbox's token endpoint, as Cognito answers it: one list that the token
 * endpoint answers from, the README table is rendered from, and the tests send over HTTP.
 */
import type { TokenPath } from '../lib/config/schema';

/** What a refusal looks like on the wire: the parts a client can act on. */
export interface TokenRefusal {
  readonly status: number;
  /** RFC 6749 5.2 `error`; the body is `{"error": "<error>"}`, as Cognito's. */
  readonly error: string;
  /** Extra response headers: `allow` on 405. Cognito sends no `WWW-Authenticate` on the token endpoint. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** The refusals, by what went wrong. Each is the answer Cognito documents (or, where it is silent, RFC 6749's). */
export const TOKEN_REFUSALS = {
  methodNotAllowed: { status: 405, error: 'invalid_request', headers: { allow: 'POST' } },
  bodyTooLarge: { status: 413, error: 'invalid_request' },
  notFormEncoded: { status: 400, error: 'invalid_request' },
  repeatedParameter: { status: 400, error: 'invalid_request' },
  missingGrantType: { status: 400, error: 'invalid_request' },
  twoAuthenticationMethods: { status: 400, error: 'invalid_request' },
  clientIdContradictsBasic: { status: 400, error: 'invalid_request' },
  clientAuthenticationFailed: { status: 400, error: 'invalid_client' },
  grantNotAllowedForClient: { status: 400, error: 'unauthorized_client' },
  clientCredentialsNotEnabled: { status: 400, error: 'unauthorized_client' },
  unsupportedGrantType: { status: 400, error: 'unsupported_grant_type' },
  scopeNotAllowed: { status: 400, error: 'invalid_scope' },
} as const satisfies Record<string, TokenRefusal>;

export type TokenRefusalKind = keyof typeof TOKEN_REFUSALS;

/** The largest request body the token endpoint reads; larger ones get 413. */
export const MAX_TOKEN_REQUEST_BYTES = 64 * 1024;

/** A request to the token endpoint, built from a real client's credentials. */
export interface TokenErrorRequest {
  readonly method: 'GET' | 'POST';
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** One row of the table: what the caller did, what Cognito answers, and where that is written down. */
export interface TokenErrorCase {
  readonly case: string;
  /**
   * The token paths of the client whose credentials the request is built from.
   * @default ['oauth2']
   */
  readonly clientTokenPaths?: readonly TokenPath[];
  /** The answer Cognito gives, which the sandbox gives too (checked over HTTP by __tests__/sandbox/token-errors.test.ts). */
  readonly cognito: TokenRefusal;
  /** The refusal the sandbox answers with. */
  readonly sandbox: TokenRefusalKind;
  /** Where the answer comes from: `Cognito` (its token endpoint page), `RFC 6749 x.y` where Cognito's page is silent. */
  readonly source: string;
  request(client: { readonly clientId: string; readonly clientSecret: string }): TokenErrorRequest;
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const basic = (id: string, secret: string) => ({ ...FORM, authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` });
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const post = (headers: Record<string, string>, body: string): TokenErrorRequest => ({ method: 'POST', headers, body });

/**
 * Cognito's answers per the "Examples of negative responses" of its token endpoint page (every error
 * 400, JSON `{"error": ...}`, no `WWW-Authenticate`): it differs from RFC 6749 5.2, which wants 401 and
 * `WWW-Authenticate` after a failed HTTP Basic authentication; the sandbox follows Cognito.
 */
export const TOKEN_ERROR_CASES: readonly TokenErrorCase[] = [
  {
    case: 'wrong secret, HTTP Basic (`client_secret_basic`)',
    cognito: TOKEN_REFUSALS.clientAuthenticationFailed,
    sandbox: 'clientAuthenticationFailed',
    source: 'Cognito (RFC 6749 5.2 would say 401 + `WWW-Authenticate`)',
    request: (c) => post(basic(c.clientId, 'wrong-secret'), form({ grant_type: 'client_credentials' })),
  },
  {
    case: 'wrong secret in the body (`client_secret_post`)',
    cognito: TOKEN_REFUSALS.clientAuthenticationFailed,
    sandbox: 'clientAuthenticationFailed',
    source: 'Cognito',
    request: (c) => post(FORM, form({ grant_type: 'client_credentials', client_id: c.clientId, client_secret: 'wrong-secret' })),
  },
  {
    case: 'unknown client id',
    cognito: TOKEN_REFUSALS.clientAuthenticationFailed,
    sandbox: 'clientAuthenticationFailed',
    source: 'Cognito',
    request: (c) => post(basic('unknownclientid', c.clientSecret), form({ grant_type: 'client_credentials' })),
  },
  {
    case: 'no client authentication at all',
    cognito: TOKEN_REFUSALS.clientAuthenticationFailed,
    sandbox: 'clientAuthenticationFailed',
    source: 'Cognito',
    request: () => post(FORM, form({ grant_type: 'client_credentials' })),
  },
  {
    case: '`grant_type=authorization_code` (an M2M client may only use client_credentials)',
    cognito: TOKEN_REFUSALS.grantNotAllowedForClient,
    sandbox: 'grantNotAllowedForClient',
    source: 'Cognito',
    request: (c) => post(basic(c.clientId, c.clientSecret), form({ grant_type: 'authorization_code', code: 'some-code', redirect_uri: 'https://example.com/cb' })),
  },
  {
    case: '`grant_type=refresh_token`',
    cognito: TOKEN_REFUSALS.grantNotAllowedForClient,
    sandbox: 'grantNotAllowedForClient',
    source: 'Cognito',
    request: (c) => post(basic(c.clientId, c.clientSecret), form({ grant_type: 'refresh_token', refresh_token: 'some-token' })),
  },
  {
    case: '`grant_type=client_credentials` from a client whose `tokenPaths` lack `oauth2` (no OAuth flow: GetClientToken only)',
    clientTokenPaths: ['api'],
    cognito: TOKEN_REFUSALS.clientCredentialsNotEnabled,
    sandbox: 'clientCredentialsNotEnabled',
    source: "the sandbox's reading: Cognito's page gives `unauthorized_client` to a client not allowed the grant; not observed for a client without `AllowedOAuthFlows`",
    request: (c) => post(basic(c.clientId, c.clientSecret), form({ grant_type: 'client_credentials' })),
  },
  {
    case: '`grant_type=password` (Cognito has no password grant)',
    cognito: TOKEN_REFUSALS.unsupportedGrantType,
    sandbox: 'unsupportedGrantType',
    source: 'Cognito',
    request: (c) => post(basic(c.clientId, c.clientSecret), form({ grant_type: 'password', username: 'a', password: 'b' })),
  },
  {
    case: 'any other `grant_type`',
    cognito: TOKEN_REFUSALS.unsupportedGrantType,
    sandbox: 'unsupportedGrantType',
    source: 'Cognito',
    request: (c) => post(basic(c.clientId, c.clientSecret), form({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer' })),
  },
  {
    case: 'no `grant_type`',
    cognito: TOKEN_REFUSALS.missingGrantType,
    sandbox: 'missingGrantType',
    source: 'Cognito',
    request: (c) => post(basic(c.clientId, c.clientSecret), ''),
  },
  {
    case: 'a parameter twice (`grant_type=client_credentials&grant_type=client_credentials`)',
    cognito: TOKEN_REFUSALS.repeatedParameter,
    sandbox: 'repeatedParameter',
    source: 'RFC 6749 3.2 and 5.2',
    request: (c) => post(basic(c.clientId, c.clientSecret), 'grant_type=client_credentials&grant_type=client_credentials'),
  },
  {
    case: 'a body `client_id` that contradicts the Basic header',
    cognito: TOKEN_REFUSALS.clientIdContradictsBasic,
    sandbox: 'clientIdContradictsBasic',
    source: 'RFC 6749 5.2 (malformed request)',
    request: (c) => post(basic(c.clientId, c.clientSecret), form({ grant_type: 'client_credentials', client_id: 'anotherclientid' })),
  },
  {
    case: 'Basic header and `client_secret` in the body',
    cognito: TOKEN_REFUSALS.twoAuthenticationMethods,
    sandbox: 'twoAuthenticationMethods',
    source: 'RFC 6749 2.3 and 5.2 (more than one authentication method)',
    request: (c) => post(basic(c.clientId, c.clientSecret), form({ grant_type: 'client_credentials', client_secret: c.clientSecret })),
  },
  {
    case: 'a `scope` the client does not have, or that does not exist',
    cognito: TOKEN_REFUSALS.scopeNotAllowed,
    sandbox: 'scopeNotAllowed',
    source: 'Cognito (observed; its page says such scopes are ignored)',
    request: (c) => post(basic(c.clientId, c.clientSecret), form({ grant_type: 'client_credentials', scope: 'api/no-such-scope' })),
  },
  {
    case: 'a body that is not `application/x-www-form-urlencoded`',
    cognito: TOKEN_REFUSALS.notFormEncoded,
    sandbox: 'notFormEncoded',
    source: 'Cognito',
    request: (c) => post({ ...basic(c.clientId, c.clientSecret), 'content-type': 'application/json' }, JSON.stringify({ grant_type: 'client_credentials' })),
  },
  {
    case: '`GET` instead of `POST`',
    cognito: TOKEN_REFUSALS.methodNotAllowed,
    sandbox: 'methodNotAllowed',
    source: 'Cognito (POST only); RFC 9110 15.5.6 (`Allow`)',
    request: (c) => ({ method: 'GET', headers: { authorization: basic(c.clientId, c.clientSecret).authorization } }),
  },
  {
    case: `a body over ${MAX_TOKEN_REQUEST_BYTES / 1024} KiB`,
    cognito: TOKEN_REFUSALS.bodyTooLarge,
    sandbox: 'bodyTooLarge',
    source: 'RFC 9110 15.5.14',
    request: (c) => post(basic(c.clientId, c.clientSecret), `${form({ grant_type: 'client_credentials' })}&padding=${'x'.repeat(MAX_TOKEN_REQUEST_BYTES)}`),
  },
];

function answer(refusal: TokenRefusal): string {
  const headers = Object.entries(refusal.headers ?? {}).map(([name, value]) => `, \`${name}: ${value}\``);
  return `${refusal.status} \`${refusal.error}\`${headers.join('')}`;
}

/**
 * A README table of refusal cases: case | Cognito's answer | the sandbox's answer | source, each answer
 * written by `answerOf` (the token endpoint's here, GetClientToken's in sandbox/client-token-errors.ts).
 */
export function refusalTableMarkdown<Refusal, Kind extends string>(
  cases: ReadonlyArray<{ readonly case: string; readonly cognito: Refusal; readonly sandbox: Kind; readonly source: string }>,
  refusals: Readonly<Record<Kind, Refusal>>,
  answerOf: (refusal: Refusal) => string,
): string {
  return [
    "| case | Cognito's answer | sandbox's answer | source |",
    '|---|---|---|---|',
    ...cases.map((row) => `| ${row.case} | ${answerOf(row.cognito)} | ${answerOf(refusals[row.sandbox])} | ${row.source} |`),
  ].join('\n');
}

/**
 * The README table of {@link TOKEN_ERROR_CASES}.
 *
 * @example
 * console.log(tokenErrorTableMarkdown());
 */
export function tokenErrorTableMarkdown(cases: readonly TokenErrorCase[] = TOKEN_ERROR_CASES): string {
  return refusalTableMarkdown(cases, TOKEN_REFUSALS, answer);
}
