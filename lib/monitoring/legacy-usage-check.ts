import { Construct } from 'constructs';
import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import type { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { DEFAULT_WINDOW_DAYS, LEGACY_USAGE_ENV } from '../../lambdas/legacy-usage/settings';
import type { EnvironmentConfig } from '../config/schema';
import { bundleLambda } from '../bundling/lambda-bundle';
import type { ResourceNaming } from '../terraform/naming';
import { addNodeLambda } from '../bundling/node-lambda';

export const LEGACY_USAGE_ENTRY = 'lambdas/legacy-usage/index.ts';

/**
 * While the API-key migration is on: a daily job (lambdas/legacy-usage) that sums each legacy caller's
 * calls over the last 30 days and publishes the total, so an alarm can say "unused for 30 days, remove
 * it" (CloudWatch alarms themselves can look back at most 7 days).
 */
export class LegacyUsageCheck extends Construct {
  readonly function: LambdaFunction;

  constructor(scope: Construct, id: string, props: { readonly config: EnvironmentConfig; readonly naming: ResourceNaming }) {
    super(scope, id);
    const { config, naming } = props;
    this.function = addNodeLambda(this, {
      functionName: naming.name('legacy-usage'),
      description: 'Daily: legacy API-key uses per caller over the last 30 days',
      bundle: bundleLambda({ entry: LEGACY_USAGE_ENTRY }),
      logRetentionDays: config.logRetentionDays,
      timeoutSeconds: 60,
      // GetMetricData has no resource-level permissions: "*" is the only possible resource.
      statements: [{ sid: 'ReadMetrics', actions: ['cloudwatch:GetMetricData'], resources: ['*'] }],
      environment: {
        [LEGACY_USAGE_ENV.environment]: config.name,
        [LEGACY_USAGE_ENV.callers]: config.legacyApiKeys.callers.map((caller) => caller.name).join(','),
        [LEGACY_USAGE_ENV.windowDays]: String(DEFAULT_WINDOW_DAYS),
      },
    }).function;
    const schedule = new CloudwatchEventRule(this, 'schedule', {
      name: naming.name('legacy-usage'),
      description: 'Runs the legacy API-key usage check once a day',
      scheduleExpression: 'rate(1 day)',
    });
    new CloudwatchEventTarget(this, 'target', { rule: schedule.name, arn: this.function.arn });
    new LambdaPermission(this, 'schedule_permission', {
      functionName: this.function.functionName,
      action: 'lambda:InvokeFunction',
      principal: 'events.amazonaws.com',
      sourceArn: schedule.arn,
    });
  }
}
