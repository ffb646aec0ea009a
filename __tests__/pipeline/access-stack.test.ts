import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Testing } from 'cdktf';
import { IamOpenidConnectProvider } from '@cdktf/provider-aws/lib/iam-openid-connect-provider';
import { loadEnvironments } from '../../lib/config/load';
import type { EnvironmentConfig } from '../../lib/config/schema';
import type { PolicyDocument } from '../../lib/pipeline';
import { M2mAuthStack } from '../../lib/stacks/m2m-auth-stack';
import { PipelineAccessStack } from '../../lib/stacks/pipeline-access-stack';
import { environment, environmentInput, runSynth, type TerraformJson } from '../fixtures';
import { READ_ONLY_ACTION } from './stack-variants';

interface Synthesized {
  readonly json: string;
  readonly tf: TerraformJson;
}

/** Synthesizes the environment's stack and its access stack in one app, as main.ts does; returns the access stack. */
function synthAccess(config: EnvironmentConfig): Synthesized {
  const app = Testing.app();
  const environmentStack = new M2mAuthStack(app, { config });
  const json = Testing.synth(new PipelineAccessStack(app, { config, environmentStack }));
  return { json, tf: JSON.parse(json) as TerraformJson };
}

interface TrustStatement {
  actions: string[];
  principals: Array<{ type: string; identifiers: string[] }>;
  condition: Array<{ test: string; variable: string; values: string[] }>;
}

/** The trust policy statement of a role, from its data.aws_iam_policy_document. */
function trustOf(tf: TerraformJson, role: string): TrustStatement {
  const reference = String(tf.resource.aws_iam_role[role].assume_role_policy);
  const name = /^\$\{data\.aws_iam_policy_document\.([\w-]+)\.json\}$/.exec(reference)![1];
  const statements = tf.data!.aws_iam_policy_document[name].statement as TrustStatement[];
  expect(statements).toHaveLength(1);
  return statements[0];
}

/** The policy documents attached to a role, in attachment order. */
function policiesOf(tf: TerraformJson, role: string): PolicyDocument[] {
  return Object.values(tf.resource.aws_iam_role_policy_attachment)
    .filter((attachment) => attachment.role === `\${aws_iam_role.${role}.name}`)
    .map((attachment) => /^\$\{aws_iam_policy\.([\w-]+)\.arn\}$/.exec(String(attachment.policy_arn))![1])
    .map((policy) => JSON.parse(String(tf.resource.aws_iam_policy[policy].policy)) as PolicyDocument);
}

/** Runs `npm run deployer-policy` the way a person does (node + tsx, the shipped config); returns the parsed JSON. */
function deployerPolicyCli(args: string[]): PolicyDocument[] {
  const env = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('M2M_AUTH_')) delete env[name];
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/deployer-policy.ts', ...args], { cwd: path.resolve(__dirname, '..', '..'), env, encoding: 'utf8' });
  expect(result.stderr).toMatch(/^deployer-policy: /);
  expect(result.status).toBe(0);
  const printed = JSON.parse(result.stdout) as PolicyDocument | PolicyDocument[];
  return Array.isArray(printed) ? printed : [printed];
}

const shippedDev = loadEnvironments({}).find((env) => env.name === 'dev')!;

