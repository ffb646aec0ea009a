import { Construct } from 'constructs';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import type { ResourceNaming } from './naming';

export interface EnvironmentKeyProps {
  readonly naming: ResourceNaming;
  /**
   * Days KMS waits before deleting the key once it is scheduled for deletion.
   * @default 30
   */
  readonly deletionWindowInDays?: number;
}

/**
 * The environment's customer-managed KMS key (yearly rotation on), which encrypts the client
 * secrets. Its default key policy delegates access to IAM, so a service's role needs
 * `kms:Decrypt` on this key and `secretsmanager:GetSecretValue` on its own secret, nothing more.
 */
export class EnvironmentKey extends Construct {
  readonly key: KmsKey;

  constructor(scope: Construct, id: string, props: EnvironmentKeyProps) {
    super(scope, id);
    this.key = new KmsKey(this, 'key', {
      description: `Encrypts the M2M client secrets of ${props.naming.name()}`,
      enableKeyRotation: true,
      deletionWindowInDays: props.deletionWindowInDays ?? 30,
    });
    new KmsAlias(this, 'alias', { name: `alias/${props.naming.name('secrets')}`, targetKeyId: this.key.keyId });
  }
}
