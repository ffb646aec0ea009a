import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { awsProviderAliases, hclAwsPin, offlineOverride } from '../../scripts/terraform/hcl-override';
import { OFFLINE_PROVIDER_SETTINGS } from '../../scripts/terraform/offline-copy';
import { choosePin, compareVersions, mirrorVersions, terraformPlatform } from '../../scripts/terraform/provider-source';

describe('mirrorVersions', () => {
  const mirror = fs.mkdtempSync(path.join(os.tmpdir(), 'm2m-mirror-'));
  afterAll(() => fs.rmSync(mirror, { recursive: true, force: true }));

  test('reads unpacked and packed layouts for this platform only', () => {
    // GIVEN a mirror with 5.100.0 unpacked, 6.25.0 packed, and 5.99.0 for another platform only
    const aws = path.join(mirror, 'registry.terraform.io', 'hashicorp', 'aws');
    fs.mkdirSync(path.join(aws, '5.100.0', 'linux_amd64'), { recursive: true });
    fs.mkdirSync(path.join(aws, '5.99.0', 'plan9_mips'), { recursive: true });
    fs.writeFileSync(path.join(aws, 'terraform-provider-aws_6.25.0_linux_amd64.zip'), '');

    // THEN
    expect(mirrorVersions(mirror, 'hashicorp/aws', 'linux_amd64')).toEqual(['5.100.0', '6.25.0']);
    expect(mirrorVersions(mirror, 'hashicorp/archive', 'linux_amd64')).toEqual([]);
    expect(mirrorVersions(path.join(mirror, 'missing'))).toEqual([]);
  });

  test('names the platform the way Terraform does', () => {
    expect(terraformPlatform('linux', 'x64')).toBe('linux_amd64');
    expect(terraformPlatform('darwin', 'arm64')).toBe('darwin_arm64');
    expect(terraformPlatform('win32', 'x64')).toBe('windows_amd64');
  });
});

describe('choosePin', () => {
  test('keeps the stack pin when the mirror has it', () => {
    expect(choosePin('6.25.0', ['5.100.0', '6.25.0'])).toEqual({ version: '6.25.0', rewritten: false, reason: "the stack's own pin" });
  });

  test("rewrites to the mirror's only or newest version", () => {
    expect(choosePin('6.25.0', ['5.100.0'])).toEqual({ version: '5.100.0', rewritten: true, reason: "the mirror's only version" });
    expect(choosePin('6.25.0', ['5.100.0', '5.9.0'])).toEqual({ version: '5.100.0', rewritten: true, reason: "the mirror's newest version" });
  });

  test('fails when the mirror is empty', () => {
    expect(() => choosePin('6.25.0', [])).toThrow(/the provider mirror holds no version of hashicorp\/aws/);
  });

  test('compares versions numerically', () => {
    expect(['5.100.0', '5.9.1', '6.0.0', '5.10.0'].sort(compareVersions)).toEqual(['5.9.1', '5.10.0', '5.100.0', '6.0.0']);
  });
});

describe('HCL override', () => {
  const hcl = [
    'terraform {',
    'required_providers {',
    '  aws = {',
    'version = "6.25.0"',
    'source = "aws"',
    '}',
    '}',
    '}',
    'provider "aws" {',
    'region = "eu-west-1"',
    'default_tags {',
    'tags = {',
    'Note = "a } in a string"',
    '}',
    '}',
    '}',
    'provider "aws" {',
    'alias = "us"',
    'region = "us-east-1"',
    '}',
    'resource "aws_sns_topic" "t" {',
    'alias = "not a provider"',
    '}',
  ].join('\n');

  test('reads the pin and the provider blocks of cdktf HCL', () => {
    expect(hclAwsPin(hcl)).toBe('6.25.0');
    expect(awsProviderAliases(hcl)).toEqual([undefined, 'us']);
    expect(hclAwsPin('provider "aws" {}')).toBeUndefined();
  });

  test('pins the provider and gives each provider block dummy credentials', () => {
    expect(offlineOverride('5.100.0', [undefined, 'us'])).toEqual({
      terraform: { required_providers: { aws: { source: 'hashicorp/aws', version: '5.100.0' } } },
      provider: { aws: [{ ...OFFLINE_PROVIDER_SETTINGS }, { alias: 'us', ...OFFLINE_PROVIDER_SETTINGS }] },
    });
  });

  test('overrides no provider block that does not exist', () => {
    expect(offlineOverride(undefined, [])).toEqual({});
  });
});
