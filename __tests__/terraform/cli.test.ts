import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../scripts/terraform/cli';
import { parseOptions, USAGE, UsageError } from '../../scripts/terraform/options';
import { terraformPlatform } from '../../scripts/terraform/provider-source';

describe('parseOptions', () => {
  test('default setup', () => {
    expect(parseOptions([])).toEqual({ help: false, hcl: false, jobs: 2, keepWorkdir: false, skipIfUnavailable: false });
  });

  test('reads every option, with a space or an equals sign', () => {
    expect(parseOptions(['--stacks', 'dev,prod', '--jobs=1', '--plans-dir', 'plans', '--keep-workdir', '--skip-if-unavailable'])).toEqual({
      help: false,
      hcl: false,
      stacks: ['dev', 'prod'],
      jobs: 1,
      plansDir: 'plans',
      keepWorkdir: true,
      skipIfUnavailable: true,
    });
    expect(parseOptions(['--hcl', '--stacks=state-bootstrap'])).toMatchObject({ hcl: true, stacks: ['state-bootstrap'] });
  });

  test.each([
    [['--bogus'], 'unknown option --bogus'],
    [['dev'], 'unexpected argument "dev": stacks are chosen with --stacks dev'],
    [['--jobs', '0'], '--jobs: must be a whole number from 1 to 16; received "0"'],
    [['--jobs', 'two'], '--jobs: must be a whole number from 1 to 16; received "two"'],
    [['--stacks'], '--stacks: needs a value'],
    [['--stacks', '--hcl'], '--stacks: needs a value'],
    [['--stacks', 'Dev,prod'], '--stacks: must be stack names separated by commas, e.g. dev,prod; received "Dev,prod"'],
    [['--hcl=yes'], '--hcl: takes no value; received "yes"'],
    [['--hcl', '--plans-dir', 'plans'], '--plans-dir: the HCL check does not plan; drop --plans-dir or --hcl'],
  ])('fails when given %j', (argv, message) => {
    expect(() => parseOptions(argv)).toThrow(UsageError);
    expect(() => parseOptions(argv)).toThrow(message);
  });
});

describe('npm run validate (without terraform)', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'm2m-validate-cli-'));
  const noTerraform = path.join(tmp, 'empty-bin');
  const fakeTerraform = path.join(tmp, 'fake-bin');
  const emptyMirror = path.join(tmp, 'empty-mirror');
  const fakeMirror = path.join(tmp, 'fake-mirror');
  beforeAll(() => {
    fs.mkdirSync(noTerraform);
    fs.mkdirSync(fakeTerraform);
    // Answers `terraform version` only; every test below stops before any other command.
    fs.writeFileSync(path.join(fakeTerraform, 'terraform'), '#!/bin/sh\n[ "$1" = version ] && echo "Terraform v1.11.4" && exit 0\nexit 1\n', { mode: 0o755 });
    fs.mkdirSync(emptyMirror);
    fs.mkdirSync(path.join(fakeMirror, 'registry.terraform.io', 'hashicorp', 'aws', '5.100.0', terraformPlatform()), { recursive: true });
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  async function run(argv: string[], env: NodeJS.ProcessEnv) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) }, { ...process.env, TF_PROVIDER_MIRROR: '', ...env });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  test('--help prints the usage and exits 0', async () => {
    expect(await run(['--help'], {})).toEqual({ code: 0, out: USAGE, err: '' });
  });

  test('fails with exit 2, the option and the usage on a bad option', async () => {
    const result = await run(['--jobs', '-3'], {});
    expect(result.code).toBe(2);
    expect(result.err).toContain('validate: --jobs: must be a whole number from 1 to 16; received "-3"');
    expect(result.err).toContain('Usage: npm run validate');
  });

  test('fails with exit 1 when terraform is not on PATH', async () => {
    const result = await run([], { PATH: noTerraform });
    expect(result).toMatchObject({ code: 1, out: '' });
    expect(result.err).toMatch(/^validate: terraform not on PATH \(install Terraform >= 1\.5.*\); run with --skip-if-unavailable to skip instead$/);
  });

  test('--skip-if-unavailable prints SKIPPED and exits 0 when terraform is not on PATH', async () => {
    const result = await run(['--skip-if-unavailable'], { PATH: noTerraform });
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^SKIPPED: terraform not on PATH \(/);
  });

  test('fails with exit 1 when TF_PROVIDER_MIRROR holds no AWS provider', async () => {
    const result = await run(['--skip-if-unavailable'], { PATH: fakeTerraform, TF_PROVIDER_MIRROR: emptyMirror });
    expect(result.code).toBe(1);
    expect(result.err).toContain(`validate: TF_PROVIDER_MIRROR=${emptyMirror} holds no hashicorp/aws for`);
  });

  test('fails with exit 2 naming the stacks the app has when --stacks names another', async () => {
    const result = await run(['--stacks', 'dev,qa'], { PATH: `${fakeTerraform}${path.delimiter}${path.dirname(process.execPath)}`, TF_PROVIDER_MIRROR: fakeMirror });
    expect(result.code).toBe(2);
    expect(result.err).toContain('validate: --stacks: no stack named qa; the app synthesizes dev, pipeline-access-dev, pipeline-access-prod, pipeline-access-staging, prod, staging, state-bootstrap');
  }, 120_000);
});
