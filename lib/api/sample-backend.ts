import { Construct } from 'constructs';
import type { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import type { EnvironmentConfig } from '../config/schema';
import type { ResourceNaming } from '../terraform/naming';
import { addNodeLambda } from '../bundling/node-lambda';
import { bundleSampleBackend } from './sample-backend-bundle';

/**
 * The bundled sample backend (lambdas/api), with the environment's route table compiled in: answers
 * the sample routes with what was done and by whom, any other configured route with the route and
 * the caller, from the authorizer's context. No persistence and no permissions beyond its own log group.
 */
export class SampleBackend extends Construct {
  readonly function: LambdaFunction;

  constructor(scope: Construct, id: string, props: { readonly config: EnvironmentConfig; readonly naming: ResourceNaming }) {
    super(scope, id);
    this.function = addNodeLambda(this, {
      functionName: props.naming.name('api'),
      description: `Sample backend of ${props.config.resourceServer.name}`,
      bundle: bundleSampleBackend(props.config),
      logRetentionDays: props.config.logRetentionDays,
      environment: { ENVIRONMENT: props.config.name, POWERTOOLS_SERVICE_NAME: 'm2m-auth-api' },
    }).function;
  }
}
