import { ApiGatewayAuthorizer } from '@cdktf/provider-aws/lib/api-gateway-authorizer';
import { ApiGatewayGatewayResponse } from '@cdktf/provider-aws/lib/api-gateway-gateway-response';
import { ApiGatewayMethodSettings } from '@cdktf/provider-aws/lib/api-gateway-method-settings';
import { Apigatewayv2Authorizer } from '@cdktf/provider-aws/lib/apigatewayv2-authorizer';
import { Apigatewayv2Stage } from '@cdktf/provider-aws/lib/apigatewayv2-stage';
import { environment, resourcesOf, synthEnvironment, type TerraformJson } from '../fixtures';
import { restResourcePaths, restRouteKeys } from '../support/terraform';

const LEGACY = { enabled: true, callers: [{ name: 'old-reporting', role: 'reader' as const, keySha256: 'a'.repeat(64) }] };

const routeKeysOf = (routes: ReadonlyArray<{ method: string; path: string }>) => routes.map((route) => `${route.method} ${route.path}`).sort();

describe('RestApi (default gateway)', () => {
  const config = environment();
  const { json, tf } = synthEnvironment(config);

  test('every route is a method behind the REQUEST authorizer, cached per token', () => {
    expect(json).toHaveResourceWithProperties(ApiGatewayAuthorizer, {
      type: 'REQUEST',
      identity_source: 'method.request.header.Authorization',
      authorizer_result_ttl_in_seconds: 300,
      authorizer_uri: '${aws_lambda_function.authorizer_function.invoke_arn}',
    });
    const methods = resourcesOf(tf, 'aws_api_gateway_method');
    expect(methods.map((m) => m.http_method).sort()).toEqual(config.routes.map((route) => route.method).sort());
    for (const method of methods) expect(method).toMatchObject({ authorization: 'CUSTOM', authorizer_id: '${aws_api_gateway_authorizer.api_authorizer.id}' });
    expect(tf.resource.aws_api_gateway_method['api_method_DELETE_orders_id'].request_parameters).toEqual({ 'method.request.path.id': true });
  });

  test('the resource tree follows the route paths, one method per route', () => {
    // The fixture's paths share prefixes: /orders, /orders/{id}, /orders/{id}/fulfil.
    expect([...restResourcePaths(tf).values()].sort()).toEqual(['/', '/orders', '/orders/{id}', '/orders/{id}/fulfil']);
    expect(restRouteKeys(tf)).toEqual(routeKeysOf(config.routes));
  });

  test('integrations proxy to the bundled sample backend, which only this API may invoke', () => {
    for (const integration of resourcesOf(tf, 'aws_api_gateway_integration')) {
      expect(integration).toMatchObject({ type: 'AWS_PROXY', integration_http_method: 'POST', uri: '${aws_lambda_function.sample_backend_function.invoke_arn}' });
    }
    expect(tf.resource.aws_lambda_permission.api_backend_permission).toMatchObject({
      principal: 'apigateway.amazonaws.com',
      source_arn: '${aws_api_gateway_rest_api.api_api.execution_arn}/dev/*/*',
    });
    expect(tf.resource.aws_lambda_permission.api_authorizer_permission.source_arn).toBe(
      '${aws_api_gateway_rest_api.api_api.execution_arn}/authorizers/${aws_api_gateway_authorizer.api_authorizer.id}',
    );
  });

  test('a stage per environment with JSON access logs, retention and throttling', () => {
    const stage = tf.resource.aws_api_gateway_stage.api_stage;
    expect(stage.stage_name).toBe('dev');
    const settings = stage.access_log_settings as { destination_arn: string; format: string };
    expect(settings.destination_arn).toBe('${aws_cloudwatch_log_group.api_access_logs.arn}');
    expect(Object.keys(JSON.parse(settings.format))).toEqual(
      expect.arrayContaining(['requestId', 'principalType', 'principalId', 'clientId', 'route', 'status', 'latencyMs', 'authorizerError']),
    );
    expect(tf.resource.aws_cloudwatch_log_group.api_access_logs).toMatchObject({ name: '/aws/apigateway/m2m-auth-dev-api', retention_in_days: 90 });
    expect(json).toHaveResourceWithProperties(ApiGatewayMethodSettings, {
      method_path: '*/*',
      settings: { throttling_rate_limit: 100, throttling_burst_limit: 200, metrics_enabled: true },
    });
  });

  test('401 and 403 are JSON with a WWW-Authenticate: Bearer header', () => {
    expect(json).toHaveResourceWithProperties(ApiGatewayGatewayResponse, {
      response_type: 'UNAUTHORIZED',
      status_code: '401',
      response_parameters: { 'gatewayresponse.header.WWW-Authenticate': `'Bearer realm="m2m-auth", error="invalid_token"'` },
    });
    expect(json).toHaveResourceWithProperties(ApiGatewayGatewayResponse, {
      response_type: 'ACCESS_DENIED',
      status_code: '403',
      response_parameters: { 'gatewayresponse.header.WWW-Authenticate': `'Bearer realm="m2m-auth", error="insufficient_scope"'` },
    });
    const body = (tf.resource.aws_api_gateway_gateway_response.api_response_unauthorized.response_templates as Record<string, string>)['application/json'];
    expect(body).toBe('{"error":"invalid_token","message":$context.error.messageString,"requestId":"$context.requestId"}');
  });

  test('a change to the routes redeploys the stage; the same config gives no diff', () => {
    const trigger = (t: TerraformJson) => (t.resource.aws_api_gateway_deployment.api_deployment.triggers as Record<string, string>).redeployment;
    expect(trigger(synthEnvironment(environment()).tf)).toBe(trigger(tf));
    const more = environment({ routes: [...environment().routes, { method: 'GET', path: '/orders/{id}/history', permission: 'read' }] });
    expect(trigger(synthEnvironment(more).tf)).not.toBe(trigger(tf));
    expect(tf.resource.aws_api_gateway_deployment.api_deployment.lifecycle).toEqual({ create_before_destroy: true });
  });

  test('a result cache TTL of 0 is allowed', () => {
    const { json: uncached } = synthEnvironment(environment({ gateway: { resultCacheTtlSeconds: 0 } }));
    expect(uncached).toHaveResourceWithProperties(ApiGatewayAuthorizer, { authorizer_result_ttl_in_seconds: 0 });
  });

  test('an existing Lambda or an HTTP endpoint as the backend', () => {
    const functionArn = 'arn:aws:lambda:eu-west-1:123456789012:function:orders-service';
    const { tf: lambda } = synthEnvironment(environment({ gateway: { backend: { type: 'lambda', functionArn } } }));
    // No sample backend: only our own functions.
    expect(resourcesOf(lambda, 'aws_lambda_function').map((f) => f.function_name).sort()).toEqual(['m2m-auth-dev-authorizer', 'm2m-auth-dev-secret-rotation']);
    expect(resourcesOf(lambda, 'aws_api_gateway_integration')[0].uri).toBe(
      `arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/${functionArn}/invocations`,
    );
    expect(lambda.resource.aws_lambda_permission.api_backend_permission.function_name).toBe(functionArn);

    const { tf: http } = synthEnvironment(environment({ gateway: { backend: { type: 'http', url: 'https://orders.internal.example.com/' } } }));
    expect(http.resource.aws_api_gateway_integration.api_integration_DELETE_orders_id).toMatchObject({
      type: 'HTTP_PROXY',
      integration_http_method: 'DELETE',
      uri: 'https://orders.internal.example.com/orders/{id}',
      request_parameters: { 'integration.request.path.id': 'method.request.path.id' },
    });
  });

  test('fails when the HTTP backend is not https', () => {
    expect(() => environment({ gateway: { backend: { type: 'http', url: 'http://orders.example.com' } } })).toThrow(
      'dev: gateway.backend.url: must be an https:// URL; the gateway proxies each route to <url><path>; received "http://orders.example.com"',
    );
  });
});

