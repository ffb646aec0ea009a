/**
 * Documentation generated from the config and the permission model, so the README cannot disagree
 * with what is deployed.
 */
export * from './route-docs';
