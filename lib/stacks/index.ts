/**
 * The stacks, on top of everything else: one per environment (named after it), and state-bootstrap,
 * which creates the state buckets and their keys.
 */
export * from './m2m-auth-stack';
export * from './state-bootstrap-stack';
