import * as path from 'node:path';
import * as os from 'node:os';
import { App, Testing } from 'cdktf';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { ConfigValidationError } from '../lib/config/load';
import { StateBootstrapStack, stateBucketsOf } from '../lib/stacks/state-bootstrap-stack';
import { environment, synthEnvironment, type TerraformJson } from './fixtures';

describe('state backend', () => {
  test('S3: encrypted with the state key (not SSE-S3), key per environment, S3-native locking', () => {
    const { tf } = synthEnvironment(environment({}, 'staging'));
    expect(tf.terraform.backend).toEqual({
      s3: {
        bucket: 'test-state-bucket',
        key: 'm2m-auth/staging/terraform.tfstate',
        region: 'eu-west-1',
        encrypt: true,
        kms_key_id: 'alias/test-state-bucket-state',
        use_lockfile: true,
      },
    });
  });

  test('S3 with a state key of its own (e.g. in the account that holds the bucket)', () => {
    const kmsKeyId = 'arn:aws:kms:eu-west-1:444455556666:key/0c5e1f8a-6b36-4a8e-9f61-2d7f3c9b1e11';
    const { tf } = synthEnvironment(environment({ stateBackend: { type: 's3', bucket: 'test-state-bucket', region: 'eu-west-1', kmsKeyId } }));
    expect(tf.terraform.backend?.s3).toMatchObject({ kms_key_id: kmsKeyId, encrypt: true });
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
  const stack = new StateBootstrapStack(Testing.app(), 'state-bootstrap', { buckets, stateFile: path.resolve(__dirname, '..', 'terraform.state-bootstrap.tfstate'), tags: { Project: 'm2m-auth' } });
  const synthesized = Testing.synth(stack);
  const tf = JSON.parse(synthesized) as TerraformJson;

  test('one bucket per distinct S3 backend, none for Terraform Cloud', () => {
    expect(buckets).toEqual([
      { bucket: 'prod-state', region: 'us-east-1', kmsKeyId: 'alias/prod-state-state', lockTable: 'prod-locks' },
      { bucket: 'test-state-bucket', region: 'eu-west-1', kmsKeyId: 'alias/test-state-bucket-state', lockTable: undefined },
    ]);
    expect(Object.values(tf.resource.aws_s3_bucket).map((b) => b.bucket)).toEqual(['prod-state', 'test-state-bucket']);
  });

  test('its own state is local, in the project root: `rm -rf cdktf.out` cannot lose it', () => {
    // Terraform runs in <outdir>/stacks/state-bootstrap and resolves the path from there.
    const statePath = (tf.terraform.backend as { local: { path: string } }).local.path;
    expect(path.isAbsolute(statePath)).toBe(false);
    expect(path.resolve(App.of(stack).outdir, 'stacks', 'state-bootstrap', statePath)).toBe(path.resolve(__dirname, '..', 'terraform.state-bootstrap.tfstate'));
  });

  test('each bucket is encrypted with a customer-managed key of its own, created under the backend\'s alias', () => {
    expect(synthesized).toHaveResourceWithProperties(KmsKey, { enable_key_rotation: true, lifecycle: { prevent_destroy: true } });
    expect(synthesized).toHaveResourceWithProperties(KmsAlias, { name: 'alias/test-state-bucket-state', target_key_id: '${aws_kms_key.test_state_bucket_key.key_id}' });
    expect(synthesized).toHaveResourceWithProperties(KmsAlias, { name: 'alias/prod-state-state', provider: 'aws.us_east_1' });
  });

  test('a bucket whose backend names an existing key (an ARN) gets no new key', () => {
    const kmsKeyId = 'arn:aws:kms:eu-west-1:444455556666:key/0c5e1f8a-6b36-4a8e-9f61-2d7f3c9b1e11';
    const own = stateBucketsOf([environment({ stateBackend: { type: 's3', bucket: 'shared-state', region: 'eu-west-1', kmsKeyId } })]);
    const other = JSON.parse(Testing.synth(new StateBootstrapStack(Testing.app(), 'state-bootstrap', { buckets: own, stateFile: path.join(os.tmpdir(), 'x.tfstate'), tags: {} }))) as TerraformJson;
    expect(other.resource.aws_kms_key).toBeUndefined();
    expect(JSON.stringify(other.resource.aws_s3_bucket_server_side_encryption_configuration)).toContain(kmsKeyId);
  });

  test('fails when two environments use one bucket with different state keys', () => {
    expect(() =>
      stateBucketsOf([
        environment({}, 'dev'),
        environment({ stateBackend: { type: 's3', bucket: 'test-state-bucket', region: 'eu-west-1', kmsKeyId: 'alias/other' } }, 'prod'),
      ]),
    ).toThrow('prod: stateBackend.kmsKeyId: bucket "test-state-bucket" is also used with alias/test-state-bucket-state; one bucket has one state key');
  });

  test('buckets are versioned, encrypted, private, TLS-only, and expire old versions', () => {
    expect(synthesized).toHaveResourceWithProperties(S3BucketVersioningA, { versioning_configuration: { status: 'Enabled' } });
    expect(synthesized).toHaveResourceWithProperties(S3BucketServerSideEncryptionConfigurationA, {
      rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: 'aws:kms', kms_master_key_id: '${aws_kms_key.test_state_bucket_key.arn}' }, bucket_key_enabled: true }],
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
