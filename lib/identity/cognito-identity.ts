import { Construct } from 'constructs';
import { CognitoResourceServer } from '@cdktf/provider-aws/lib/cognito-resource-server';
import { CognitoUserGroup } from '@cdktf/provider-aws/lib/cognito-user-group';
import { CognitoUserPool } from '@cdktf/provider-aws/lib/cognito-user-pool';
import { CognitoUserPoolClient } from '@cdktf/provider-aws/lib/cognito-user-pool-client';
import { CognitoUserPoolDomain } from '@cdktf/provider-aws/lib/cognito-user-pool-domain';
import type { EnvironmentConfig } from '../config/schema';
import { fitDescription, type ResourceNaming } from '../terraform/naming';

export interface CognitoIdentityProps {
  readonly config: EnvironmentConfig;
  readonly naming: ResourceNaming;
}

/**
 * The identity half of m2m-auth: a user pool (email sign-in, administrators create users), its
 * domain (without one there is no `/oauth2/token` endpoint), the resource server with the
 * configured scopes, and the optional user-facing app client with one Cognito group per role.
 *
 * The M2M app clients live in {@link M2mClients}; they read `resourceServer` and `scope()` from here.
 */
export class CognitoIdentity extends Construct {
  readonly userPool: CognitoUserPool;
  readonly resourceServer: CognitoResourceServer;
  readonly userClient?: CognitoUserPoolClient;
  /** The pool's region: GetClientToken's endpoint is `cognito-idp.<region>.amazonaws.com`. */
  readonly region: string;
  /** `https://cognito-idp.<region>.amazonaws.com/<poolId>`: the `iss` of every token. */
  readonly issuer: string;
  readonly jwksUrl: string;
  /**
   * `https://<domain>/oauth2/token`, on the custom domain when one is configured.
   * @default - none: the environment has no hosted domain (every client uses GetClientToken)
   */
  readonly tokenEndpoint?: string;
  private readonly identifier: string;

  constructor(scope: Construct, id: string, props: CognitoIdentityProps) {
    super(scope, id);
    const { config, naming } = props;
    this.identifier = config.resourceServer.identifier;
    this.region = config.region;

    this.userPool = new CognitoUserPool(this, 'user_pool', {
      name: naming.name('users'),
      usernameAttributes: ['email'],
      autoVerifiedAttributes: ['email'],
      // Nobody signs themselves up: services get app clients, humans are invited.
      adminCreateUserConfig: { allowAdminCreateUserOnly: true },
      deletionProtection: config.userPool.deletionProtection ? 'ACTIVE' : 'INACTIVE',
      mfaConfiguration: { off: 'OFF', optional: 'OPTIONAL', required: 'ON' }[config.userPool.mfa],
      softwareTokenMfaConfiguration: config.userPool.mfa === 'off' ? undefined : { enabled: true },
      passwordPolicy: {
        minimumLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireNumbers: true,
        requireSymbols: true,
        temporaryPasswordValidityDays: 3,
      },
      accountRecoverySetting: { recoveryMechanism: [{ name: 'verified_email', priority: 1 }] },
    });

    const domain = config.domain;
    if (domain) {
      new CognitoUserPoolDomain(this, 'prefix_domain', {
        domain: domain.prefix,
        userPoolId: this.userPool.id,
      });
      const custom = domain.customDomain;
      if (custom) {
        new CognitoUserPoolDomain(this, 'custom_domain', {
          domain: custom.domainName,
          certificateArn: custom.certificateArn,
          userPoolId: this.userPool.id,
        });
      }
      const host = custom?.domainName ?? `${domain.prefix}.auth.${config.region}.amazoncognito.com`;
      this.tokenEndpoint = `https://${host}/oauth2/token`;
    }
    this.issuer = `https://cognito-idp.${config.region}.amazonaws.com/${this.userPool.id}`;
    this.jwksUrl = `${this.issuer}/.well-known/jwks.json`;

    this.resourceServer = new CognitoResourceServer(this, 'resource_server', {
      userPoolId: this.userPool.id,
      identifier: config.resourceServer.identifier,
      name: config.resourceServer.name,
      scope: config.resourceServer.scopes.map((s) => ({ scopeName: s.name, scopeDescription: s.description })),
    });

    if (config.userClient) {
      const userClient = config.userClient;
      Object.entries(userClient.groupRoles).forEach(([group, role], precedence) => {
        new CognitoUserGroup(this, `group_${group}`, {
          userPoolId: this.userPool.id,
          name: group,
          description: fitDescription('aws_cognito_user_group', `Members get the "${role}" role on ${config.resourceServer.name}`),
          precedence,
        });
      });
      this.userClient = new CognitoUserPoolClient(this, 'user_client', {
        name: naming.name('users'),
        userPoolId: this.userPool.id,
        // A public client (no secret): browsers and CLIs use the authorization code flow with PKCE.
        generateSecret: false,
        allowedOauthFlows: ['code'],
        allowedOauthFlowsUserPoolClient: true,
        allowedOauthScopes: ['openid', 'email', 'profile', ...userClient.scopes.map((s) => this.scope(s))],
        callbackUrls: userClient.callbackUrls,
        logoutUrls: userClient.logoutUrls,
        supportedIdentityProviders: ['COGNITO'],
        explicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_SRP_AUTH'],
        accessTokenValidity: userClient.accessTokenValidityMinutes,
        idTokenValidity: userClient.accessTokenValidityMinutes,
        refreshTokenValidity: 30,
        tokenValidityUnits: [{ accessToken: 'minutes', idToken: 'minutes', refreshToken: 'days' }],
        enableTokenRevocation: true,
        preventUserExistenceErrors: 'ENABLED',
        dependsOn: [this.resourceServer],
      });
    }
  }

  /** The full OAuth scope string of a declared scope name: `api/read` (a plain string, for readable diffs). */
  scope(name: string): string {
    return `${this.identifier}/${name}`;
  }
}
