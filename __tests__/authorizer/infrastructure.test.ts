import * as fs from 'node:fs';
import * as path from 'node:path';
import { unzipSync } from 'fflate';
import { authorizerPolicyOf, bundleAuthorizer } from '../../lib/authorizer/authorizer-bundle';
import { COGNITO_CLIENT_ID_LENGTH, registryParts, SSM_STANDARD_MAX_BYTES } from '../../lib/authorizer/client-registry-parameters';
import { environment, resourcesOf, synthEnvironment } from '../fixtures';

describe('DualTokenAuthorizer (deployment)', () => {
  const config = environment({ logRetentionDays: 30, authorizer: { memoryMb: 512, revocationRefreshSeconds: 30, revocationMaxStaleSeconds: 120, decisionCacheSize: 5000 } });
  const { tf } = synthEnvironment(config);
  const fn = tf.resource.aws_lambda_function.authorizer_function;

  test('Node.js 22 on arm64, from the bundle built at synth time', () => {
    expect(fn).toMatchObject({
      function_name: 'm2m-auth-dev-authorizer',
      runtime: 'nodejs22.x',
      architectures: ['arm64'],
      handler: 'index.handler',
      memory_size: 512,
      source_code_hash: bundleAuthorizer(config).sourceCodeHash,
      logging_config: { log_group: '${aws_cloudwatch_log_group.authorizer_log_group.name}' },
    });
    expect(fn.filename).toMatch(/^assets\/authorizer_code\/[0-9A-F]+\/authorizer\.zip$/);
  });

  test('the zip holds the bundle with the route table compiled in, not in the environment', () => {
    const bundle = bundleAuthorizer(config);
    const files = unzipSync(fs.readFileSync(bundle.zipPath));
    expect(Object.keys(files)).toEqual(['index.js']);
    const code = Buffer.from(files['index.js']).toString('utf8');
    expect(code).toBe(bundle.code);
    expect(code).toContain('"/orders/{id}/fulfil"');
    expect(JSON.stringify(fn.environment)).not.toContain('/orders');
  });

  test("the bundle carries the user client's scopes but nothing per M2M client: re-scoping or adding a client changes the registry, not the code", () => {
    expect(authorizerPolicyOf(config)).not.toHaveProperty('clientScopes');
    const withUsers = environment({ userClient: { callbackUrls: ['https://app.example.com/callback'], scopes: ['read'] } });
    expect(authorizerPolicyOf(withUsers).userClientScopes).toEqual(['read']);
    const rescoped = environment({ m2mClients: [{ name: 'reporting', scopes: ['read', 'admin'] }, ...config.m2mClients.slice(1), { name: 'new-service', scopes: ['read'] }] });
    expect(bundleAuthorizer(rescoped).sourceCodeHash).toBe(bundleAuthorizer(config).sourceCodeHash);
    expect(String(synthEnvironment(rescoped).tf.resource.aws_ssm_parameter.authorizer_client_registry_0.insecure_value)).toContain('"reporting", ["read", "admin"]');
  });

  test('the same source gives the same zip, byte for byte', () => {
    const a = fs.readFileSync(bundleAuthorizer(config).zipPath);
    const other = environment({ routes: [...config.routes, { method: 'GET', path: '/extra', permission: 'read' }] });
    const b = bundleAuthorizer(other);
    expect(b.sourceCodeHash).not.toBe(bundleAuthorizer(config).sourceCodeHash);
    expect(fs.readFileSync(bundleAuthorizer(config).zipPath).equals(a)).toBe(true);
    expect(path.basename(b.zipPath)).toBe('authorizer.zip');
  });

  test('environment variables carry ids and settings, never secrets', () => {
    expect(fn.environment).toEqual({
      variables: {
        ENVIRONMENT: 'dev',
        USER_POOL_ID: '${aws_cognito_user_pool.identity_user_pool.id}',
        CLIENT_REGISTRY_PARAMETERS: '${aws_ssm_parameter.authorizer_client_registry_0.name}',
        REVOCATION_PARAMETER: '${aws_ssm_parameter.authorizer_deny_list.name}',
        REVOCATION_REFRESH_SECONDS: '30',
        REVOCATION_MAX_STALE_SECONDS: '120',
        DECISION_CACHE_SIZE: '5000',
        JWKS_TIMEOUT_MS: '1500',
        PER_CLIENT_METRICS: 'false',
        POWERTOOLS_LOG_LEVEL: 'INFO',
      },
    });
  });

  test('PER_CLIENT_METRICS follows monitoring.perClientMetrics', () => {
    const optIn = synthEnvironment(environment({ monitoring: { perClientMetrics: true } })).tf;
    const variables = (optIn.resource.aws_lambda_function.authorizer_function.environment as { variables: Record<string, string> }).variables;
    expect(variables.PER_CLIENT_METRICS).toBe('true');
  });

  test('its own log group, with retention', () => {
    expect(tf.resource.aws_cloudwatch_log_group.authorizer_log_group).toMatchObject({ name: '/aws/lambda/m2m-auth-dev-authorizer', retention_in_days: 30 });
    expect(fn.depends_on).toContain('aws_cloudwatch_log_group.authorizer_log_group');
  });

  test('least privilege: write to its log group, read its deny-list and client registry parameters, nothing else', () => {
    const permissions = tf.data!.aws_iam_policy_document.authorizer_permissions as { statement: Array<Record<string, unknown>> };
    expect(permissions.statement).toEqual([
      { sid: 'OwnLogGroup', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: ['${aws_cloudwatch_log_group.authorizer_log_group.arn}:*'] },
      { sid: 'DenyList', actions: ['ssm:GetParameter'], resources: ['${aws_ssm_parameter.authorizer_deny_list.arn}'] },
      {
        sid: 'ClientRegistry',
        actions: ['ssm:GetParameters'],
        resources: ['arn:${data.aws_partition.authorizer_partition.partition}:ssm:eu-west-1:${data.aws_caller_identity.authorizer_account.account_id}:parameter/m2m-auth/dev/clients/*'],
      },
    ]);
    expect(fn.role).toBe('${aws_iam_role.authorizer_role.arn}');
    // Other roles of the stack (API Gateway's account logging role) may have managed policies; this one has none.
    expect(resourcesOf(tf, 'aws_iam_role_policy_attachment').filter((attachment) => String(attachment.role).includes('aws_iam_role.authorizer_role.'))).toEqual([]);
    const assume = tf.data!.aws_iam_policy_document.authorizer_assume_role as { statement: Array<Record<string, unknown>> };
    expect(assume.statement).toEqual([{ actions: ['sts:AssumeRole'], principals: [{ type: 'Service', identifiers: ['lambda.amazonaws.com'] }] }]);
  });

  test('the deny-list parameter starts empty and deploys never undo a revocation', () => {
    expect(tf.resource.aws_ssm_parameter.authorizer_deny_list).toMatchObject({
      name: '/m2m-auth/dev/revocations',
      type: 'String',
      insecure_value: '{"clientIds":[],"jtis":[]}',
      lifecycle: { ignore_changes: ['insecure_value'] },
    });
  });

  test('the client registry: Terraform writes [client id, name, scopes] of every client, and rewrites it on every change', () => {
    expect(tf.resource.aws_ssm_parameter.authorizer_client_registry_0).toEqual({
      name: '/m2m-auth/dev/clients/0',
      description: 'M2M clients the authorizer accepts, part 1: [client id, name, scopes] (written by Terraform)',
      type: 'String',
      tier: 'Standard',
      insecure_value:
        '${jsonencode([[aws_cognito_user_pool_client.m2m_clients_reporting_client.id, "reporting", ["read"]], [aws_cognito_user_pool_client.m2m_clients_partner-backend_client.id, "partner-backend", ["read", "write"]]])}',
    });
  });

  test('1,000 clients: about 40 per 4 KB parameter, each part within it even with ids twice Cognito\'s length, every client once, in order', () => {
    const clients = Array.from({ length: 1000 }, (_, i) => ({ name: `service-number-${i}`, scopes: ['read', 'execute'] }));
    const parts = registryParts(clients);
    expect(parts.flat()).toEqual(clients);
    expect(parts.length).toBeGreaterThan(15);
    expect(parts.length).toBeLessThan(40);
    for (const part of parts) {
      const doubled = JSON.stringify(part.map((c) => ['x'.repeat(2 * COGNITO_CLIENT_ID_LENGTH), c.name, c.scopes]));
      expect(Buffer.byteLength(doubled)).toBeLessThanOrEqual(SSM_STANDARD_MAX_BYTES);
    }
    expect(registryParts([])).toEqual([[]]);
  });

  test('outputs name the function and the parameter', () => {
    expect(tf.output!.authorizer_function_name.value).toBe('${aws_lambda_function.authorizer_function.function_name}');
    expect(tf.output!.revocation_parameter_name.value).toBe('${aws_ssm_parameter.authorizer_deny_list.name}');
  });
});
