/**
 * Access for pipelines: the deployer permission table (Terraform type -> IAM actions and ARNs) and the
 * policies generated from it for a synthesized stack; OIDC providers and the roles that GitHub Actions
 * and Terraform Cloud assume with their tokens.
 */
export * from './arn-context';
export * from './deployer-permissions';
export * from './deployer-policy';
export * from './github-actions-access';
export * from './oidc-provider';
export * from './pipeline-role';
export * from './synthesized-stack';
export * from './terraform-cloud-access';
