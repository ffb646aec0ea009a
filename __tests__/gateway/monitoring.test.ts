/**
 * Alarms and dashboard must watch the metrics the Lambdas really emit: the EMF documents of the real
 * authorizer bundle are collected and every alarm and widget on namespace M2MAuth is checked against them.
 */
import { createHash } from 'node:crypto';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';
import { generateSigningKey, m2mAccessTokenClaims, signJwt, type SigningKey } from '../../sandbox/cognito-tokens';
import { DENY_REASONS, REASONS } from '../../lambdas/authorizer/reasons';
import { AUTHORIZER_FAULT_PATTERNS, FAULTS_NAMESPACE } from '../../lib/monitoring/monitoring';
import { clientCallsRuleDefinition } from '../../lib/monitoring/client-calls-rule';
import { environment, resourcesOf, synthEnvironment } from '../fixtures';
import { captureOutput, loadAuthorizer, writeClientRegistry } from '../support/authorizer-bundle';
import { methodArn } from '../support/iam';
import { JwksServer } from '../../sandbox/jwks-server';
import { matchesSpaceDelimited } from '../support/log-patterns';

/** One metric as CloudWatch stores it: namespace, name and the full dimension set with values. */
interface EmittedMetric {
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
}

/** The metrics an EMF document publishes: one per (metric, dimension set). */
export function metricsOf(emf: Record<string, unknown>): EmittedMetric[] {
  const directives = (emf._aws as { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string }> }> }).CloudWatchMetrics;
  return directives.flatMap((directive) =>
    directive.Metrics.flatMap((metric) =>
      directive.Dimensions.map((set) => ({ namespace: directive.Namespace, name: metric.Name, dimensions: Object.fromEntries(set.map((key) => [key, String(emf[key])])) })),
    ),
  );
}

const LEGACY_KEY = 'legacy-key-of-old-reporting-0001';
const config = environment({
  alarmEmail: 'oncall@example.com',
  legacyApiKeys: { enabled: true, callers: [{ name: 'old-reporting', role: 'reader', keySha256: createHash('sha256').update(LEGACY_KEY).digest('hex') }] },
});
const CLIENT = 'client0reporting0000000001';

let key: SigningKey;
let jwks: JwksServer;
const emitted: EmittedMetric[] = [];
/** Every line the authorizer printed, as CloudWatch Logs would receive it. */
const printed: string[] = [];

beforeAll(async () => {
  key = generateSigningKey('key-1');
  jwks = await new JwksServer([key]).start();
  const output = captureOutput();
  try {
    const handler = loadAuthorizer(config, {
      USER_POOL_ID: jwks.poolId,
      TOKEN_ISSUER: jwks.issuer,
      JWKS_URL: jwks.jwksUrl,
      CLIENT_REGISTRY_FILE: writeClientRegistry([{ id: CLIENT, name: 'reporting' }], config),
      REVOCATION_FILE: '/nonexistent/deny-list.json',
      ENVIRONMENT: config.name,
    });
    const token = signJwt(key, m2mAccessTokenClaims({ issuer: jwks.issuer, clientId: CLIENT, scopes: ['api/read'] }));
    const request = (headers: Record<string, string>, method: string, path: string) =>
      handler({ type: 'REQUEST', methodArn: methodArn(method, path), resource: path, path, httpMethod: method, headers } as never).catch(() => undefined);
    await request({ Authorization: `Bearer ${token}` }, 'GET', '/orders');
    await request({ Authorization: `Bearer ${token}` }, 'POST', '/orders');
    await request({ Authorization: 'Bearer x.y.z' }, 'GET', '/orders');
    await request({ 'x-api-key': LEGACY_KEY }, 'GET', '/orders');
    // Caller-controlled text that spells out the fault lines must not count as a fault.
    await request({ Authorization: 'Bearer Task timed out' }, 'GET', '/Task timed out');
    await request({ Authorization: 'Bearer RequestId: x Error: Runtime exited' }, 'GET', '/RequestId:/x/Error:/Runtime/exited');
    for (const line of output.lines()) {
      printed.push(JSON.stringify(line));
      if (line._aws) {
        // Each decision is one line: its log record is also its EMF document.
        expect(line.message).toBe('authorization decision');
        emitted.push(...metricsOf(line));
      }
    }
  } finally {
    output.restore();
    await jwks.stop();
  }
});

