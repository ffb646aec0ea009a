/**
 * The two ways an M2M client gets tokens, and how an app client's Cognito settings express them: one
 * place for the config (lib/config/schema.ts), the flow function, the rotation Lambda and the sandbox.
 * Dependency-free.
 */

/**
 * `oauth2`: the client credentials grant at the hosted domain's `/oauth2/token`; `api`: Cognito's
 * `GetClientToken` at the regional endpoint (no domain).
 */
export const TOKEN_PATHS = ['oauth2', 'api'] as const;
export type TokenPath = (typeof TOKEN_PATHS)[number];

/** The paths of a client that names none (the config's default; a secret without `token_paths`). */
export const DEFAULT_TOKEN_PATHS: readonly TokenPath[] = ['oauth2'];

/** GetClientToken's explicit auth flow; it must be the app client's only one. The AWS SDKs' enum lacks it. */
export const CLIENT_TOKEN_FLOW = 'ALLOW_CLIENT_TOKEN_AUTH';

/**
 * The paths an app client serves, in {@link TOKEN_PATHS} order: `oauth2` when its AllowedOAuthFlows
 * contain `client_credentials`, `api` when its ExplicitAuthFlows contain {@link CLIENT_TOKEN_FLOW}.
 *
 * @example
 * tokenPathsOf({ AllowedOAuthFlows: ['client_credentials'], ExplicitAuthFlows: ['ALLOW_CLIENT_TOKEN_AUTH'] }); // ['oauth2', 'api']
 */
export function tokenPathsOf(client: { readonly AllowedOAuthFlows?: readonly string[]; readonly ExplicitAuthFlows?: readonly string[] }): TokenPath[] {
  const oauth2 = client.AllowedOAuthFlows?.includes('client_credentials') === true;
  const api = client.ExplicitAuthFlows?.includes(CLIENT_TOKEN_FLOW) === true;
  return [...(oauth2 ? ['oauth2' as const] : []), ...(api ? ['api' as const] : [])];
}
