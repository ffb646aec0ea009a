/**
 * The pull request's plan comment: one markdown comment, found again by its hidden marker, with per
 * environment the counts, every resource replaced or destroyed, the plan guard's verdict and the
 * full plan (`terraform show` text) folded away, cut to fit GitHub's 65,536-character limit.
 *
 * It reads what the plan jobs upload per environment: the guard's result (`plan-guard --result`,
 * which carries the counts and the destructive changes but none of the plan's values: the plan JSON
 * holds secrets in clear) and the plan text (Terraform redacts sensitive values there).
 */
import { code, countsText, escapeMarkdown, markdownReport, whyTerraform } from './guard-report';
import type { GuardResult } from './plan-guard';
import { costSection, type CostComparison } from './cost-comment';

/** The hidden first line by which the workflow finds the comment again and updates it. */
export const COMMENT_MARKER = '<!-- m2m-auth-plan -->';

/** GitHub refuses a comment body longer than this many characters. */
export const GITHUB_COMMENT_LIMIT = 65_536;

/** One environment's plan, as its plan job left it. */
export interface EnvironmentPlan {
  readonly environment: string;
  /**
   * The guard's result.
   * @default - none: the plan job failed before the guard ran, or was skipped
   */
  readonly guard?: GuardResult;
  /**
   * `terraform show -no-color <planfile>`.
   * @default - none
   */
  readonly planText?: string;
  /**
   * What terraform printed when init or plan failed.
   * @default - none
   */
  readonly error?: string;
}

/** Options of {@link renderPrComment}. */
export interface CommentOptions {
  /** @default - no link to the run */
  readonly runUrl?: string;
  /** @default - no commit named */
  readonly commit?: string;
  /**
   * The longest body to produce.
   * @default GITHUB_COMMENT_LIMIT minus a margin of 500 characters
   */
  readonly limit?: number;
  /** @default 'Terraform plans' */
  readonly title?: string;
  /**
   * Rows of the "replaced or destroyed" table per environment before "... and N more".
   * @default 100
   */
  readonly maxRows?: number;
  /**
   * The monthly cost estimates of the base and of the head, shown under the plans' summary.
   * @default - no cost section
   */
  readonly costs?: CostComparison;
}

const VERDICT: Record<GuardResult['verdict'], string> = { ok: '✅ ok', allowed: '⚠️ allowed', blocked: '⛔ BLOCKED' };

/**
 * Renders the comment. The summary, the tables and the guard's findings always fit; the plan texts
 * share what is left, the shortest first, each cut at a line with a note saying how much is shown
 * and where the rest is.
 *
 * @example
 * const body = renderPrComment([{ environment: 'dev', guard, planText }], { runUrl, commit: sha });
 */
export function renderPrComment(plans: readonly EnvironmentPlan[], options: CommentOptions = {}): string {
  const limit = options.limit ?? GITHUB_COMMENT_LIMIT - 500;
  const head = [COMMENT_MARKER, `## ${options.title ?? 'Terraform plans'}`, ''];
  const about = [options.commit ? `commit ${code(options.commit.slice(0, 12))}` : '', options.runUrl ? `[workflow run](${options.runUrl})` : ''].filter(Boolean).join(' · ');
  if (about) head.push(about, '');
  head.push('| environment | to add | to change | to destroy | replaced | plan guard |', '|---|---:|---:|---:|---:|---|');
  for (const plan of plans) {
    const c = plan.guard?.counts;
    const guard = plan.guard ? VERDICT[plan.guard.verdict] : plan.error ? '❌ plan failed' : '— no plan';
    head.push(`| ${plan.environment} | ${c ? c.add : '—'} | ${c ? c.change : '—'} | ${c ? c.destroy : '—'} | ${c ? c.replace : '—'} | ${guard} |`);
  }
  const cost = options.costs ? costSection(options.costs, plans.map((plan) => plan.environment)) : [];
  if (cost.length > 0) head.push('', ...cost);

  const sections = plans.map((plan) => sectionParts(plan, options.maxRows ?? 100, options.runUrl));
  const assemble = (bodies: readonly CutText[]) =>
    [...head, ...sections.flatMap((s, i) => ['', ...s.before, ...(s.planBlock ? ['', s.planBlock(bodies[i])] : [])])].join('\n') + '\n';

  const fixed = assemble(sections.map(() => ({ text: '' }))).length;
  const notes = sections.filter((s) => s.planBlock).length * 400;
  const shares = shareBudget(
    sections.map((s) => s.planLength),
    Math.max(0, limit - fixed - notes),
  );
  const body = assemble(sections.map((s, i) => s.planBody(shares[i])));
  return body.length <= limit ? body : cutSummary(body, limit);
}

/**
 * Only summaries larger than the limit get here (hundreds of protected resources destroyed in
 * every environment): cut at a line, close what was left open, and say so.
 */