describe('Monitoring', () => {
  const { json, tf } = synthEnvironment(config);
  const alarms = resourcesOf(tf, 'aws_cloudwatch_metric_alarm');
  const ours = alarms.filter((alarm) => alarm.namespace === 'M2MAuth' && alarm.metric_name === 'Decisions');
  const sameKeys = (a: Record<string, string>, b: Record<string, string>) => Object.keys(a).sort().join() === Object.keys(b).sort().join();

  test('the authorizer emitted what this test needs: allowed, denied, and a legacy caller (the only per-client metric by default)', () => {
    expect(emitted.map((m) => m.dimensions.reason ?? m.dimensions.client ?? m.dimensions.scope)).toEqual(
      expect.arrayContaining(['allowed', 'insufficient_scope', 'malformed', 'old-reporting', 'api/read']),
    );
    expect(emitted.filter((m) => m.dimensions.client !== undefined).map((m) => m.dimensions.client)).toEqual(['old-reporting']);
  });

  test('every denial alarm watches a metric the authorizer emits, with a real reason code', () => {
    expect(ours.length).toBe(Object.keys(config.monitoring.denialThresholds).length);
    for (const alarm of ours) {
      const dimensions = alarm.dimensions as Record<string, string>;
      const match = emitted.find((metric) => metric.namespace === 'M2MAuth' && metric.name === 'Decisions' && sameKeys(metric.dimensions, dimensions) && metric.dimensions.decision === 'deny');
      expect(match).toBeDefined();
      expect({ ...match!.dimensions, reason: dimensions.reason }).toEqual(dimensions);
      expect(DENY_REASONS).toContain(dimensions.reason);
    }
    // An ordinary reason gets an alarm only when the config asks for one.
    const { tf: optIn } = synthEnvironment(environment({ monitoring: { denialThresholds: { insufficient_scope: 50 } } }));
    const insufficient = resourcesOf(optIn, 'aws_cloudwatch_metric_alarm').find((alarm) => (alarm.dimensions as Record<string, string> | undefined)?.reason === 'insufficient_scope')!;
    expect(insufficient.threshold).toBe(50);
    expect(emitted.map((m) => m.dimensions)).toContainEqual(insufficient.dimensions);
  });

  test('the dashboard searches the dimension sets the authorizer emits', () => {
    const body = JSON.parse(String(tf.resource.aws_cloudwatch_dashboard.monitoring_dashboard.dashboard_body)) as { widgets: Array<{ properties: { metrics?: unknown[] } }> };
    const expressions: string[] = [];
    const collect = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(collect);
      else if (value && typeof value === 'object') {
        const { expression } = value as { expression?: unknown };
        if (typeof expression === 'string' && expression.includes('{M2MAuth,')) expressions.push(expression);
        Object.values(value).forEach(collect);
      }
    };
    collect(body);
    // Default: no per-client SEARCH (the Contributor Insights widget shows calls per client).
    expect(expressions.length).toBe(4);
    expect(expressions.some((expression) => expression.includes('{M2MAuth,service,environment,client}'))).toBe(false);
    for (const expression of expressions) {
      const keys = /\{M2MAuth,([^}]+)\}/.exec(expression)![1].split(',').sort().join();
      expect(emitted.some((metric) => Object.keys(metric.dimensions).sort().join() === keys)).toBe(true);
      expect(expression).toContain('MetricName="Decisions" service="m2m-auth-authorizer" environment="dev"');
    }
    const legacyCalls = JSON.stringify(body).includes('"M2MAuth","Decisions","service","m2m-auth-authorizer","environment","dev","client","old-reporting"');
    expect(legacyCalls).toBe(true);
    expect(emitted.map((m) => m.dimensions)).toContainEqual({ service: 'm2m-auth-authorizer', environment: 'dev', client: 'old-reporting' });
  });

  test('with monitoring.perClientMetrics the dashboard searches the client dimension set the authorizer emits', () => {
    const { tf: optIn } = synthEnvironment(environment({ monitoring: { perClientMetrics: true } }));
    const body = String(optIn.resource.aws_cloudwatch_dashboard.monitoring_dashboard.dashboard_body);
    expect(body).toContain('{M2MAuth,service,environment,client} MetricName=\\"Decisions\\" service=\\"m2m-auth-authorizer\\" environment=\\"dev\\"');
    expect(body).not.toContain('insightRule');
    expect(emitted.map((m) => Object.keys(m.dimensions).sort().join())).toContain('client,environment,service');
    expect(optIn.resource.aws_cloudwatch_contributor_insight_rule).toBeUndefined();
  });

  test('the dashboard shows 401 and 403 rates, split by the status of each reason', () => {
    const body = String(tf.resource.aws_cloudwatch_dashboard.monitoring_dashboard.dashboard_body);
    const forbidden = DENY_REASONS.filter((reason) => REASONS[reason] === 403);
    expect(forbidden).toEqual(['insufficient_scope', 'unknown_route']);
    const reasons = `reason=(${forbidden.map((reason) => `\\"${reason}\\"`).join(' OR ')})`;
    expect(body).toContain(`decision=\\"deny\\" NOT ${reasons}`);
    expect(body).toContain(`decision=\\"deny\\" ${reasons}`);
    expect(body).toContain('"label":"401 %"');
    expect(body).toContain('"label":"403 %"');
  });

  test('no alarm counts ordinary 401s: AWS/Lambda Errors of a REST authorizer includes every "Unauthorized"', () => {
    const authorizerErrors = alarms.filter((alarm) => alarm.namespace === 'AWS/Lambda' && alarm.metric_name === 'Errors' && JSON.stringify(alarm.dimensions).includes('authorizer'));
    expect(authorizerErrors).toEqual([]);
    const denialAlarms = ours.map((alarm) => (alarm.dimensions as Record<string, string>).reason);
    for (const reason of denialAlarms) expect(['jwks_unavailable', 'revocation_unavailable', 'registry_unavailable', 'misconfigured', 'internal_error']).toContain(reason);
  });

  test('the fault alarm counts the lines Lambda writes for a timeout or a crashed runtime, in the authorizer\'s log group', () => {
    expect(json).toHaveResourceWithProperties(CloudwatchMetricAlarm, { namespace: FAULTS_NAMESPACE, metric_name: 'm2m-auth-dev-authorizer', threshold: 1, statistic: 'Sum' });
    const filters = resourcesOf(tf, 'aws_cloudwatch_log_metric_filter');
    expect(filters.map((filter) => filter.pattern).sort()).toEqual(Object.values(AUTHORIZER_FAULT_PATTERNS).sort());
    for (const filter of filters) {
      expect(filter.log_group_name).toBe('${aws_cloudwatch_log_group.authorizer_log_group.name}');
      expect(filter.metric_transformation).toEqual({ namespace: FAULTS_NAMESPACE, name: 'm2m-auth-dev-authorizer', value: '1', unit: 'Count' });
    }
    const faults = [
      '2026-12-02T05:41:12.417Z 5f3c1a9e-0b7e-4c55-9d9a-0d2f1c4b9e21 Task timed out after 5.00 seconds',
      'RequestId: 5f3c1a9e-0b7e-4c55-9d9a-0d2f1c4b9e21 Error: Runtime exited with error: signal: killed',
    ];
    const counted = (line: string) => Object.values(AUTHORIZER_FAULT_PATTERNS).some((pattern) => matchesSpaceDelimited(pattern, line));
    expect(faults.filter(counted)).toEqual(faults);
    expect(printed.length).toBeGreaterThanOrEqual(6);
    expect(printed.some((line) => line.includes('Task timed out'))).toBe(true);
    expect(printed.filter(counted)).toEqual([]);
  });

  test('Lambda and API alarms, all to the encrypted topic with the e-mail subscription', () => {
    expect(json).toHaveResourceWithProperties(CloudwatchMetricAlarm, { namespace: 'AWS/Lambda', metric_name: 'Throttles' });
    expect(json).toHaveResourceWithProperties(CloudwatchMetricAlarm, { namespace: 'AWS/Lambda', metric_name: 'Duration', extended_statistic: 'p99', threshold: 1000 });
    const rate = alarms.find((alarm) => String(alarm.alarm_name).endsWith('api-5xx-rate'))!;
    expect(JSON.stringify(rate.metric_query)).toContain('"metric_name":"5XXError"');
    expect(JSON.stringify(rate.metric_query)).toContain('"ApiName":"m2m-auth-dev-api"');
    for (const alarm of alarms) expect(alarm.alarm_actions).toEqual(['${aws_sns_topic.monitoring_alarms.arn}']);
    expect(tf.resource.aws_sns_topic.monitoring_alarms.kms_master_key_id).toBe('${aws_kms_key.secrets_key_key.arn}');
    expect(json).toHaveResourceWithProperties(SnsTopicSubscription, { protocol: 'email', endpoint: 'oncall@example.com' });
  });

  test('the HTTP API alarm uses the HTTP API metric names', () => {
    const { tf: http } = synthEnvironment(environment({ gateway: { type: 'http' } }));
    const rate = resourcesOf(http, 'aws_cloudwatch_metric_alarm').find((alarm) => String(alarm.alarm_name).endsWith('api-5xx-rate'))!;
    expect(JSON.stringify(rate.metric_query)).toContain('"metric_name":"5xx"');
    expect(JSON.stringify(rate.metric_query)).toContain('"ApiId":"${aws_apigatewayv2_api.api_api.id}"');
  });

  test('the key policy lets CloudWatch publish to the encrypted topic, from this account only', () => {
    const policy = tf.data!.aws_iam_policy_document.secrets_key_policy as { statement: Array<Record<string, unknown>> };
    expect(policy.statement[1]).toMatchObject({
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      principals: [{ type: 'Service', identifiers: ['cloudwatch.amazonaws.com'] }],
      condition: [{ test: 'StringEquals', variable: 'aws:SourceAccount', values: ['${data.aws_caller_identity.secrets_key_account.account_id}'] }],
    });
  });
});

