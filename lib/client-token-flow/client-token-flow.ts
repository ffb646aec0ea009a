import { Construct } from 'constructs';
import { Fn } from 'cdktf';
import { LambdaInvocation } from '@cdktf/provider-aws/lib/lambda-invocation';
import type { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { CLIENT_TOKEN_FLOW } from '../../lambdas/client-token-flow/flows';
import { bundleLambda, type LambdaBundle } from '../bundling/lambda-bundle';
import { addNodeLambda } from '../bundling/node-lambda';
import type { EnvironmentConfig } from '../config/schema';
import type { CognitoIdentity } from '../identity/cognito-identity';
import type { M2mClient } from '../identity/m2m-clients';
import type { ResourceNaming } from '../terraform/naming';

export const CLIENT_TOKEN_FLOW_ENTRY = 'lambdas/client-token-flow/index.ts';

/**
 * The whole SDK is bundled: UpdateUserPoolClient resets every setting it is not given, so the client
 * that reads and writes the app client must know all of today's fields, which the runtime's copy of
 * the SDK may not.
 */
export function bundleClientTokenFlow(): LambdaBundle {
  return bundleLambda({ entry: CLIENT_TOKEN_FLOW_ENTRY, runtimeSdkPackages: [] });
}

export interface ClientTokenFlowProps {
  readonly config: EnvironmentConfig;
  readonly naming: ResourceNaming;
  readonly identity: CognitoIdentity;
  /** The clients with tokenPaths "api"; at least one. */
  readonly clients: readonly M2mClient[];
}

/**
 * GetClientToken for the clients that use it: their app clients need `ALLOW_CLIENT_TOKEN_AUTH` as the
 * only explicit auth flow, which no AWS provider for Terraform accepts yet (docs/client-token-api.md).
 * So Terraform creates them with refresh-token auth and ignores later changes to their flows
 * (lib/identity/m2m-clients.ts), and a small function (lambdas/client-token-flow) sets the flow once
 * per client, through `aws_lambda_invocation`: at creation, and again when the client is replaced
 * (its id is in the input). Its role may read and update the app clients of this pool only.
 */
export class ClientTokenFlow extends Construct {
  readonly function: LambdaFunction;
  /** By client name: the invocation that sets the client's flow. */
  readonly invocations: Readonly<Record<string, LambdaInvocation>>;

  constructor(scope: Construct, id: string, props: ClientTokenFlowProps) {
    super(scope, id);
    const { config, naming, identity } = props;
    const lambda = addNodeLambda(this, {
      functionName: naming.name('client-token-flow'),
      description: 'Sets ALLOW_CLIENT_TOKEN_AUTH (GetClientToken) on the M2M app clients that use it',
      bundle: bundleClientTokenFlow(),
      logRetentionDays: config.logRetentionDays,
      timeoutSeconds: 30,
      statements: [{ sid: 'AppClients', actions: ['cognito-idp:DescribeUserPoolClient', 'cognito-idp:UpdateUserPoolClient'], resources: [identity.userPool.arn] }],
      environment: { ENVIRONMENT: config.name },
    });
    this.function = lambda.function;
    this.invocations = Object.fromEntries(
      props.clients.map((client) => [
        client.name,
        new LambdaInvocation(this, `${client.name}_flow`, {
          functionName: this.function.functionName,
          input: Fn.jsonencode({ userPoolId: identity.userPool.id, clientId: client.client.id, explicitAuthFlows: [CLIENT_TOKEN_FLOW] }),
        }),
      ]),
    );
  }
}
