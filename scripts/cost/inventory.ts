/**
 * What an environment's synthesized stack holds that AWS bills for, counted from its Terraform JSON
 * (`cdktf.out/stacks/<env>/cdk.tf.json`) and, for the custom metrics the authorizer's code publishes,
 * from its config: nothing here is a description of the stack, so adding a client or an alarm changes
 * the count.
 */
import { DecisionLineFormat, DECISION_MESSAGE, SERVICE_NAME } from '../../lambdas/authorizer/decision-line';
import { customMetricCount } from '../../lib/authorizer/custom-metrics';
import type { EnvironmentConfig } from '../../lib/config/schema';
import type { TerraformConfig } from '../../lib/pipeline/synthesized-stack';

type Block = Readonly<Record<string, unknown>>;

/** What invokes a function, read from its Lambda permissions and the API's references to it. */
export type FunctionRole = 'authorizer' | 'backend' | 'schedule' | 'rotation' | 'other';

export interface FunctionInventory {
  readonly name: string;
  readonly role: FunctionRole;
  readonly memoryMb: number;
  readonly architecture: 'arm64' | 'x86_64';
  /** Days its log group keeps lines; `undefined`: never expire (or no log group found). */
  readonly logRetentionDays?: number;
}

export interface ClientInventory {
  readonly name: string;
  /** The app client's access token lifetime. */
  readonly accessTokenSeconds: number;
}

export interface Inventory {
  readonly environment: string;
  readonly region: string;
  /** App clients with the client_credentials grant or GetClientToken's flow: billed as M2M app clients. */
  readonly m2mClients: readonly ClientInventory[];
  readonly api?: {
    readonly type: 'rest' | 'http';
    /** The authorizer's result cache, seconds; 0: every call invokes it. */
    readonly authorizerCacheSeconds: number;
    /** Bytes of one access log line, about (the format's length); `undefined`: no access logs. */
    readonly accessLogBytes?: number;
    readonly accessLogRetentionDays?: number;
    /** API Gateway's detailed (per method) metrics, which CloudWatch bills as custom metrics. */
    readonly detailedMetrics: number;
  };
  readonly functions: readonly FunctionInventory[];
  /** Metrics watched by each alarm, summed (a metric-math alarm pays for each metric in it). */
  readonly alarmMetrics: number;
  readonly alarms: number;
  readonly dashboards: number;
  readonly contributorInsightsRules: number;
  /** The authorizer's `Decisions` metrics and the legacy usage check's, each distinct dimension set. */
  readonly customMetrics: number;
  readonly kmsKeys: number;
  readonly secrets: number;
  /** Days between rotations of the client secrets; `undefined`: no rotation. */
  readonly secretRotationDays?: number;
  readonly ssmParameters: number;
  /** Bytes of one allowed decision line of the authorizer. */
  readonly decisionLineBytes: number;
}

/** Detailed metrics API Gateway publishes per REST method or HTTP route: Count, 4XXError, 5XXError, Latency, IntegrationLatency. */
export const DETAILED_METRICS_PER_METHOD = 5;

const UNIT_SECONDS: Record<string, number> = { seconds: 1, minutes: 60, hours: 3600, days: 86_400 };

/**
 * Counts what `tf` (one environment's synthesized stack) holds.
 *
 * @example
 * inventoryOf(JSON.parse(fs.readFileSync('cdktf.out/stacks/dev/cdk.tf.json', 'utf8')), devConfig).m2mClients.length; // 3
 */
