import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { OFFLINE_PROVIDER_SETTINGS, offlineCopy, OfflineCopyError, PLACEHOLDER_ACCOUNT_ID, prepareOfflineStack, type TerraformConfigJson } from '../../scripts/terraform/offline-copy';
import { environment, synthEnvironment } from '../fixtures';

/** Every string anywhere inside a JSON value. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

const synthesized = (overrides = {}) => JSON.parse(synthEnvironment(environment(overrides)).json) as TerraformConfigJson;

describe('offlineCopy', () => {
  test('default setup: local state, the mirror pin, dummy credentials, a literal account id', () => {
    // GIVEN the synthesized dev stack (S3 backend, aws 6.x pin, a caller identity for the key policy)
    const input = synthesized();
    const before = JSON.stringify(input);
    expect(strings(input).some((s) => s.includes('data.aws_caller_identity'))).toBe(true);

    // WHEN
    const { tf, pin, accountId, replacedReferences } = offlineCopy(input, { providerVersion: '5.100.0' });

    // THEN
    expect(tf.terraform?.backend).toBeUndefined();
    expect(tf.terraform?.required_providers?.aws).toEqual({ source: 'aws', version: '5.100.0' });
    expect(pin).toEqual({ from: '6.25.0', to: '5.100.0' });
    for (const block of tf.provider!.aws as Array<Record<string, unknown>>) expect(block).toMatchObject(OFFLINE_PROVIDER_SETTINGS);
    expect(accountId).toBe(PLACEHOLDER_ACCOUNT_ID);
    expect(tf.data?.aws_caller_identity).toBeUndefined();
    expect(strings(tf).filter((s) => s.includes('aws_caller_identity'))).toEqual([]);
    expect(replacedReferences).toBeGreaterThanOrEqual(2);
    expect(strings(tf.data)).toContain(`arn:\${data.aws_partition.secrets_key_partition.partition}:iam::${PLACEHOLDER_ACCOUNT_ID}:root`);
    expect(JSON.stringify(input)).toBe(before);
  });

  test('the account id comes from allowed_account_ids, which the copy drops', () => {
    const { tf, accountId } = offlineCopy(synthesized({ account: '111122223333' }), { providerVersion: '5.100.0' });
    expect(accountId).toBe('111122223333');
    expect(strings(tf.data)).toContain('111122223333');
    expect((tf.provider!.aws as Array<Record<string, unknown>>)[0].allowed_account_ids).toBeUndefined();
  });

  test('a Terraform Cloud backend is removed too', () => {
    const input = synthesized({ stateBackend: { type: 'cloud', organization: 'acme', workspace: 'm2m-auth-dev' } });
    expect(input.terraform?.cloud).toBeDefined();
    expect(offlineCopy(input).tf.terraform?.cloud).toBeUndefined();
  });

  test('without a provider version the pin is kept', () => {
    const { tf, pin } = offlineCopy(synthesized());
    expect(tf.terraform?.required_providers?.aws).toEqual({ source: 'aws', version: '6.25.0' });
    expect(pin).toBeUndefined();
  });

  test('assume_role and profiles are removed; references inside expressions and depends_on are handled', () => {
    // GIVEN a hand-written stack with the forms cdktf does not emit today
    const input: TerraformConfigJson = {
      terraform: { required_providers: { aws: { source: 'hashicorp/aws', version: '6.25.0' } } },
      provider: { aws: [{ region: 'eu-west-1', assume_role: [{ role_arn: 'arn:aws:iam::1:role/deployer' }], profile: 'prod' }, { alias: 'us', region: 'us-east-1' }] },
      data: { aws_caller_identity: { me: {} } },
      resource: {
        aws_ssm_parameter: {
          p: { name: 'x', value: '${join(":", ["acct", data.aws_caller_identity.me.account_id])}', depends_on: ['data.aws_caller_identity.me', 'aws_kms_key.k'] },
        },
      },
    };

    // WHEN
    const { tf } = offlineCopy(input, { providerVersion: '5.100.0' });

    // THEN
    const [main, us] = tf.provider!.aws as Array<Record<string, unknown>>;
    expect(main).toEqual({ region: 'eu-west-1', ...OFFLINE_PROVIDER_SETTINGS });
    expect(us).toEqual({ alias: 'us', region: 'us-east-1', ...OFFLINE_PROVIDER_SETTINGS });
    const parameter = (tf.resource as Record<string, Record<string, Record<string, unknown>>>).aws_ssm_parameter.p;
    expect(parameter.value).toBe(`\${join(":", ["acct", "${PLACEHOLDER_ACCOUNT_ID}"])}`);
    expect(parameter.depends_on).toEqual(['aws_kms_key.k']);
    expect(tf.data).toBeUndefined();
  });

  test('fails when a data.aws_caller_identity reference would be left behind', () => {
    const input: TerraformConfigJson = {
      data: { aws_caller_identity: { me: {} } },
      output: { caller: { value: '${data.aws_caller_identity.me.arn}' } },
    };
    expect(() => offlineCopy(input)).toThrow(OfflineCopyError);
    expect(() => offlineCopy(input)).toThrow(
      'output.caller.value: "${data.aws_caller_identity.me.arn}" still refers to data.aws_caller_identity, which needs AWS; only .account_id and .id can be replaced by a literal account id (1 such place)',
    );
  });
});

describe('prepareOfflineStack', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'm2m-offline-copy-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test('copies the stack with its assets and rewrites cdk.tf.json', () => {
    // GIVEN a stack directory with an asset
    const source = path.join(tmp, 'source');
    fs.mkdirSync(path.join(source, 'assets', 'code'), { recursive: true });
    fs.writeFileSync(path.join(source, 'assets', 'code', 'api.zip'), 'zip bytes');
    fs.writeFileSync(path.join(source, 'cdk.tf.json'), JSON.stringify(synthesized()));

    // WHEN
    const target = path.join(tmp, 'work', 'dev');
    prepareOfflineStack(source, target, { providerVersion: '5.100.0' });

    // THEN
    expect(fs.readFileSync(path.join(target, 'assets', 'code', 'api.zip'), 'utf8')).toBe('zip bytes');
    const written = JSON.parse(fs.readFileSync(path.join(target, 'cdk.tf.json'), 'utf8')) as TerraformConfigJson;
    expect(written.terraform?.backend).toBeUndefined();
    expect(written.terraform?.required_providers?.aws).toMatchObject({ version: '5.100.0' });
    expect(JSON.parse(fs.readFileSync(path.join(source, 'cdk.tf.json'), 'utf8')).terraform.backend).toBeDefined();
  });

  test('fails when the target directory already exists', () => {
    fs.mkdirSync(path.join(tmp, 'taken'));
    expect(() => prepareOfflineStack(path.join(tmp, 'source'), path.join(tmp, 'taken'))).toThrow(/taken: already exists; the offline copy needs a fresh directory/);
  });
});
