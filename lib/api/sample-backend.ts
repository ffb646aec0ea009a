import { Construct } from 'constructs';
import type { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import type { EnvironmentConfig } from '../config/schema';
import { bundleLambda } from '../bundling/lambda-bundle';
import type { ResourceNaming } from '../terraform/naming';
import { addNodeLambda } from '../bundling/node-lambda';

export const SAMPLE_BACKEND_ENTRY = 'lambdas/api/index.ts';

/**
 * The bundled sample backend (lambdas/api): answers the sample routes with what was done and by whom,
 * from the authorizer's context. No persistence and no permissions beyond its own log group.
 */
export class SampleBackend extends Construct {
  readonly function: LambdaFunction;

  constructor(scope: Construct, id: string, props: { readonly config: EnvironmentConfig; readonly naming: ResourceNaming }) {
    super(scope, id);
    this.function = addNodeLambda(this, {
      functionName: props.naming.name('api'),
      description: `Sample backend of ${props.config.resourceServer.name}`,
      bundle: bundleLambda({ entry: SAMPLE_BACKEND_ENTRY }),
      logRetentionDays: props.config.logRetentionDays,
      environment: { ENVIRONMENT: props.config.name, POWERTOOLS_SERVICE_NAME: 'm2m-auth-api' },
    }).function;
  }
}
