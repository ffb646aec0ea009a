import { Construct } from 'constructs';
import { Fn } from 'cdktf';
import { CognitoUserPoolClient } from '@cdktf/provider-aws/lib/cognito-user-pool-client';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { SecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/secretsmanager-secret-version';
import type { CognitoIdentity } from './cognito-identity';
import type { M2mClientConfig, TokenPath } from '../config/schema';
import { fitDescription, type ResourceNaming } from '../terraform/naming';
import { ReplaceTrigger } from '../terraform/replace-trigger';

export interface M2mClientsProps {
  readonly identity: CognitoIdentity;
  readonly clients: readonly M2mClientConfig[];
  readonly naming: ResourceNaming;
  /** ARN of the KMS key that encrypts the secrets. */
  readonly kmsKeyArn: string;
  /**
   * Days a deleted secret can still be restored: 0 (deleted at once) or 7..30.
   * @default 30
   */
  readonly secretRecoveryWindowInDays?: number;
}

/** One calling service's app client and the secret that holds its credentials. */
export interface M2mClient {
  readonly name: string;
  readonly client: CognitoUserPoolClient;
  readonly secret: SecretsmanagerSecret;
  /** The value Terraform writes once; rotations add later versions. */
  readonly version: SecretsmanagerSecretVersion;
  /** Full scope strings, `api/read`. */
  readonly scopes: readonly string[];
  /** How it gets tokens: `oauth2` (the token endpoint), `api` (GetClientToken), or both. */
  readonly tokenPaths: readonly TokenPath[];
}

/**
 * One Cognito app client per calling service, client_credentials only, with exactly its configured
 * scopes, and one Secrets Manager secret per client holding `{client_id, client_secret, token_endpoint}`,
 * encrypted with the environment's key.
 *
 * Terraform writes the secret value when the client is created, and again whenever the client is
 * replaced or the token endpoint changes; other changes to the value (a rotation) are left alone.
 */
export class M2mClients extends Construct {
  readonly clients: readonly M2mClient[];

  constructor(scope: Construct, id: string, props: M2mClientsProps) {
    super(scope, id);
    const { identity, naming } = props;

    this.clients = props.clients.map((config) => {
      const scopes = config.scopes.map((s) => identity.scope(s));
      const paths = config.tokenPaths;
      const oauth2 = paths.includes('oauth2');
      const client = new CognitoUserPoolClient(this, `${config.name}_client`, {
        name: naming.name(config.name),
        userPoolId: identity.userPool.id,
        generateSecret: true,
        // The token endpoint serves a client only with the client_credentials grant; GetClientToken
        // needs none of it, and reads the scopes from the same list.
        ...(oauth2 ? { allowedOauthFlows: ['client_credentials'], allowedOauthFlowsUserPoolClient: true, supportedIdentityProviders: ['COGNITO'] } : {}),
        allowedOauthScopes: scopes,
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
        // GetClientToken's flow is set by lib/client-token-flow, which no provider can express yet.
        ...(paths.includes('api') ? { lifecycle: { ignoreChanges: ['explicit_auth_flows'] } } : {}),
      });

      const secret = new SecretsmanagerSecret(this, `${config.name}_secret`, {
        name: naming.path('m2m', config.name),
        description: fitDescription('aws_secretsmanager_secret', `OAuth client credentials of ${config.name}${config.description ? ` (${config.description})` : ''}`),
        kmsKeyId: props.kmsKeyArn,
        recoveryWindowInDays: props.secretRecoveryWindowInDays ?? 30,
      });
      // Where the client gets tokens: the token endpoint, and for GetClientToken the paths and region.
      // A client on the default path (oauth2 only) keeps the value it always had.
      const where: Record<string, unknown> = {
        ...(oauth2 ? { token_endpoint: identity.tokenEndpoint } : {}),
        ...(paths.length === 1 && oauth2 ? {} : { token_paths: [...paths], region: identity.region }),
      };
      // What the secret must agree with: a new client id (the client was replaced) or a new token
      // endpoint rewrites the secret; anything else leaves a rotated secret alone. A change of token
      // paths does not (the trigger is the same whatever the paths): Terraform's copy of the client
      // secret is dead after two rotations, so the rotation Lambda writes the app client's current
      // paths, and the endpoint for a client that gained oauth2, into every new version.
      const secretSource = new ReplaceTrigger(this, `${config.name}_secret_source`, {
        client_id: client.id,
        ...(identity.tokenEndpoint ? { token_endpoint: identity.tokenEndpoint } : {}),
      });
      const version = new SecretsmanagerSecretVersion(this, `${config.name}_secret_value`, {
        secretId: secret.id,
        // Only what Cognito and the domain own; the scopes live in the config and the app client, so a
        // caller that asks for no scope gets exactly the client's current scopes.
        secretString: Fn.jsonencode({
          client_id: client.id,
          client_secret: client.clientSecret,
          ...where,
        }),
        lifecycle: { ignoreChanges: ['secret_string'] },
      });
      secretSource.triggerReplacementOf(version);
      return { name: config.name, client, secret, version, scopes, tokenPaths: paths };
    });
  }
}
