import { Construct } from 'constructs';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import type { ResourceNaming } from '../terraform/naming';

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
 * secrets and the alarm topic. Its key policy delegates access to IAM (a service's role needs
 * `kms:Decrypt` on this key and `secretsmanager:GetSecretValue` on its own secret, nothing more) and
 * lets CloudWatch alarms publish to the encrypted topic of this account.
 */
export class EnvironmentKey extends Construct {
  readonly key: KmsKey;

  constructor(scope: Construct, id: string, props: EnvironmentKeyProps) {
    super(scope, id);
    const account = new DataAwsCallerIdentity(this, 'account');
    const partition = new DataAwsPartition(this, 'partition');
    // In a key policy, "*" means this key.
    const policy = new DataAwsIamPolicyDocument(this, 'policy', {
      statement: [
        {
          sid: 'DelegateToIam',
          actions: ['kms:*'],
          resources: ['*'],
          principals: [{ type: 'AWS', identifiers: [`arn:${partition.partition}:iam::${account.accountId}:root`] }],
        },
        {
          sid: 'CloudWatchAlarmsToEncryptedTopic',
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
          principals: [{ type: 'Service', identifiers: ['cloudwatch.amazonaws.com'] }],
          condition: [{ test: 'StringEquals', variable: 'aws:SourceAccount', values: [account.accountId] }],
        },
      ],
    });
    this.key = new KmsKey(this, 'key', {
      description: `Encrypts the M2M client secrets and alarm topic of ${props.naming.name()}`,
      policy: policy.json,
      enableKeyRotation: true,
      deletionWindowInDays: props.deletionWindowInDays ?? 30,
    });
    new KmsAlias(this, 'alias', { name: `alias/${props.naming.name('secrets')}`, targetKeyId: this.key.keyId });
  }
}