export function inventoryOf(tf: TerraformConfig, config: EnvironmentConfig): Inventory {
  const resources = (type: string): Array<[string, Block]> => Object.entries(tf.resource?.[type] ?? {});
  const count = (type: string) => resources(type).length;

  // M2M clients: the client_credentials grant (/oauth2/token), or GetClientToken's flow, which the
  // stack sets through an invocation that names the client (lib/client-token-flow).
  const invocationInputs = resources('aws_lambda_invocation').map(([, invocation]) => String(invocation.input ?? ''));
  const m2mClients = resources('aws_cognito_user_pool_client')
    .filter(([name, client]) => asArray(client.allowed_oauth_flows).includes('client_credentials') || invocationInputs.some((input) => input.includes(`aws_cognito_user_pool_client.${name}.id`)))
    .map(([name, client]) => ({ name, accessTokenSeconds: accessTokenSeconds(client) }));

  const functions = resources('aws_lambda_function').map(([name, fn]) => lambdaOf(tf, name, fn));
  const perClientMetrics = functions.some((fn) => fn.role === 'authorizer') && resources('aws_lambda_function').some(([, fn]) => envOf(fn).PER_CLIENT_METRICS === 'true');
  // The legacy usage check (the scheduled function) publishes one metric per legacy caller.
  const legacyMetrics = functions.some((fn) => fn.role === 'schedule') && config.legacyApiKeys.enabled ? config.legacyApiKeys.callers.length : 0;

  const rotations = resources('aws_secretsmanager_secret_rotation').map(([, rotation]) => Number(first(rotation.rotation_rules)?.automatically_after_days));
  return {
    environment: config.name,
    region: config.region,
    m2mClients,
    api: apiOf(tf),
    functions,
    alarms: count('aws_cloudwatch_metric_alarm'),
    alarmMetrics: resources('aws_cloudwatch_metric_alarm').reduce((sum, [, alarm]) => sum + alarmMetricCount(alarm), 0),
    dashboards: count('aws_cloudwatch_dashboard'),
    contributorInsightsRules: count('aws_cloudwatch_contributor_insight_rule'),
    customMetrics: customMetricCount(config, { perClientMetrics }) + legacyMetrics,
    kmsKeys: count('aws_kms_key'),
    secrets: count('aws_secretsmanager_secret'),
    secretRotationDays: rotations.length > 0 ? Math.min(...rotations.filter((days) => days > 0)) : undefined,
    ssmParameters: count('aws_ssm_parameter'),
    decisionLineBytes: decisionLineBytes(config),
  };
}

function apiOf(tf: TerraformConfig): Inventory['api'] {
  const resources = (type: string): Block[] => Object.values(tf.resource?.[type] ?? {});
  if (resources('aws_api_gateway_rest_api').length > 0) {
    const stage = resources('aws_api_gateway_stage')[0];
    const format = first(stage?.access_log_settings)?.format;
    const metricsEnabled = resources('aws_api_gateway_method_settings').some((settings) => first(settings.settings)?.metrics_enabled === true);
    return {
      type: 'rest',
      authorizerCacheSeconds: Math.min(...resources('aws_api_gateway_authorizer').map((authorizer) => Number(authorizer.authorizer_result_ttl_in_seconds ?? 300))),
      accessLogBytes: typeof format === 'string' ? format.length : undefined,
      accessLogRetentionDays: retentionOf(tf, first(stage?.access_log_settings)?.destination_arn),
      detailedMetrics: metricsEnabled ? resources('aws_api_gateway_method').length * DETAILED_METRICS_PER_METHOD : 0,
    };
  }
  if (resources('aws_apigatewayv2_api').length > 0) {
    const stage = resources('aws_apigatewayv2_stage')[0];
    const format = first(stage?.access_log_settings)?.format;
    const detailed = first(stage?.default_route_settings)?.detailed_metrics_enabled === true;
    return {
      type: 'http',
      authorizerCacheSeconds: Math.min(...resources('aws_apigatewayv2_authorizer').map((authorizer) => Number(authorizer.authorizer_result_ttl_in_seconds ?? 300))),
      accessLogBytes: typeof format === 'string' ? format.length : undefined,
      accessLogRetentionDays: retentionOf(tf, first(stage?.access_log_settings)?.destination_arn),
      detailedMetrics: detailed ? resources('aws_apigatewayv2_route').length * DETAILED_METRICS_PER_METHOD : 0,
    };
  }
  return undefined;
}

