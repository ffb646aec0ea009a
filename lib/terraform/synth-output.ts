/**
 * What happens to `cdktf.out/` after a synth: the other format's stale file is removed, and HCL output
 * is formatted, so `cdktf synth` and `cdktf synth --hcl` can follow each other in any order.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The file a stack directory holds in each output format. */
export const STACK_FILES = { json: 'cdk.tf.json', hcl: 'cdk.tf' } as const;

/**
 * Removes, from every stack directory under `outdir`, the file of the format that was not just
 * written: a `cdk.tf` left by an earlier `--hcl` synth beside a new `cdk.tf.json` defines every
 * resource twice and breaks `cdktf diff`. Returns the paths removed.
 *
 * @example
 * removeStaleStackFiles('cdktf.out', false); // after a JSON synth: removes stacks/<name>/cdk.tf
 */
export function removeStaleStackFiles(outdir: string, hclOutput: boolean): string[] {
  const stacksDir = path.join(outdir, 'stacks');
  if (!fs.existsSync(stacksDir)) return [];
  const stale = hclOutput ? STACK_FILES.json : STACK_FILES.hcl;
  const removed: string[] = [];
  for (const entry of fs.readdirSync(stacksDir, { withFileTypes: true })) {
    const file = path.join(stacksDir, entry.name, stale);
    if (entry.isDirectory() && fs.existsSync(file)) {
      fs.rmSync(file);
      removed.push(file);
    }
  }
  return removed;
}

/**
 * Writes the references CDKTF quotes in HCL (`depends_on`, `replace_triggered_by`, `ignore_changes`,
 * `provider`) bare, as Terraform expects since 0.12: quoted, `terraform validate` warns that they are
 * deprecated.
 *
 * @example
 * unquoteReferences('provider = "aws.us_east_1"'); // 'provider = aws.us_east_1'
 */
export function unquoteReferences(hcl: string): string {
  let inReferenceList = false;
  return hcl
    .split('\n')
    .map((line) => {
      if (/^\s*(depends_on|replace_triggered_by|ignore_changes) = \[\s*$/.test(line)) inReferenceList = true;
      else if (inReferenceList && /^\s*\]\s*$/.test(line)) inReferenceList = false;
      else if (inReferenceList) return line.replace(/^(\s*)"(?:\$\{)?([A-Za-z][\w.-]*?)\}?"(,?)\s*$/, '$1$2$3');
      return line.replace(/^(\s*provider = )"([a-z][\w.-]*)"\s*$/, '$1$2');
    })
    .join('\n');
}

/** Applies {@link unquoteReferences} to every stack's `cdk.tf` under `outdir`. */
export function unquoteHclReferences(outdir: string): void {
  const stacksDir = path.join(outdir, 'stacks');
  if (!fs.existsSync(stacksDir)) return;
  for (const entry of fs.readdirSync(stacksDir, { withFileTypes: true })) {
    const file = path.join(stacksDir, entry.name, STACK_FILES.hcl);
    if (entry.isDirectory() && fs.existsSync(file)) fs.writeFileSync(file, unquoteReferences(fs.readFileSync(file, 'utf8')));
  }
}

/** What {@link formatHcl} did. */
export type HclFormatResult = { readonly formatted: true } | { readonly formatted: false; readonly reason: string };

/**
 * Runs `terraform fmt` over every stack's `cdk.tf`: CDKTF writes HCL without indentation, which
 * `terraform fmt -check` in a pipeline would reject. Without terraform on PATH the files stay as
 * CDKTF wrote them (valid, unformatted) and the reason is returned for the caller to print.
 */
export function formatHcl(outdir: string, terraform = process.env.TERRAFORM_BINARY_NAME || 'terraform'): HclFormatResult {
  const stacksDir = path.join(outdir, 'stacks');
  const result = spawnSync(terraform, ['fmt', '-recursive', '-no-color', stacksDir], { encoding: 'utf8', env: { ...process.env, CHECKPOINT_DISABLE: '1' } });
  if (result.error) return { formatted: false, reason: `${terraform} not found on PATH (${(result.error as NodeJS.ErrnoException).code})` };
  if (result.status !== 0) return { formatted: false, reason: `terraform fmt failed: ${result.stderr.trim()}` };
  return { formatted: true };
}
