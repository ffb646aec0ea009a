import { Construct } from 'constructs';
import { Fn } from 'cdktf';
import { CognitoUserPoolClient } from '@cdktf/provider-aws/lib/cognito-user-pool-client';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { SecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/secretsmanager-secret-version';
import type { CognitoIdentity } from './cognito-identity';
import type { M2mClientConfig } from './config/schema';
import type { ResourceNaming } from './naming';

export interface M2mClientsProps {
  readonly identity: CognitoIdentity;
  readonly clients: readonly M2mClientConfig[];
  readonly naming: ResourceNaming;
  /** ARN of the KMS key that encrypts the secrets. */
  readonly kmsKeyArn: string;
  /**
   * Days a deleted secret can still be restored.
   * @default 30
   */
  readonly secretRecoveryWindowInDays?: number;
}

/** One calling service's app client and the secret that holds its credentials. */
export interface M2mClient {
  readonly name: string;
  readonly client: CognitoUserPoolClient;
  readonly secret: SecretsmanagerSecret;
  /** Full scope strings, `api/read`. */
  readonly scopes: readonly string[];
}

/**
 * One Cognito app client per calling service, client_credentials only, with exactly its configured
 * scopes, and one Secrets Manager secret per client holding
 * `{client_id, client_secret, token_endpoint, scopes}`, encrypted with the environment's key.
 *
 * Terraform writes the secret value once; later changes (a rotation) are ignored, so a deploy never
 * overwrites a rotated secret.
 */
export class M2mClients extends Construct {
  readonly clients: readonly M2mClient[];

  constructor(scope: Construct, id: string, props: M2mClientsProps) {
    super(scope, id);
    const { identity, naming } = props;

    this.clients = props.clients.map((config) => {
      const scopes = config.scopes.map((s) => identity.scope(s));
      const client = new CognitoUserPoolClient(this, `${config.name}_client`, {
        name: naming.name(config.name),
        userPoolId: identity.userPool.id,
        generateSecret: true,
        allowedOauthFlows: ['client_credentials'],
        allowedOauthFlowsUserPoolClient: true,
        allowedOauthScopes: scopes,
        supportedIdentityProviders: ['COGNITO'],
        // No user sign-in flow; Cognito insists on refresh-token auth, which client_credentials never uses.
        explicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH'],
        accessTokenValidity: config.accessTokenValidityMinutes,
        idTokenValidity: 60,
        refreshTokenValidity: 1,
        tokenValidityUnits: [{ accessToken: 'minutes', idToken: 'minutes', refreshToken: 'days' }],
        enableTokenRevocation: true,
        preventUserExistenceErrors: 'ENABLED',
        // Cognito rejects scopes that the resource server does not declare yet.
        dependsOn: [identity.resourceServer],
      });

      const secret = new SecretsmanagerSecret(this, `${config.name}_secret`, {
        name: naming.path('m2m', config.name),
        description: `OAuth client credentials of ${config.name}${config.description ? ` (${config.description})` : ''}`,
        kmsKeyId: props.kmsKeyArn,
        recoveryWindowInDays: props.secretRecoveryWindowInDays ?? 30,
      });
      new SecretsmanagerSecretVersion(this, `${config.name}_secret_value`, {
        secretId: secret.id,
        secretString: Fn.jsonencode({
          client_id: client.id,
          client_secret: client.clientSecret,
          token_endpoint: identity.tokenEndpoint,
          scopes,
        }),
        lifecycle: { ignoreChanges: ['secret_string'] },
      });
      return { name: config.name, client, secret, scopes };
    });
  }
}
