import { Construct } from 'constructs';
import { createHash } from 'node:crypto';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import type { EnvironmentConfig, RouteConfig } from '../config/schema';
import type { ResourceNaming } from '../terraform/naming';

/** Where the gateway sends authorized requests. */
export type BackendTarget =
  | { readonly type: 'lambda'; readonly functionName: string; readonly invokeArn: string }
  | { readonly type: 'http'; readonly url: string };

export interface ApiGatewayProps {
  readonly config: EnvironmentConfig;
  readonly naming: ResourceNaming;
  readonly authorizer: { readonly functionName: string; readonly invokeArn: string };
  readonly backend: BackendTarget;
}

/** What both gateway flavours expose to the stack and the monitoring. */
export interface ApiGateway extends Construct {
  /** `https://<api>.execute-api.<region>.amazonaws.com/<stage>` */
  readonly url: string;
  readonly accessLogs: CloudwatchLogGroup;
  /** CloudWatch namespace `AWS/ApiGateway` dimensions and metric names of this API's stage. */
  readonly metrics: { readonly dimensions: Record<string, string>; readonly count: string; readonly serverErrors: string; readonly clientErrors: string; readonly latency: string };
}

/**
 * The JSON access-log line of both gateway flavours: who called which route, what came back, how
 * long it took, and why the authorizer refused, never a token.
 */
export function accessLogFormat(fields: Record<string, string>): string {
  return JSON.stringify({
    requestId: '$context.requestId',
    principalType: '$context.authorizer.principalType',
    principalId: '$context.authorizer.principalId',
    clientId: '$context.authorizer.clientId',
    clientName: '$context.authorizer.clientName',
    status: '$context.status',
    authorizerError: '$context.authorizer.error',
    sourceIp: '$context.identity.sourceIp',
    ...fields,
  });
}

/** Terraform-safe id of a route: `GET /orders/{id}` -> `GET_orders_id`. */
export function routeId(route: Pick<RouteConfig, 'method' | 'path'>): string {
  return `${route.method}${route.path}`.replace(/[^A-Za-z0-9]+/g, '_').replace(/_+$/, '');
}

/**
 * A hash of everything that shapes the deployed API: a change redeploys the stage, the same config
 * gives the same hash and so no diff.
 */
export function deploymentHash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

/** Lets the gateway invoke a Lambda, from this API only. */
export function allowGatewayInvoke(scope: Construct, id: string, functionName: string, sourceArn: string): LambdaPermission {
  return new LambdaPermission(scope, id, {
    functionName,
    action: 'lambda:InvokeFunction',
    principal: 'apigateway.amazonaws.com',
    sourceArn,
  });
}

/** The access-log group of an API, with the environment's retention. */
export function accessLogGroup(scope: Construct, naming: ResourceNaming, retentionInDays: number): CloudwatchLogGroup {
  return new CloudwatchLogGroup(scope, 'access_logs', { name: `/aws/apigateway/${naming.name('api')}`, retentionInDays });
}
