import type { EnvironmentConfig } from '../config/schema';
import { scopeRoles } from '../config/schema';
import { bundleLambda, type LambdaBundle } from '../bundling/lambda-bundle';
import type { AuthorizerPolicy } from '../../lambdas/authorizer/policy';

export const AUTHORIZER_ENTRY = 'lambdas/authorizer/index.ts';

/**
 * The part of an environment's config that the authorizer enforces and that travels in the bundle. The
 * M2M clients do not: the authorizer reads them from the client registry at run time, so the bundle
 * does not change (nor grow) with them.
 */
type PolicySource = Pick<EnvironmentConfig, 'resourceServer' | 'userClient' | 'routes' | 'legacyApiKeys'>;

/**
 * What the authorizer enforces for an environment: scope and group roles, the user client's configured
 * scopes, routes, legacy callers.
 *
 * @example
 * authorizerPolicyOf(config).userClientScopes // => ['execute', 'admin']
 */
export function authorizerPolicyOf(config: PolicySource): AuthorizerPolicy {
  const legacy = config.legacyApiKeys.enabled ? config.legacyApiKeys.callers : [];
  return {
    identifier: config.resourceServer.identifier,
    scopeRoles: scopeRoles(config),
    groupRoles: config.userClient?.groupRoles ?? {},
    userClientScopes: config.userClient?.scopes ?? [],
    routes: config.routes.map(({ method, path, permission }) => [method, path, permission]),
    legacyCallers: Object.fromEntries(legacy.map((caller) => [caller.keySha256, { name: caller.name, role: caller.role }])),
  };
}

/** The authorizer bundle for an environment, with its policy compiled in. */
export function bundleAuthorizer(config: PolicySource): LambdaBundle {
  return bundleLambda({ entry: AUTHORIZER_ENTRY, define: { __M2M_AUTH_POLICY__: authorizerPolicyOf(config) } });
}
