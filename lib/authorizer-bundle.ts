import type { EnvironmentConfig } from './config/schema';
import { scopeRoles } from './config/schema';
import { bundleLambda, type LambdaBundle } from './lambda-bundle';
import type { AuthorizerPolicy } from '../lambdas/authorizer/policy';

export const AUTHORIZER_ENTRY = 'lambdas/authorizer/index.ts';

/** The part of an environment's config that the authorizer enforces: it travels in the bundle. */
export function authorizerPolicyOf(config: Pick<EnvironmentConfig, 'resourceServer' | 'userClient' | 'routes'>): AuthorizerPolicy {
  return {
    identifier: config.resourceServer.identifier,
    scopeRoles: scopeRoles(config),
    groupRoles: config.userClient?.groupRoles ?? {},
    routes: config.routes.map(({ method, path, permission }) => ({ method, path, permission })),
  };
}

/** The authorizer bundle for an environment, with its policy compiled in. */
export function bundleAuthorizer(config: Pick<EnvironmentConfig, 'resourceServer' | 'userClient' | 'routes'>): LambdaBundle {
  return bundleLambda({ entry: AUTHORIZER_ENTRY, define: { __M2M_AUTH_POLICY__: authorizerPolicyOf(config) } });
}
