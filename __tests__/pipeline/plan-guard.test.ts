/**
 * The plan guard's pure parts on small plans written in the test: what counts as destructive, the
 * allow-list rules, the lines it prints. The same guard on Terraform's own plans (a replaced user
 * pool, a destroy) is in plan-guard-plans.test.ts.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AllowListError, DEFAULT_ALLOW_LIST, parseAllowList, readAllowList } from '../../scripts/pipeline/allow-list';
import { findingLine, markdownReport, textReport, verdictLine, whyTerraform } from '../../scripts/pipeline/guard-report';
import { EnvironmentMismatchError, guardPlan, planEnvironment } from '../../scripts/pipeline/plan-guard';
import { main } from '../../scripts/pipeline/plan-guard-cli';
import { isProtected, isProtectedType, PROTECTED_RESOURCE_TYPES } from '../../scripts/pipeline/protected-resources';
import { PlanFormatError } from '../../scripts/terraform/plan-summary';

interface Change {
  address: string;
  actions: string[];
  reason?: string;
  paths?: Array<Array<string | number>>;
  mode?: 'managed' | 'data';
}

/** A `terraform show -json` plan cut down to what the guard reads, tagged with an environment. */
function plan(changes: Change[], environment = 'dev'): unknown {
  return {
    format_version: '1.2',
    terraform_version: '1.11.4',
    resource_changes: changes.map(({ address, actions, reason, paths, mode = 'managed' }) => ({
      address,
      mode,
      type: address.replace(/^data\./, '').split('.')[0],
      name: address.split('.')[1],
      change: { actions, ...(paths ? { replace_paths: paths } : {}) },
      ...(reason ? { action_reason: reason } : {}),
    })),
    configuration: { provider_config: { aws: { name: 'aws', full_name: 'registry.terraform.io/hashicorp/aws', expressions: { default_tags: [{ tags: { constant_value: { Environment: environment } } }] } } } },
  };
}

const POOL = 'aws_cognito_user_pool.identity_user_pool';
const CLIENT = 'aws_cognito_user_pool_client.m2m_clients_billing-batch_client';
const replacedPool: Change = { address: POOL, actions: ['create', 'delete'], reason: 'replace_because_cannot_update', paths: [['username_attributes']] };
const replacedClient: Change = { address: CLIENT, actions: ['create', 'delete'], reason: 'replace_because_cannot_update', paths: [['user_pool_id']] };
const allowList = (entries: unknown[]) => parseAllowList({ entries }, 'config/plan-guard-allow.json');

describe('protected resource types', () => {
  test('the table names the identity, its secrets and keys, the deny-list and the state storage, each with a reason', () => {
    expect(Object.keys(PROTECTED_RESOURCE_TYPES).sort()).toEqual(
      [
        'aws_cognito_resource_server',
        'aws_cognito_user_pool',
        'aws_cognito_user_pool_client',
        'aws_cognito_user_pool_domain',
        'aws_dynamodb_table',
        'aws_kms_key',
        'aws_s3_bucket',
        'aws_secretsmanager_secret',
        'aws_ssm_parameter',
      ].sort(),
    );
    for (const reason of Object.values(PROTECTED_RESOURCE_TYPES)) expect(reason.length).toBeGreaterThan(40);
    expect(isProtectedType('aws_secretsmanager_secret_version')).toBe(false);
    expect(isProtectedType('terraform_data')).toBe(false);
    expect(isProtectedType('toString')).toBe(false);
  });
});

