import * as path from 'node:path';
import { Construct } from 'constructs';
import { App, LocalBackend, TerraformOutput } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { ConfigValidationError } from '../config/load';
import type { EnvironmentConfig } from '../config/schema';
import { NamedStack } from '../terraform/named-stack';

/** The stack name: `npx cdktf deploy state-bootstrap`. */
export const STATE_BOOTSTRAP_STACK = 'state-bootstrap';

/** One state bucket (and optional lock table) that one or more environments use. */
export interface StateBucket {
  readonly bucket: string;
  readonly region: string;
  readonly lockTable?: string;
  /**
   * The key that encrypts the state: an `alias/...` name makes this stack create the key under that
   * alias; a key or alias ARN names a key that exists already (for example in another account).
   */
  readonly kmsKeyId: string;
}

export interface StateBootstrapStackProps {
  readonly buckets: readonly StateBucket[];
  /**
   * Where this stack's own (local) state lives, as an absolute path; the backend gets it relative to
   * the stack's output directory, so `rm -rf cdktf.out` never loses it.
   */
  readonly stateFile: string;
  /** Tags for every resource. */
  readonly tags: Readonly<Record<string, string>>;
  /**
   * Days an overwritten state version is kept.
   * @default 90
   */
  readonly noncurrentVersionDays?: number;
}

/**
 * Creates the S3 buckets that hold the environments' state, each with its customer-managed KMS key,
 * with its own state kept locally (`terraform.state-bootstrap.tfstate` in the project root), so it
 * runs once before the first `cdktf deploy dev` and never stands in its way: no environment stack
 * depends on it.
 */
export class StateBootstrapStack extends NamedStack {
  constructor(scope: Construct, id: string, props: StateBootstrapStackProps) {
    super(scope, id);
    // Terraform runs in <outdir>/stacks/<id>; a relative path keeps the JSON free of machine paths.
    const stackDir = path.resolve(App.of(this).outdir, 'stacks', id);
    new LocalBackend(this, { path: path.relative(stackDir, props.stateFile) });
    const regions = [...new Set(props.buckets.map((b) => b.region))].sort();
    const providers = new Map(
      regions.map((region, i) => [
        region,
        new AwsProvider(this, `aws_${region}`, {
          region,
          alias: i === 0 ? undefined : region.replace(/-/g, '_'),
          defaultTags: [{ tags: { ...props.tags } }],
        }),
      ]),
    );
    for (const stateBucket of props.buckets) {
      this.stateBucket(stateBucket, providers.get(stateBucket.region)!, props.noncurrentVersionDays ?? 90);
    }
  }

  private stateBucket(config: StateBucket, provider: AwsProvider, noncurrentVersionDays: number): void {
    const id = config.bucket.replace(/[^a-z0-9]/g, '_');
    const bucket = new S3Bucket(this, `${id}_bucket`, {
      provider,
      bucket: config.bucket,
      lifecycle: { preventDestroy: true },
    });
    const bucketId = bucket.id;
    new S3BucketOwnershipControls(this, `${id}_ownership`, {
      provider,
      bucket: bucketId,
      rule: { objectOwnership: 'BucketOwnerEnforced' },
    });
    new S3BucketVersioningA(this, `${id}_versioning`, {
      provider,
      bucket: bucketId,
      versioningConfiguration: { status: 'Enabled' },
    });
    new S3BucketServerSideEncryptionConfigurationA(this, `${id}_encryption`, {
      provider,
      bucket: bucketId,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: this.stateKey(id, config, provider) }, bucketKeyEnabled: true }],
    });
    new S3BucketPublicAccessBlock(this, `${id}_public_access`, {
      provider,
      bucket: bucketId,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    const tlsOnly = new DataAwsIamPolicyDocument(this, `${id}_tls_only`, {
      provider,
      statement: [
        {
          sid: 'DenyInsecureTransport',
          effect: 'Deny',
          actions: ['s3:*'],
          resources: [bucket.arn, `${bucket.arn}/*`],
          principals: [{ type: '*', identifiers: ['*'] }],
          condition: [{ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] }],
        },
      ],
    });
    new S3BucketPolicy(this, `${id}_policy`, { provider, bucket: bucketId, policy: tlsOnly.json });
    new S3BucketLifecycleConfiguration(this, `${id}_lifecycle`, {
      provider,
      bucket: bucketId,
      rule: [
        {
          id: 'expire-old-state-versions',
          status: 'Enabled',
          filter: [{ prefix: '' }],
          noncurrentVersionExpiration: [{ noncurrentDays: noncurrentVersionDays }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
      ],
    });
    new TerraformOutput(this, `${id}_arn`, { value: bucket.arn, description: `State bucket ${config.bucket}` });

    if (config.lockTable) {
      // Kept for a migration to S3-native locking only (see README "State").
      new DynamodbTable(this, `${id}_lock_table`, {
        provider,
        name: config.lockTable,
        billingMode: 'PAY_PER_REQUEST',
        hashKey: 'LockID',
        attribute: [{ name: 'LockID', type: 'S' }],
        serverSideEncryption: { enabled: true },
        pointInTimeRecovery: { enabled: true },
        deletionProtectionEnabled: true,
      });
    }
  }

  /** The state key: created under its alias, or the ARN of an existing key used as it is. */
  private stateKey(id: string, config: StateBucket, provider: AwsProvider): string {
    if (!config.kmsKeyId.startsWith('alias/')) return config.kmsKeyId;
    const key = new KmsKey(this, `${id}_key`, {
      provider,
      description: `Encrypts the Terraform state in s3://${config.bucket}`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      lifecycle: { preventDestroy: true },
    });
    new KmsAlias(this, `${id}_key_alias`, { provider, name: config.kmsKeyId, targetKeyId: key.keyId });
    new TerraformOutput(this, `${id}_key_arn`, {
      value: key.arn,
      description: `State key of ${config.bucket}; set stateBackend.kmsKeyId to it where the state is used from another account`,
    });
    return key.arn;
  }
}

/** The distinct S3 state buckets of the given environments (cloud-backed ones need none). */
export function stateBucketsOf(environments: readonly EnvironmentConfig[]): StateBucket[] {
  const buckets = new Map<string, StateBucket>();
  for (const env of environments) {
    const backend = env.stateBackend;
    if (backend.type !== 's3') continue;
    const existing = buckets.get(backend.bucket);
    if (existing && existing.region !== backend.region) {
      throw new ConfigValidationError([
        `${env.name}: stateBackend.region: bucket "${backend.bucket}" is also used in ${existing.region}; one bucket lives in one region, use the same region or another bucket; received "${backend.region}"`,
      ]);
    }
    if (existing && existing.kmsKeyId !== backend.kmsKeyId) {
      throw new ConfigValidationError([
        `${env.name}: stateBackend.kmsKeyId: bucket "${backend.bucket}" is also used with ${existing.kmsKeyId}; one bucket has one state key, use the same kmsKeyId; received "${backend.kmsKeyId}"`,
      ]);
    }
    buckets.set(backend.bucket, { bucket: backend.bucket, region: backend.region, kmsKeyId: backend.kmsKeyId, lockTable: existing?.lockTable ?? backend.lockTable });
  }
  return [...buckets.values()].sort((a, b) => a.bucket.localeCompare(b.bucket));
}
