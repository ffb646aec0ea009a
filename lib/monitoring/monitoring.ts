import { Construct } from 'constructs';
import { CloudwatchDashboard } from '@cdktf/provider-aws/lib/cloudwatch-dashboard';
import { CloudwatchLogMetricFilter } from '@cdktf/provider-aws/lib/cloudwatch-log-metric-filter';
import { CloudwatchMetricAlarm, type CloudwatchMetricAlarmConfig } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';
import { DECISIONS_METRIC, METRICS_NAMESPACE, SERVICE_NAME } from '../../lambdas/authorizer/observability';
import { DENY_REASONS, REASONS } from '../../lambdas/authorizer/reasons';
import { LEGACY_USAGE_METRIC, LEGACY_USAGE_SERVICE } from '../../lambdas/legacy-usage/metrics';
import type { ApiGateway } from '../api/api-gateway';
import type { EnvironmentConfig } from '../config/schema';
import { fitDescription, type ResourceNaming } from '../terraform/naming';
import { ClientCallsRule } from './client-calls-rule';

export interface MonitoringProps {
  readonly config: EnvironmentConfig;
  readonly naming: ResourceNaming;
  readonly authorizerFunctionName: string;
  /** The authorizer's log group, where Lambda writes its timeout and crash lines. */
  readonly authorizerLogGroupName: string;
  readonly api: ApiGateway;
  /** The environment key; CloudWatch may use it to publish to the encrypted topic. */
  readonly kmsKeyArn: string;
  /** The scheduled legacy-key usage check, when the migration is on. */
  readonly legacyUsageFunctionName?: string;
  /** The client-secret rotation Lambda. */
  readonly secretRotationFunctionName?: string;
}

/** Namespace of the authorizer-fault metric; the metric is named after the function. */
export const FAULTS_NAMESPACE = `${METRICS_NAMESPACE}/AuthorizerFaults`;

/**
 * Lines that Lambda itself writes to a function's log when an invocation fails outside the handler:
 * a timeout (`<time> <requestId> Task timed out after 5.00 seconds`) and a runtime that exited, e.g.
 * out of memory (`RequestId: <id> Error: Runtime exited with error: signal: killed`). Space-delimited
 * patterns anchor the words to the start of the line, so text a caller controls inside a JSON decision
 * line can never match them.
 */
export const AUTHORIZER_FAULT_PATTERNS = {
  timeout: '[time, request_id, task="Task", timed="timed", out="out", ...]',
  runtime_exit: '[label="RequestId:", request_id, error="Error:", runtime="Runtime", exited="exited", ...]',
} as const;