describe('guardPlan', () => {
  test('the deny-list is protected; a client registry part is not (Terraform writes all of it on every apply)', () => {
    expect(isProtected('aws_ssm_parameter', 'aws_ssm_parameter.authorizer_deny_list')).toBe(true);
    expect(isProtected('aws_ssm_parameter', 'aws_ssm_parameter.authorizer_client_registry_12')).toBe(false);
    const result = guardPlan(
      plan([
        { address: 'aws_ssm_parameter.authorizer_client_registry_1', actions: ['delete'], reason: 'delete_because_no_resource_config' },
        { address: 'aws_ssm_parameter.authorizer_deny_list', actions: ['delete'], reason: 'delete_because_no_resource_config' },
      ]),
    );
    expect(result.destructive.map((d) => [d.address, d.protected])).toEqual([
      ['aws_ssm_parameter.authorizer_client_registry_1', false],
      ['aws_ssm_parameter.authorizer_deny_list', true],
    ]);
    expect(result.findings.map((f) => f.address)).toEqual(['aws_ssm_parameter.authorizer_deny_list']);
  });

  test('a create-only plan passes and says what it counted', () => {
    const result = guardPlan(plan([{ address: POOL, actions: ['create'] }, { address: 'aws_sns_topic.alarms', actions: ['create'] }]));
    expect(result.verdict).toBe('ok');
    expect(textReport(result)).toEqual(['plan-guard: ok (2 to add, 0 to change, 0 to destroy; nothing protected is replaced or destroyed)']);
  });

  test('blocks a replaced pool and client, and names why Terraform replaces them', () => {
    // GIVEN a plan that replaces the pool, its client and (as a consequence) the client's secret value
    const input = plan([
      replacedPool,
      replacedClient,
      { address: 'aws_secretsmanager_secret_version.m2m_clients_billing-batch_secret_value', actions: ['delete', 'create'], reason: 'replace_by_triggers' },
      { address: 'aws_lambda_function.authorizer_function', actions: ['update'] },
    ]);

    // WHEN
    const result = guardPlan(input);

    // THEN
    expect(result.verdict).toBe('blocked');
    expect(result.findings.map((f) => [f.address, f.status])).toEqual([
      [POOL, 'blocked'],
      [CLIENT, 'blocked'],
    ]);
    expect(result.destructive.map((d) => [d.address, d.protected])).toEqual([
      [POOL, true],
      [CLIENT, true],
      ['aws_secretsmanager_secret_version.m2m_clients_billing-batch_secret_value', false],
    ]);
    expect(textReport(result)).toEqual([
      `BLOCKED replace ${POOL} (aws_cognito_user_pool): username_attributes cannot be updated in place [replace_because_cannot_update]`,
      `BLOCKED replace ${CLIENT} (aws_cognito_user_pool_client): user_pool_id cannot be updated in place [replace_because_cannot_update]`,
      'plan-guard: BLOCKED (2 protected resources would be replaced or destroyed)',
      'plan-guard: if this is meant, add { "environment": "dev", "address": "<address>", "reason": "<why>" } to config/plan-guard-allow.json for each, or label the pull request allow-destructive-plan',
    ]);
  });

  test('deletes count too; data sources, updates and forgets do not', () => {
    const result = guardPlan(
      plan([
        { address: 'aws_kms_key.secrets_key_key', actions: ['delete'], reason: 'delete_because_no_resource_config' },
        { address: 'aws_s3_bucket.state', actions: ['forget'] },
        { address: 'aws_cognito_user_pool_domain.domain', actions: ['update'] },
        { address: 'data.aws_s3_bucket.other', actions: ['read'], mode: 'data' },
      ]),
    );
    expect(result.findings.map((f) => `${f.action} ${f.address}`)).toEqual(['delete aws_kms_key.secrets_key_key']);
    expect(findingLine(result.findings[0])).toBe('BLOCKED delete aws_kms_key.secrets_key_key (aws_kms_key): it is no longer in the configuration [delete_because_no_resource_config]');
  });

  test('the allow-list lets exactly its address of its environment through, with its reason', () => {
    const list = allowList([
      { environment: 'dev', address: POOL, reason: '#42 phone sign-in; dev users are re-created', expires: '2099-12-31' },
      { environment: 'prod', address: CLIENT, reason: 'not this plan' },
    ]);
    const result = guardPlan(plan([replacedPool, replacedClient]), { allowList: list });
    expect(result.findings.map((f) => [f.address, f.status])).toEqual([
      [POOL, 'allowed-by-list'],
      [CLIENT, 'blocked'],
    ]);
    expect(findingLine(result.findings[0])).toBe(
      `ALLOWED BY LIST replace ${POOL} (aws_cognito_user_pool): username_attributes cannot be updated in place [replace_because_cannot_update]; allowed: "#42 phone sign-in; dev users are re-created" (until 2099-12-31)`,
    );
    expect(result.verdict).toBe('blocked');
    expect(result.stale).toEqual([]);
  });

  test('every finding allowed: ok, saying by what', () => {
    const list = allowList([
      { environment: 'dev', address: POOL, reason: 'meant' },
      { environment: 'dev', address: CLIENT, reason: 'meant' },
    ]);
    const result = guardPlan(plan([replacedPool, replacedClient]), { allowList: list });
    expect(result.verdict).toBe('allowed');
    expect(verdictLine(result)).toBe('plan-guard: ok (2 to add, 0 to change, 2 to destroy (2 replaced); 2 protected resources replaced or destroyed, allowed: 2 by config/plan-guard-allow.json)');
  });

  test('an entry that matches nothing is stale; an expired one is ignored with a warning', () => {
    const list = allowList([
      { environment: 'dev', address: 'aws_kms_key.secrets_key_key', reason: 'done last week' },
      { environment: 'dev', address: POOL, reason: 'too late', expires: '2025-01-31' },
    ]);
    const result = guardPlan(plan([replacedPool]), { allowList: list, now: new Date('2025-02-01T08:00:00Z') });
    expect(result.findings[0].status).toBe('blocked');
    expect(textReport(result)).toEqual([
      expect.stringMatching(/^BLOCKED replace /),
      'warning: config/plan-guard-allow.json: dev aws_kms_key.secrets_key_key matches nothing in this plan (stale): remove the entry once its change is deployed',
      `warning: config/plan-guard-allow.json: dev ${POOL} expired on 2025-01-31: ignored; renew it with a new date or remove it`,
      'plan-guard: BLOCKED (1 protected resource would be replaced or destroyed)',
      expect.stringMatching(/^plan-guard: if this is meant/),
    ]);
    // The last day counts.
    expect(guardPlan(plan([replacedPool]), { allowList: list, now: new Date('2025-01-31T23:59:59Z') }).findings[0].status).toBe('allowed-by-list');
  });

  test('the label allows everything and says so on every line', () => {
    const result = guardPlan(plan([replacedPool, replacedClient]), { allowLabel: true });
    expect(result.verdict).toBe('allowed');
    expect(textReport(result).map((l) => l.split(' (')[0])).toEqual([
      `ALLOWED BY LABEL replace ${POOL}`,
      `ALLOWED BY LABEL replace ${CLIENT}`,
      'plan-guard: ok',
    ]);
    expect(verdictLine(result)).toMatch(/allowed: 2 by the label allow-destructive-plan\)$/);
  });

  test('the environment comes from the plan; --environment must agree with it', () => {
    expect(planEnvironment(plan([], 'staging'))).toBe('staging');
    expect(guardPlan(plan([], 'staging')).environment).toBe('staging');
    expect(() => guardPlan(plan([], 'staging'), { environment: 'prod' })).toThrow(
      new EnvironmentMismatchError('--environment prod: the plan is of staging (its provider\'s Environment tag); guard each plan with its own environment'),
    );
  });

  test('a plan without an Environment tag (state-bootstrap) needs --environment for its allow-list', () => {
    const untagged = { format_version: '1.2', resource_changes: [{ address: 'aws_s3_bucket.state', type: 'aws_s3_bucket', mode: 'managed', change: { actions: ['delete'] } }] };
    const list = allowList([{ environment: 'state-bootstrap', address: 'aws_s3_bucket.state', reason: 'moving the state to another account' }]);
    const without = guardPlan(untagged, { allowList: list });
    expect(without.verdict).toBe('blocked');
    expect(without.warnings).toEqual(['the plan names no environment (no Environment tag on its AWS provider): config/plan-guard-allow.json is not applied; pass --environment']);
    expect(guardPlan(untagged, { allowList: list, environment: 'state-bootstrap' }).verdict).toBe('allowed');
  });

  test('fails when the input is not a plan', () => {
    expect(() => guardPlan({ resource_changes: [] })).toThrow(PlanFormatError);
  });

  test('markdown: a table row per finding with what it costs, table cells escaped', () => {
    const md = markdownReport(guardPlan(plan([replacedPool])));
    expect(md).toContain('**plan-guard: BLOCKED (1 protected resource would be replaced or destroyed)**');
    expect(md).toContain(`| BLOCKED | replace | \`${POOL}\` | username\\_attributes cannot be updated in place \\[replace\\_because\\_cannot\\_update\\] | every user, password`);
    expect(md).toContain('If this is meant: add `{ "environment": "dev", "address": "<address>", "reason": "<why>" }` to `config/plan-guard-allow.json` for each resource, or label the pull request `allow-destructive-plan`.');
  });
});

