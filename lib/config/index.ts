/**
 * The environment config: its schema (zod; every rule and default; `pipeline-schema.ts` for the
 * optional `pipeline` block), loading and validation of all environments before anything is
 * synthesized, the rules that span environments, and the wording of every problem.
 */
export * from './load';
export * from './pipeline-schema';
export * from './schema';
export * from './gateway-cache';