describe('HttpApi (gateway.type "http")', () => {
  const { json, tf } = synthEnvironment(environment({ gateway: { type: 'http' } }));

  test('payload 2.0, simple responses, and the route in the cache key', () => {
    expect(json).toHaveResourceWithProperties(Apigatewayv2Authorizer, {
      authorizer_type: 'REQUEST',
      authorizer_payload_format_version: '2.0',
      enable_simple_responses: true,
      identity_sources: ['$request.header.Authorization', '$context.routeKey'],
      authorizer_result_ttl_in_seconds: 300,
    });
  });

  test('the same routes, each behind the authorizer, proxied with payload 2.0', () => {
    const routes = resourcesOf(tf, 'aws_apigatewayv2_route');
    expect(routes.map((r) => String(r.route_key)).sort()).toEqual(routeKeysOf(environment().routes));
    for (const route of routes) expect(route).toMatchObject({ authorization_type: 'CUSTOM', target: 'integrations/${aws_apigatewayv2_integration.api_integration.id}' });
    expect(tf.resource.aws_apigatewayv2_integration.api_integration).toMatchObject({ integration_type: 'AWS_PROXY', payload_format_version: '2.0' });
  });

  test('an auto-deployed stage with access logs and throttling', () => {
    expect(json).toHaveResourceWithProperties(Apigatewayv2Stage, {
      name: 'dev',
      auto_deploy: true,
      default_route_settings: { throttling_rate_limit: 100, throttling_burst_limit: 200, detailed_metrics_enabled: true },
    });
  });
});

