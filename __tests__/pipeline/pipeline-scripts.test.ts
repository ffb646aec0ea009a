/**
 * The scripts the workflows call, run here the way a job runs them, on the dev stack with a prior
 * state in which the user pool must be replaced (needs terraform and TF_PROVIDER_MIRROR, else
 * SKIPPED): plan.sh, guard.sh, the sealed plan's trip from the plan job to the apply job (with a
 * stand-in `aws` for KMS), and apply.sh refusing a plan whose state moved on. Plus the small
 * scripts that need no terraform.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SAVED_PLAN_PURPOSE } from '../../lib/pipeline/deployer-policy';
import { open, seal, SEAL_PURPOSE, SealedPlanError, type Kms } from '../../scripts/pipeline/sealed-plan';
import { main as sealedPlan } from '../../scripts/pipeline/sealed-plan-cli';
import { editInstance } from '../../scripts/terraform/prior-state';
import { offlineTerraformAvailability, PROJECT_ROOT, testWithTerraform } from '../terraform/offline-terraform';
import { type DevStack, prepareDevStack } from './dev-prior-state';

const availability = offlineTerraformAvailability();
const terraformTest = testWithTerraform(availability, 'the pipeline scripts on a terraform plan of the dev stack');
const script = (name: string) => path.join(PROJECT_ROOT, 'scripts', 'pipeline', name);

function bash(args: string[], env: NodeJS.ProcessEnv, cwd = PROJECT_ROOT) {
  const run = spawnSync('bash', args, { cwd, env, encoding: 'utf8', timeout: 240_000 });
  return { status: run.status, out: `${run.stdout}${run.stderr}` };
}

/**
 * A stand-in for `aws kms` on PATH: generate-data-key and decrypt with KMS's contract (the
 * encryption context must match; the key id comes back as an ARN), logging each call.
 */
function fakeAws(dir: string): { bin: string; log: string } {
  const bin = path.join(dir, 'bin');
  const log = path.join(dir, 'aws-calls.log');
  fs.mkdirSync(bin, { recursive: true });
  fs.writeFileSync(
    path.join(bin, 'aws'),
    `#!/usr/bin/env node
const crypto = require('node:crypto');
const fs = require('node:fs');
const args = process.argv.slice(2);
const arg = (name) => args[args.indexOf(name) + 1];
fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify(args) + '\\n');
const master = crypto.createHash('sha256').update('fake kms master key').digest();
const context = Buffer.from(arg('--encryption-context') || '');
if (args[1] === 'generate-data-key') {
  const plaintext = crypto.randomBytes(32);
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', master, iv).setAAD(context);
  const blob = Buffer.concat([iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  console.log(JSON.stringify({ Plaintext: plaintext.toString('base64'), CiphertextBlob: blob.toString('base64'), KeyId: 'arn:aws:kms:' + arg('--region') + ':111111111111:key/0a1b2c3d' }));
} else if (args[1] === 'decrypt') {
  const blob = fs.readFileSync(arg('--ciphertext-blob').replace('fileb://', ''));
  try {
    const decipher = crypto.createDecipheriv('aes-256-gcm', master, blob.subarray(0, 12)).setAAD(context);
    decipher.setAuthTag(blob.subarray(blob.length - 16));
    const plaintext = Buffer.concat([decipher.update(blob.subarray(12, blob.length - 16)), decipher.final()]);
    console.log(JSON.stringify({ Plaintext: plaintext.toString('base64'), KeyId: arg('--key-id') }));
  } catch {
    console.error('An error occurred (InvalidCiphertextException) when calling the Decrypt operation: ');
    process.exit(254);
  }
} else { console.error('fake aws: unexpected ' + args.join(' ')); process.exit(2); }
`,
    { mode: 0o755 },
  );
  return { bin, log };
}

/** Every file under `dir` (relative paths) except `.terraform/`, with its bytes. */
function files(dir: string): Record<string, string> {
  const result: Record<string, string> = {};
  const walk = (sub: string) => {
    for (const entry of fs.readdirSync(path.join(dir, sub), { withFileTypes: true })) {
      const rel = path.join(sub, entry.name);
      if (rel === '.terraform') continue;
      if (entry.isDirectory()) walk(rel);
      else result[rel] = fs.readFileSync(path.join(dir, rel)).toString('base64');
    }
  };
  walk('');
  return result;
}

