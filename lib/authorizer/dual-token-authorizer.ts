import { Construct } from 'constructs';
import type { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import type { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { SsmParameter } from '@cdktf/provider-aws/lib/ssm-parameter';
import { EMPTY_DENY_LIST } from '../../lambdas/authorizer/deny-list';
import { bundleAuthorizer } from './authorizer-bundle';
import type { CognitoIdentity } from '../identity/cognito-identity';
import type { EnvironmentConfig } from '../config/schema';
import type { M2mClients } from '../identity/m2m-clients';
import { addNodeLambda } from '../bundling/node-lambda';
import type { ResourceNaming } from '../terraform/naming';

export interface DualTokenAuthorizerProps {
  readonly config: EnvironmentConfig;
  readonly naming: ResourceNaming;
  readonly identity: CognitoIdentity;
  readonly m2mClients: M2mClients;
}

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

    this.denyList = new SsmParameter(this, 'deny_list', {
      name: `/${naming.path('revocations')}`,
      description: 'Revoked M2M client ids and token jtis, honoured by the authorizer',
      type: 'String',
      insecureValue: EMPTY_DENY_LIST,
      // Revocations are made outside Terraform (at 3 a.m.); a deploy must never undo them.
      lifecycle: { ignoreChanges: ['insecure_value'] },
    });

    const userClientId = identity.userClient?.id;
    const lambda = addNodeLambda(this, {
      functionName: naming.name('authorizer'),
      description: `Authorizes ${config.resourceServer.name} calls with M2M access tokens and user tokens`,
      bundle: bundleAuthorizer(config),
      logRetentionDays: config.logRetentionDays,
      memoryMb: config.authorizer.memoryMb,
      // A JWKS that is down costs at most JWKS_TIMEOUT_MS; the rest is headroom.
      timeoutSeconds: 5,
      statements: [{ sid: 'DenyList', actions: ['ssm:GetParameter'], resources: [this.denyList.arn] }],
      environment: {
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
    });
    this.function = lambda.function;
    this.logGroup = lambda.logGroup;
  }
}