describe('ClientCallsRule', () => {
  const { tf } = synthEnvironment(config);
  const rules = resourcesOf(tf, 'aws_cloudwatch_contributor_insight_rule');
  const rule = rules[0];

  /** What Contributor Insights counts in `lines` under `definition`: keys per line that passes every filter. */
  function contributions(definition: string, lines: readonly string[]): Record<string, number> {
    const { Contribution } = JSON.parse(definition) as { Contribution: { Keys: string[]; Filters: Array<{ Match: string; In: string[] }> } };
    const field = (line: Record<string, unknown>, match: string) => line[match.replace(/^\$\./, '')];
    const counts: Record<string, number> = {};
    for (const text of lines) {
      const line = JSON.parse(text) as Record<string, unknown>;
      if (!Contribution.Filters.every((filter) => filter.In.includes(field(line, filter.Match) as string))) continue;
      const key = Contribution.Keys.map((k) => field(line, k)).join(',');
      counts[key] = (counts[key] ?? 0) + 1;
    }
    return counts;
  }

  test('default setup: one rule per environment over the authorizer log group, allowed calls per clientName', () => {
    expect(rules).toHaveLength(1);
    expect(rule.rule_name).toBe('m2m-auth-dev-allowed-calls-per-client');
    expect(rule.rule_state).toBe('ENABLED');
    expect(JSON.parse(String(rule.rule_definition))).toEqual({
      Schema: { Name: 'CloudWatchLogRule', Version: 1 },
      LogGroupNames: ['${aws_cloudwatch_log_group.authorizer_log_group.name}'],
      LogFormat: 'JSON',
      Contribution: {
        Keys: ['$.clientName'],
        Filters: [
          { Match: '$.message', In: ['authorization decision'] },
          { Match: '$.decision', In: ['allow'] },
        ],
      },
      AggregateOn: 'Count',
    });
  });

  test('counts every allowed call of the real authorizer by client, services and legacy callers, and no denial', () => {
    expect(contributions(String(rule.rule_definition), printed)).toEqual({ reporting: 1, 'old-reporting': 1 });
    expect(contributions(clientCallsRuleDefinition('/aws/lambda/x'), printed)).toEqual({ reporting: 1, 'old-reporting': 1 });
  });

  test('a changed definition replaces the rule (the provider does not update it in place)', () => {
    const triggers = tf.resource.terraform_data as Record<string, { triggers_replace: Record<string, string> }>;
    const trigger = Object.entries(triggers).find(([, value]) => value.triggers_replace.definition_sha256 !== undefined)!;
    expect(trigger[1].triggers_replace).toEqual({
      definition_sha256: createHash('sha256').update(String(rule.rule_definition).replace('${aws_cloudwatch_log_group.authorizer_log_group.name}', '<authorizer log group>')).digest('hex'),
      log_group: '${aws_cloudwatch_log_group.authorizer_log_group.name}',
    });
    expect((rule.lifecycle as { replace_triggered_by: string[] }).replace_triggered_by).toEqual([`terraform_data.${trigger[0]}`]);
  });

  test('the dashboard shows the rule\'s top 10 contributors instead of a per-client SEARCH', () => {
    const body = JSON.parse(String(tf.resource.aws_cloudwatch_dashboard.monitoring_dashboard.dashboard_body)) as { widgets: Array<{ type: string; properties: Record<string, unknown> }> };
    const widget = body.widgets.find((w) => String(w.properties.title).startsWith('Allowed calls per client'))!;
    expect(widget.type).toBe('metric');
    expect(widget.properties).toMatchObject({ region: config.region, insightRule: { ruleName: rule.rule_name, maxContributorCount: 10, orderBy: 'Sum' } });
    expect(widget.properties).not.toHaveProperty('metrics');
  });
});
