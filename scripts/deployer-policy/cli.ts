/**
 * `npm run deployer-policy -- <env>`: the IAM policy a pipeline role needs to deploy (or, with
 * `--read-only`, to plan) one environment's stack, as pretty JSON on stdout. The policy is generated
 * (lib/pipeline) from the Terraform types of the environment's stack, synthesized through the stack
 * class, so it is the same document the pipeline-access-<env> stack attaches to its roles.
 */
import { parseArgs } from 'node:util';
import { MANAGED_POLICY_MAX_CHARS, MissingDeployerPermissionError, pipelinePolicy, policyChars, type PolicyAccess, type PolicyDocument } from '../../lib/pipeline';
import { consoleIo, type CliIo, environmentNamed } from '../cli-io';
import { environmentTerraform } from '../environment-terraform';
export type { CliIo } from '../cli-io';

export const USAGE = `Usage: npm run deployer-policy -- <environment> [--read-only] [--part <n>] [--json]

Prints the IAM policy a deploy role needs to deploy <environment>'s stack: for each Terraform type the
synthesized stack holds, the actions the AWS provider calls and the tightest ARNs the stack's names
allow (lib/pipeline/deployer-permissions.ts), iam:PassRole on the roles the stack hands to services,
and the state backend (S3 object, lock file, state key; the DynamoDB lock table if configured).
The same documents the pipeline-access-<environment> stack attaches to the roles it creates.

Options:
  --read-only   The plan role's policy instead: reads only, state read, state lock
  --part <n>    Only the n-th document, when the policy is split into several managed policies
  --json        Pretty-printed JSON on stdout (the default, and the only format)
  --help        Print this message

Output: a policy document when it fits one customer-managed policy (${MANAGED_POLICY_MAX_CHARS.toLocaleString('en-US')} characters without
white space); otherwise a JSON array of documents, one per managed policy (attach them all). stderr gets
one line with the number of documents and their sizes.
Environment: M2M_AUTH_CONFIG, M2M_AUTH_STATE_* and M2M_AUTH_TFC_* apply, as they do to npm run synth.
Exit status: 0 printed, 1 invalid config, 2 bad arguments or unknown environment.`;

/** Where the command writes: the policy to `out` (stdout), everything else to `err` (stderr). */


/**
 * Runs the command with `argv` (the arguments after `--`); resolves with the exit status.
 *
 * @example
 * process.exitCode = main(['dev']);
 */
export function main(argv: readonly string[], io: CliIo = consoleIo, env: NodeJS.ProcessEnv = process.env): number {
  let values: { 'read-only'?: boolean; part?: string; json?: boolean; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: { 'read-only': { type: 'boolean' }, part: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (error) {
    return usageError(io, (error as Error).message);
  }
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  if (positionals.length !== 1) return usageError(io, positionals.length === 0 ? 'name the environment, e.g. npm run deployer-policy -- dev' : `one environment at a time; received ${positionals.join(', ')}`);
  const part = values.part === undefined ? undefined : Number(values.part);
  if (part !== undefined && !(Number.isInteger(part) && part >= 1)) return usageError(io, `--part: must be a whole number from 1; received "${values.part}"`);

  const name = positionals[0];
  const config = environmentNamed(io, env, name, (message) => usageError(io, message));
  if (typeof config === 'number') return config;

  const access: PolicyAccess = values['read-only'] ? 'read' : 'deploy';
  let documents: PolicyDocument[];
  try {
    documents = pipelinePolicy(config, environmentTerraform(config), access);
  } catch (error) {
    if (!(error instanceof MissingDeployerPermissionError)) throw error;
    io.err(`deployer-policy: ${name}: ${error.message}`);
    return 1;
  }
  if (part !== undefined && part > documents.length) return usageError(io, `--part: the ${access} policy of ${name} has ${documents.length} document${documents.length === 1 ? '' : 's'}; received ${part}`);

  const sizes = documents.map((d) => policyChars(d).toLocaleString('en-US'));
  io.err(
    documents.length === 1
      ? `deployer-policy: ${name}: ${access} policy, 1 managed policy (${sizes[0]} of ${MANAGED_POLICY_MAX_CHARS.toLocaleString('en-US')} characters)`
      : `deployer-policy: ${name}: ${access} policy, split into ${documents.length} managed policies (${sizes.join(', ')} of ${MANAGED_POLICY_MAX_CHARS.toLocaleString('en-US')} characters each): attach all of them; --part <n> prints one`,
  );
  const printed = part !== undefined ? documents[part - 1] : documents.length === 1 ? documents[0] : documents;
  io.out(JSON.stringify(printed, null, 2));
  return 0;
}

function usageError(io: CliIo, message: string): number {
  io.err(`deployer-policy: ${message}\n\n${USAGE}`);
  return 2;
}
