import { Construct } from 'constructs';
import { CloudwatchDashboard } from '@cdktf/provider-aws/lib/cloudwatch-dashboard';
import { CloudwatchMetricAlarm, type CloudwatchMetricAlarmConfig } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';
import { DECISIONS_METRIC, METRICS_NAMESPACE, SERVICE_NAME } from '../lambdas/authorizer/observability';
import { LEGACY_USAGE_METRIC, LEGACY_USAGE_SERVICE } from '../lambdas/legacy-usage/metrics';
import type { ApiGateway } from './api-gateway';
import type { EnvironmentConfig } from './config/schema';
import type { ResourceNaming } from './naming';

export interface MonitoringProps {
  readonly config: EnvironmentConfig;
  readonly naming: ResourceNaming;
  readonly authorizerFunctionName: string;
  readonly api: ApiGateway;
  /** The environment key; CloudWatch may use it to publish to the encrypted topic. */
  readonly kmsKeyArn: string;
  /** The scheduled legacy-key usage check, when the migration is on. */
  readonly legacyUsageFunctionName?: string;
}

/** The dimensions of the authorizer's `Decisions` metric that every alarm and widget filters on. */
export function decisionDimensions(environment: string): Record<string, string> {
  return { service: SERVICE_NAME, environment };
}

/**
 * Alarms (to an encrypted SNS topic, with the optional e-mail subscription) and a dashboard for one
 * environment. Thresholds come from `monitoring` in the config; metric names and dimensions come from
 * the constants the Lambdas emit with, so they cannot drift apart.
 */
export class Monitoring extends Construct {
  readonly topic: SnsTopic;
  readonly alarms: CloudwatchMetricAlarm[] = [];
  readonly dashboard: CloudwatchDashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const { config, naming, api } = props;
    const thresholds = config.monitoring;

    this.topic = new SnsTopic(this, 'alarms', { name: naming.name('alarms'), kmsMasterKeyId: props.kmsKeyArn });
    if (config.alarmEmail) {
      new SnsTopicSubscription(this, 'alarm_email', { topicArn: this.topic.arn, protocol: 'email', endpoint: config.alarmEmail });
    }