function lambdaOf(tf: TerraformConfig, name: string, fn: Block): FunctionInventory {
  const reference = `aws_lambda_function.${name}.`;
  const refersToIt = (value: unknown) => typeof value === 'string' && value.includes(reference);
  const authorizers = [...Object.values(tf.resource?.aws_api_gateway_authorizer ?? {}), ...Object.values(tf.resource?.aws_apigatewayv2_authorizer ?? {})];
  const principals = Object.values(tf.resource?.aws_lambda_permission ?? {})
    .filter((permission) => refersToIt(permission.function_name))
    .map((permission) => String(permission.principal));
  let role: FunctionRole = 'other';
  if (authorizers.some((authorizer) => refersToIt(authorizer.authorizer_uri))) role = 'authorizer';
  else if (principals.includes('apigateway.amazonaws.com')) role = 'backend';
  else if (principals.includes('events.amazonaws.com') || principals.includes('scheduler.amazonaws.com')) role = 'schedule';
  else if (principals.includes('secretsmanager.amazonaws.com')) role = 'rotation';
  const architecture = asArray(fn.architectures)[0] === 'x86_64' ? 'x86_64' : asArray(fn.architectures).length === 0 ? 'x86_64' : 'arm64';
  const logGroup = first(fn.logging_config)?.log_group;
  return { name, role, memoryMb: Number(fn.memory_size ?? 128), architecture, logRetentionDays: retentionOf(tf, logGroup) };
}

/** The retention of the log group a `${aws_cloudwatch_log_group.x.arn}` / `.name` reference points at. */
function retentionOf(tf: TerraformConfig, reference: unknown): number | undefined {
  const match = typeof reference === 'string' ? /\$\{aws_cloudwatch_log_group\.([A-Za-z0-9_-]+)\./.exec(reference) : null;
  const group = match ? tf.resource?.aws_cloudwatch_log_group?.[match[1]] : undefined;
  const days = group?.retention_in_days;
  return typeof days === 'number' && days > 0 ? days : undefined;
}

function accessTokenSeconds(client: Block): number {
  const units = first(client.token_validity_units)?.access_token;
  const value = Number(client.access_token_validity ?? 60);
  // Cognito's default unit is hours.
  return value * UNIT_SECONDS[typeof units === 'string' ? units : 'hours'];
}

/** Metrics an alarm pays for: one, or each `metric` of its metric-math queries. */
function alarmMetricCount(alarm: Block): number {
  const queries = asArray(alarm.metric_query) as Block[];
  if (queries.length === 0) return 1;
  return queries.filter((query) => query.metric !== undefined).length;
}

function envOf(fn: Block): Record<string, string> {
  return (first(fn.environment)?.variables ?? {}) as Record<string, string>;
}

/** A nested block as CDKTF writes it: an object, or a list of one. */
function first(value: unknown): Record<string, unknown> | undefined {
  if (Array.isArray(value)) return value[0] as Record<string, unknown> | undefined;
  return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** One allowed decision of an M2M client, formatted by the authorizer's own code. */
function decisionLineBytes(config: EnvironmentConfig): number {
  const lines = new DecisionLineFormat({ level: 'INFO', message: DECISION_MESSAGE, service: SERVICE_NAME, environment: config.name, timestamp: '2026-01-01T00:00:00.000Z' }, config.name, {});
  const client = config.m2mClients[0];
  const name = client?.name ?? 'service';
  const principal = { type: 'service' as const, id: name, clientId: 'x'.repeat(26), clientName: name, tokenUse: 'access' as const, scopes: [], roles: [], expiresAtMs: 0 };
  const scope = client?.scopes[0] ? `${config.resourceServer.identifier}/${client.scopes[0]}` : undefined;
  const route = config.routes[0] ? `${config.routes[0].method} ${config.routes[0].path}` : 'GET /';
  return Buffer.byteLength(lines.format({ allowed: true, reason: 'allowed', principal, grantedBy: scope, route, eventType: 'rest-token', cached: false, latencyMs: 1.234 }, Date.now(), true, '1-5759e988-bd862e3fe1be46a994272793'));
}
