/**
 * The environment config: its schema (zod; every rule and default), loading and validation of all
 * environments before anything is synthesized, the rules that span environments, and the wording of
 * every problem.
 */
export * from './load';
export * from './schema';
