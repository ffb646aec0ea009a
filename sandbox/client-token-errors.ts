/**
 * Every refusal of the sandbox's GetClientToken, as Cognito's API answers it (AWS JSON 1.1: HTTP 400,
 * `{"__type": "<Exception>", "message": "..."}`): one list that the operation answers from, a README
 * table can be rendered from, and __tests__/sandbox/get-client-token.test.ts sends over HTTP.
 *
 * AWS documents the exceptions GetClientToken may throw, not which case gives which; where its pages
 * are silent the row's source says "the sandbox's reading" (docs/client-token-api.md, section 4).
 */
import type { TokenPath } from '../lib/config/schema';
import { COGNITO_TARGET_PREFIX } from './aws-json';
import { refusalTableMarkdown } from './token-errors';

/** What a refusal looks like on the wire: HTTP status and the exception's `__type`. */
export interface ClientTokenRefusal {
  readonly status: number;
  readonly type: string;
}

/** The refusals, by what went wrong. Every AWS JSON error of the sandbox is HTTP 400 (sandbox/aws-api.ts). */
export const CLIENT_TOKEN_REFUSALS = {
  clientAuthenticationFailed: { status: 400, type: 'NotAuthorizedException' },
  clientTokenAuthNotEnabled: { status: 400, type: 'NotAuthorizedException' },
  missingParameter: { status: 400, type: 'InvalidParameterException' },
  malformedParameter: { status: 400, type: 'InvalidParameterException' },
  scopeNotAllowed: { status: 400, type: 'InvalidParameterException' },
  notJson: { status: 400, type: 'SerializationException' },
} as const satisfies Record<string, ClientTokenRefusal>;

export type ClientTokenRefusalKind = keyof typeof CLIENT_TOKEN_REFUSALS;

/** The target header of GetClientToken. */
export const GET_CLIENT_TOKEN_TARGET = `${COGNITO_TARGET_PREFIX}.GetClientToken`;

/** A GetClientToken request, built from a real client's credentials: the JSON body (sent as is). */
export interface ClientTokenErrorRequest {
  readonly body: string;
}

/** One row of the table: what the caller did, what Cognito answers, and where that is written down. */
export interface ClientTokenErrorCase {
  readonly case: string;
  /** The token paths of the client whose credentials the request is built from. */
  readonly clientTokenPaths: readonly TokenPath[];
  /** The answer Cognito gives (or, per `source`, the sandbox's reading of it), which the sandbox gives too. */
  readonly cognito: ClientTokenRefusal;
  /** The refusal the sandbox answers with. */
  readonly sandbox: ClientTokenRefusalKind;
  readonly source: string;
  request(client: { readonly clientId: string; readonly clientSecret: string }): ClientTokenErrorRequest;
}

const json = (input: unknown): ClientTokenErrorRequest => ({ body: JSON.stringify(input) });
const READING = "the sandbox's reading";

export const CLIENT_TOKEN_ERROR_CASES: readonly ClientTokenErrorCase[] = [
  {
    case: 'wrong `Secret`',
    clientTokenPaths: ['api'],
    cognito: CLIENT_TOKEN_REFUSALS.clientAuthenticationFailed,
    sandbox: 'clientAuthenticationFailed',
    source: 'observed (third party: `NotAuthorizedException: Invalid client or secret`); AWS example code',
    request: (c) => json({ ClientId: c.clientId, Secret: 'wrong-secret' }),
  },
  {
    case: 'unknown `ClientId`',
    clientTokenPaths: ['api'],
    cognito: CLIENT_TOKEN_REFUSALS.clientAuthenticationFailed,
    sandbox: 'clientAuthenticationFailed',
    source: `${READING} (as the token endpoint's \`invalid_client\`; InitiateAuth answers \`ResourceNotFoundException\` for an unknown client, not verified here)`,
    request: (c) => json({ ClientId: 'unknownclientid', Secret: c.clientSecret }),
  },
  {
    case: 'a client whose `tokenPaths` lack `api` (no `ALLOW_CLIENT_TOKEN_AUTH`), right secret',
    clientTokenPaths: ['oauth2'],
    cognito: CLIENT_TOKEN_REFUSALS.clientTokenAuthNotEnabled,
    sandbox: 'clientTokenAuthNotEnabled',
    source: "AWS example code (NotAuthorizedException: 'verify ... the ALLOW_CLIENT_TOKEN_AUTH flow is enabled')",
    request: (c) => json({ ClientId: c.clientId, Secret: c.clientSecret }),
  },
  {
    case: 'no `ClientId`',
    clientTokenPaths: ['api'],
    cognito: CLIENT_TOKEN_REFUSALS.missingParameter,
    sandbox: 'missingParameter',
    source: `${READING} (the model marks it required)`,
    request: (c) => json({ Secret: c.clientSecret }),
  },
  {
    case: 'no `Secret`',
    clientTokenPaths: ['api'],
    cognito: CLIENT_TOKEN_REFUSALS.missingParameter,
    sandbox: 'missingParameter',
    source: `${READING} (the model marks it required)`,
    request: (c) => json({ ClientId: c.clientId }),
  },
  {
    case: 'a scope in `Scopes` the client does not have, or that does not exist',
    clientTokenPaths: ['api'],
    cognito: CLIENT_TOKEN_REFUSALS.scopeNotAllowed,
    sandbox: 'scopeNotAllowed',
    source: `${READING} (AWS: "authentication fails"; the exception is not documented)`,
    request: (c) => json({ ClientId: c.clientId, Secret: c.clientSecret, Scopes: ['api/no-such-scope'] }),
  },
  {
    case: '`Scopes` not a list of strings, or `ClientMetadata` not a map of strings',
    clientTokenPaths: ['api'],
    cognito: CLIENT_TOKEN_REFUSALS.malformedParameter,
    sandbox: 'malformedParameter',
    source: `${READING} (AWS may answer \`SerializationException\`)`,
    request: (c) => json({ ClientId: c.clientId, Secret: c.clientSecret, Scopes: 'api/read' }),
  },
  {
    case: 'a body that is not JSON',
    clientTokenPaths: ['api'],
    cognito: CLIENT_TOKEN_REFUSALS.notJson,
    sandbox: 'notJson',
    source: 'AWS JSON 1.1 protocol',
    request: () => ({ body: '{"ClientId": ' }),
  },
];

/**
 * The README table of {@link CLIENT_TOKEN_ERROR_CASES}: case | Cognito's answer | the sandbox's answer | source.
 *
 * @example
 * console.log(clientTokenErrorTableMarkdown());
 */
export function clientTokenErrorTableMarkdown(cases: readonly ClientTokenErrorCase[] = CLIENT_TOKEN_ERROR_CASES): string {
  return refusalTableMarkdown(cases, CLIENT_TOKEN_REFUSALS, (refusal) => `${refusal.status} \`${refusal.type}\``);
}
