/**
 * Documentation generated from the config and the permission model, so the README cannot disagree
 * with what is deployed: the README's generated regions (`npm run docs`) and what they render.
 */
export * from './readme-regions';
export * from './route-docs';
