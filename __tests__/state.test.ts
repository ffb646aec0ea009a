import { Testing } from 'cdktf';
import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { ConfigValidationError } from '../lib/config/load';
import { StateBootstrapStack, stateBucketsOf } from '../lib/state-bootstrap-stack';
import { environment, synthEnvironment, type TerraformJson } from './fixtures';

describe('state backend', () => {
  test('S3: encrypted, key per environment, S3-native locking', () => {
    const { tf } = synthEnvironment(environment({}, 'staging'));
    expect(tf.terraform.backend).toEqual({
      s3: { bucket: 'test-state-bucket', key: 'm2m-auth/staging/terraform.tfstate', region: 'eu-west-1', encrypt: true, use_lockfile: true },
    });
  });

  test('S3 with a DynamoDB lock table', () => {
    const { tf } = synthEnvironment(environment({ stateBackend: { type: 's3', bucket: 'test-state-bucket', region: 'eu-west-1', lockTable: 'tf-locks' } }));
    expect(tf.terraform.backend?.s3).toMatchObject({ dynamodb_table: 'tf-locks', use_lockfile: true, encrypt: true });
  });

  test('Terraform Cloud: one named workspace per environment', () => {
    const { tf } = synthEnvironment(environment({ stateBackend: { type: 'cloud', organization: 'acme', workspace: 'm2m-auth-prod' } }, 'prod'));
    expect(tf.terraform.backend).toBeUndefined();
    expect(tf.terraform.cloud).toEqual({ organization: 'acme', hostname: 'app.terraform.io', workspaces: { name: 'm2m-auth-prod' } });
  });
});

describe('StateBootstrapStack', () => {
  const buckets = stateBucketsOf([
    environment({}, 'dev'),
    environment({}, 'staging'),
    environment({ stateBackend: { type: 's3', bucket: 'prod-state', region: 'us-east-1', lockTable: 'prod-locks' } }, 'prod'),
    environment({ stateBackend: { type: 'cloud', organization: 'acme', workspace: 'x' } }, 'sandbox'),
  ]);
  const stack = new StateBootstrapStack(Testing.app(), 'state-bootstrap', { buckets, tags: { Project: 'm2m-auth' } });
  const synthesized = Testing.synth(stack);
  const tf = JSON.parse(synthesized) as TerraformJson;

  test('one bucket per distinct S3 backend, none for Terraform Cloud', () => {
    expect(buckets).toEqual([
      { bucket: 'prod-state', region: 'us-east-1', lockTable: 'prod-locks' },
      { bucket: 'test-state-bucket', region: 'eu-west-1', lockTable: undefined },
    ]);
    expect(Object.values(tf.resource.aws_s3_bucket).map((b) => b.bucket)).toEqual(['prod-state', 'test-state-bucket']);
  });

  test('its own state is local, so it never waits for the bucket it creates', () => {
    expect(tf.terraform.backend).toEqual({ local: { path: 'terraform.state-bootstrap.tfstate' } });
  });

  test('buckets are versioned, encrypted, private, TLS-only, and expire old versions', () => {
    expect(synthesized).toHaveResourceWithProperties(S3BucketVersioningA, { versioning_configuration: { status: 'Enabled' } });
    expect(synthesized).toHaveResourceWithProperties(S3BucketServerSideEncryptionConfigurationA, {
      rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: 'aws:kms' }, bucket_key_enabled: true }],
    });
    expect(synthesized).toHaveResourceWithProperties(S3BucketPublicAccessBlock, {
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(synthesized).toHaveResourceWithProperties(S3BucketLifecycleConfiguration, {
      rule: [expect.objectContaining({ status: 'Enabled', noncurrent_version_expiration: [{ noncurrent_days: 90 }] })],
    });
    const policy = tf.data!.aws_iam_policy_document.prod_state_tls_only as { statement: Array<Record<string, unknown>> };
    expect(policy.statement[0]).toMatchObject({
      effect: 'Deny',
      condition: [{ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] }],
    });
    expect(Object.values(tf.resource.aws_s3_bucket).every((b) => (b.lifecycle as { prevent_destroy: boolean }).prevent_destroy)).toBe(true);
  });

  test('a provider per region, and the lock table where one is configured', () => {
    expect(tf.provider.aws.map((p) => [p.region, p.alias])).toEqual([
      ['eu-west-1', undefined],
      ['us-east-1', 'us_east_1'],
    ]);
    expect(synthesized).toHaveResourceWithProperties(DynamodbTable, {
      name: 'prod-locks',
      hash_key: 'LockID',
      provider: 'aws.us_east_1',
      server_side_encryption: { enabled: true },
    });
  });

  test('fails when one bucket is configured in two regions', () => {
    const envs = [environment({}, 'dev'), environment({ stateBackend: { type: 's3', bucket: 'test-state-bucket', region: 'us-east-1' } }, 'prod')];
    expect(() => stateBucketsOf(envs)).toThrow(ConfigValidationError);
    expect(() => stateBucketsOf(envs)).toThrow('prod: stateBackend.region: bucket "test-state-bucket" is also used in eu-west-1');
  });
});
