/**
 * Terraform's own plan of the shipped dev stack and of a legacy-API-key variant, offline (needs
 * terraform on PATH and TF_PROVIDER_MIRROR; else the tests are skipped with a SKIPPED line).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { environments } from '../../config/environments';
import { checkJsonStack } from '../../scripts/terraform/json-stack-check';
import type { StackResult } from '../../scripts/terraform/report';
import { synthesizeApp } from '../../scripts/terraform/synth';
import type { TerraformJson } from '../fixtures';
import { checkContext, offlineTerraformAvailability, PROJECT_ROOT, testWithTerraform } from './offline-terraform';

/** The parts of `terraform show -json <planfile>` these tests read. */
interface PlanJson {
  resource_changes: Array<{ address: string; mode: 'managed' | 'data'; type: string; change: { actions: string[] } }>;
  planned_values: {
    outputs?: Record<string, unknown>;
    root_module: { resources?: Array<{ address: string; type: string; values: Record<string, unknown> }> };
  };
  configuration: { root_module: { outputs?: Record<string, { expression?: { references?: string[] } }> } };
}

interface PlannedStack {
  readonly tf: TerraformJson;
  readonly result: StackResult;
}

/** Every string anywhere inside a JSON value. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

/** The plan of a stack that must have planned; otherwise fails with terraform's verdict and diagnostics. */
function planOf(stack: PlannedStack | undefined): PlanJson {
  if (!stack) throw new Error('the stack was not planned (see beforeAll)');
  if (!stack.result.ok) throw new Error(`${stack.result.stack}: ${stack.result.verdict}\n${stack.result.diagnostics}`);
  return stack.result.plan as PlanJson;
}

const availability = offlineTerraformAvailability();
const terraformTest = testWithTerraform(availability, 'terraform plan of the dev stack and a legacy-key variant');

describe('terraform plan (offline, provider mirror)', () => {
  // Made in beforeAll: jest runs no hook of a describe whose tests are all skipped.
  let work = '';
  let shipped: PlannedStack | undefined;
  let legacy: PlannedStack | undefined;

  /** Synthesizes the app through main.ts (assets included) and plans its dev stack. */
  async function planDev(name: string, env: NodeJS.ProcessEnv): Promise<PlannedStack> {
    if (!availability.ok) throw new Error('unreachable: the tests are skipped');
    const stacks = await synthesizeApp({ projectRoot: PROJECT_ROOT, outdir: path.join(work, name, 'synth'), env });
    const dev = stacks.find((s) => s.name === 'dev')!;
    const tf = JSON.parse(fs.readFileSync(path.join(dev.dir, dev.file), 'utf8')) as TerraformJson;
    return { tf, result: await checkJsonStack(dev, checkContext(availability, path.join(work, name, 'copy'))) };
  }

  beforeAll(async () => {
    if (!availability.ok) return;
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'm2m-plan-test-'));
    const shippedEnv = { ...process.env };
    delete shippedEnv.M2M_AUTH_CONFIG;
    const legacyConfig = path.join(work, 'legacy-config.json');
    const callers = [{ name: 'old-partner', role: 'reader', keySha256: 'c0ffee'.padEnd(64, '0') }];
    fs.writeFileSync(legacyConfig, JSON.stringify({ environments: { dev: { ...environments.dev, legacyApiKeys: { enabled: true, callers } } } }));
    [shipped, legacy] = await Promise.all([planDev('shipped', shippedEnv), planDev('legacy', { ...shippedEnv, M2M_AUTH_CONFIG: legacyConfig })]);
  }, 300_000);
  afterAll(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  terraformTest('the shipped dev stack is valid and every planned action is a create', () => {
    const plan = planOf(shipped);
    const managed = plan.resource_changes.filter((rc) => rc.mode === 'managed');
    expect(managed.length).toBeGreaterThan(0);
    expect(managed.filter((rc) => rc.change.actions.join() !== 'create').map((rc) => `${rc.address}: ${rc.change.actions.join()}`)).toEqual([]);
    expect(plan.resource_changes.filter((rc) => rc.mode === 'data' && rc.change.actions.join() !== 'read')).toEqual([]);
    expect(shipped!.result.verdict).toBe(`valid, plan: ${managed.length} to add, 0 to change, 0 to destroy`);
  }, 180_000);

  terraformTest('the planned resources are exactly the synthesized ones', () => {
    const plan = planOf(shipped);
    const synthesized = Object.entries(shipped!.tf.resource).flatMap(([type, byName]) => Object.keys(byName).map((name) => `${type}.${name}`));
    const planned = plan.resource_changes.filter((rc) => rc.mode === 'managed').map((rc) => rc.address.replace(/\[[^\]]*\]$/, ''));
    expect([...new Set(planned)].sort()).toEqual(synthesized.sort());
  }, 180_000);

  terraformTest('outputs carry client ids and secret ARNs, never a client secret or a secret version', () => {
    const plan = planOf(shipped);
    const outputs = plan.configuration.root_module.outputs ?? {};
    expect(Object.keys(outputs)).toEqual(expect.arrayContaining(['m2m_client_ids', 'm2m_secret_arns']));
    expect(Object.keys(plan.planned_values.outputs ?? {})).toEqual(expect.arrayContaining(['m2m_client_ids', 'm2m_secret_arns']));
    expect(outputs.m2m_secret_arns.expression?.references).toEqual(expect.arrayContaining([expect.stringMatching(/^aws_secretsmanager_secret\./)]));
    // The things that must stay out of outputs do exist in the plan.
    expect(plan.resource_changes.filter((rc) => rc.type === 'aws_secretsmanager_secret_version').length).toBeGreaterThan(0);
    expect(plan.resource_changes.filter((rc) => rc.type === 'aws_cognito_user_pool_client').length).toBeGreaterThan(0);
    const leaks = [...strings(outputs), ...strings(plan.planned_values.outputs)].filter((s) => /client_secret|aws_secretsmanager_secret_version/.test(s));
    expect(leaks).toEqual([]);
  }, 180_000);

  terraformTest('every log group has a retention', () => {
    const groups = (planOf(shipped).planned_values.root_module.resources ?? []).filter((r) => r.type === 'aws_cloudwatch_log_group');
    expect(groups.length).toBeGreaterThan(0);
    expect(groups.filter((g) => !(Number(g.values.retention_in_days) > 0)).map((g) => g.address)).toEqual([]);
  }, 180_000);

  terraformTest('with legacy API keys the planned authorizer has an empty identity source and no cache', () => {
    const authorizers = (planOf(legacy).planned_values.root_module.resources ?? []).filter((r) => r.type === 'aws_api_gateway_authorizer');
    expect(authorizers).toHaveLength(1);
    expect(authorizers[0].values).toMatchObject({ identity_source: '', authorizer_result_ttl_in_seconds: 0 });
  }, 180_000);
});
