/**
 * Terraform's own plan of a pipeline-access stack that the shipped config does not synthesize:
 * Terraform Cloud roles, and OIDC providers owned by another stack (referenced by ARN, with the
 * account from the caller identity), offline (needs terraform on PATH and TF_PROVIDER_MIRROR; else
 * the tests are skipped with a SKIPPED line). `npm run validate` plans the shipped GitHub variant.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkJsonStack } from '../../scripts/terraform/json-stack-check';
import { PLACEHOLDER_ACCOUNT_ID } from '../../scripts/terraform/offline-copy';
import type { StackResult } from '../../scripts/terraform/report';
import { synthesizeApp } from '../../scripts/terraform/synth';
import { environmentInput } from '../fixtures';
import { checkContext, offlineTerraformAvailability, PROJECT_ROOT, testWithTerraform } from './offline-terraform';

interface PlanJson {
  resource_changes: Array<{ address: string; mode: 'managed' | 'data'; type: string; change: { actions: string[] } }>;
  planned_values: { root_module: { resources?: Array<{ address: string; type: string; values: Record<string, unknown> }> } };
}

const availability = offlineTerraformAvailability();
const terraformTest = testWithTerraform(availability, 'terraform plan of a Terraform Cloud pipeline-access stack');

describe('terraform plan of pipeline-access (Terraform Cloud, providers owned elsewhere)', () => {
  let work = '';
  let result: StackResult | undefined;

  beforeAll(async () => {
    if (!availability.ok) return;
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'm2m-pipeline-plan-test-'));
    const configFile = path.join(work, 'config.json');
    const prod = environmentInput({
      pipeline: {
        github: { repository: 'acme/m2m-auth', manageOidcProvider: false },
        terraformCloud: { organization: 'acme', workspace: 'm2m-auth-prod', manageOidcProvider: false },
      },
    });
    fs.writeFileSync(configFile, JSON.stringify({ environments: { prod } }));
    const env = { ...process.env, M2M_AUTH_CONFIG: configFile };
    const stacks = await synthesizeApp({ projectRoot: PROJECT_ROOT, outdir: path.join(work, 'synth'), env });
    result = await checkJsonStack(stacks.find((s) => s.name === 'pipeline-access-prod')!, checkContext(availability, path.join(work, 'copy')));
  }, 300_000);
  afterAll(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  function planOf(): PlanJson {
    if (!result) throw new Error('the stack was not planned (see beforeAll)');
    if (!result.ok) throw new Error(`${result.stack}: ${result.verdict}\n${result.diagnostics}`);
    return result.plan as PlanJson;
  }

  terraformTest('is valid and creates four roles and their policies, and no OIDC provider', () => {
    const managed = planOf().resource_changes.filter((rc) => rc.mode === 'managed');
    expect(managed.filter((rc) => rc.change.actions.join() !== 'create')).toEqual([]);
    expect(managed.filter((rc) => rc.type === 'aws_iam_role').map((rc) => rc.address).sort()).toEqual([
      'aws_iam_role.github_deploy_role',
      'aws_iam_role.github_plan_role',
      'aws_iam_role.tfc_apply_role',
      'aws_iam_role.tfc_plan_role',
    ]);
    expect(managed.filter((rc) => rc.type === 'aws_iam_openid_connect_provider')).toEqual([]);
  }, 180_000);

  terraformTest('the planned trust policies name the providers by ARN in the account Terraform runs in', () => {
    const roles = (planOf().planned_values.root_module.resources ?? []).filter((r) => r.type === 'aws_iam_role');
    const principals = Object.fromEntries(
      roles.map((role) => [role.address, (JSON.parse(String(role.values.assume_role_policy)) as { Statement: Array<{ Principal: { Federated: string } }> }).Statement[0].Principal.Federated]),
    );
    expect(principals).toEqual({
      'aws_iam_role.github_deploy_role': `arn:aws:iam::${PLACEHOLDER_ACCOUNT_ID}:oidc-provider/token.actions.githubusercontent.com`,
      'aws_iam_role.github_plan_role': `arn:aws:iam::${PLACEHOLDER_ACCOUNT_ID}:oidc-provider/token.actions.githubusercontent.com`,
      'aws_iam_role.tfc_apply_role': `arn:aws:iam::${PLACEHOLDER_ACCOUNT_ID}:oidc-provider/app.terraform.io`,
      'aws_iam_role.tfc_plan_role': `arn:aws:iam::${PLACEHOLDER_ACCOUNT_ID}:oidc-provider/app.terraform.io`,
    });
  }, 180_000);
});
