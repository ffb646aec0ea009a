import { Testing } from 'cdktf';
import { CognitoResourceServer } from '@cdktf/provider-aws/lib/cognito-resource-server';
import { CognitoUserGroup } from '@cdktf/provider-aws/lib/cognito-user-group';
import { CognitoUserPool } from '@cdktf/provider-aws/lib/cognito-user-pool';
import { CognitoUserPoolClient } from '@cdktf/provider-aws/lib/cognito-user-pool-client';
import { CognitoUserPoolDomain } from '@cdktf/provider-aws/lib/cognito-user-pool-domain';
import { CognitoIdentity } from '../lib/identity/cognito-identity';
import { ResourceNaming } from '../lib/terraform/naming';
import { environment, resourcesOf } from './fixtures';

describe('CognitoIdentity', () => {
  const naming = new ResourceNaming('m2m-auth', 'dev');

  test('default setup: email sign-in, admin-created users, prefix domain, resource server', () => {
    // GIVEN
    const config = environment();
    // WHEN
    let identity!: CognitoIdentity;
    const synthesized = Testing.synthScope((scope) => {
      identity = new CognitoIdentity(scope, 'identity', { config, naming });
    });
    // THEN
    expect(synthesized).toHaveResourceWithProperties(CognitoUserPool, {
      name: 'm2m-auth-dev-users',
      username_attributes: ['email'],
      admin_create_user_config: { allow_admin_create_user_only: true },
      deletion_protection: 'ACTIVE',
      mfa_configuration: 'OPTIONAL',
    });
    expect(synthesized).toHaveResourceWithProperties(CognitoUserPoolDomain, { domain: 'test-m2m-auth' });
    expect(synthesized).toHaveResourceWithProperties(CognitoResourceServer, {
      identifier: 'api',
      scope: expect.arrayContaining([{ scope_name: 'read', scope_description: 'Read' }]),
    });
    expect(synthesized).not.toHaveResource(CognitoUserPoolClient);
    expect(identity.tokenEndpoint).toBe('https://test-m2m-auth.auth.eu-west-1.amazoncognito.com/oauth2/token');
    expect(identity.scope('read')).toBe('api/read');
  });

  test('deletion protection follows the config', () => {
    const config = environment({ userPool: { deletionProtection: false, mfa: 'off' } });
    const synthesized = Testing.synthScope((scope) => new CognitoIdentity(scope, 'identity', { config, naming }));
    expect(synthesized).toHaveResourceWithProperties(CognitoUserPool, { deletion_protection: 'INACTIVE', mfa_configuration: 'OFF' });
  });

  test('a custom domain is added beside the prefix domain and becomes the token endpoint', () => {
    const certificateArn = 'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-aaaa-bbbb-cccc-123456789012';
    const config = environment({ domain: { prefix: 'test-m2m-auth', customDomain: { domainName: 'auth.example.com', certificateArn } } });
    let identity!: CognitoIdentity;
    const synthesized = Testing.synthScope((scope) => {
      identity = new CognitoIdentity(scope, 'identity', { config, naming });
    });
    expect(synthesized).toHaveResourceWithProperties(CognitoUserPoolDomain, { domain: 'auth.example.com', certificate_arn: certificateArn });
    expect(synthesized).toHaveResourceWithProperties(CognitoUserPoolDomain, { domain: 'test-m2m-auth' });
    expect(identity.tokenEndpoint).toBe('https://auth.example.com/oauth2/token');
  });

  test('the user client: authorization code without secret, one group per configured role', () => {
    const config = environment({
      userClient: {
        callbackUrls: ['https://app.example.com/callback'],
        groupRoles: { readers: 'reader', admins: 'admin' },
        scopes: ['read'],
      },
    });
    const synthesized = Testing.synthScope((scope) => new CognitoIdentity(scope, 'identity', { config, naming }));
    expect(synthesized).toHaveResourceWithProperties(CognitoUserPoolClient, {
      generate_secret: false,
      allowed_oauth_flows: ['code'],
      allowed_oauth_flows_user_pool_client: true,
      allowed_oauth_scopes: ['openid', 'email', 'profile', 'api/read'],
      callback_urls: ['https://app.example.com/callback'],
      enable_token_revocation: true,
      prevent_user_existence_errors: 'ENABLED',
      token_validity_units: [{ access_token: 'minutes', id_token: 'minutes', refresh_token: 'days' }],
    });
    expect(synthesized).toHaveResourceWithProperties(CognitoUserGroup, { name: 'readers', precedence: 0 });
    expect(synthesized).toHaveResourceWithProperties(CognitoUserGroup, { name: 'admins', precedence: 1 });
    const client = resourcesOf(JSON.parse(synthesized), 'aws_cognito_user_pool_client')[0];
    expect(client.depends_on).toEqual([expect.stringMatching(/^aws_cognito_resource_server\.identity_resource_server/)]);
  });
});