describe('whyTerraform', () => {
  test('names the attributes that force a replacement, the way Terraform writes paths', () => {
    expect(whyTerraform({ action: 'replace', actionReason: 'replace_because_cannot_update', replacePaths: [['token_validity_units', 0, 'access_token'], ['name']] })).toBe(
      'token_validity_units[0].access_token, name cannot be updated in place [replace_because_cannot_update]',
    );
    expect(whyTerraform({ action: 'replace', actionReason: 'replace_by_request' })).toBe('a -replace option asked for it [replace_by_request]');
    expect(whyTerraform({ action: 'delete' })).toBe('a destroy plan (terraform plan -destroy, cdktf destroy) destroys everything');
    expect(whyTerraform({ action: 'replace', actionReason: 'replace_because_some_future_reason' })).toBe('replace_because_some_future_reason [replace_because_some_future_reason]');
  });
});

describe('allow-list', () => {
  test('the committed allow-list is valid', () => {
    expect(() => readAllowList(path.join(__dirname, '..', '..', DEFAULT_ALLOW_LIST))).not.toThrow();
  });

  test('default setup: an empty list', () => {
    expect(parseAllowList({ entries: [] }, 'f.json')).toEqual({ source: 'f.json', entries: [] });
  });

  test('fails when an entry has no reason, naming the entry and the fix', () => {
    expect(() => allowList([{ environment: 'dev', address: POOL }])).toThrow(
      new AllowListError('config/plan-guard-allow.json: entries[0].reason: required: say why this resource may be replaced or destroyed (a ticket, what happens to its data); received nothing'),
    );
    expect(() => allowList([{ environment: 'dev', address: POOL, reason: '   ' }])).toThrow(/entries\[0\]\.reason: required/);
  });

  test('fails on every problem at once: unknown fields, bad dates, unprotected types, repeats', () => {
    let message = '';
    try {
      parseAllowList(
        {
          entries: [
            { environment: 'dev', address: POOL, reason: 'x', expires: '2025-02-30' },
            { environment: 'Dev', address: 'aws_lambda_function.authorizer_function', reason: 'x', note: 'y' },
            { environment: 'dev', address: CLIENT, reason: 'a' },
            { environment: 'dev', address: CLIENT, reason: 'b' },
            'aws_kms_key.k',
          ],
          extra: true,
        },
        'allow.json',
      );
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message.split('\n')).toEqual([
      'allow.json: extra: unknown field; the file holds only "entries"',
      'allow.json: entries[0].expires: must be a date YYYY-MM-DD (the last day the entry counts, UTC); received "2025-02-30"',
      'allow.json: entries[1].note: unknown field; an entry has environment, address, reason, expires',
      'allow.json: entries[1].environment: required: the stack name (dev, staging, prod, state-bootstrap); received "Dev"',
      expect.stringMatching(/^allow\.json: entries\[1\]\.address: aws_lambda_function is not protected \(the guard never blocks it, so it needs no entry\); protected types: aws_cognito_user_pool, /),
      `allow.json: entries[3]: repeats entries[2] (dev ${CLIENT}); keep one`,
      'allow.json: entries[4]: must be an object { environment, address, reason, expires? }; received "aws_kms_key.k"',
    ]);
  });

  test('fails when the file is not an object with entries', () => {
    expect(() => parseAllowList([], 'a.json')).toThrow('a.json: must be an object { "entries": [...] }; received []');
    expect(() => parseAllowList({}, 'a.json')).toThrow('a.json: entries: must be a list of { environment, address, reason, expires? }; received nothing');
  });

  test('addresses with an index or key are accepted', () => {
    expect(allowList([{ environment: 'prod', address: 'aws_cognito_user_pool_client.clients["billing"]', reason: 'x' }]).entries).toHaveLength(1);
    expect(allowList([{ environment: 'prod', address: 'module.identity.aws_kms_key.key[0]', reason: 'x' }]).entries).toHaveLength(1);
  });
});

