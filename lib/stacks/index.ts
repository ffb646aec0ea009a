/**
 * The stacks, on top of everything else: one per environment (named after it), state-bootstrap,
 * which creates the state buckets and their keys, and pipeline-access-<env> for environments with
 * `pipeline` (the roles CI systems assume).
 */
export * from './m2m-auth-stack';
export * from './state-bootstrap-stack';
export * from './pipeline-access-stack';
