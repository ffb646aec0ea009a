import { Testing } from 'cdktf';
import { CognitoUserPoolClient } from '@cdktf/provider-aws/lib/cognito-user-pool-client';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { CognitoIdentity } from '../lib/cognito-identity';
import { M2mClients } from '../lib/m2m-clients';
import { ResourceNaming } from '../lib/naming';
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

  test('each secret is KMS-encrypted and holds the credentials, written once', () => {
    expect(synthesized).toHaveResourceWithProperties(SecretsmanagerSecret, {
      name: 'm2m-auth/dev/m2m/reporting',
      kms_key_id: 'arn:aws:kms:eu-west-1:123456789012:key/k',
      recovery_window_in_days: 30,
    });
    const [version] = resourcesOf(tf, 'aws_secretsmanager_secret_version').filter((v) => String(v.secret_id).includes('m2m_reporting_secret'));
    expect(version.secret_id).toMatch(/^\$\{aws_secretsmanager_secret\.m2m_reporting_secret_[0-9A-F]+\.id\}$/);
    expect(version.lifecycle).toEqual({ ignore_changes: ['secret_string'] });
    expect(version.secret_string).toMatch(
      new RegExp(
        '^\\$\\{jsonencode\\(\\{"client_id" = aws_cognito_user_pool_client\\.m2m_reporting_client_\\w+\\.id, ' +
          '"client_secret" = aws_cognito_user_pool_client\\.m2m_reporting_client_\\w+\\.client_secret, ' +
          '"token_endpoint" = "https://test-m2m-auth\\.auth\\.eu-west-1\\.amazoncognito\\.com/oauth2/token", "scopes" = \\["api/read"\\]\\}\\)\\}$',
      ),
    );
  });
});
