/**
 * Lambda code at synth time: esbuild bundles zipped deterministically, and one bundled Node.js Lambda
 * with its log group and least-privilege role, which every function of the stack uses.
 */
export * from './lambda-bundle';
export * from './node-lambda';
