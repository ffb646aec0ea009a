/**
 * The dual-token authorizer's deployment (function, role, log group, revocation deny-list parameter)
 * and its bundle, with the environment's policy compiled in. The runtime is lambdas/authorizer.
 */
export * from './authorizer-bundle';
export * from './client-registry-parameters';
export * from './dual-token-authorizer';