describe('PipelineAccessStack (GitHub Actions, shipped dev)', () => {
  const { json, tf } = synthAccess(shippedDev);

  test('the plan role is trusted only for pull requests of the repository and jobs of its deploy branch', () => {
    expect(trustOf(tf, 'github_plan_role')).toEqual({
      sid: 'OidcFederation',
      actions: ['sts:AssumeRoleWithWebIdentity'],
      principals: [{ type: 'Federated', identifiers: ['${aws_iam_openid_connect_provider.github_oidc_provider.arn}'] }],
      condition: [
        { test: 'StringEquals', variable: 'token.actions.githubusercontent.com:aud', values: ['sts.amazonaws.com'] },
        { test: 'StringEquals', variable: 'token.actions.githubusercontent.com:sub', values: ['repo:example-org/m2m-auth:pull_request', 'repo:example-org/m2m-auth:ref:refs/heads/main'] },
      ],
    });
  });

  test('the deploy role is trusted only for the GitHub environment, on the deploy branch, from a workflow of that branch', () => {
    expect(trustOf(tf, 'github_deploy_role').condition).toEqual([
      { test: 'StringEquals', variable: 'token.actions.githubusercontent.com:aud', values: ['sts.amazonaws.com'] },
      { test: 'StringEquals', variable: 'token.actions.githubusercontent.com:sub', values: ['repo:example-org/m2m-auth:environment:dev'] },
      { test: 'StringEquals', variable: 'token.actions.githubusercontent.com:ref', values: ['refs/heads/main'] },
      { test: 'StringLike', variable: 'token.actions.githubusercontent.com:job_workflow_ref', values: ['example-org/m2m-auth/.github/workflows/*@refs/heads/main'] },
    ]);
  });

  test('the account\'s GitHub OIDC provider, for the audience of aws-actions/configure-aws-credentials', () => {
    expect(json).toHaveResourceWithProperties(IamOpenidConnectProvider, { url: 'https://token.actions.githubusercontent.com', client_id_list: ['sts.amazonaws.com'] });
  });

  test('roles are named after the environment, with sessions of one hour at most', () => {
    expect(Object.values(tf.resource.aws_iam_role).map((role) => [role.name, role.max_session_duration])).toEqual([
      ['m2m-auth-dev-github-deploy', 3600],
      ['m2m-auth-dev-github-plan', 3600],
    ]);
  });

  test('no policy grants an action with a wildcard', () => {
    const actions = Object.values(tf.resource.aws_iam_policy).flatMap((p) => (JSON.parse(String(p.policy)) as PolicyDocument).Statement.flatMap((s) => s.Action));
    expect(actions.length).toBeGreaterThan(100);
    expect(actions.filter((action) => action.includes('*'))).toEqual([]);
  });

  test('the plan role has no write action: reads only, the state lock, and sealing its saved plan', () => {
    const statements = policiesOf(tf, 'github_plan_role').flatMap((d) => d.Statement);
    const writes = statements.flatMap((s) => s.Action.filter((a) => !READ_ONLY_ACTION.test(a)).map((a) => `${s.Sid}: ${a}`));
    expect(writes.sort()).toEqual([
      'SavedPlanKey: kms:GenerateDataKey',
      // kms:Decrypt reads secrets (through Secrets Manager) and the state (through S3).
      'SecretsKey: kms:Decrypt',
      'StateKey: kms:Decrypt',
      'StateKey: kms:GenerateDataKey',
      'StateLock: s3:DeleteObject',
      'StateLock: s3:PutObject',
    ]);
    expect(statements.find((s) => s.Sid === 'StateLock')?.Resource).toBe('arn:aws:s3:::example-m2m-auth-tfstate/m2m-auth/dev/terraform.tfstate.tflock');
    expect(statements.find((s) => s.Sid === 'StateKey')?.Condition).toMatchObject({ StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } });
    expect(statements.find((s) => s.Sid === 'SavedPlanKey')?.Condition).toMatchObject({ StringEquals: { 'kms:EncryptionContext:environment': 'dev' } });
    expect(statements.find((s) => s.Sid === 'StateObject')?.Action).toEqual(['s3:GetObject']);
  });

  test("the deploy role's policies are exactly what npm run deployer-policy prints", () => {
    expect(policiesOf(tf, 'github_deploy_role')).toEqual(deployerPolicyCli(['dev']));
  });

  test("the plan role's policies are exactly what npm run deployer-policy -- --read-only prints", () => {
    expect(policiesOf(tf, 'github_plan_role')).toEqual(deployerPolicyCli(['dev', '--read-only']));
  });

  test('outputs are the role ARNs, nothing else', () => {
    expect(tf.output).toEqual({
      github_plan_role_arn: expect.objectContaining({ value: '${aws_iam_role.github_plan_role.arn}' }),
      github_deploy_role_arn: expect.objectContaining({ value: '${aws_iam_role.github_deploy_role.arn}' }),
    });
  });

  test("its state sits beside the environment's, in its own key, out of the deploy role's reach", () => {
    expect(tf.terraform.backend?.s3).toMatchObject({ key: 'm2m-auth/pipeline-access-dev/terraform.tfstate', bucket: 'example-m2m-auth-tfstate', encrypt: true, use_lockfile: true });
    const stateResources = policiesOf(tf, 'github_deploy_role').flatMap((d) => d.Statement).flatMap((s) => [s.Resource].flat()).filter((r) => r.startsWith('arn:aws:s3:::'));
    expect(stateResources.filter((r) => r.includes('pipeline-access'))).toEqual([]);
  });
});

