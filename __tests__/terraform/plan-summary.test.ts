import { changeKind, formatPlanCounts, PlanFormatError, summarizePlan } from '../../scripts/terraform/plan-summary';

/** A `terraform show -json` plan, cut down to what the summary reads. */
function plan(changes: Array<{ address: string; actions: string[]; mode?: string; importing?: object }>): unknown {
  return {
    format_version: '1.2',
    terraform_version: '1.11.4',
    resource_changes: changes.map(({ address, actions, mode = 'managed', importing }) => ({
      address,
      mode,
      type: address.replace(/^data\./, '').split('.')[0],
      name: address.split('.').pop(),
      change: { actions, ...(importing ? { importing } : {}) },
    })),
  };
}

describe('summarizePlan', () => {
  test('counts the way Terraform does: a replacement is one add and one destroy', () => {
    // GIVEN a plan with every kind of change
    const input = plan([
      { address: 'aws_sns_topic.alarms', actions: ['create'] },
      { address: 'aws_lambda_function.authorizer', actions: ['update'] },
      { address: 'aws_cloudwatch_log_group.old', actions: ['delete'] },
      { address: 'aws_cognito_user_pool_domain.domain', actions: ['delete', 'create'] },
      { address: 'aws_api_gateway_deployment.api', actions: ['create', 'delete'] },
      { address: 'aws_kms_key.secrets', actions: ['no-op'] },
      { address: 'aws_ssm_parameter.revocations', actions: ['no-op'], importing: { id: '/m2m-auth/dev/revocations' } },
      { address: 'data.aws_iam_policy_document.key', actions: ['read'], mode: 'data' },
    ]);

    // WHEN
    const summary = summarizePlan(input);

    // THEN
    expect(summary).toMatchObject({ add: 3, change: 1, destroy: 3, replace: 2, import: 1, forget: 0 });
    expect(summary.changes.map((c) => [c.address, c.kind])).toEqual([
      ['aws_sns_topic.alarms', 'create'],
      ['aws_lambda_function.authorizer', 'update'],
      ['aws_cloudwatch_log_group.old', 'delete'],
      ['aws_cognito_user_pool_domain.domain', 'replace'],
      ['aws_api_gateway_deployment.api', 'replace'],
      ['aws_kms_key.secrets', 'no-op'],
      ['aws_ssm_parameter.revocations', 'no-op'],
      ['data.aws_iam_policy_document.key', 'read'],
    ]);
    expect(summary.changes[3]).toMatchObject({ type: 'aws_cognito_user_pool_domain', mode: 'managed', actions: ['delete', 'create'], importing: false });
    expect(summary.changes[7].mode).toBe('data');
    expect(formatPlanCounts(summary)).toBe('1 to import, 3 to add, 1 to change, 3 to destroy (2 replaced)');
  });

  test('an all-create plan reads like the stack lines of npm run validate', () => {
    const summary = summarizePlan(plan([{ address: 'aws_sns_topic.a', actions: ['create'] }, { address: 'aws_sns_topic.b', actions: ['create'] }]));
    expect(formatPlanCounts(summary)).toBe('2 to add, 0 to change, 0 to destroy');
  });

  test('a plan without resource_changes changes nothing', () => {
    expect(summarizePlan({ format_version: '1.2' })).toMatchObject({ add: 0, change: 0, destroy: 0, replace: 0, changes: [] });
  });

  test("keeps Terraform's reason and the attributes that force a replacement", () => {
    const input = plan([{ address: 'aws_cognito_user_pool.pool', actions: ['create', 'delete'] }]) as { resource_changes: Array<Record<string, unknown> & { change: Record<string, unknown> }> };
    input.resource_changes[0].action_reason = 'replace_because_cannot_update';
    input.resource_changes[0].change.replace_paths = [['username_attributes'], ['schema', 0, 'name']];
    expect(summarizePlan(input).changes[0]).toMatchObject({ actionReason: 'replace_because_cannot_update', replacePaths: [['username_attributes'], ['schema', 0, 'name']] });
    expect(summarizePlan(plan([{ address: 'aws_sns_topic.a', actions: ['create'] }])).changes[0]).not.toHaveProperty('actionReason');
  });

  test('fails when the input is not a plan', () => {
    expect(() => summarizePlan({ resource_changes: [] })).toThrow(PlanFormatError);
    expect(() => summarizePlan([])).toThrow('not a plan: expected the JSON of `terraform show -json <planfile>` (an object with format_version)');
  });

  test('fails when a change has no actions list', () => {
    expect(() => summarizePlan({ format_version: '1.2', resource_changes: [{ address: 'a.b', type: 'a', change: {} }] })).toThrow(
      'resource_changes[0]: needs address, type and change.actions (a list of strings)',
    );
  });

  test('fails on actions Terraform does not document, rather than miscounting', () => {
    expect(() => changeKind(['update', 'delete'], 'aws_sns_topic.a')).toThrow('aws_sns_topic.a: unknown actions ["update","delete"]');
  });
});