describe('pipeline scripts on a terraform plan of the dev stack (offline, provider mirror)', () => {
  // Made in beforeAll: jest runs no hook of a describe whose tests are all skipped.
  let work = '';
  let dev: DevStack | undefined;
  let env: NodeJS.ProcessEnv = {};
  let planned: { status: number | null; out: string } | undefined;
  const out = () => path.join(work, 'plan-out', 'dev');

  beforeAll(async () => {
    if (!availability.ok) return;
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'm2m-pipeline-scripts-test-'));
    dev = await prepareDevStack(availability, work);
    // The deployed state, as the S3 backend would hand it over: the pool signs in by phone number.
    const state = editInstance(dev.prior.state, 'aws_cognito_user_pool.identity_user_pool', (a) => {
      a.username_attributes = ['phone_number'];
    });
    fs.writeFileSync(path.join(dev.dir, 'terraform.tfstate'), JSON.stringify(state, null, 2));
    // Offline: providers from the mirror, and no refresh (it would ask AWS about every resource).
    env = { ...dev.env, TF_CLI_ARGS_init: `-plugin-dir=${dev.mirrorDir}`, TF_CLI_ARGS_plan: '-refresh=false' };
    planned = bash([script('plan.sh'), dev.dir, out()], env);
  }, 300_000);
  afterAll(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  terraformTest('plan.sh: plan.bin and plan.json beside the stack, the redacted plan text in the output directory', () => {
    expect(planned?.out).toContain('plan.sh: ');
    expect(planned?.status).toBe(0);
    expect(fs.readdirSync(out()).sort()).toEqual(['plan.txt']);
    const text = fs.readFileSync(path.join(out(), 'plan.txt'), 'utf8');
    expect(text.split('\n')[0]).toBe("Planned without refresh (-refresh=false): changes made outside Terraform are not shown; the deploy's plan refreshes.");
    expect(text).toContain('# aws_cognito_user_pool.identity_user_pool must be replaced');
    expect(text).toContain('(sensitive value)');
    expect(text).not.toContain('fake-secret-');
    const plan = JSON.parse(fs.readFileSync(path.join(dev!.dir, 'plan.json'), 'utf8')) as { resource_changes: unknown[] };
    expect(plan.resource_changes.length).toBeGreaterThan(50);
    expect(fs.existsSync(path.join(dev!.dir, 'plan.bin'))).toBe(true);
  });

  terraformTest('plan.sh: a failing plan leaves what terraform said in error.txt and fails the step', () => {
    const broken = path.join(work, 'broken');
    fs.mkdirSync(broken);
    const pin = { terraform: { required_providers: { aws: { source: 'hashicorp/aws', version: availability.ok ? availability.providerVersion : '' } } } };
    fs.writeFileSync(path.join(broken, 'cdk.tf.json'), JSON.stringify({ ...pin, resource: { aws_no_such_thing: { x: {} } } }));
    const run = bash([script('plan.sh'), broken, path.join(work, 'broken-out')], env);
    expect(run.status).toBe(1);
    expect(run.out).toContain('::error title=terraform plan failed::');
    const error = fs.readFileSync(path.join(work, 'broken-out', 'error.txt'), 'utf8');
    expect(error).toMatch(/^terraform plan failed in .*broken:\n\n/);
    expect(error).toContain('aws_no_such_thing');
    expect(fs.existsSync(path.join(broken, 'plan.bin'))).toBe(false);
  }, 120_000);

  terraformTest('guard.sh: exit 1 and guard.json for the pool replacement; with the label exit 0, and the verdict in the job summary', () => {
    const blocked = bash([script('guard.sh'), 'dev', dev!.dir, out()], env);
    expect(blocked.status).toBe(1);
    expect(blocked.out).toContain('plan-guard: BLOCKED (7 protected resources would be replaced or destroyed)');
    expect(JSON.parse(fs.readFileSync(path.join(out(), 'guard.json'), 'utf8'))).toMatchObject({ verdict: 'blocked', environment: 'dev' });

    const summary = path.join(work, 'step-summary.md');
    const labelled = bash([script('guard.sh'), 'dev', dev!.dir, out()], { ...env, PLAN_GUARD_ALLOW_LABEL: 'true', GITHUB_STEP_SUMMARY: summary, GITHUB_REPOSITORY: 'acme/m2m-auth', GITHUB_RUN_ID: '7', GITHUB_SHA: 'abc1234' });
    expect(labelled.status).toBe(0);
    const markdown = fs.readFileSync(summary, 'utf8');
    expect(markdown).toContain('## Plan of dev');
    expect(markdown).toContain('| ALLOWED BY LABEL | replace | `aws_cognito_user_pool.identity_user_pool` |');
    expect(markdown).toContain('# aws_cognito_user_pool.identity_user_pool must be replaced');
  }, 60_000);

  terraformTest('sealed plan: sealed in the plan job with the backend key, opened byte for byte in the apply job; not as another environment, not once changed', async () => {
    // The stack as the apply job gets it: the synthesized S3 backend (the offline copy dropped it).
    const planJob = path.join(work, 'plan-job');
    fs.cpSync(dev!.dir, planJob, { recursive: true, filter: (src) => !src.includes(`${path.sep}.terraform${path.sep}`) && !src.endsWith(`${path.sep}.terraform`) });
    const tf = JSON.parse(fs.readFileSync(path.join(planJob, 'cdk.tf.json'), 'utf8')) as { terraform: Record<string, unknown> };
    tf.terraform.backend = { s3: { bucket: 'example-m2m-auth-tfstate', key: 'm2m-auth/dev/terraform.tfstate', region: 'eu-west-1', kms_key_id: 'alias/example-m2m-auth-tfstate-state', encrypt: true } };
    fs.writeFileSync(path.join(planJob, 'cdk.tf.json'), JSON.stringify(tf));
    const aws = fakeAws(work);
    const cliEnv = { ...env, PATH: `${aws.bin}${path.delimiter}${env.PATH}` };
    const messages: string[] = [];
    const io = { out: (t: string) => messages.push(t), err: (t: string) => messages.push(t) };
    const sealed = path.join(work, 'sealed', 'dev.sealed');

    expect(await sealedPlan(['seal', '--environment', 'dev', '--stack-dir', planJob, '--file', sealed], io, cliEnv)).toBe(0);
    const applyJob = path.join(work, 'apply-job', 'cdktf.out', 'stacks', 'dev');
    expect(await sealedPlan(['open', '--environment', 'dev', '--stack-dir', applyJob, '--file', sealed], io, cliEnv)).toBe(0);
    expect(files(applyJob)).toEqual(files(planJob));
    expect(Object.keys(files(applyJob))).toEqual(expect.arrayContaining(['cdk.tf.json', '.terraform.lock.hcl', 'plan.bin', expect.stringMatching(/^assets\/authorizer_code\/.+\.zip$/)]));
    // Nothing in clear: not the plan's secrets, not the zip's name.
    const bytes = fs.readFileSync(sealed);
    expect(bytes.includes(Buffer.from('fake-secret-'))).toBe(false);
    expect(bytes.includes(Buffer.from('cdk.tf.json'))).toBe(false);
    const calls = fs.readFileSync(aws.log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as string[]);
    expect(calls[0]).toEqual(['kms', 'generate-data-key', '--key-id', 'alias/example-m2m-auth-tfstate-state', '--key-spec', 'AES_256', '--encryption-context', '{"purpose":"m2m-auth-saved-plan","environment":"dev"}', '--region', 'eu-west-1', '--output', 'json']);
    expect(calls[1].slice(0, 2)).toEqual(['kms', 'decrypt']);

    messages.length = 0;
    expect(await sealedPlan(['open', '--environment', 'prod', '--stack-dir', path.join(work, 'prod'), '--file', sealed], io, cliEnv)).toBe(1);
    expect(messages).toEqual(['sealed-plan: sealed plan: sealed for {"purpose":"m2m-auth-saved-plan","environment":"dev"}, not for {"purpose":"m2m-auth-saved-plan","environment":"prod"}: apply each environment\'s own plan']);
    const changed = Buffer.from(bytes);
    changed[changed.length - 100] ^= 1;
    fs.writeFileSync(`${sealed}.changed`, changed);
    messages.length = 0;
    expect(await sealedPlan(['open', '--environment', 'dev', '--stack-dir', path.join(work, 'changed'), '--file', `${sealed}.changed`], io, cliEnv)).toBe(1);
    expect(messages).toEqual(['sealed-plan: sealed plan: it was changed after sealing (authentication failed)']);
    expect(fs.existsSync(path.join(work, 'changed'))).toBe(false);
  }, 60_000);

  terraformTest('apply.sh applies only the saved plan, and terraform refuses it once the state moved on (stale plan)', () => {
    const stateFile = path.join(dev!.dir, 'terraform.tfstate');
    const state = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as { serial: number };
    // Another deploy wrote the state after the plan was made.
    fs.writeFileSync(stateFile, JSON.stringify({ ...state, serial: state.serial + 1 }, null, 2));
    const before = fs.readFileSync(stateFile, 'utf8');
    const run = bash([script('apply.sh'), dev!.dir], { ...env, AWS_MAX_ATTEMPTS: '1' });
    expect(run.status).toBe(1);
    expect(run.out).toContain('Saved plan is stale');
    expect(run.out).toContain('::error title=The reviewed plan is stale::');
    expect(fs.readFileSync(stateFile, 'utf8')).toBe(before);
  }, 180_000);
});