function cutSummary(body: string, limit: number): string {
  const kept = body.slice(0, limit - 300);
  const lines = kept.slice(0, kept.lastIndexOf('\n')).split('\n');
  const fences = lines.filter((line) => /^`{3,}/.test(line));
  const openFence = fences.length % 2 === 1 ? /^`+/.exec(fences[fences.length - 1])![0] : undefined;
  const openDetails = lines.filter((l) => l.startsWith('<details>')).length - lines.filter((l) => l === '</details>').length;
  return [...lines, ...(openFence ? [openFence] : []), ...(openDetails > 0 ? ['', '</details>'] : []), '', `_(comment cut at ${limit} characters: see the workflow run for the rest)_`, ''].join('\n');
}

/** A plan text, cut or whole, and the note that says it was cut. */
interface CutText {
  readonly text: string;
  readonly note?: string;
}

interface SectionParts {
  readonly before: string[];
  readonly planLength: number;
  /** The plan text cut to at most `budget` characters, with a note when cut. */
  readonly planBody: (budget: number) => CutText;
  /** The `<details>` block around a plan body; absent when there is no plan text. */
  readonly planBlock?: (body: CutText) => string;
}

function sectionParts(plan: EnvironmentPlan, maxRows: number, runUrl?: string): SectionParts {
  const before = [`### ${plan.environment}`, ''];
  if (!plan.guard) {
    before.push(plan.error ? 'The plan failed; Terraform said:' : 'No plan: the plan job failed before the plan guard ran, or did not run (see the workflow run).');
    if (plan.error) before.push('', fenced(lastLines(plan.error, 60)));
  } else {
    const g = plan.guard;
    before.push(`**Plan:** ${countsText(g)}`, '', markdownReport(g).trimEnd());
    const others = g.destructive.filter((d) => !d.protected);
    if (others.length > 0) {
      before.push('', `**Also replaced or destroyed** (${others.length}, not protected):`, '', '| action | resource | why Terraform does it |', '|---|---|---|');
      for (const d of others.slice(0, maxRows)) before.push(`| ${d.action} | ${code(d.address)} | ${escapeMarkdown(whyTerraform(d))} |`);
      if (others.length > maxRows) before.push(`| | … and ${others.length - maxRows} more | |`);
    }
  }
  const text = plan.planText?.replace(/\r\n/g, '\n').replace(/\u001b\[[0-9;]*m/g, '').trimEnd();
  if (text === undefined || text === '') return { before, planLength: 0, planBody: () => ({ text: '' }) };
  const fence = fenceFor(text);
  const where = runUrl ? `the \`plan-${plan.environment}\` artifact of the [workflow run](${runUrl})` : `the \`plan-${plan.environment}\` artifact of the workflow run`;
  return {
    before,
    planLength: text.length,
    planBody: (budget) => cutAtLine(text, budget, where),
    planBlock: (body) => [`<details><summary>Full plan of ${plan.environment} (terraform show)</summary>`, '', `${fence}text`, body.text, fence, ...(body.note ? ['', body.note] : []), '', '</details>'].join('\n'),
  };
}

/** The text cut at the last whole line within `budget` characters, and the note that says so. */
function cutAtLine(text: string, budget: number, where: string): CutText {
  if (text.length <= budget) return { text };
  const kept = text.slice(0, Math.max(0, budget));
  const cut = kept.includes('\n') ? kept.slice(0, kept.lastIndexOf('\n')) : '';
  const total = text.split('\n').length;
  const shown = cut === '' ? 0 : cut.split('\n').length;
  const note = `_Plan cut to fit GitHub's comment limit: the first ${shown} of ${total} lines are shown. The whole plan is in ${where}._`;
  return { text: cut, note };
}

/**
 * Splits `budget` among items of the given lengths: items that fit in an equal share keep their
 * length, and what they leave over goes to the longer ones.
 *
 * @example
 * shareBudget([100, 5000, 20000], 9000); // [100, 4450, 4450]
 */
export function shareBudget(lengths: readonly number[], budget: number): number[] {
  const shares = lengths.map(() => 0);
  let left = budget;
  const order = lengths.map((length, i) => ({ length, i })).sort((a, b) => a.length - b.length);
  order.forEach(({ length, i }, k) => {
    const share = Math.floor(left / (order.length - k));
    shares[i] = Math.min(length, share);
    left -= shares[i];
  });
  return shares;
}

/** A code fence longer than any backtick run in `text`, so that the text cannot close it. */
function fenceFor(text: string): string {
  return '`'.repeat(Math.max(3, ...[...text.matchAll(/`{3,}/g)].map((m) => m[0].length + 1)));
}

function fenced(text: string): string {
  const fence = fenceFor(text);
  return `${fence}text\n${text}\n${fence}`;
}

function lastLines(text: string, n: number): string {
  const lines = text.replace(/\u001b\[[0-9;]*m/g, '').trimEnd().split('\n');
  return lines.length <= n ? lines.join('\n') : [`… (${lines.length - n} lines above)`, ...lines.slice(-n)].join('\n');
}
