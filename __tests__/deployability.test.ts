/**
 * Defects that `terraform validate` does not catch but a first deploy or day-2 operation does: each
 * test here failed before its fix (see the Terraform suite in __tests__/terraform for what Terraform
 * itself checks).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApiGatewayAccount } from '@cdktf/provider-aws/lib/api-gateway-account';
import { loadEnvironments } from '../lib/config/load';
import { dashboardBody } from '../lib/monitoring/monitoring';
import { DESCRIPTION_LIMITS, fitDescription } from '../lib/terraform/naming';
import { removeStaleStackFiles, unquoteReferences } from '../lib/terraform/synth-output';
import { environment, resourcesOf, synthEnvironment } from './fixtures';

describe('a fresh account', () => {
  test('the REST stage can write access logs: the stack sets the account-wide API Gateway role by default', () => {
    const { json, tf } = synthEnvironment(environment());
    expect(json).toHaveResourceWithProperties(ApiGatewayAccount, { cloudwatch_role_arn: '${aws_iam_role.api_account_logging_role.arn}' });
    expect(tf.resource.aws_api_gateway_stage.api_stage.depends_on).toEqual(['aws_api_gateway_account.api_account']);
    // The managed policy's ARN follows the partition (aws-cn, aws-us-gov), not a literal "arn:aws".
    expect(tf.resource.aws_iam_role_policy_attachment.api_account_logging_policy.policy_arn).toBe(
      'arn:${data.aws_partition.api_partition.partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs',
    );
  });

  test('an environment that leaves the account setting to another stack creates none', () => {
    const { tf } = synthEnvironment(environment({ gateway: { manageAccountLoggingRole: false } }));
    expect(tf.resource.aws_api_gateway_account).toBeUndefined();
  });
});

describe('the shipped environments', () => {
  const environments = loadEnvironments({});

  test.each(environments.map((env) => [env.name, env]))('%s: no literal "arn:aws:" partition in the synthesized stack', (_name, env) => {
    const { json } = synthEnvironment(env);
    expect(json).not.toMatch(/"arn:aws:/);
  });

  test('secrets can be recreated at once where the environment is throw-away, and recovered for 30 days in prod', () => {
    const windows = Object.fromEntries(
      environments.map((env) => [env.name, [...new Set(resourcesOf(synthEnvironment(env).tf, 'aws_secretsmanager_secret').map((s) => s.recovery_window_in_days))]]),
    );
    expect(windows).toEqual({ dev: [0], staging: [0], prod: [30] });
  });
});

describe('descriptions within AWS limits', () => {
  // A 256-character API name (the config's maximum) with characters IAM refuses.
  const longName = `Bestell-API — ${'x'.repeat(240)}`;
  const { tf } = synthEnvironment(
    environment({
      resourceServer: { ...environment().resourceServer, name: longName },
      m2mClients: [{ name: 'reporting', description: 'd'.repeat(256), scopes: ['read'] }],
      userClient: { callbackUrls: ['https://app.example.com/cb'], groupRoles: { readers: 'reader' } },
    }),
  );

  test.each(Object.entries(DESCRIPTION_LIMITS))('%s: at most %i characters', (type, limit) => {
    const attribute = type === 'aws_cloudwatch_metric_alarm' ? 'alarm_description' : 'description';
    for (const resource of resourcesOf(tf, type)) expect(String(resource[attribute] ?? '').length).toBeLessThanOrEqual(limit);
  });

  test('the Lambda description is cut, not dropped, and IAM gets only the characters it accepts', () => {
    const fn = tf.resource.aws_lambda_function.authorizer_function;
    expect(String(fn.description)).toMatch(/^Authorizes Bestell-API — x+\.\.\.$/);
    expect(String(tf.resource.aws_iam_role.authorizer_role.description)).toMatch(/^Authorizes Bestell-API \? x+/);
    expect(fitDescription('aws_iam_role', 'a\u2014b\u00e9')).toBe('a?b\u00e9');
  });
});

describe('synth output', () => {
  let outdir: string;
  beforeEach(() => {
    outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'm2m-auth-out-'));
    for (const stack of ['dev', 'prod']) {
      fs.mkdirSync(path.join(outdir, 'stacks', stack), { recursive: true });
      fs.writeFileSync(path.join(outdir, 'stacks', stack, 'cdk.tf'), '# from an earlier --hcl synth\n');
      fs.writeFileSync(path.join(outdir, 'stacks', stack, 'cdk.tf.json'), '{}');
    }
  });
  afterEach(() => fs.rmSync(outdir, { recursive: true, force: true }));

  test('a JSON synth removes the cdk.tf an earlier --hcl synth left (it would define every resource twice)', () => {
    expect(removeStaleStackFiles(outdir, false).map((file) => path.relative(outdir, file)).sort()).toEqual(['stacks/dev/cdk.tf', 'stacks/prod/cdk.tf']);
    expect(fs.existsSync(path.join(outdir, 'stacks', 'dev', 'cdk.tf.json'))).toBe(true);
  });

  test('an HCL synth removes the stale cdk.tf.json', () => {
    removeStaleStackFiles(outdir, true);
    expect(fs.readdirSync(path.join(outdir, 'stacks', 'prod'))).toEqual(['cdk.tf']);
  });

  test('the dashboard body is multi-line JSON, which `synth --hcl` writes as a heredoc instead of a broken one-line string', () => {
    const body = dashboardBody([{ type: 'metric', properties: { expression: 'SEARCH(\'{M2MAuth} MetricName="Decisions"\', \'Sum\', 300)' } }, { type: 'alarm' }]);
    expect(body.split('\n').length).toBeGreaterThan(1);
    expect(JSON.parse(body)).toEqual({ widgets: [{ type: 'metric', properties: { expression: 'SEARCH(\'{M2MAuth} MetricName="Decisions"\', \'Sum\', 300)' } }, { type: 'alarm' }] });
  });
});

test('cdktf.json carries a real project id (a UUID)', () => {
  const { projectId } = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', 'cdktf.json'), 'utf8')) as { projectId: string };
  expect(projectId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});

describe('HCL output', () => {
  test('references are written bare, as Terraform expects (quoted ones are deprecated)', () => {
    const hcl = [
      'resource "aws_s3_bucket" "b" {',
      'provider = "aws.us_east_1"',
      'bucket = "provider = \\"x\\""',
      'depends_on = [',
      '"aws_cognito_resource_server.identity_resource_server",',
      ']',
      'lifecycle {',
      'ignore_changes = [',
      '"secret_string",',
      ']',
      '  replace_triggered_by = [',
      '"${terraform_data.m2m_clients_billing-batch_secret_source}",',
      ']',
      '}',
      'tags = ["keep", "quoted"]',
      '}',
    ].join('\n');
    expect(unquoteReferences(hcl).split('\n')).toEqual([
      'resource "aws_s3_bucket" "b" {',
      'provider = aws.us_east_1',
      'bucket = "provider = \\"x\\""',
      'depends_on = [',
      'aws_cognito_resource_server.identity_resource_server,',
      ']',
      'lifecycle {',
      'ignore_changes = [',
      'secret_string,',
      ']',
      '  replace_triggered_by = [',
      'terraform_data.m2m_clients_billing-batch_secret_source,',
      ']',
      '}',
      'tags = ["keep", "quoted"]',
      '}',
    ]);
  });
});
