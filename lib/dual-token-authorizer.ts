import { Construct } from 'constructs';
import { TerraformAsset, AssetType } from 'cdktf';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { SsmParameter } from '@cdktf/provider-aws/lib/ssm-parameter';
import { EMPTY_DENY_LIST } from '../lambdas/authorizer/deny-list';
import { bundleAuthorizer } from './authorizer-bundle';
import type { CognitoIdentity } from './cognito-identity';
import type { EnvironmentConfig } from './config/schema';
import type { M2mClients } from './m2m-clients';
import type { ResourceNaming } from './naming';

export interface DualTokenAuthorizerProps {
  readonly config: EnvironmentConfig;
  readonly naming: ResourceNaming;
  readonly identity: CognitoIdentity;
  readonly m2mClients: M2mClients;
}

/** Lambda runtime and architecture of the functions we deploy. */
export const LAMBDA_RUNTIME = { runtime: 'nodejs22.x', architectures: ['arm64'] } as const;

/**
 * The Lambda authorizer that accepts M2M access tokens and user tokens (lambdas/authorizer), with
 * its own log group, the revocation deny-list parameter, and a role that may write only to that log
 * group and read only that parameter. The bundle carries the route table and role maps; environment
 * variables carry ids only.
 */
export class DualTokenAuthorizer extends Construct {
  readonly function: LambdaFunction;
  readonly logGroup: CloudwatchLogGroup;
  /** SSM parameter holding `{"clientIds": [...], "jtis": [...]}`; see README "Revoking a client". */
  readonly denyList: SsmParameter;

  constructor(scope: Construct, id: string, props: DualTokenAuthorizerProps) {
    super(scope, id);
    const { config, naming, identity } = props;
    const functionName = naming.name('authorizer');

    this.denyList = new SsmParameter(this, 'deny_list', {
      name: `/${naming.path('revocations')}`,
      description: 'Revoked M2M client ids and token jtis, honoured by the authorizer',
      type: 'String',
      insecureValue: EMPTY_DENY_LIST,
      // Revocations are made outside Terraform (at 3 a.m.); a deploy must never undo them.
      lifecycle: { ignoreChanges: ['insecure_value'] },
    });

    this.logGroup = new CloudwatchLogGroup(this, 'log_group', {
      name: `/aws/lambda/${functionName}`,
      retentionInDays: config.logRetentionDays,
    });

    const assumeRole = new DataAwsIamPolicyDocument(this, 'assume_role', {
      statement: [{ actions: ['sts:AssumeRole'], principals: [{ type: 'Service', identifiers: ['lambda.amazonaws.com'] }] }],
    });
    const role = new IamRole(this, 'role', {
      name: functionName,
      description: 'Dual-token authorizer: writes its own logs, reads the revocation deny-list',
      assumeRolePolicy: assumeRole.json,
    });
    const permissions = new DataAwsIamPolicyDocument(this, 'permissions', {
      statement: [
        { sid: 'OwnLogGroup', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [`${this.logGroup.arn}:*`] },
        { sid: 'DenyList', actions: ['ssm:GetParameter'], resources: [this.denyList.arn] },
      ],
    });
    const policy = new IamRolePolicy(this, 'policy', { name: 'authorizer', role: role.id, policy: permissions.json });

    const bundle = bundleAuthorizer(config);
    const asset = new TerraformAsset(this, 'code', { path: bundle.zipPath, type: AssetType.FILE });
    const userClientId = identity.userClient?.id;
    this.function = new LambdaFunction(this, 'function', {
      functionName,
      description: `Authorizes ${config.resourceServer.name} calls with M2M access tokens and user tokens`,
      role: role.arn,
      handler: 'index.handler',
      ...LAMBDA_RUNTIME,
      architectures: [...LAMBDA_RUNTIME.architectures],
      memorySize: config.authorizer.memoryMb,
      // A JWKS that is down costs at most JWKS_TIMEOUT_MS; the rest is headroom.
      timeout: 5,
      filename: asset.path,
      sourceCodeHash: bundle.sourceCodeHash,
      environment: {
        variables: {
          ENVIRONMENT: config.name,
          USER_POOL_ID: identity.userPool.id,
          M2M_CLIENTS: props.m2mClients.clients.map((c) => `${c.name}=${c.client.id}`).join(','),
          ...(userClientId ? { USER_CLIENT_ID: userClientId } : {}),
          REVOCATION_PARAMETER: this.denyList.name,
          REVOCATION_REFRESH_SECONDS: String(config.authorizer.revocationRefreshSeconds),
          REVOCATION_MAX_STALE_SECONDS: String(config.authorizer.revocationMaxStaleSeconds),
          DECISION_CACHE_SIZE: String(config.authorizer.decisionCacheSize),
          JWKS_TIMEOUT_MS: '1500',
          POWERTOOLS_LOG_LEVEL: 'INFO',
        },
      },
      loggingConfig: { logFormat: 'Text', logGroup: this.logGroup.name },
      dependsOn: [this.logGroup, policy],
    });
  }
}
