import { Construct } from 'constructs';
import { Apigatewayv2Api } from '@cdktf/provider-aws/lib/apigatewayv2-api';
import { Apigatewayv2Authorizer } from '@cdktf/provider-aws/lib/apigatewayv2-authorizer';
import { Apigatewayv2Integration } from '@cdktf/provider-aws/lib/apigatewayv2-integration';
import { Apigatewayv2Route } from '@cdktf/provider-aws/lib/apigatewayv2-route';
import { Apigatewayv2Stage } from '@cdktf/provider-aws/lib/apigatewayv2-stage';
import type { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { accessLogFormat, accessLogGroup, allowGatewayInvoke, routeId, type ApiGateway, type ApiGatewayProps } from './api-gateway';
import { fitDescription } from '../terraform/naming';

/**
 * The HTTP API option (`gateway.type: "http"`): the same routes behind the same authorizer, called
 * with payload 2.0 and simple responses. The authorizer's identity sources are the Authorization
 * header and `$context.routeKey`, so a cached answer is keyed by token and route and never crosses
 * routes. The stage deploys itself on every change (auto-deploy).
 *
 * HTTP APIs cannot customize their 401/403 bodies; an invalid token is a 403 there (a missing header
 * is a 401).
 */
export class HttpApi extends Construct implements ApiGateway {
  readonly api: Apigatewayv2Api;
  readonly stage: Apigatewayv2Stage;
  readonly url: string;
  readonly accessLogs: CloudwatchLogGroup;
  readonly metrics: ApiGateway['metrics'];

  constructor(scope: Construct, id: string, props: ApiGatewayProps) {
    super(scope, id);
    const { config, naming, backend } = props;
    const gateway = config.gateway;
    const legacy = config.legacyApiKeys.enabled;

    this.api = new Apigatewayv2Api(this, 'api', {
      name: naming.name('api'),
      description: fitDescription('aws_apigatewayv2_api', `${config.resourceServer.name} (${config.name}), behind the m2m-auth authorizer`),
      protocolType: 'HTTP',
    });
    const authorizer = new Apigatewayv2Authorizer(this, 'authorizer', {
      apiId: this.api.id,
      name: naming.name('authorizer'),
      authorizerType: 'REQUEST',
      authorizerUri: props.authorizer.invokeArn,
      authorizerPayloadFormatVersion: '2.0',
      enableSimpleResponses: true,
      identitySources: legacy ? [] : ['$request.header.Authorization', '$context.routeKey'],
      authorizerResultTtlInSeconds: legacy ? 0 : gateway.resultCacheTtlSeconds,
    });
    allowGatewayInvoke(this, 'authorizer_permission', props.authorizer.functionName, `${this.api.executionArn}/authorizers/${authorizer.id}`);

    let shared: Apigatewayv2Integration | undefined;
    if (backend.type === 'lambda') {
      allowGatewayInvoke(this, 'backend_permission', backend.functionName, `${this.api.executionArn}/${config.name}/*`);
      shared = new Apigatewayv2Integration(this, 'integration', {
        apiId: this.api.id,
        integrationType: 'AWS_PROXY',
        integrationUri: backend.invokeArn,
        payloadFormatVersion: '2.0',
      });
    }
    for (const route of config.routes) {
      const key = routeId(route);
      const integration =
        shared ??
        new Apigatewayv2Integration(this, `integration_${key}`, {
          apiId: this.api.id,
          integrationType: 'HTTP_PROXY',
          integrationMethod: route.method,
          integrationUri: `${(backend as { url: string }).url.replace(/\/$/, '')}${route.path.replace(/\{([^}+]+)\+\}/g, '{$1}')}`,
        });
      new Apigatewayv2Route(this, `route_${key}`, {
        apiId: this.api.id,
        routeKey: `${route.method} ${route.path}`,
        authorizationType: 'CUSTOM',
        authorizerId: authorizer.id,
        target: `integrations/${integration.id}`,
      });
    }

    this.accessLogs = accessLogGroup(this, naming, config.logRetentionDays);
    this.stage = new Apigatewayv2Stage(this, 'stage', {
      apiId: this.api.id,
      name: config.name,
      autoDeploy: true,
      accessLogSettings: {
        destinationArn: this.accessLogs.arn,
        format: accessLogFormat({
          route: '$context.routeKey',
          latencyMs: '$context.responseLatency',
          integrationLatencyMs: '$context.integrationLatency',
        }),
      },
      defaultRouteSettings: {
        throttlingRateLimit: gateway.throttling.rateLimit,
        throttlingBurstLimit: gateway.throttling.burstLimit,
        detailedMetricsEnabled: true,
      },
    });
    this.url = this.stage.invokeUrl;
    this.metrics = { dimensions: { ApiId: this.api.id, Stage: config.name }, count: 'Count', serverErrors: '5xx', clientErrors: '4xx', latency: 'Latency' };
  }
}
