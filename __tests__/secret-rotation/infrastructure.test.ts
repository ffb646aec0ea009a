/**
 * The rotation as synthesized: one function per environment, a rotation schedule on every client
 * secret, a role that may touch only this environment's client secrets, key and pool, and an invoke
 * permission for Secrets Manager limited to those secrets.
 */
import { bundleSecretRotation } from '../../lib/secret-rotation/secret-rotation-bundle';
import { validateEnvironments } from '../../lib/config/load';
import { environment, environmentInput, resourcesOf, synthEnvironment } from '../fixtures';

const config = environment({ secretRotationDays: 30, logRetentionDays: 30 });
const { tf, json } = synthEnvironment(config);
const SECRET_ARNS = 'arn:${data.aws_partition.secret_rotation_partition.partition}:secretsmanager:eu-west-1:${data.aws_caller_identity.secret_rotation_account.account_id}:secret:m2m-auth/dev/m2m/*';

describe('SecretRotation (deployment)', () => {
  test('every client secret has a rotation with the configured schedule, after the value Terraform writes', () => {
    const rotations = tf.resource.aws_secretsmanager_secret_rotation as Record<string, Record<string, unknown>>;
    expect(Object.keys(rotations).sort()).toEqual(config.m2mClients.map((c) => `secret_rotation_${c.name}_rotation`).sort());
    for (const client of config.m2mClients) {
      expect(rotations[`secret_rotation_${client.name}_rotation`]).toEqual({
        secret_id: `\${aws_secretsmanager_secret.m2m_clients_${client.name}_secret.id}`,
        rotation_lambda_arn: '${aws_lambda_function.secret_rotation_function.arn}',
        rotation_rules: { automatically_after_days: 30 },
        depends_on: [`aws_secretsmanager_secret_version.m2m_clients_${client.name}_secret_value`, 'aws_lambda_permission.secret_rotation_secrets_manager_permission'],
      });
    }
  });

  test('the schedule defaults to 90 days and must be 1..365 whole days', () => {
    expect(environment().secretRotationDays).toBe(90);
    const problems = (days: unknown) => {
      try {
        validateEnvironments({ dev: environmentInput({ secretRotationDays: days as number }) }, {});
        return [];
      } catch (error) {
        return (error as Error).message.split('\n').filter((line) => line.includes('secretRotationDays'));
      }
    };
    expect(problems(0)).toEqual([expect.stringContaining('secretRotationDays: must be at least 1 day')]);
    expect(problems(366)).toEqual([expect.stringContaining('must be at most 365 days')]);
    expect(problems(1.5)).toEqual([expect.stringContaining('must be a whole number of days')]);
    expect(problems(365)).toEqual([]);
  });

  test('one function per environment, from the bundle built at synth time, with ids only in its environment', () => {
    const fn = tf.resource.aws_lambda_function.secret_rotation_function;
    expect(fn).toMatchObject({
      function_name: 'm2m-auth-dev-secret-rotation',
      runtime: 'nodejs22.x',
      architectures: ['arm64'],
      timeout: 60,
      source_code_hash: bundleSecretRotation().sourceCodeHash,
      environment: { variables: { ENVIRONMENT: 'dev', USER_POOL_ID: '${aws_cognito_user_pool.identity_user_pool.id}' } },
    });
    expect(resourcesOf(tf, 'aws_lambda_function').filter((f) => String(f.function_name).includes('rotation'))).toHaveLength(1);
  });

  test('its role: this environment\'s client secrets (by name prefix), the environment key, and the pool\'s app clients (secrets and settings); nothing else', () => {
    const permissions = tf.data!.aws_iam_policy_document.secret_rotation_permissions as { statement: Array<Record<string, unknown>> };
    expect(permissions.statement).toEqual([
      { sid: 'OwnLogGroup', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: ['${aws_cloudwatch_log_group.secret_rotation_log_group.arn}:*'] },
      {
        sid: 'ClientSecrets',
        actions: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'],
        resources: [SECRET_ARNS],
      },
      { sid: 'SecretsKey', actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: ['${aws_kms_key.secrets_key_key.arn}'] },
      {
        sid: 'CognitoClientSecrets',
        actions: ['cognito-idp:AddUserPoolClientSecret', 'cognito-idp:ListUserPoolClientSecrets', 'cognito-idp:DeleteUserPoolClientSecret', 'cognito-idp:DescribeUserPoolClient'],
        resources: ['${aws_cognito_user_pool.identity_user_pool.arn}'],
      },
    ]);
    // The secrets it may touch are exactly the ones the stack names.
    const secretNames = Object.values(tf.resource.aws_secretsmanager_secret as Record<string, { name: string }>).map((s) => s.name);
    expect(secretNames.every((name) => name.startsWith('m2m-auth/dev/m2m/'))).toBe(true);
  });

  test('Secrets Manager may invoke it only for this account and these secrets', () => {
    expect(tf.resource.aws_lambda_permission.secret_rotation_secrets_manager_permission).toEqual({
      function_name: '${aws_lambda_function.secret_rotation_function.function_name}',
      action: 'lambda:InvokeFunction',
      principal: 'secretsmanager.amazonaws.com',
      source_account: '${data.aws_caller_identity.secret_rotation_account.account_id}',
      source_arn: SECRET_ARNS,
    });
  });

  test('a failed rotation raises an alarm on the function\'s errors', () => {
    const alarm = tf.resource.aws_cloudwatch_metric_alarm.monitoring_secret_rotation_errors as Record<string, unknown>;
    expect(alarm).toMatchObject({ namespace: 'AWS/Lambda', metric_name: 'Errors', dimensions: { FunctionName: '${aws_lambda_function.secret_rotation_function.function_name}' }, threshold: 1 });
  });

  test('no secret value in the synthesized stack: the rotation reads them at run time', () => {
    expect(json).not.toMatch(/client_secret"\s*:\s*"[^$]/);
  });
});
