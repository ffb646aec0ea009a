/**
 * `npm run validate` from start to end: options, terraform and provider availability, a synth into
 * a temporary directory, the JSON or HCL check of each stack (a few at a time), the report, the
 * exit status, and removal of the temporary directory.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkHclStack } from './hcl-stack-check';
import { hclAwsPin } from './hcl-override';
import { checkJsonStack } from './json-stack-check';
import type { TerraformConfigJson } from './offline-copy';
import { parseOptions, USAGE, UsageError, type ValidateOptions } from './options';
import { AWS_PROVIDER, choosePin, mirrorVersions, registryUnreachable, terraformPlatform } from './provider-source';
import { type CheckContext, resultLines, type StackResult, summaryLine } from './report';
import { concurrencyLimit, offlineTerraformEnv, terraformVersion } from './run';
import { SynthError, synthesizeApp, type SynthesizedStack } from './synth';
import { consoleIo, type CliIo } from '../cli-io';
export type { CliIo } from '../cli-io';

/** Where the CLI writes: results to `out` (stdout), progress and errors to `err` (stderr). */


/**
 * Runs `npm run validate` with `argv` (the arguments after `--`) and resolves with the exit status:
 * 0 every stack passed or the check was skipped, 1 a failure, 2 bad options.
 *
 * @example
 * process.exitCode = await main(process.argv.slice(2));
 */
export async function main(argv: readonly string[], io: CliIo = consoleIo, env: NodeJS.ProcessEnv = process.env, projectRoot = path.resolve(__dirname, '..', '..')): Promise<number> {
  let options: ValidateOptions;
  try {
    options = parseOptions(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`validate: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    io.out(USAGE);
    return 0;
  }

  const version = await terraformVersion(env);
  if (!version) {
    const reason = 'terraform not on PATH (install Terraform >= 1.5: https://developer.hashicorp.com/terraform/install)';
    return unavailable(io, options, reason);
  }
  const mirrorDir = env.TF_PROVIDER_MIRROR ? path.resolve(env.TF_PROVIDER_MIRROR) : undefined;
  const available = mirrorDir ? mirrorVersions(mirrorDir) : [];
  if (mirrorDir && available.length === 0) {
    io.err(`validate: TF_PROVIDER_MIRROR=${mirrorDir} holds no ${AWS_PROVIDER} for ${terraformPlatform()} (expected ${path.join(mirrorDir, 'registry.terraform.io', AWS_PROVIDER, '<version>', terraformPlatform())}/)`);
    return 1;
  }
  if (!mirrorDir && options.skipIfUnavailable) {
    const unreachable = await registryUnreachable();
    if (unreachable) return unavailable(io, options, `no provider mirror (TF_PROVIDER_MIRROR unset) and the registry is unreachable (${unreachable})`);
  }
  io.err(`validate: ${version}; ${mirrorDir ? `provider mirror ${mirrorDir} (${AWS_PROVIDER} ${available.join(', ')})` : 'no provider mirror: terraform init installs from the registry'}`);

  const workRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'm2m-validate-'));
  const removeWorkdir = () => fs.rmSync(workRoot, { recursive: true, force: true });
  const onSignal = (signal: NodeJS.Signals) => {
    if (!options.keepWorkdir) removeWorkdir();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  try {
    return await validateStacks(options, io, env, projectRoot, workRoot, { mirrorDir, available });
  } finally {
    process.removeListener('SIGINT', onSignal).removeListener('SIGTERM', onSignal);
    if (options.keepWorkdir) io.err(`validate: work directory kept: ${workRoot}`);
    else removeWorkdir();
  }
}

/** Synthesizes, checks every chosen stack, prints the report; resolves with the exit status. */
async function validateStacks(
  options: ValidateOptions,
  io: CliIo,
  env: NodeJS.ProcessEnv,
  projectRoot: string,
  workRoot: string,
  provider: { mirrorDir?: string; available: string[] },
): Promise<number> {
  io.err(`validate: synthesizing the app${options.hcl ? ' as HCL' : ''} into ${path.join(workRoot, 'synth')}`);
  let stacks: SynthesizedStack[];
  try {
    stacks = await synthesizeApp({ projectRoot, outdir: path.join(workRoot, 'synth'), hcl: options.hcl, env, log: (line) => io.err(`  synth: ${line}`) });
  } catch (error) {
    if (!(error instanceof SynthError)) throw error;
    io.out('synth FAILED');
    io.out(error.output.trim().replace(/^/gm, '    '));
    return 1;
  }
  if (options.stacks) {
    const unknown = options.stacks.filter((name) => !stacks.some((s) => s.name === name));
    if (unknown.length > 0) {
      io.err(`validate: --stacks: no stack named ${unknown.join(', ')}; the app synthesizes ${stacks.map((s) => s.name).join(', ')}\n\n${USAGE}`);
      return 2;
    }
    stacks = stacks.filter((s) => options.stacks!.includes(s.name));
  }

  const base: CheckContext = {
    workRoot: path.join(workRoot, 'stacks'),
    env: offlineTerraformEnv(env, path.join(workRoot, 'scratch')),
    mirrorDir: provider.mirrorDir,
    progress: io.err,
  };
  const pinLines = new Set<string>();
  const contexts = stacks.map((stack): CheckContext => {
    if (!provider.mirrorDir) return base;
    const pinned = pinOf(stack);
    const pin = choosePin(pinned, provider.available);
    if (pin.rewritten) pinLines.add(`provider pin ${AWS_PROVIDER} ${pinned ?? '(unpinned)'} rewritten to ${pin.version} (${pin.reason}) in the temporary copy`);
    return { ...base, providerVersion: pin.version };
  });
  pinLines.forEach((line) => io.out(line));

  const check = options.hcl ? checkHclStack : checkJsonStack;
  const slot = concurrencyLimit(options.jobs);
  const pending = stacks.map((stack, i) =>
    slot(() => check(stack, contexts[i])).catch((error: Error): StackResult => ({ stack: stack.name, ok: false, verdict: 'check FAILED', diagnostics: error.stack ?? error.message, seconds: 0 })),
  );
  const results: StackResult[] = [];
  for (const next of pending) {
    const result = await next;
    results.push(result);
    resultLines(result).forEach((line) => io.out(line));
    if (result.plan !== undefined && options.plansDir) {
      fs.mkdirSync(options.plansDir, { recursive: true });
      fs.writeFileSync(path.join(options.plansDir, `${result.stack}.plan.json`), JSON.stringify(result.plan));
    }
  }
  io.out(summaryLine(results, options.hcl));
  return results.every((r) => r.ok) ? 0 : 1;
}

/** The stack's own AWS provider pin, read from its cdk.tf.json or cdk.tf. */
function pinOf(stack: SynthesizedStack): string | undefined {
  const text = fs.readFileSync(path.join(stack.dir, stack.file), 'utf8');
  if (!stack.file.endsWith('.json')) return hclAwsPin(text);
  const requirement = (JSON.parse(text) as TerraformConfigJson).terraform?.required_providers?.aws;
  return typeof requirement === 'string' ? requirement : requirement?.version;
}

/** Prints the SKIPPED line (exit 0) with --skip-if-unavailable, else the reason as an error (exit 1). */
function unavailable(io: CliIo, options: ValidateOptions, reason: string): number {
  if (options.skipIfUnavailable) {
    io.out(`SKIPPED: ${reason}`);
    return 0;
  }
  io.err(`validate: ${reason}; run with --skip-if-unavailable to skip instead`);
  return 1;
}
