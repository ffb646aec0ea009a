/**
 * Where an environment's Terraform state lives: S3 (SSE-KMS, S3-native locking) or a Terraform Cloud
 * workspace. The buckets themselves come from the state-bootstrap stack (lib/stacks).
 */
export * from './state-backend';
