import { CloudBackend, NamedCloudWorkspace, S3Backend, type TerraformStack } from 'cdktf';
import type { StateBackendConfig } from '../config/schema';

/** The S3 object key of an environment's state: `<keyPrefix>/<environment>/terraform.tfstate`. */
export function stateKey(keyPrefix: string, environment: string): string {
  return `${keyPrefix}/${environment}/terraform.tfstate`;
}

/**
 * Points the stack's state at S3 (SSE-KMS with the state key, S3-native locking, optional DynamoDB
 * lock table during a migration) or at a Terraform Cloud workspace.
 */
export function configureStateBackend(stack: TerraformStack, environment: string, backend: StateBackendConfig): void {
  if (backend.type === 's3') {
    new S3Backend(stack, {
      bucket: backend.bucket,
      key: stateKey(backend.keyPrefix, environment),
      region: backend.region,
      encrypt: true,
      // Without it, encrypt means SSE-S3, not the key the bootstrap stack made for the state.
      kmsKeyId: backend.kmsKeyId,
      dynamodbTable: backend.lockTable,
    });
    // S3-native locking (Terraform >= 1.10); cdktf 0.21 has no typed prop for it.
    stack.addOverride('terraform.backend.s3.use_lockfile', true);
    return;
  }
  new CloudBackend(stack, {
    organization: backend.organization,
    hostname: backend.hostname,
    workspaces: new NamedCloudWorkspace(backend.workspace),
  });
}