describe('sealed plan (crypto, with an in-memory KMS)', () => {
  /** KMS's contract in memory: the data key comes back only under the same context. */
  const kms: Kms = {
    async generateDataKey(keyId, context) {
      const plaintext = Buffer.alloc(32, 7);
      return { plaintext: Buffer.from(plaintext), ciphertext: Buffer.from(JSON.stringify({ context, key: plaintext.toString('base64') })), keyId: `arn:aws:kms:eu-west-1:111111111111:key/${keyId}` };
    },
    async decrypt(ciphertext, _keyId, context) {
      const stored = JSON.parse(ciphertext.toString()) as { context: unknown; key: string };
      if (JSON.stringify(stored.context) !== JSON.stringify(context)) throw new Error('InvalidCiphertextException');
      return Buffer.from(stored.key, 'base64');
    },
  };

  test("the encryption context is the one the roles' policies allow (SavedPlanKey in lib/pipeline/deployer-policy.ts)", () => {
    expect(SEAL_PURPOSE).toBe(SAVED_PLAN_PURPOSE);
  });

  test('round trip; a fresh IV each time', async () => {
    const data = Buffer.from('plan.bin bytes');
    const a = await seal(data, kms, { keyId: 'k', environment: 'prod' });
    const b = await seal(data, kms, { keyId: 'k', environment: 'prod' });
    expect(a.equals(b)).toBe(false);
    expect((await open(a, kms, { environment: 'prod' })).toString()).toBe('plan.bin bytes');
  });

  test('fails when the header was edited to claim another environment: KMS and GCM both refuse', async () => {
    const sealed = (await seal(Buffer.from('x'), kms, { keyId: 'k', environment: 'staging' })).toString('latin1');
    const forged = Buffer.from(sealed.replace('"environment":"staging"', '"environment":"prod"'), 'latin1');
    await expect(open(forged, kms, { environment: 'prod' })).rejects.toThrow('InvalidCiphertextException');
  });

  test('fails on something that is not sealed', async () => {
    await expect(open(Buffer.from('PK\u0003\u0004 a zip'), kms, { environment: 'dev' })).rejects.toThrow(new SealedPlanError('not a sealed plan (it does not start with M2MSEAL1)'));
  });

  test('fails when the stack has no S3 backend, naming why', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'm2m-seal-'));
    try {
      fs.writeFileSync(path.join(dir, 'cdk.tf.json'), JSON.stringify({ terraform: { cloud: { organization: 'acme' } } }));
      const err: string[] = [];
      expect(await sealedPlan(['seal', '--environment', 'dev', '--stack-dir', dir, '--file', path.join(dir, 'x.sealed')], { out: () => undefined, err: (t) => err.push(t) })).toBe(1);
      expect(err).toEqual([`sealed-plan: ${dir}/cdk.tf.json: the backend is none (cloud or local), not s3: sealed plans use the S3 backend's KMS key (stateBackend.kmsKeyId)`]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('small pipeline scripts', () => {
  const base = { PATH: process.env.PATH ?? '', HOME: os.tmpdir() };

  test('preflight.sh names a missing repository variable and a wrong ref, and passes when both are right', () => {
    const bad = bash([script('preflight.sh'), '--ref', 'refs/heads/main', '--var', 'PROD_DEPLOY_ROLE_ARN', ''], { ...base, GITHUB_REF: 'refs/heads/feature' });
    expect(bad.status).toBe(1);
    expect(bad.out.trim().split('\n')).toEqual([
      '::error title=Wrong ref::this workflow deploys from refs/heads/main only; it runs on refs/heads/feature',
      '::error title=Repository variable PROD_DEPLOY_ROLE_ARN is not set::set it under Settings > Secrets and variables > Actions > Variables (README: Pipelines (GitHub Actions))',
    ]);
    expect(bash([script('preflight.sh'), '--ref', 'refs/heads/main', '--var', 'PROD_DEPLOY_ROLE_ARN', 'arn:aws:iam::333333333333:role/deploy'], { ...base, GITHUB_REF: 'refs/heads/main' }).status).toBe(0);
    expect(bash([script('preflight.sh'), '--var', 'ONLY_A_NAME'], base).status).toBe(2);
  });

  test('stack-region.sh reads the synthesized provider region', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'm2m-region-'));
    try {
      fs.writeFileSync(path.join(dir, 'cdk.tf.json'), JSON.stringify({ provider: { aws: [{ region: 'eu-central-1' }] } }));
      const output = path.join(dir, 'github-output');
      expect(bash([script('stack-region.sh'), dir], { ...base, GITHUB_OUTPUT: output })).toMatchObject({ status: 0, out: 'region=eu-central-1\n' });
      expect(fs.readFileSync(output, 'utf8')).toBe('region=eu-central-1\n');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('merged-pr-label.sh: true only when the merged pull request of the commit carries the label', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'm2m-label-'));
    try {
      // A stand-in gh: answers the commit's pull requests, already filtered by the --jq expression.
      fs.writeFileSync(path.join(dir, 'gh'), '#!/usr/bin/env bash\necho "$*" >>"$GH_CALLS"\nprintf "%s\\n" $FAKE_LABELS\n', { mode: 0o755 });
      const env = { ...base, PATH: `${dir}${path.delimiter}${base.PATH}`, GH_CALLS: path.join(dir, 'calls'), GITHUB_REPOSITORY: 'acme/m2m-auth', GITHUB_SHA: 'abc123', GITHUB_EVENT_NAME: 'push' };
      expect(bash([script('merged-pr-label.sh'), 'allow-destructive-plan'], { ...env, FAKE_LABELS: 'docs allow-destructive-plan' }).out).toContain('allow_label=true');
      expect(bash([script('merged-pr-label.sh'), 'allow-destructive-plan'], { ...env, FAKE_LABELS: 'allow-destructive-plan-not' }).out).toBe('allow_label=false\n');
      expect(bash([script('merged-pr-label.sh'), 'allow-destructive-plan'], { ...env, GITHUB_EVENT_NAME: 'workflow_dispatch', FAKE_LABELS: 'allow-destructive-plan' }).out).toBe('allow_label=false\n');
      expect(fs.readFileSync(path.join(dir, 'calls'), 'utf8').trim().split('\n')[0]).toBe("api repos/acme/m2m-auth/commits/abc123/pulls --jq .[] | select(.merged_at != null) | .labels[].name");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
