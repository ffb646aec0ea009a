import { Construct } from 'constructs';
import type { TerraformResource } from 'cdktf';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition';
import type { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import type { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { SecretsmanagerSecretRotation } from '@cdktf/provider-aws/lib/secretsmanager-secret-rotation';
import { SECRET_ROTATION_ENV } from '../../lambdas/secret-rotation/settings';
import { addNodeLambda } from '../bundling/node-lambda';
import type { EnvironmentConfig } from '../config/schema';
import type { CognitoIdentity } from '../identity/cognito-identity';
import type { M2mClients } from '../identity/m2m-clients';
import type { ResourceNaming } from '../terraform/naming';
import { bundleSecretRotation } from './secret-rotation-bundle';

export interface SecretRotationProps {
  readonly config: EnvironmentConfig;
  readonly naming: ResourceNaming;
  readonly identity: CognitoIdentity;
  readonly m2mClients: M2mClients;
  /** The environment key that encrypts the client secrets. */
  readonly kmsKeyArn: string;
  /**
   * By client name, what must exist before its first rotation (which tests the new secret): the
   * invocation that sets GetClientToken's flow on an `api` client (lib/client-token-flow).
   * @default - none beyond the secret's first value
   */
  readonly clientReady?: Readonly<Record<string, TerraformResource>>;
}

/**
 * Zero-downtime rotation of every M2M client secret, without changing the client id: one rotation
 * Lambda per environment (lambdas/secret-rotation) and an `aws_secretsmanager_secret_rotation` per
 * client secret, every `secretRotationDays` days. createSecret adds a second secret to the Cognito app
 * client (deleting the one the previous rotation left) and writes the client's token paths beside it,
 * testSecret gets a real token with it (token endpoint or GetClientToken), finishSecret moves AWSCURRENT;
 * the previous secret keeps working until the next rotation, so callers that read their secret again on
 * `invalid_client` never fail. The role may touch only this environment's client secrets, its key and
 * its user pool's app clients (their secrets, and reading their settings).
 *
 * Secrets Manager rotates each secret once right after its rotation is created (the provider's
 * `rotate_immediately`, left on): the secret Terraform wrote, which is also in Terraform state, is
 * then AWSPREVIOUS, and the next rotation deletes it from Cognito (README "Secrets").
 */
export class SecretRotation extends Construct {
  readonly function: LambdaFunction;
  readonly logGroup: CloudwatchLogGroup;
  readonly rotations: readonly SecretsmanagerSecretRotation[];

  constructor(scope: Construct, id: string, props: SecretRotationProps) {
    super(scope, id);
    const { config, naming, identity } = props;
    const account = new DataAwsCallerIdentity(this, 'account');
    const partition = new DataAwsPartition(this, 'partition');
    // By name prefix rather than one ARN per client: a role's inline policies hold 10,240 characters,
    // about 100 secret ARNs, and an environment may have 1,000 clients. Only this stack names secrets
    // under <namePrefix>/<env>/m2m/.
    const secretArns = `arn:${partition.partition}:secretsmanager:${config.region}:${account.accountId}:secret:${naming.path('m2m')}/*`;

    const lambda = addNodeLambda(this, {
      functionName: naming.name('secret-rotation'),
      description: 'Rotates the M2M client secrets: a second Cognito client secret, tested, then AWSCURRENT',
      bundle: bundleSecretRotation(),
      logRetentionDays: config.logRetentionDays,
      // testSecret waits up to 15 s in all for a new Cognito secret to work, five 5-second attempts.
      timeoutSeconds: 60,
      statements: [
        {
          sid: 'ClientSecrets',
          actions: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'],
          resources: [secretArns],
        },
        { sid: 'SecretsKey', actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [props.kmsKeyArn] },
        {
          sid: 'CognitoClientSecrets',
          // DescribeUserPoolClient: createSecret writes the client's token paths (its OAuth and auth flows) into the new version.
          actions: ['cognito-idp:AddUserPoolClientSecret', 'cognito-idp:ListUserPoolClientSecrets', 'cognito-idp:DeleteUserPoolClientSecret', 'cognito-idp:DescribeUserPoolClient'],
          resources: [identity.userPool.arn],
        },
      ],
      environment: {
        [SECRET_ROTATION_ENV.environment]: config.name,
        [SECRET_ROTATION_ENV.userPoolId]: identity.userPool.id,
        // For a client that gains oauth2: the rotation writes the endpoint, Terraform never rewrites the value.
        ...(identity.tokenEndpoint ? { [SECRET_ROTATION_ENV.tokenEndpoint]: identity.tokenEndpoint } : {}),
      },
    });
    this.function = lambda.function;
    this.logGroup = lambda.logGroup;

    const permission = new LambdaPermission(this, 'secrets_manager_permission', {
      functionName: this.function.functionName,
      action: 'lambda:InvokeFunction',
      principal: 'secretsmanager.amazonaws.com',
      sourceAccount: account.accountId,
      sourceArn: secretArns,
    });

    this.rotations = props.m2mClients.clients.map(
      (client) =>
        new SecretsmanagerSecretRotation(this, `${client.name}_rotation`, {
          secretId: client.secret.id,
          rotationLambdaArn: this.function.arn,
          rotationRules: { automaticallyAfterDays: config.secretRotationDays },
          // The first rotation needs the value Terraform writes, the right to invoke the function, and
          // the client able to get a token the way the test step asks for one.
          dependsOn: [client.version, permission, ...(props.clientReady?.[client.name] ? [props.clientReady[client.name]] : [])],
        }),
    );
  }
}