/** Reasons whose denials answer 403 (the rest answer 401), from the authorizer's reason table. */
const FORBIDDEN_REASONS = DENY_REASONS.filter((reason) => REASONS[reason] === 403);

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
  /** Allowed calls per client, when `monitoring.perClientMetrics` is false (the per-client metric answers it otherwise). */
  readonly clientCalls?: ClientCallsRule;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const { config, naming, api } = props;
    const thresholds = config.monitoring;

    this.topic = new SnsTopic(this, 'alarms', { name: naming.name('alarms'), kmsMasterKeyId: props.kmsKeyArn });
    if (config.alarmEmail) {
      new SnsTopicSubscription(this, 'alarm_email', { topicArn: this.topic.arn, protocol: 'email', endpoint: config.alarmEmail });
    }

    // A REST authorizer answers 401 by failing with "Unauthorized", so AWS/Lambda Errors counts every
    // ordinary bad token; faults are counted from the lines Lambda writes when an invocation dies.
    const faultMetric = naming.name('authorizer');
    for (const [kind, pattern] of Object.entries(AUTHORIZER_FAULT_PATTERNS)) {
      new CloudwatchLogMetricFilter(this, `authorizer_fault_${kind}`, {
        name: `${naming.name('authorizer')}-${kind.replace(/_/g, '-')}`,
        logGroupName: props.authorizerLogGroupName,
        pattern,
        metricTransformation: { namespace: FAULTS_NAMESPACE, name: faultMetric, value: '1', unit: 'Count' },
      });
    }
    const lambda = (metricName: string) => ({ namespace: 'AWS/Lambda', metricName, dimensions: { FunctionName: props.authorizerFunctionName }, period: 300 });
    this.alarm('authorizer_faults', 'The authorizer timed out or crashed (callers get 500s); ordinary 401/403 answers never count', {
      namespace: FAULTS_NAMESPACE,
      metricName: faultMetric,
      period: 300,
      statistic: 'Sum',
      threshold: thresholds.authorizerFaults,
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
      this.functionErrorsAlarm('legacy_usage_check_errors', 'The daily legacy API-key usage check failed', props.legacyUsageFunctionName, 86400);
    }
    if (props.secretRotationFunctionName) {
      // Not urgent: after a failed rotation the current secret still works; the next one is due in days.
      const description = 'A client secret rotation failed; the current secret still works (docs/runbooks/scheduled-rotation.md)';
      this.functionErrorsAlarm('secret_rotation_errors', description, props.secretRotationFunctionName, 3600);
    }

    if (!thresholds.perClientMetrics) {
      this.clientCalls = new ClientCallsRule(this, 'client_calls', { naming, authorizerLogGroupName: props.authorizerLogGroupName });
    }

    this.dashboard = new CloudwatchDashboard(this, 'dashboard', {
      dashboardName: naming.name('m2m-auth'),
      dashboardBody: dashboardBody(this.widgets(props, legacy.map((caller) => caller.name))),
    });
  }

  /** A job's failures: any error of the function in `periodSeconds`. */
  private functionErrorsAlarm(id: string, description: string, functionName: string, periodSeconds: number): void {
    this.alarm(id, description, {
      namespace: 'AWS/Lambda',
      metricName: 'Errors',
      dimensions: { FunctionName: functionName },
      period: periodSeconds,
      statistic: 'Sum',
      threshold: 1,
    });
  }

  private alarm(id: string, description: string, settings: Partial<CloudwatchMetricAlarmConfig> & { threshold: number }): void {
    this.alarms.push(
      new CloudwatchMetricAlarm(this, id, {
        alarmName: `${this.topic.name}-${id.replace(/_/g, '-')}`,
        alarmDescription: fitDescription('aws_cloudwatch_metric_alarm', description),
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
    const decisions = (extraDimensions: string[], filter: string) =>
      `SEARCH('{${METRICS_NAMESPACE},${['service', 'environment', ...extraDimensions].join(',')}} MetricName="${DECISIONS_METRIC}" service="${SERVICE_NAME}" environment="${env}" ${filter}', 'Sum', 300)`;
    const search = (extraDimensions: string[], filter: string) => ({ expression: decisions(extraDimensions, filter), label: '' });
    const forbidden = `reason=(${FORBIDDEN_REASONS.map((reason) => `"${reason}"`).join(' OR ')})`;
    const graph = (title: string, metrics: unknown[], x: number, y: number, extra: object = {}) => ({
      type: 'metric',
      x,
      y,
      width: 12,
      height: 6,
      properties: { title, region, view: 'timeSeries', stat: 'Sum', period: 300, metrics, ...extra },
    });
    // A Contributor Insights widget: the rule's top contributors over time, no metrics of its own.
    const contributors = (title: string, ruleName: string, x: number, y: number) => ({
      type: 'metric',
      x,
      y,
      width: 12,
      height: 6,
      properties: { title, region, view: 'timeSeries', period: 300, insightRule: { ruleName, maxContributorCount: 10, orderBy: 'Sum' }, legend: { position: 'bottom' } },
    });
    const apiMetric = (name: string, options: object) => ['AWS/ApiGateway', name, ...dims(api.metrics.dimensions), options];
    const widgets: object[] = [
      graph('API requests and errors', [
        apiMetric(api.metrics.count, { label: 'requests' }),
        apiMetric(api.metrics.clientErrors, { label: '4xx' }),
        apiMetric(api.metrics.serverErrors, { label: '5xx' }),
      ], 0, 0),
      graph('Latency (ms)', [
        apiMetric(api.metrics.latency, { stat: 'p50', label: 'API p50' }),
        apiMetric(api.metrics.latency, { stat: 'p99', label: 'API p99' }),
        ['AWS/Lambda', 'Duration', 'FunctionName', props.authorizerFunctionName, { stat: 'p99', label: 'authorizer p99' }],
      ], 12, 0),
      graph('Denials by reason', [[search(['decision', 'reason'], 'decision="deny"')]], 0, 6),
      // Ordinary refusals: a rate to watch, never an alarm.
      graph('401 and 403 answers (% of requests)', [
        apiMetric(api.metrics.count, { id: 'requests', visible: false }),
        [{ expression: `SUM(${decisions(['decision', 'reason'], `decision="deny" NOT ${forbidden}`)})`, id: 'unauthorized', visible: false }],
        [{ expression: `SUM(${decisions(['decision', 'reason'], `decision="deny" ${forbidden}`)})`, id: 'forbidden', visible: false }],
        [{ expression: 'IF(requests > 0, 100 * unauthorized / requests, 0)', label: '401 %' }],
        [{ expression: 'IF(requests > 0, 100 * forbidden / requests, 0)', label: '403 %' }],
      ], 12, 6),
      this.clientCalls
        ? contributors('Allowed calls per client (services, users, legacy keys): top 10', this.clientCalls.ruleName, 0, 12)
        : graph('Allowed calls per client (services, users, legacy keys)', [[search(['client'], '')]], 0, 12),
      graph('Scope usage (the scope that granted each call)', [[search(['scope'], '')]], 12, 12),
      graph('Authorizer faults and throttles', [
        [FAULTS_NAMESPACE, props.naming.name('authorizer'), { label: 'faults (timeouts, crashes)' }],
        ['AWS/Lambda', 'Throttles', 'FunctionName', props.authorizerFunctionName, { label: 'throttles' }],
      ], 0, 18),
      graph('Cognito token endpoint and API quota usage (AWS/Usage)', [
        [{ expression: `SEARCH('{AWS/Usage,Class,Resource,Service,Type} Service="Cognito User Pools"', 'Sum', 300)`, label: '' }],
      ], 12, 18),
    ];
    if (legacyCallers.length > 0) {
      widgets.push(
        graph('Legacy API-key callers: uses in the last 30 days', legacyCallers.map((caller) => [METRICS_NAMESPACE, LEGACY_USAGE_METRIC, 'service', LEGACY_USAGE_SERVICE, 'environment', env, 'caller', caller, { stat: 'Minimum', label: caller }]), 0, 24, { period: 86400 }),
        graph('Legacy API-key calls per caller', legacyCallers.map((caller) => [METRICS_NAMESPACE, DECISIONS_METRIC, 'service', SERVICE_NAME, 'environment', env, 'client', caller, { label: caller }]), 12, 24),
      );
    }
    widgets.push({
      type: 'alarm',
      x: 0,
      y: 30,
      width: 24,
      height: 4,
      properties: { title: 'Alarms', alarms: this.alarms.map((alarm) => alarm.arn) },
    });
    return widgets;
  }
}

/**
 * The dashboard body: JSON with one widget per line. A multi-line string is written as a heredoc by
 * `cdktf synth --hcl`, which keeps its quotes and interpolations intact; a one-line JSON string with
 * interpolations comes out as invalid HCL.
 */
export function dashboardBody(widgets: readonly object[]): string {
  return `{"widgets": [\n${widgets.map((widget) => JSON.stringify(widget)).join(',\n')}\n]}`;
}