describe('API-key migration (legacyApiKeys)', () => {
  test('REST: the authorizer sees requests without a token (identity source explicitly empty), so its cache is off', () => {
    const { json, tf } = synthEnvironment(environment({ legacyApiKeys: LEGACY }));
    expect(json).toHaveResourceWithProperties(ApiGatewayAuthorizer, { authorizer_result_ttl_in_seconds: 0 });
    // Unset, the provider's default (the Authorization header) applies and x-api-key callers get a 401
    // from API Gateway before the authorizer runs; the offline plan test shows "" survives planning.
    expect(tf.resource.aws_api_gateway_authorizer.api_authorizer).toHaveProperty('identity_source', '');
  });

  test('HTTP: no identity sources and no cache', () => {
    const { json } = synthEnvironment(environment({ gateway: { type: 'http' }, legacyApiKeys: LEGACY }));
    expect(json).toHaveResourceWithProperties(Apigatewayv2Authorizer, { identity_sources: [], authorizer_result_ttl_in_seconds: 0 });
  });

  test('a daily usage check with read-only metrics access', () => {
    const { tf } = synthEnvironment(environment({ legacyApiKeys: LEGACY }));
    expect(tf.resource.aws_cloudwatch_event_rule.legacy_usage_schedule.schedule_expression).toBe('rate(1 day)');
    expect(tf.resource.aws_lambda_function.legacy_usage_function.environment).toEqual({
      variables: { ENVIRONMENT: 'dev', LEGACY_CALLERS: 'old-reporting', WINDOW_DAYS: '30' },
    });
    const permissions = tf.data!.aws_iam_policy_document.legacy_usage_permissions as { statement: Array<Record<string, unknown>> };
    expect(permissions.statement[1]).toEqual({ sid: 'ReadMetrics', actions: ['cloudwatch:GetMetricData'], resources: ['*'] });
  });

  test('fails when a key is given in plain text instead of its SHA-256', () => {
    expect(() => environment({ legacyApiKeys: { enabled: true, callers: [{ name: 'old', role: 'reader', keySha256: 'my-secret-key' }] } })).toThrow(
      'dev: legacyApiKeys.callers[0].keySha256: must be the hex SHA-256 of the key (printf %s "$KEY" | sha256sum), never the key itself; received "my-secret-key"',
    );
  });

  test('fails when the migration is on without callers', () => {
    expect(() => environment({ legacyApiKeys: { enabled: true, callers: [] } })).toThrow(
      'dev: legacyApiKeys.callers: legacy API keys are enabled but no caller is listed; list the callers or set enabled to false; received []',
    );
  });

  test('fails when two callers share a key or a caller has an M2M client name', () => {
    const callers = [
      { name: 'reporting', role: 'reader' as const, keySha256: 'b'.repeat(64) },
      { name: 'other', role: 'reader' as const, keySha256: 'b'.repeat(64) },
    ];
    expect(() => environment({ legacyApiKeys: { enabled: true, callers } })).toThrow(/legacyApiKeys\.callers\[1\]\.keySha256: two callers share one key/);
    expect(() => environment({ legacyApiKeys: { enabled: true, callers } })).toThrow(/legacyApiKeys\.callers\[0\]\.name: an M2M client has this name/);
  });
});

