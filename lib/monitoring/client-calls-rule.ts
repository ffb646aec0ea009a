import { createHash } from 'node:crypto';
import { Construct } from 'constructs';
import { CloudwatchContributorInsightRule } from '@cdktf/provider-aws/lib/cloudwatch-contributor-insight-rule';
import { DECISION_MESSAGE } from '../../lambdas/authorizer/observability';
import { ReplaceTrigger } from '../terraform/replace-trigger';
import type { ResourceNaming } from '../terraform/naming';

export interface ClientCallsRuleProps {
  readonly naming: ResourceNaming;
  /** The authorizer's log group, where each decision is one JSON line. */
  readonly authorizerLogGroupName: string;
}

/**
 * The Contributor Insights rule definition that counts allowed calls per client from the decision
 * lines: keys `$.clientName`, filters `message = "authorization decision"` and `decision = "allow"`
 * (CloudWatch's "Contributor Insights rule syntax", `CloudWatchLogRule` version 1, JSON logs).
 *
 * @example
 * JSON.parse(clientCallsRuleDefinition('/aws/lambda/m2m-auth-dev-authorizer')).Contribution.Keys; // ['$.clientName']
 */
export function clientCallsRuleDefinition(logGroupName: string): string {
  // Several lines: a one-line string holding a reference cannot be written as HCL (`cdktf synth --hcl`
  // quotes it as one string); a multi-line one becomes a heredoc.
  return JSON.stringify(
    {
      Schema: { Name: 'CloudWatchLogRule', Version: 1 },
      LogGroupNames: [logGroupName],
      LogFormat: 'JSON',
      Contribution: {
        Keys: ['$.clientName'],
        Filters: [
          { Match: '$.message', In: [DECISION_MESSAGE] },
          { Match: '$.decision', In: ['allow'] },
        ],
      },
      AggregateOn: 'Count',
    },
    null,
    2,
  );
}

/**
 * Allowed calls per client, counted by one Contributor Insights rule over the authorizer's log group
 * (`<namePrefix>-<env>-allowed-calls-per-client`): one rule for any number of clients, instead of one
 * custom metric per client. The dashboard shows its top contributors.
 */
export class ClientCallsRule extends Construct {
  readonly rule: CloudwatchContributorInsightRule;
  readonly ruleName: string;

  constructor(scope: Construct, id: string, props: ClientCallsRuleProps) {
    super(scope, id);
    this.ruleName = props.naming.name('allowed-calls-per-client');
    const ruleDefinition = clientCallsRuleDefinition(props.authorizerLogGroupName);
    this.rule = new CloudwatchContributorInsightRule(this, 'rule', { ruleName: this.ruleName, ruleState: 'ENABLED', ruleDefinition });
    // The provider's update is a no-op (internal/service/cloudwatch/contributor_insight_rule.go): a changed
    // definition must replace the rule. The trigger holds the hash of the definition's shape (with a
    // placeholder for the log group: a reference's token text is not stable) and the log group's name;
    // the definition itself is several lines, which HCL cannot hold inside a map.
    const shape = createHash('sha256').update(clientCallsRuleDefinition('<authorizer log group>')).digest('hex');
    new ReplaceTrigger(this, 'definition', { definition_sha256: shape, log_group: props.authorizerLogGroupName }).triggerReplacementOf(this.rule);
  }
}