    const lambda = (metricName: string) => ({ namespace: 'AWS/Lambda', metricName, dimensions: { FunctionName: props.authorizerFunctionName }, period: 300 });
    this.alarm('authorizer_errors', 'The authorizer failed (every failure is a denial: callers get 401/500)', {
      ...lambda('Errors'),
      statistic: 'Sum',
      threshold: thresholds.authorizerErrors,
    });
    this.alarm('authorizer_throttles', 'The authorizer was throttled: callers get 500s', {
      ...lambda('Throttles'),
      statistic: 'Sum',
      threshold: thresholds.authorizerThrottles,
    });
    this.alarm('authorizer_p99_duration', `The authorizer's p99 duration is above ${thresholds.authorizerP99Ms} ms`, {
      ...lambda('Duration'),
      extendedStatistic: 'p99',
      threshold: thresholds.authorizerP99Ms,
      evaluationPeriods: 3,
    });
    this.alarm('api_5xx_rate', `More than ${thresholds.api5xxRatePercent}% of API requests fail with 5xx`, {
      threshold: thresholds.api5xxRatePercent,
      metricQuery: [
        { id: 'errors', metric: { namespace: 'AWS/ApiGateway', metricName: api.metrics.serverErrors, dimensions: api.metrics.dimensions, period: 300, stat: 'Sum' } },
        { id: 'requests', metric: { namespace: 'AWS/ApiGateway', metricName: api.metrics.count, dimensions: api.metrics.dimensions, period: 300, stat: 'Sum' } },
        { id: 'rate', expression: 'IF(requests > 0, 100 * errors / requests, 0)', label: '5xx %', returnData: true },
      ],
    });
    for (const [reason, threshold] of Object.entries(thresholds.denialThresholds)) {
      this.alarm(`denials_${reason}`, `More than ${threshold} "${reason}" denials in 5 minutes (see README "Why a call was denied")`, {
        namespace: METRICS_NAMESPACE,
        metricName: DECISIONS_METRIC,
        dimensions: { ...decisionDimensions(config.name), decision: 'deny', reason },
        period: 300,
        statistic: 'Sum',
        threshold: threshold!,
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    }
    const legacy = config.legacyApiKeys.enabled ? config.legacyApiKeys.callers : [];
    for (const caller of legacy) {
      this.alarm(`legacy_unused_${caller.name}`, `Legacy API-key caller ${caller.name} has not been used for 30 days: it can be removed (README "Migrating from API keys")`, {
        namespace: METRICS_NAMESPACE,
        metricName: LEGACY_USAGE_METRIC,
        dimensions: { service: LEGACY_USAGE_SERVICE, environment: config.name, caller: caller.name },
        period: 86400,
        statistic: 'Minimum',
        threshold: 1,
        comparisonOperator: 'LessThanThreshold',
      });
    }
    if (props.legacyUsageFunctionName) {
      this.alarm('legacy_usage_check_errors', 'The daily legacy API-key usage check failed', {
        namespace: 'AWS/Lambda',
        metricName: 'Errors',
        dimensions: { FunctionName: props.legacyUsageFunctionName },
        period: 86400,
        statistic: 'Sum',
        threshold: 1,
      });
    }

    this.dashboard = new CloudwatchDashboard(this, 'dashboard', {
      dashboardName: naming.name('m2m-auth'),
      dashboardBody: JSON.stringify({ widgets: this.widgets(props, legacy.map((caller) => caller.name)) }),
    });
  }

  private alarm(id: string, description: string, settings: Partial<CloudwatchMetricAlarmConfig> & { threshold: number }): void {
    this.alarms.push(
      new CloudwatchMetricAlarm(this, id, {
        alarmName: `${this.topic.name}-${id.replace(/_/g, '-')}`,
        alarmDescription: description,
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        evaluationPeriods: 1,
        treatMissingData: 'notBreaching',
        alarmActions: [this.topic.arn],
        okActions: [this.topic.arn],
        ...settings,
      }),
    );
  }

  private widgets(props: MonitoringProps, legacyCallers: readonly string[]): object[] {
    const { config, api } = props;
    const region = config.region;
    const env = config.name;
    const dims = (record: Record<string, string>) => Object.entries(record).flat();
    const search = (extraDimensions: string[], filter: string, label: string) => ({
      expression: `SEARCH('{${METRICS_NAMESPACE},${['service', 'environment', ...extraDimensions].join(',')}} MetricName="${DECISIONS_METRIC}" service="${SERVICE_NAME}" environment="${env}" ${filter}', 'Sum', 300)`,
      label,
    });
    const graph = (title: string, metrics: unknown[], x: number, y: number, extra: object = {}) => ({
      type: 'metric',
      x,
      y,
      width: 12,
      height: 6,
      properties: { title, region, view: 'timeSeries', stat: 'Sum', period: 300, metrics, ...extra },
    });
    const widgets: object[] = [
      graph('API requests and errors', [
        ['AWS/ApiGateway', api.metrics.count, ...dims(api.metrics.dimensions), { label: 'requests' }],
        ['AWS/ApiGateway', api.metrics.clientErrors, ...dims(api.metrics.dimensions), { label: '4xx' }],
        ['AWS/ApiGateway', api.metrics.serverErrors, ...dims(api.metrics.dimensions), { label: '5xx' }],
      ], 0, 0),
      graph('Latency (ms)', [
        ['AWS/ApiGateway', api.metrics.latency, ...dims(api.metrics.dimensions), { stat: 'p50', label: 'API p50' }],
        ['AWS/ApiGateway', api.metrics.latency, ...dims(api.metrics.dimensions), { stat: 'p99', label: 'API p99' }],
        ['AWS/Lambda', 'Duration', 'FunctionName', props.authorizerFunctionName, { stat: 'p99', label: 'authorizer p99' }],
      ], 12, 0),
      graph('Denials by reason', [[search(['decision', 'reason'], 'decision="deny"', '')]], 0, 6),
      graph('Allowed calls per client (services, users, legacy keys)', [[search(['client'], '', '')]], 12, 6),
      graph('Scope usage (the scope that granted each call)', [[search(['scope'], '', '')]], 0, 12),
      graph('Cognito token endpoint and API quota usage (AWS/Usage)', [
        [{ expression: `SEARCH('{AWS/Usage,Class,Resource,Service,Type} Service="Cognito User Pools"', 'Sum', 300)`, label: '' }],
      ], 12, 12),
    ];
    if (legacyCallers.length > 0) {
      widgets.push(
        graph('Legacy API-key callers: uses in the last 30 days', legacyCallers.map((caller) => [METRICS_NAMESPACE, LEGACY_USAGE_METRIC, 'service', LEGACY_USAGE_SERVICE, 'environment', env, 'caller', caller, { stat: 'Minimum', label: caller }]), 0, 18, { period: 86400 }),
        graph('Legacy API-key calls per caller', legacyCallers.map((caller) => [METRICS_NAMESPACE, DECISIONS_METRIC, 'service', SERVICE_NAME, 'environment', env, 'client', caller, { label: caller }]), 12, 18),
      );
    }
    widgets.push({
      type: 'alarm',
      x: 0,
      y: 24,
      width: 24,
      height: 4,
      properties: { title: 'Alarms', alarms: this.alarms.map((alarm) => alarm.arn) },
    });
    return widgets;
  }
}
