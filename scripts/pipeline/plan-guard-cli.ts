/**
 * `npm run plan-guard -- <plan.json> [options]`: the command line around guardPlan (plan-guard.ts):
 * options, reading the plan and the allow-list, printing, the result file, the exit status.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { PlanFormatError } from '../terraform/plan-summary';
import { AllowListError, DEFAULT_ALLOW_LIST, readAllowList } from './allow-list';
import { markdownReport, textReport } from './guard-report';
import { ALLOW_LABEL, EnvironmentMismatchError, guardPlan } from './plan-guard';
import { PROTECTED_RESOURCE_TYPES } from './protected-resources';
import { consoleIo, type CliIo } from '../cli-io';

/** Splits `text` into lines of at most `width` characters, at spaces. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  return [...lines, line];
}

export const USAGE = `Usage: npm run plan-guard -- <plan.json> [options]

Reads a plan (terraform show -json <planfile>) and exits 1 when it would delete or replace a
protected resource, naming each one with the reason Terraform gives (the attributes that force a
replacement). Protected types:
${Object.entries(PROTECTED_RESOURCE_TYPES)
  .map(([type, why]) => `  ${type.padEnd(30)} ${wrap(why, 68).join(`\n${' '.repeat(33)}`)}`)
  .join('\n')}

Options:
  --allow <file>        The allow-list (default ${DEFAULT_ALLOW_LIST}; a missing default file is an
                        empty list): { "entries": [{ "environment", "address", "reason", "expires"? }] }.
                        A listed address of that environment may be replaced or destroyed; an entry
                        that matches nothing is reported as stale; after "expires" (YYYY-MM-DD, UTC)
                        an entry is ignored with a warning.
  --allow-label         The pull request carries the label ${ALLOW_LABEL}: protected resources are
                        printed as ALLOWED BY LABEL and the exit status is 0.
  --environment <env>   The environment whose allow-list entries apply (default: the plan's own,
                        from its AWS provider's Environment tag; required for state-bootstrap).
  --markdown            Print markdown (for a pull-request comment or a job summary) instead of text.
  --result <file>       Also write the result as JSON (counts, destructive changes, findings; never
                        the plan's values): what scripts/pr-comment.ts reads.
  --help                Print this message.

Output: one line per protected resource deleted or replaced, warnings, then the verdict line, e.g.
  plan-guard: BLOCKED (2 protected resources would be replaced or destroyed)
  plan-guard: ok (12 to add, 1 to change, 0 to destroy; nothing protected is replaced or destroyed)
Exit status: 0 nothing protected is lost, or all of it is allowed; 1 blocked; 2 bad options or input
(not a plan, an invalid allow-list, --environment contradicting the plan).`;

/** Where the CLI writes. */


/** Bad options or input: printed with `plan-guard: ` in front, exit 2. */
class InputError extends Error {}

/**
 * Runs the command with `argv` (the arguments after `--`); resolves with the exit status.
 *
 * @example
 * process.exitCode = main(process.argv.slice(2));
 */
export function main(argv: readonly string[], io: CliIo = consoleIo, options: { readonly projectRoot?: string; readonly now?: Date } = {}): number {
  const projectRoot = options.projectRoot ?? path.resolve(__dirname, '..', '..');
  try {
    const { values, positionals } = parse(argv);
    if (values.help) {
      io.out(USAGE);
      return 0;
    }
    if (positionals.length !== 1) throw new InputError(`needs exactly one plan file (terraform show -json <planfile> > plan.json); received ${positionals.length === 0 ? 'none' : positionals.join(' ')}; see npm run plan-guard -- --help`);
    const plan = readPlan(positionals[0]);
    const allowList = values.allow !== undefined ? readAllowList(values.allow) : readAllowList(path.join(projectRoot, DEFAULT_ALLOW_LIST), { optional: true, displayName: DEFAULT_ALLOW_LIST });
    const result = guardPlan(plan, { allowList, allowLabel: values['allow-label'] === true, environment: values.environment, now: options.now });
    if (values.result !== undefined) {
      fs.mkdirSync(path.dirname(path.resolve(values.result)), { recursive: true });
      fs.writeFileSync(values.result, `${JSON.stringify(result, null, 2)}\n`);
    }
    io.out(values.markdown ? markdownReport(result).trimEnd() : textReport(result).join('\n'));
    return result.verdict === 'blocked' ? 1 : 0;
  } catch (error) {
    if (error instanceof InputError || error instanceof AllowListError || error instanceof PlanFormatError || error instanceof EnvironmentMismatchError) {
      io.err(`plan-guard: ${error.message}`);
      return 2;
    }
    throw error;
  }
}

function parse(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        allow: { type: 'string' },
        'allow-label': { type: 'boolean' },
        environment: { type: 'string' },
        markdown: { type: 'boolean' },
        result: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new InputError(`${(error as Error).message}; see npm run plan-guard -- --help`);
  }
}

function readPlan(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new InputError(`${file}: cannot read the plan: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InputError(`${file}: not JSON (${(error as Error).message}); write it with terraform show -json <planfile> > ${path.basename(file)}`);
  }
}
