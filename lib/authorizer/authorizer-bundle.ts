import type { EnvironmentConfig } from '../config/schema';
import { scopeRoles } from '../config/schema';
import { bundleLambda, type LambdaBundle } from '../bundling/lambda-bundle';
import type { AuthorizerPolicy } from '../../lambdas/authorizer/policy';

export const AUTHORIZER_ENTRY = 'lambdas/authorizer/index.ts';

/** The part of an environment's config that the authorizer enforces: it travels in the bundle. */
type PolicySource = Pick<EnvironmentConfig, 'resourceServer' | 'm2mClients' | 'userClient' | 'routes' | 'legacyApiKeys'>;

/**
 * What the authorizer enforces for an environment: scope and group roles, each client's configured
 * scopes (bare names, keyed by client name: client ids exist only after deploy), routes, legacy callers.
 *
 * @example
 * authorizerPolicyOf(config).clientScopes // => { 'billing-batch': ['read', 'execute'], ... }
 */
export function authorizerPolicyOf(config: PolicySource): AuthorizerPolicy {
  const legacy = config.legacyApiKeys.enabled ? config.legacyApiKeys.callers : [];
  return {
    identifier: config.resourceServer.identifier,
    scopeRoles: scopeRoles(config),
    groupRoles: config.userClient?.groupRoles ?? {},
    clientScopes: Object.fromEntries(config.m2mClients.map((client) => [client.name, client.scopes])),
    userClientScopes: config.userClient?.scopes ?? [],
    routes: config.routes.map(({ method, path, permission }) => [method, path, permission]),
    legacyCallers: Object.fromEntries(legacy.map((caller) => [caller.keySha256, { name: caller.name, role: caller.role }])),
  };
}

/** The authorizer bundle for an environment, with its policy compiled in. */
export function bundleAuthorizer(config: PolicySource): LambdaBundle {
  return bundleLambda({ entry: AUTHORIZER_ENTRY, define: { __M2M_AUTH_POLICY__: authorizerPolicyOf(config) } });
}
