import { Testing } from 'cdktf';
import { CognitoUserPoolClient } from '@cdktf/provider-aws/lib/cognito-user-pool-client';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { CognitoIdentity } from '../lib/identity/cognito-identity';
import { M2mClients } from '../lib/identity/m2m-clients';
import { ResourceNaming } from '../lib/terraform/naming';
import { environment, resourcesOf } from './fixtures';

describe('M2mClients', () => {
  const naming = new ResourceNaming('m2m-auth', 'dev');
  const config = environment();
  const synthesized = Testing.synthScope((scope) => {
    const identity = new CognitoIdentity(scope, 'identity', { config, naming });
    new M2mClients(scope, 'm2m', { identity, clients: config.m2mClients, naming, kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/k' });
  });
  const tf = JSON.parse(synthesized);

  test('one client per service: client_credentials only, exactly its scopes, secret generated', () => {
    expect(synthesized).toHaveResourceWithProperties(CognitoUserPoolClient, {
      name: 'm2m-auth-dev-partner-backend',
      generate_secret: true,
      allowed_oauth_flows: ['client_credentials'],
      allowed_oauth_flows_user_pool_client: true,
      allowed_oauth_scopes: ['api/read', 'api/write'],
      explicit_auth_flows: ['ALLOW_REFRESH_TOKEN_AUTH'],
      access_token_validity: 30,
      token_validity_units: [{ access_token: 'minutes', id_token: 'minutes', refresh_token: 'days' }],
      enable_token_revocation: true,
      prevent_user_existence_errors: 'ENABLED',
      supported_identity_providers: ['COGNITO'],
    });
    expect(synthesized).toHaveResourceWithProperties(CognitoUserPoolClient, {
      name: 'm2m-auth-dev-reporting',
      allowed_oauth_scopes: ['api/read'],
      access_token_validity: 60,
    });
    expect(resourcesOf(tf, 'aws_cognito_user_pool_client')).toHaveLength(2);
  });

  test('clients are created after the resource server', () => {
    for (const client of resourcesOf(tf, 'aws_cognito_user_pool_client')) {
      expect(client.depends_on).toEqual([expect.stringMatching(/^aws_cognito_resource_server\.identity_resource_server/)]);
    }
  });

  test('each secret is KMS-encrypted and holds only what Cognito and the domain own', () => {
    expect(synthesized).toHaveResourceWithProperties(SecretsmanagerSecret, {
      name: 'm2m-auth/dev/m2m/reporting',
      kms_key_id: 'arn:aws:kms:eu-west-1:123456789012:key/k',
      recovery_window_in_days: 30,
    });
    const [version] = resourcesOf(tf, 'aws_secretsmanager_secret_version').filter((v) => String(v.secret_id).includes('m2m_reporting_secret'));
    expect(version.secret_id).toMatch(/^\$\{aws_secretsmanager_secret\.m2m_reporting_secret_[0-9A-F]+\.id\}$/);
    // No scopes: the config owns them, and a copy in the secret went stale when they changed.
    expect(version.secret_string).toMatch(
      new RegExp(
        '^\\$\\{jsonencode\\(\\{"client_id" = aws_cognito_user_pool_client\\.m2m_reporting_client_\\w+\\.id, ' +
          '"client_secret" = aws_cognito_user_pool_client\\.m2m_reporting_client_\\w+\\.client_secret, ' +
          '"token_endpoint" = "https://test-m2m-auth\\.auth\\.eu-west-1\\.amazoncognito\\.com/oauth2/token"\\}\\)\\}$',
      ),
    );
  });

  test('the secret is rewritten when its client is replaced or the token endpoint moves, and only then', () => {
    const [version] = resourcesOf(tf, 'aws_secretsmanager_secret_version').filter((v) => String(v.secret_id).includes('m2m_reporting_secret'));
    const trigger = /^terraform_data\.(m2m_reporting_secret_source_\w+)$/.exec(String((version.lifecycle as { replace_triggered_by: string[] }).replace_triggered_by[0]));
    expect(version.lifecycle).toEqual({ ignore_changes: ['secret_string'], replace_triggered_by: [trigger![0]] });
    const source = tf.resource.terraform_data[trigger![1]];
    expect(source.triggers_replace).toEqual({
      client_id: expect.stringMatching(/^\$\{aws_cognito_user_pool_client\.m2m_reporting_client_\w+\.id\}$/),
      token_endpoint: 'https://test-m2m-auth.auth.eu-west-1.amazoncognito.com/oauth2/token',
    });
  });
});