describe('plan-guard command', () => {
  let dir = '';
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'm2m-plan-guard-cli-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  function run(args: string[], projectRoot = dir) {
    const out: string[] = [];
    const err: string[] = [];
    const code = main(args, { out: (t) => out.push(t), err: (t) => err.push(t) }, { projectRoot, now: new Date('2025-06-01T00:00:00Z') });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  test('reads the default allow-list of the project; --markdown prints the markdown report', () => {
    fs.mkdirSync(path.join(dir, 'config'));
    fs.writeFileSync(path.join(dir, 'config', 'plan-guard-allow.json'), JSON.stringify({ entries: [{ environment: 'dev', address: POOL, reason: 'meant' }] }));
    fs.writeFileSync(path.join(dir, 'plan.json'), JSON.stringify(plan([replacedPool])));
    expect(run([path.join(dir, 'plan.json')])).toMatchObject({ code: 0, out: expect.stringMatching(/^ALLOWED BY LIST replace /) });
    const md = run([path.join(dir, 'plan.json'), '--markdown']);
    expect(md.out).toMatch(/^\*\*plan-guard: ok /);
    expect(md.out).toContain('| ALLOWED BY LIST | replace |');
  });

  test('a missing default allow-list is an empty one; a missing --allow file is an error', () => {
    fs.writeFileSync(path.join(dir, 'plan.json'), JSON.stringify(plan([replacedPool])));
    expect(run([path.join(dir, 'plan.json')]).code).toBe(1);
    const missing = run([path.join(dir, 'plan.json'), '--allow', path.join(dir, 'nope.json')]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/^plan-guard: .*nope\.json: cannot read the allow-list: ENOENT/);
  });

  test('fails with exit 2, naming the problem: no plan, not JSON, not a plan, an invalid allow-list', () => {
    fs.writeFileSync(path.join(dir, 'text.json'), 'Terraform will perform the following actions:');
    fs.writeFileSync(path.join(dir, 'state.json'), JSON.stringify({ version: 4, resources: [] }));
    fs.writeFileSync(path.join(dir, 'plan.json'), JSON.stringify(plan([])));
    fs.writeFileSync(path.join(dir, 'allow.json'), JSON.stringify({ entries: [{ environment: 'dev', address: POOL }] }));
    expect(run([])).toMatchObject({ code: 2, err: expect.stringContaining('plan-guard: needs exactly one plan file') });
    expect(run([path.join(dir, 'text.json')])).toMatchObject({ code: 2, err: expect.stringMatching(/text\.json: not JSON .*; write it with terraform show -json <planfile> > text\.json$/) });
    expect(run([path.join(dir, 'state.json')])).toMatchObject({ code: 2, err: expect.stringContaining('not a plan: expected the JSON of `terraform show -json <planfile>`') });
    expect(run([path.join(dir, 'plan.json'), '--allow', path.join(dir, 'allow.json')])).toMatchObject({ code: 2, err: expect.stringContaining('entries[0].reason: required') });
  });
});
