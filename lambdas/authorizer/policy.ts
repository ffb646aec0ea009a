import type { Role, Route } from './permission-model';

/**
 * The environment's permission model as the authorizer needs it. It reaches the Lambda inside its
 * bundle (esbuild `define` of `__M2M_AUTH_POLICY__`, see lib/bundling/lambda-bundle.ts), not through
 * environment variables, which are limited to 4 KB. The M2M clients and their scopes are not in it:
 * they are read at run time from the client registry (client-registry.ts), so the bundle's size does
 * not grow with the number of clients.
 */
export interface AuthorizerPolicy {
  /** Resource server identifier: scopes are `<identifier>/<name>`. */
  readonly identifier: string;
  readonly scopeRoles: Readonly<Record<string, Role>>;
  readonly groupRoles: Readonly<Record<string, Role>>;
  /** The scope names the user client is configured for (`userClient.scopes`); empty without one. */
  readonly userClientScopes: readonly string[];
  /** The route table, as `[method, path, permission]` tuples: half the bytes of `Route` objects in the bundle. */
  readonly routes: ReadonlyArray<readonly [Route['method'], Route['path'], Route['permission']]>;
  /**
   * Legacy API-key callers while the migration is on, keyed by the hex SHA-256 of their key (the keys
   * themselves are never in the config or the bundle). Empty when the migration is off.
   */
  readonly legacyCallers: Readonly<Record<string, { readonly name: string; readonly role: Role }>>;
}

declare const __M2M_AUTH_POLICY__: AuthorizerPolicy | undefined;

/** The policy bundled at synth time; throws when the code runs unbundled. */
export function bundledPolicy(): AuthorizerPolicy {
  if (typeof __M2M_AUTH_POLICY__ === 'undefined') throw new Error('no bundled policy: build the authorizer with lib/authorizer/authorizer-bundle.ts');
  return __M2M_AUTH_POLICY__;
}
