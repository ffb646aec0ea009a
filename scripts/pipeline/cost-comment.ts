/**
 * The pull request comment's cost section: each environment's monthly estimate before and after the
 * change (`npm run cost -- --json` on the base and on the head, scripts/pipeline/cost.sh), and the
 * items that moved.
 */
import type { CostReport } from '../cost/cli';
import { formatUsd } from '../cost/tiers';

/** The estimates of the base and the head; either may be missing (the base predates `npm run cost`, or the job failed). */
export interface CostComparison {
  readonly before?: CostReport;
  readonly after?: CostReport;
}

/** Items whose change is listed, largest first. */
const MAX_CHANGED_ITEMS = 12;

/**
 * The report in `text`, or undefined when it is not one (a broken artifact shows as "no estimate").
 *
 * @example
 * parseCostReport(fs.readFileSync('cost/after.json', 'utf8'))?.grandTotalUsd;
 */
export function parseCostReport(text: string): CostReport | undefined {
  try {
    const json = JSON.parse(text) as Partial<CostReport>;
    const ok = Array.isArray(json.environments) && json.environments.every((e) => typeof e?.environment === 'string' && typeof e.totalUsd === 'number' && Array.isArray(e.items));
    return ok ? (json as CostReport) : undefined;
  } catch {
    return undefined;
  }
}

/** The section's markdown lines; empty when neither estimate exists. */
export function costSection(costs: CostComparison, environments: readonly string[]): string[] {
  const { before, after } = costs;
  if (!before && !after) return [];
  const lines = ['### Monthly cost (estimate)', '', '| environment | before | after | change |', '|---|---:|---:|---:|'];
  const totalOf = (report: CostReport | undefined, name: string) => report?.environments.find((e) => e.environment === name)?.totalUsd;
  const names = [...new Set([...environments, ...(after?.environments ?? []).map((e) => e.environment), ...(before?.environments ?? []).map((e) => e.environment)])];
  for (const name of names) {
    const [was, is] = [totalOf(before, name), totalOf(after, name)];
    const change = was !== undefined && is !== undefined ? signed(is - was) : '—';
    lines.push(`| ${name} | ${usd(was)} | ${usd(is)} | ${change} |`);
  }

  const changed = names.flatMap((name) => {
    const items = new Map<string, { was: number; is: number }>();
    for (const item of before?.environments.find((e) => e.environment === name)?.items ?? []) items.set(item.item, { was: item.usd, is: 0 });
    for (const item of after?.environments.find((e) => e.environment === name)?.items ?? []) items.set(item.item, { was: items.get(item.item)?.was ?? 0, is: item.usd });
    return before && after ? [...items].filter(([, v]) => Math.abs(v.is - v.was) >= 0.005).map(([item, v]) => ({ name, item, ...v })) : [];
  });
  if (changed.length > 0) {
    lines.push('', '| environment | item | before | after | change |', '|---|---|---:|---:|---:|');
    changed.sort((a, b) => Math.abs(b.is - b.was) - Math.abs(a.is - a.was));
    for (const c of changed.slice(0, MAX_CHANGED_ITEMS)) lines.push(`| ${c.name} | \`${c.item}\` | ${formatUsd(c.was)} | ${formatUsd(c.is)} | ${signed(c.is - c.was)} |`);
    if (changed.length > MAX_CHANGED_ITEMS) lines.push(`| | … and ${changed.length - MAX_CHANGED_ITEMS} more | | | |`);
  }

  const notes: string[] = [];
  if (!before) notes.push('no estimate of the base branch (it predates `npm run cost`, or its estimate failed)');
  if (!after) notes.push('no estimate of this change: see the `cost` job');
  const assumptions = (after ?? before)!.assumptions;
  notes.push(
    `USD per month at ${assumptions.callsPerDay.toLocaleString('en-US')} calls per client per day from ${assumptions.instancesPerClient} instances per client, free tiers ${(after ?? before)!.freeTierApplied ? 'applied' : 'not applied'}; \`npm run cost -- <env>\` shows every item and its quantity`,
  );
  for (const warning of new Set((after ?? before)!.environments.flatMap((e) => e.warnings ?? []))) notes.push(`⚠️ ${warning}`);
  lines.push('', ...notes.map((note) => `_${note}_`));
  return lines;
}

function usd(value: number | undefined): string {
  return value === undefined ? '—' : `${formatUsd(value)} USD`;
}

function signed(value: number): string {
  if (Math.abs(value) < 0.005) return '±0.00';
  return `${value > 0 ? '+' : '−'}${formatUsd(Math.abs(value))}`;
}
