import { Construct } from 'constructs';
import { Fn } from 'cdktf';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition';
import type { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import type { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { SsmParameter } from '@cdktf/provider-aws/lib/ssm-parameter';
import { EMPTY_DENY_LIST } from '../../lambdas/authorizer/deny-list';
import { bundleAuthorizer } from './authorizer-bundle';
import { CLIENT_REGISTRY_PART_ID_PREFIX, registryParts } from './client-registry-parameters';
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
  /**
   * The client registry: Standard SSM parameters holding `[[clientId, name, scopes], ...]`, written by
   * Terraform from the app clients on every apply and read by the authorizer at init and on refresh.
   */
  readonly clientRegistry: readonly SsmParameter[];

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

    // The clients' ids exist only after apply, so the registry is data the authorizer reads, not part of
    // its code or environment (4 KB for all variables): a client added by a deploy is usable at once.
    const scopesOf = new Map(config.m2mClients.map((client) => [client.name, client.scopes]));
    const clients = props.m2mClients.clients.map((client) => ({ name: client.name, scopes: scopesOf.get(client.name) ?? [], id: client.client.id }));
    this.clientRegistry = registryParts(clients).map(
      (part, i) =>
        new SsmParameter(this, `${CLIENT_REGISTRY_PART_ID_PREFIX}${i}`, {
          name: `/${naming.path('clients', String(i))}`,
          description: `M2M clients the authorizer accepts, part ${i + 1}: [client id, name, scopes] (written by Terraform)`,
          type: 'String',
          tier: 'Standard',
          insecureValue: Fn.jsonencode(part.map((client) => [client.id, client.name, client.scopes])),
        }),
    );

    const account = new DataAwsCallerIdentity(this, 'account');
    const partition = new DataAwsPartition(this, 'partition');
    const registryArns = `arn:${partition.partition}:ssm:${config.region}:${account.accountId}:parameter/${naming.path('clients')}/*`;

    const userClientId = identity.userClient?.id;
    const lambda = addNodeLambda(this, {
      functionName: naming.name('authorizer'),
      description: `Authorizes ${config.resourceServer.name} calls with M2M access tokens and user tokens`,
      bundle: bundleAuthorizer(config),
      logRetentionDays: config.logRetentionDays,
      memoryMb: config.authorizer.memoryMb,
      // A JWKS that is down costs at most JWKS_TIMEOUT_MS; the rest is headroom.
      timeoutSeconds: 5,
      statements: [
        { sid: 'DenyList', actions: ['ssm:GetParameter'], resources: [this.denyList.arn] },
        // By path, not by the parameters' ARNs: a policy that references them is re-read at apply
        // whenever a part changes, and the role's policy would show as changed in every such plan.
        { sid: 'ClientRegistry', actions: ['ssm:GetParameters'], resources: [registryArns] },
      ],
      environment: {
        ENVIRONMENT: config.name,
        USER_POOL_ID: identity.userPool.id,
        CLIENT_REGISTRY_PARAMETERS: this.clientRegistry.map((part) => part.name).join(','),
        ...(userClientId ? { USER_CLIENT_ID: userClientId } : {}),
        REVOCATION_PARAMETER: this.denyList.name,
        REVOCATION_REFRESH_SECONDS: String(config.authorizer.revocationRefreshSeconds),
        REVOCATION_MAX_STALE_SECONDS: String(config.authorizer.revocationMaxStaleSeconds),
        DECISION_CACHE_SIZE: String(config.authorizer.decisionCacheSize),
        JWKS_TIMEOUT_MS: '1500',
        PER_CLIENT_METRICS: String(config.monitoring.perClientMetrics),
        POWERTOOLS_LOG_LEVEL: 'INFO',
      },
    });
    this.function = lambda.function;
    this.logGroup = lambda.logGroup;
  }
}
