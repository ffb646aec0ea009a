import { Construct } from 'constructs';
import { ApiGatewayAccount } from '@cdktf/provider-aws/lib/api-gateway-account';
import { ApiGatewayAuthorizer } from '@cdktf/provider-aws/lib/api-gateway-authorizer';
import { ApiGatewayDeployment } from '@cdktf/provider-aws/lib/api-gateway-deployment';
import { ApiGatewayGatewayResponse } from '@cdktf/provider-aws/lib/api-gateway-gateway-response';
import { ApiGatewayIntegration } from '@cdktf/provider-aws/lib/api-gateway-integration';
import { ApiGatewayMethod } from '@cdktf/provider-aws/lib/api-gateway-method';
import { ApiGatewayMethodSettings } from '@cdktf/provider-aws/lib/api-gateway-method-settings';
import { ApiGatewayResource } from '@cdktf/provider-aws/lib/api-gateway-resource';
import { ApiGatewayRestApi } from '@cdktf/provider-aws/lib/api-gateway-rest-api';
import { ApiGatewayStage } from '@cdktf/provider-aws/lib/api-gateway-stage';
import type { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import type { ITerraformDependable } from 'cdktf';
import { accessLogFormat, accessLogGroup, allowGatewayInvoke, deploymentHash, routeId, type ApiGateway, type ApiGatewayProps } from './api-gateway';

/** Gateway responses with JSON bodies; 401 and 403 carry `WWW-Authenticate: Bearer` (RFC 6750). */
const GATEWAY_RESPONSES = [
  { type: 'UNAUTHORIZED', status: '401', error: 'invalid_token', wwwAuthenticate: 'Bearer realm="m2m-auth", error="invalid_token"' },
  { type: 'ACCESS_DENIED', status: '403', error: 'insufficient_scope', wwwAuthenticate: 'Bearer realm="m2m-auth", error="insufficient_scope"' },
  // No method for this path: the route does not exist.
  { type: 'MISSING_AUTHENTICATION_TOKEN', status: '404', error: 'not_found' },
  { type: 'AUTHORIZER_FAILURE', status: '500', error: 'authorizer_failure' },
  { type: 'AUTHORIZER_CONFIGURATION_ERROR', status: '500', error: 'authorizer_configuration_error' },
  { type: 'THROTTLED', status: '429', error: 'throttled' },
] as const;

/**
 * The REST API (the default gateway) from the route table: every route behind the Lambda authorizer
 * (REQUEST type, cached per token for `resultCacheTtlSeconds`), proxied to the backend, on a stage
 * named after the environment with JSON access logs and throttling.
 *
 * With the API-key migration on, the authorizer must also see requests without an Authorization
 * header, which API Gateway can only do without identity sources, so its cache is off (TTL 0).
 */
export class RestApi extends Construct implements ApiGateway {
  readonly api: ApiGatewayRestApi;
  readonly stage: ApiGatewayStage;
  readonly url: string;
  readonly accessLogs: CloudwatchLogGroup;
  readonly metrics: ApiGateway['metrics'];

  constructor(scope: Construct, id: string, props: ApiGatewayProps) {
    super(scope, id);
    const { config, naming } = props;
    const gateway = config.gateway;
    const legacy = config.legacyApiKeys.enabled;

    this.api = new ApiGatewayRestApi(this, 'api', {
      name: naming.name('api'),
      description: `${config.resourceServer.name} (${config.name}), behind the m2m-auth authorizer`,
      endpointConfiguration: { types: ['REGIONAL'] },
    });

    const authorizer = new ApiGatewayAuthorizer(this, 'authorizer', {
      name: naming.name('authorizer'),
      restApiId: this.api.id,
      type: 'REQUEST',
      authorizerUri: props.authorizer.invokeArn,
      // Legacy callers send only x-api-key. Without the cache, an empty identity source lets every
      // request reach the authorizer; left unset, the provider defaults to the Authorization header and
      // API Gateway answers 401 itself to a request without it. A cache key must be the credential
      // itself, so the legacy mode runs uncached.
      identitySource: legacy ? '' : 'method.request.header.Authorization',
      authorizerResultTtlInSeconds: legacy ? 0 : gateway.resultCacheTtlSeconds,
    });
    allowGatewayInvoke(this, 'authorizer_permission', props.authorizer.functionName, `${this.api.executionArn}/authorizers/${authorizer.id}`);
    if (props.backend.type === 'lambda') {
      allowGatewayInvoke(this, 'backend_permission', props.backend.functionName, `${this.api.executionArn}/${config.name}/*/*`);
    }

    const resources = this.resourceTree(config.routes.map((route) => route.path));
    const dependables: ITerraformDependable[] = [];
    for (const route of config.routes) {
      const key = routeId(route);
      const resourceId = resources.get(route.path)!;
      const params = [...route.path.matchAll(/\{([^}+]+)\+?\}/g)].map((match) => match[1]);
      const method = new ApiGatewayMethod(this, `method_${key}`, {
        restApiId: this.api.id,
        resourceId,
        httpMethod: route.method,
        authorization: 'CUSTOM',
        authorizerId: authorizer.id,
        requestParameters: Object.fromEntries(params.map((param) => [`method.request.path.${param}`, true])),
      });
      const backend = props.backend;
      const integration = new ApiGatewayIntegration(this, `integration_${key}`, {
        restApiId: this.api.id,
        resourceId,
        httpMethod: method.httpMethod,
        ...(backend.type === 'lambda'
          ? { type: 'AWS_PROXY', integrationHttpMethod: 'POST', uri: backend.invokeArn }
          : {
              type: 'HTTP_PROXY',
              integrationHttpMethod: route.method,
              uri: `${backend.url.replace(/\/$/, '')}${route.path}`,
              requestParameters: Object.fromEntries(params.map((param) => [`integration.request.path.${param}`, `method.request.path.${param}`])),
            }),
      });
      dependables.push(method, integration);
    }

    for (const response of GATEWAY_RESPONSES) {
      dependables.push(
        new ApiGatewayGatewayResponse(this, `response_${response.type.toLowerCase()}`, {
          restApiId: this.api.id,
          responseType: response.type,
          statusCode: response.status,
          responseTemplates: {
            'application/json': `{"error":"${response.error}","message":$context.error.messageString,"requestId":"$context.requestId"}`,
          },
          responseParameters: 'wwwAuthenticate' in response ? { 'gatewayresponse.header.WWW-Authenticate': `'${response.wwwAuthenticate}'` } : undefined,
        }),
      );
    }

    const deployment = new ApiGatewayDeployment(this, 'deployment', {
      restApiId: this.api.id,
      description: 'Redeployed when the route table, backend, authorizer settings or gateway responses change',
      triggers: {
        redeployment: deploymentHash({ routes: config.routes, backend: gateway.backend, ttl: gateway.resultCacheTtlSeconds, legacy, responses: GATEWAY_RESPONSES }),
      },
      lifecycle: { createBeforeDestroy: true },
      dependsOn: dependables,
    });

    this.accessLogs = accessLogGroup(this, naming, config.logRetentionDays);
    const account = gateway.manageAccountLoggingRole ? this.accountLoggingRole(naming.name('apigateway-logs')) : undefined;
    this.stage = new ApiGatewayStage(this, 'stage', {
      restApiId: this.api.id,
      deploymentId: deployment.id,
      stageName: config.name,
      accessLogSettings: {
        destinationArn: this.accessLogs.arn,
        format: accessLogFormat({
          route: '$context.httpMethod $context.resourcePath',
          latencyMs: '$context.responseLatency',
          integrationLatencyMs: '$context.integrationLatency',
          authorizerLatencyMs: '$context.authorizer.latency',
          authorizerStatus: '$context.authorizer.status',
        }),
      },
      dependsOn: account ? [account] : undefined,
    });
    new ApiGatewayMethodSettings(this, 'method_settings', {
      restApiId: this.api.id,
      stageName: this.stage.stageName,
      methodPath: '*/*',
      settings: {
        throttlingRateLimit: gateway.throttling.rateLimit,
        throttlingBurstLimit: gateway.throttling.burstLimit,
        metricsEnabled: true,
      },
    });

    this.url = this.stage.invokeUrl;
    this.metrics = {
      dimensions: { ApiName: naming.name('api'), Stage: config.name },
      count: 'Count',
      serverErrors: '5XXError',
      clientErrors: '4XXError',
      latency: 'Latency',
    };
  }

  /** One `aws_api_gateway_resource` per distinct path prefix; returns path -> resource id. */
  private resourceTree(paths: readonly string[]): Map<string, string> {
    const ids = new Map<string, string>([['/', this.api.rootResourceId]]);
    const prefixes = new Set<string>();
    for (const path of paths) {
      const segments = path.split('/').filter(Boolean);
      segments.forEach((_, i) => prefixes.add(`/${segments.slice(0, i + 1).join('/')}`));
    }
    for (const prefix of [...prefixes].sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b))) {
      const parent = prefix.slice(0, prefix.lastIndexOf('/')) || '/';
      const resource = new ApiGatewayResource(this, `resource${prefix.replace(/[^A-Za-z0-9]+/g, '_').replace(/_+$/, '')}`, {
        restApiId: this.api.id,
        parentId: ids.get(parent)!,
        pathPart: prefix.slice(prefix.lastIndexOf('/') + 1),
      });
      ids.set(prefix, resource.id);
    }
    return ids;
  }

  /** The account-wide role API Gateway needs to write access logs (one per account and region). */
  private accountLoggingRole(name: string): ApiGatewayAccount {
    const role = new IamRole(this, 'account_logging_role', {
      name,
      description: 'Lets API Gateway write access logs to CloudWatch Logs (account-wide setting)',
      assumeRolePolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'apigateway.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      }),
    });
    const attachment = new IamRolePolicyAttachment(this, 'account_logging_policy', {
      role: role.name,
      policyArn: `arn:${new DataAwsPartition(this, 'partition').partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs`,
    });
    return new ApiGatewayAccount(this, 'account', { cloudwatchRoleArn: role.arn, dependsOn: [attachment] });
  }
}
