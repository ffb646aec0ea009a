/**
 * `node --import tsx scripts/pr-comment.ts --env dev=<dir> ... [--post --pr <n>]`: reads what each
 * plan job uploaded, renders the comment (pr-comment.ts), prints or writes it, and with `--post`
 * creates or updates the pull request's sticky comment (sticky-comment.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { GuardResult } from './plan-guard';
import type { CostReport } from '../cost/cli';
import { parseCostReport } from './cost-comment';
import { COMMENT_MARKER, type EnvironmentPlan, renderPrComment } from './pr-comment';
import { upsertStickyComment } from './sticky-comment';
import { consoleIo, type CliIo } from '../cli-io';

export const USAGE = `Usage: node --import tsx scripts/pr-comment.ts --env <name>=<dir> [--env ...] [options]

Renders the pull request's plan comment from what each environment's plan job left in <dir>:
  guard.json   the plan guard's result (npm run plan-guard -- plan.json --result guard.json)
  plan.txt     terraform show -no-color plan.bin
  error.txt    what terraform printed when init or plan failed (scripts/pipeline/plan.sh)
A missing <dir> or file is shown as "no plan" for that environment.

Options:
  --env <name>=<dir>   An environment and its directory, in the order to show them (repeat).
  --run-url <url>      Link to the workflow run (where the artifacts are).
  --commit <sha>       The commit that was planned.
  --title <text>       The heading (default "Terraform plans").
  --cost-before <file> The base branch's \`npm run cost -- --json\` (scripts/pipeline/cost.sh).
  --cost-after <file>  The same for the head; with either, the comment shows the monthly cost per
                       environment before and after, and the items that changed. A missing or
                       unreadable file shows as "no estimate".
  --out <file>         Write the comment there instead of printing it.
  --post               Create or update the comment on the pull request: the comment of
                       github-actions[bot] that starts with ${COMMENT_MARKER}.
  --pr <number>        The pull request (with --post).
  --repository <o/n>   Default: GITHUB_REPOSITORY.
  --help               Print this message.

Environment (with --post): GITHUB_TOKEN (pull-requests: write), GITHUB_API_URL, GITHUB_REPOSITORY.
Exit status: 0 done; 1 GitHub refused; 2 bad options.`;

/** Where the CLI writes. */


class UsageError extends Error {}

/**
 * Runs the command with `argv`; resolves with the exit status.
 *
 * @example
 * process.exitCode = await main(process.argv.slice(2));
 */
export async function main(argv: readonly string[], io: CliIo = consoleIo, env: NodeJS.ProcessEnv = process.env, fetchImpl?: typeof fetch): Promise<number> {
  let values: ReturnType<typeof parse>;
  try {
    values = parse(argv);
    if (values.help) {
      io.out(USAGE);
      return 0;
    }
    if (!values.env || values.env.length === 0) throw new UsageError('--env <name>=<dir>: at least one environment');
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`pr-comment: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  let plans: EnvironmentPlan[];
  let post: { repository: string; pullRequest: number; token: string } | undefined;
  try {
    plans = values.env.map(readEnvironment);
    if (values.post) {
      const repository = values.repository ?? env.GITHUB_REPOSITORY;
      const pullRequest = Number(values.pr);
      const token = env.GITHUB_TOKEN ?? env.GH_TOKEN;
      if (!repository) throw new UsageError('--post: needs --repository or GITHUB_REPOSITORY');
      if (!/^\d+$/.test(values.pr ?? '')) throw new UsageError(`--pr: the pull request number; received ${values.pr === undefined ? 'nothing' : `"${values.pr}"`}`);
      if (!token) throw new UsageError('--post: needs GITHUB_TOKEN in the environment');
      post = { repository, pullRequest, token };
    }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`pr-comment: ${error.message}`);
    return 2;
  }

  const costs = values['cost-before'] !== undefined || values['cost-after'] !== undefined ? { before: readCost(values['cost-before']), after: readCost(values['cost-after']) } : undefined;
  const body = renderPrComment(plans, { runUrl: values['run-url'], commit: values.commit, title: values.title, costs });
  if (values.out !== undefined) fs.writeFileSync(values.out, body);
  else if (!post) io.out(body.trimEnd());
  if (!post) return 0;
  try {
    const result = await upsertStickyComment({ ...post, body, marker: COMMENT_MARKER, apiUrl: env.GITHUB_API_URL, fetch: fetchImpl });
    io.err(`pr-comment: ${result.action} ${result.url}`);
    return 0;
  } catch (error) {
    io.err(`pr-comment: ${(error as Error).message}`);
    return 1;
  }
}

function parse(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      options: {
        env: { type: 'string', multiple: true },
        'run-url': { type: 'string' },
        commit: { type: 'string' },
        title: { type: 'string' },
        'cost-before': { type: 'string' },
        'cost-after': { type: 'string' },
        out: { type: 'string' },
        post: { type: 'boolean' },
        pr: { type: 'string' },
        repository: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** A cost report file, or undefined when it is missing or not one. */
function readCost(file: string | undefined): CostReport | undefined {
  if (file === undefined) return undefined;
  try {
    return parseCostReport(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** `dev=plans/plan-dev` -> what that directory holds. */
function readEnvironment(spec: string): EnvironmentPlan {
  const match = /^([a-z0-9][a-z0-9-]*)=(.+)$/.exec(spec);
  if (!match) throw new UsageError(`--env: must be <name>=<dir>, e.g. dev=plans/plan-dev; received "${spec}"`);
  const [, environment, dir] = match;
  const read = (file: string) => {
    try {
      return fs.readFileSync(path.join(dir, file), 'utf8');
    } catch {
      return undefined;
    }
  };
  const guardText = read('guard.json');
  const guard = guardText === undefined ? undefined : parseGuard(guardText);
  const planText = read('plan.txt');
  const error = read('error.txt') ?? (guardText !== undefined && guard === undefined ? `${dir}/guard.json: not a plan-guard result` : undefined);
  return { environment, ...(guard ? { guard } : {}), ...(planText !== undefined ? { planText } : {}), ...(error !== undefined ? { error } : {}) };
}

/** The guard's result, or undefined when the file is not one (a broken artifact shows as a failure, not a crash). */
function parseGuard(text: string): GuardResult | undefined {
  try {
    const json = JSON.parse(text) as Partial<GuardResult>;
    const ok = ['ok', 'allowed', 'blocked'].includes(json.verdict as string) && typeof json.counts?.add === 'number' && Array.isArray(json.findings) && Array.isArray(json.destructive);
    return ok ? { stale: [], expired: [], warnings: [], allowLabel: false, ...json } as GuardResult : undefined;
  } catch {
    return undefined;
  }
}
