/**
 * The plan guard on Terraform's own plans of the shipped dev stack (needs terraform on PATH and
 * TF_PROVIDER_MIRROR, else SKIPPED): the create plan, a plan in which the user pool must be replaced
 * (its username_attributes differ in the prior state, a change the provider cannot make in place),
 * and `terraform plan -destroy`. Then the command line and the pull-request comment on those plans.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllowList } from '../../scripts/pipeline/allow-list';
import { textReport, verdictLine } from '../../scripts/pipeline/guard-report';
import { guardPlan } from '../../scripts/pipeline/plan-guard';
import { GITHUB_COMMENT_LIMIT, renderPrComment } from '../../scripts/pipeline/pr-comment';
import { editInstance, type PlanJson, planAgainstState } from '../../scripts/terraform/prior-state';
import { runTerraform } from '../../scripts/terraform/run';
import { offlineTerraformAvailability, PROJECT_ROOT, testWithTerraform } from '../terraform/offline-terraform';
import { type DevStack, prepareDevStack } from './dev-prior-state';

const availability = offlineTerraformAvailability();
const terraformTest = testWithTerraform(availability, 'the plan guard on terraform plans of the dev stack');

const POOL = 'aws_cognito_user_pool.identity_user_pool';
const FOLLOWERS = [
  'aws_cognito_resource_server.identity_resource_server',
  'aws_cognito_user_pool_client.identity_user_client',
  'aws_cognito_user_pool_client.m2m_clients_billing-batch_client',
  'aws_cognito_user_pool_client.m2m_clients_inventory-sync_client',
  'aws_cognito_user_pool_client.m2m_clients_retention-job_client',
  'aws_cognito_user_pool_domain.identity_prefix_domain',
];

/** Runs `npm run plan-guard`'s script with `args`. */
function planGuard(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/plan-guard.ts', ...args], { cwd: PROJECT_ROOT, encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('plan guard on terraform plans of the dev stack (offline, provider mirror)', () => {
  // Made in beforeAll: jest runs no hook of a describe whose tests are all skipped.
  let work = '';
  let dev: DevStack | undefined;
  let poolReplaced: PlanJson | undefined;
  let destroyed: PlanJson | undefined;
  const file = (name: string) => path.join(work, name);

  beforeAll(async () => {
    if (!availability.ok) return;
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'm2m-plan-guard-test-'));
    dev = await prepareDevStack(availability, work);
    // The deployed pool signs users in by phone number; the configuration says e-mail.
    const phonePool = editInstance(dev.prior.state, POOL, (a) => {
      a.username_attributes = ['phone_number'];
    });
    [poolReplaced, destroyed] = await Promise.all([
      planAgainstState({ dir: dev.dir, env: dev.env, state: phonePool, name: 'pool-replaced' }),
      planAgainstState({ dir: dev.dir, env: dev.env, state: dev.prior.state, name: 'destroy', planArgs: ['-destroy'] }),
    ]);
    fs.writeFileSync(file('create.json'), JSON.stringify(dev.createPlan));
    fs.writeFileSync(file('pool-replaced.json'), JSON.stringify(poolReplaced));
    fs.writeFileSync(file('destroy.json'), JSON.stringify(destroyed));
  }, 300_000);
  afterAll(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  terraformTest('the provider cannot change username_attributes in place: the pool is replaced, and its clients, domain and resource server with it', () => {
    const replaced = (poolReplaced!.resource_changes ?? []).filter((rc) => rc.change.actions.length === 2);
    const pool = replaced.find((rc) => rc.address === POOL);
    expect(pool).toMatchObject({ action_reason: 'replace_because_cannot_update', change: { replace_paths: [['username_attributes']] } });
    for (const address of FOLLOWERS) expect(replaced.find((rc) => rc.address === address)?.change.replace_paths).toEqual([['user_pool_id']]);
  });

  terraformTest('the guard BLOCKS that plan, naming the user pool, its clients, domain and resource server, and why', () => {
    const result = guardPlan(poolReplaced);
    expect(result.verdict).toBe('blocked');
    expect(result.environment).toBe('dev');
    expect(result.findings.map((f) => f.address).sort()).toEqual([POOL, ...FOLLOWERS].sort());
    expect(textReport(result)).toEqual([
      ...[POOL, ...FOLLOWERS]
        .sort()
        .map((a) => `BLOCKED replace ${a} (${a.split('.')[0]}): ${a === POOL ? 'username_attributes' : 'user_pool_id'} cannot be updated in place [replace_because_cannot_update]`),
      'plan-guard: BLOCKED (7 protected resources would be replaced or destroyed)',
      'plan-guard: if this is meant, add { "environment": "dev", "address": "<address>", "reason": "<why>" } to config/plan-guard-allow.json for each, or label the pull request allow-destructive-plan',
    ]);
    // What follows a replaced client is not protected, but is listed for the reviewer.
    const followers = result.destructive.filter((d) => !d.protected).map((d) => d.type);
    expect([...new Set(followers)].sort()).toEqual(['aws_cognito_user_group', 'aws_secretsmanager_secret_version', 'terraform_data']);
    // Updates, never findings: the client registry learns the new client ids, the authorizer and the
    // rotation function the new pool id, the rotation role's policy the new pool ARN.
    expect(result.counts.change).toBe(4);
  });

  terraformTest('the shipped create-only plan passes', () => {
    const result = guardPlan(dev!.createPlan);
    const creates = (dev!.createPlan.resource_changes ?? []).filter((rc) => rc.mode === 'managed').length;
    expect(creates).toBeGreaterThan(50);
    expect(textReport(result)).toEqual([`plan-guard: ok (${creates} to add, 0 to change, 0 to destroy; nothing protected is replaced or destroyed)`]);
  });

  terraformTest('the allow-list lets exactly the listed address of the listed environment through', () => {
    const onlyPool = parseAllowList(
      {
        entries: [
          { environment: 'dev', address: POOL, reason: '#42: sign in by phone; dev users are seeded again' },
          { environment: 'prod', address: FOLLOWERS[0], reason: 'another environment' },
        ],
      },
      'allow.json',
    );
    const result = guardPlan(poolReplaced, { allowList: onlyPool });
    expect(result.findings.filter((f) => f.status === 'allowed-by-list').map((f) => f.address)).toEqual([POOL]);
    expect(result.findings.filter((f) => f.status === 'blocked').map((f) => f.address).sort()).toEqual([...FOLLOWERS].sort());
    expect(verdictLine(result)).toBe('plan-guard: BLOCKED (6 protected resources would be replaced or destroyed)');

    const all = parseAllowList({ entries: [POOL, ...FOLLOWERS].map((address) => ({ environment: 'dev', address, reason: '#42' })) }, 'allow.json');
    const allowed = guardPlan(poolReplaced, { allowList: all });
    expect(allowed.verdict).toBe('allowed');
    expect(allowed.stale).toEqual([]);
    // The same list against the create plan: every entry is stale.
    expect(guardPlan(dev!.createPlan, { allowList: all }).stale).toHaveLength(7);
  });

  terraformTest('a destroy plan is blocked: the identity, its keys and its secrets', () => {
    const result = guardPlan(destroyed);
    expect(result.verdict).toBe('blocked');
    expect(result.findings.every((f) => f.action === 'delete')).toBe(true);
    expect(result.findings.map((f) => f.type).sort()).toEqual(
      [
        'aws_cognito_resource_server',
        'aws_cognito_user_pool',
        'aws_cognito_user_pool_client',
        'aws_cognito_user_pool_client',
        'aws_cognito_user_pool_client',
        'aws_cognito_user_pool_client',
        'aws_cognito_user_pool_domain',
        'aws_kms_key',
        'aws_secretsmanager_secret',
        'aws_secretsmanager_secret',
        'aws_secretsmanager_secret',
        'aws_ssm_parameter',
      ].sort(),
    );
    expect(verdictLine(result)).toBe('plan-guard: BLOCKED (12 protected resources would be replaced or destroyed)');
  });

  terraformTest('the result keeps none of the plan values: the plan JSON holds the client secrets, the result does not', () => {
    const secrets = (dev!.prior.state.resources.find((r) => r.type === 'aws_cognito_user_pool_client' && r.name === 'm2m_clients_billing-batch_client')?.instances ?? []).map((i) => i.attributes.client_secret as string);
    expect(secrets[0]).toMatch(/^fake-secret-/);
    expect(JSON.stringify(poolReplaced)).toContain(secrets[0]);
    expect(JSON.stringify(guardPlan(poolReplaced))).not.toContain(secrets[0]);
  });

  terraformTest('npm run plan-guard: exit 1 and the lines for the pool plan; 0 with the label or a full allow-list; 0 for the create plan; 2 for a contradicting --environment', () => {
    const blocked = planGuard([file('pool-replaced.json')]);
    expect(blocked.status).toBe(1);
    expect(blocked.stdout).toContain(`BLOCKED replace ${POOL} (aws_cognito_user_pool): username_attributes cannot be updated in place [replace_because_cannot_update]\n`);
    expect(blocked.stdout).toContain('plan-guard: BLOCKED (7 protected resources would be replaced or destroyed)\n');

    const labelled = planGuard([file('pool-replaced.json'), '--allow-label', '--result', file('guard.json')]);
    expect(labelled.status).toBe(0);
    expect(labelled.stdout.split('\n').filter((l) => l.startsWith('ALLOWED BY LABEL replace '))).toHaveLength(7);
    expect(JSON.parse(fs.readFileSync(file('guard.json'), 'utf8'))).toMatchObject({ verdict: 'allowed', environment: 'dev', allowLabel: true });

    fs.writeFileSync(file('allow.json'), JSON.stringify({ entries: [POOL, ...FOLLOWERS].map((address) => ({ environment: 'dev', address, reason: '#42' })) }));
    expect(planGuard([file('pool-replaced.json'), '--allow', file('allow.json')]).status).toBe(0);
    expect(planGuard([file('create.json')])).toMatchObject({ status: 0, stdout: expect.stringMatching(/^plan-guard: ok \(\d+ to add, 0 to change, 0 to destroy; nothing protected is replaced or destroyed\)\n$/) });

    const wrong = planGuard([file('destroy.json'), '--environment', 'prod']);
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toContain("plan-guard: --environment prod: the plan is of dev (its provider's Environment tag)");
  }, 60_000);

  terraformTest('the pull-request comment of real plans: within the limit, every protected replacement named, the full plan folded', async () => {
    const [show, createText] = await Promise.all([
      runTerraform(['show', '-no-color', 'pool-replaced.tfplan'], { cwd: dev!.dir, env: { ...dev!.env, TF_WORKSPACE: 'pool-replaced' } }),
      runTerraform(['show', '-no-color', 'create.tfplan'], { cwd: dev!.dir, env: { ...dev!.env, TF_WORKSPACE: 'create' } }),
    ]);
    expect([show.code, createText.code]).toEqual([0, 0]);
    const body = renderPrComment(
      [
        { environment: 'dev', guard: guardPlan(poolReplaced), planText: show.stdout },
        { environment: 'staging', guard: guardPlan(dev!.createPlan), planText: createText.stdout },
      ],
      { commit: 'abc1234', runUrl: 'https://github.com/acme/m2m-auth/actions/runs/1' },
    );
    expect(body.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    for (const address of [POOL, ...FOLLOWERS]) expect(body).toContain(`| BLOCKED | replace | \`${address}\` |`);
    // Terraform's own text: the pool line, and no secret (terraform show redacts them).
    expect(body).toContain(`# ${POOL} must be replaced`);
    expect(body).not.toContain('fake-secret-');
  });
});
