/**
 * The HCL synth (`cdktf synth --hcl`) through `terraform fmt -check` and `terraform validate`, offline
 * (needs terraform on PATH and TF_PROVIDER_MIRROR; else the tests are skipped with a SKIPPED line).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkHclStack } from '../../scripts/terraform/hcl-stack-check';
import { resultLines, type StackResult } from '../../scripts/terraform/report';
import { synthesizeApp } from '../../scripts/terraform/synth';
import { checkContext, offlineTerraformAvailability, PROJECT_ROOT, testWithTerraform } from './offline-terraform';

const availability = offlineTerraformAvailability();
const terraformTest = testWithTerraform(availability, 'cdktf synth --hcl: terraform fmt -check and validate');

/** `<stack>: <part>` for each stack, where part is the fmt half (0) or the validity half (1) of the verdict. */
function verdicts(results: readonly StackResult[], part: 0 | 1): string[] {
  if (results.length === 0) throw new Error('no stack was checked (see beforeAll)');
  return results.map((r) => `${r.stack}: ${r.verdict.split(', ')[part]}`);
}

describe('HCL synth (npm run validate -- --hcl)', () => {
  // Made in beforeAll: jest runs no hook of a describe whose tests are all skipped.
  let work = '';
  let results: StackResult[] = [];

  beforeAll(async () => {
    if (!availability.ok) return;
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'm2m-hcl-test-'));
    const env = { ...process.env };
    delete env.M2M_AUTH_CONFIG;
    const stacks = await synthesizeApp({ projectRoot: PROJECT_ROOT, outdir: path.join(work, 'synth'), hcl: true, env });
    const context = checkContext(availability, path.join(work, 'copy'));
    // Two at a time: CI has two cores and each validate loads the whole AWS provider schema.
    for (let i = 0; i < stacks.length; i += 2) results.push(...(await Promise.all(stacks.slice(i, i + 2).map((s) => checkHclStack(s, context)))));
    const failed = results.filter((r) => !r.ok);
    // Terraform's own words, cut to the start of each stack's report, when something fails.
    if (failed.length > 0) console.log(failed.map((r) => resultLines(r).slice(0, 40).join('\n')).join('\n\n'));
  }, 300_000);
  afterAll(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  terraformTest('every stack synthesizes as HCL', () => {
    expect(results.map((r) => r.stack)).toEqual(expect.arrayContaining(['dev', 'state-bootstrap']));
  }, 180_000);

  terraformTest("every stack's cdk.tf is valid Terraform", () => {
    expect(verdicts(results, 1).map((v) => v.replace(' (with warnings)', ''))).toEqual(results.map((r) => `${r.stack}: valid`));
  }, 180_000);

  terraformTest("every stack's cdk.tf is in canonical format (terraform fmt -check)", () => {
    expect(verdicts(results, 0)).toEqual(results.map((r) => `${r.stack}: formatted`));
  }, 180_000);
});