describe('PipelineAccessStack (Terraform Cloud, provider owned elsewhere)', () => {
  const config = environment(
    {
      account: '123456789012',
      stateBackend: { type: 'cloud', organization: 'acme', workspace: 'm2m-auth-prod' },
      pipeline: {
        terraformCloud: { organization: 'acme', project: 'Platform', manageOidcProvider: false },
        github: { repository: 'acme/m2m-auth', environment: 'production', deployBranch: 'release/v1', manageOidcProvider: false },
      },
    },
    'prod',
  );
  const { tf } = synthAccess(config);

  test('plan and apply phases of the workspace\'s runs assume separate roles', () => {
    const subject = (role: string) => trustOf(tf, role).condition;
    expect(subject('tfc_plan_role')).toEqual([
      { test: 'StringEquals', variable: 'app.terraform.io:aud', values: ['aws.workload.identity'] },
      { test: 'StringEquals', variable: 'app.terraform.io:sub', values: ['organization:acme:project:Platform:workspace:m2m-auth-prod:run_phase:plan'] },
    ]);
    expect(subject('tfc_apply_role')).toEqual([
      { test: 'StringEquals', variable: 'app.terraform.io:aud', values: ['aws.workload.identity'] },
      { test: 'StringEquals', variable: 'app.terraform.io:sub', values: ['organization:acme:project:Platform:workspace:m2m-auth-prod:run_phase:apply'] },
    ]);
    expect(policiesOf(tf, 'tfc_plan_role')).toEqual(policiesOf(tf, 'github_plan_role'));
    expect(policiesOf(tf, 'tfc_apply_role')).toEqual(policiesOf(tf, 'github_deploy_role'));
  });

  test('providers owned by another stack are referenced by the ARN IAM gives them, without a lookup', () => {
    expect(tf.resource.aws_iam_openid_connect_provider).toBeUndefined();
    expect(trustOf(tf, 'tfc_apply_role').principals).toEqual([{ type: 'Federated', identifiers: ['arn:aws:iam::123456789012:oidc-provider/app.terraform.io'] }]);
    expect(trustOf(tf, 'github_deploy_role').principals).toEqual([{ type: 'Federated', identifiers: ['arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com'] }]);
    expect(trustOf(tf, 'github_deploy_role').condition.map((c) => c.values[0])).toEqual([
      'sts.amazonaws.com',
      'repo:acme/m2m-auth:environment:production',
      'refs/heads/release/v1',
      'acme/m2m-auth/.github/workflows/*@refs/heads/release/v1',
    ]);
  });

  test("its state lives in a workspace of its own, beside the environment's", () => {
    expect(tf.terraform.cloud).toEqual({ organization: 'acme', hostname: 'app.terraform.io', workspaces: { name: 'm2m-auth-prod-pipeline-access' } });
  });

  test('outputs the ARNs Terraform Cloud needs as TFC_AWS_PLAN_ROLE_ARN and TFC_AWS_APPLY_ROLE_ARN', () => {
    expect(Object.keys(tf.output ?? {}).sort()).toEqual(['github_deploy_role_arn', 'github_plan_role_arn', 'tfc_apply_role_arn', 'tfc_plan_role_arn']);
  });
});

test('an unmanaged provider without account is found in the account Terraform runs in', () => {
  const { tf } = synthAccess(environment({ pipeline: { github: { repository: 'acme/m2m-auth', manageOidcProvider: false } } }));
  expect(trustOf(tf, 'github_plan_role').principals[0].identifiers).toEqual(['arn:aws:iam::${data.aws_caller_identity.github_oidc_account.account_id}:oidc-provider/token.actions.githubusercontent.com']);
});

test('fails when the environment has no pipeline', () => {
  const app = Testing.app();
  const config = environment();
  expect(() => new PipelineAccessStack(app, { config, environmentStack: new M2mAuthStack(app, { config }) })).toThrow(
    'dev: pipeline is not set; the pipeline access stack is only for environments that declare one',
  );
});

test('npm run synth writes an access stack only for environments that declare pipeline', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'm2m-pipeline-synth-'));
  try {
    const configFile = path.join(dir, 'config.json');
    const dev = environmentInput({ account: '111111111111', domain: { prefix: 'test-dev' }, pipeline: { github: { repository: 'acme/m2m-auth' } } });
    const prod = environmentInput({ account: '222222222222', domain: { prefix: 'test-prod' } });
    fs.writeFileSync(configFile, JSON.stringify({ environments: { dev, prod } }));
    const outdir = path.join(dir, 'out');
    expect(runSynth(outdir, { M2M_AUTH_CONFIG: configFile }).status).toBe(0);
    expect(fs.readdirSync(path.join(outdir, 'stacks')).sort()).toEqual(['dev', 'pipeline-access-dev', 'prod', 'state-bootstrap']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
