/**
 * CDKTF plumbing shared by every construct: readable Terraform addresses, physical names and AWS
 * description limits, replace triggers, and what happens to cdktf.out after a synth.
 */
export * from './named-stack';
export * from './naming';
export * from './replace-trigger';
export * from './synth-output';
