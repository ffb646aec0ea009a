/**
 * How the plan guard's result reads: one line per finding and a verdict line for the terminal and
 * the job log, and the same as markdown for the pull-request comment and the job summary.
 */
import { formatPlanCounts } from '../terraform/plan-summary';
import { DEFAULT_ALLOW_LIST } from './allow-list';
import { ALLOW_LABEL, type DestructiveChange, type Finding, type GuardResult } from './plan-guard';

const STATUS_WORD: Record<Finding['status'], string> = {
  blocked: 'BLOCKED',
  'allowed-by-list': 'ALLOWED BY LIST',
  'allowed-by-label': 'ALLOWED BY LABEL',
};

/** Terraform's action reasons, in words. */
const REASONS: Record<string, string> = {
  replace_because_tainted: 'it is tainted (a failed create, or terraform taint)',
  replace_by_request: 'a -replace option asked for it',
  replace_by_triggers: 'its replace_triggered_by fired',
  delete_because_no_resource_config: 'it is no longer in the configuration',
  delete_because_wrong_repetition: 'its count or for_each changed',
  delete_because_count_index: 'its count index is gone',
  delete_because_each_key: 'its for_each key is gone',
  delete_because_no_module: 'its module is gone',
  delete_because_no_move_target: 'it was moved to an address that does not exist',
};

/**
 * Why Terraform deletes or replaces it, in words, with Terraform's own terms in brackets.
 *
 * @example
 * whyTerraform({ action: 'replace', actionReason: 'replace_because_cannot_update', replacePaths: [['username_attributes']], ... });
 * // 'username_attributes cannot be updated in place [replace_because_cannot_update]'
 */
export function whyTerraform(change: Pick<DestructiveChange, 'action' | 'actionReason' | 'replacePaths'>): string {
  const paths = (change.replacePaths ?? []).map(formatPath);
  let words: string;
  if (change.actionReason === 'replace_because_cannot_update' || (change.actionReason === undefined && paths.length > 0)) {
    words = paths.length > 0 ? `${paths.join(', ')} cannot be updated in place` : 'an attribute cannot be updated in place';
  } else if (change.actionReason !== undefined) {
    words = REASONS[change.actionReason] ?? change.actionReason;
  } else {
    words = change.action === 'delete' ? 'a destroy plan (terraform plan -destroy, cdktf destroy) destroys everything' : 'Terraform gave no reason';
  }
  const terms = [change.actionReason, change.actionReason !== 'replace_because_cannot_update' && paths.length > 0 ? `replace_paths ${paths.join(', ')}` : undefined].filter(Boolean);
  return terms.length > 0 ? `${words} [${terms.join('; ')}]` : words;
}

/** `token_validity_units[0].access_token`, the way Terraform writes a path. */
function formatPath(path: ReadonlyArray<string | number>): string {
  return path.map((step, i) => (typeof step === 'number' ? `[${step}]` : i === 0 ? step : `.${step}`)).join('');
}

/**
 * `BLOCKED replace aws_cognito_user_pool.identity_user_pool (aws_cognito_user_pool): username_attributes cannot be updated in place [replace_because_cannot_update]`,
 * with the allow-list entry's reason for an allowed one.
 */
export function findingLine(finding: Finding): string {
  const base = `${STATUS_WORD[finding.status]} ${finding.action} ${finding.address} (${finding.type}): ${whyTerraform(finding)}`;
  if (finding.allowedBy) return `${base}; allowed: "${finding.allowedBy.reason}"${finding.allowedBy.expires ? ` (until ${finding.allowedBy.expires})` : ''}`;
  return base;
}

/** `12 to add, 1 to change, 0 to destroy`, plus replacements, imports and forgets when there are any (Terraform's `Plan:` line). */
export function countsText(result: Pick<GuardResult, 'counts'>): string {
  return formatPlanCounts(result.counts);
}

/**
 * The verdict line:
 * `plan-guard: BLOCKED (2 protected resources would be replaced or destroyed)` or
 * `plan-guard: ok (12 to add, 1 to change, 0 to destroy; nothing protected is replaced or destroyed)`.
 */
export function verdictLine(result: GuardResult): string {
  const blocked = result.findings.filter((f) => f.status === 'blocked').length;
  if (result.verdict === 'blocked') return `plan-guard: BLOCKED (${plural(blocked, 'protected resource')} would be replaced or destroyed)`;
  if (result.verdict === 'ok') return `plan-guard: ok (${countsText(result)}; nothing protected is replaced or destroyed)`;
  const byList = result.findings.filter((f) => f.status === 'allowed-by-list').length;
  const byLabel = result.findings.length - byList;
  const how = [byList > 0 ? `${byList} by ${result.allowListSource ?? 'the allow-list'}` : '', byLabel > 0 ? `${byLabel} by the label ${ALLOW_LABEL}` : ''].filter(Boolean).join(', ');
  return `plan-guard: ok (${countsText(result)}; ${plural(result.findings.length, 'protected resource')} replaced or destroyed, allowed: ${how})`;
}

/** The warnings: stale and expired allow-list entries, and the result's own warnings. */
export function warningLines(result: GuardResult): string[] {
  const source = result.allowListSource ?? 'the allow-list';
  return [
    ...result.stale.map((e) => `warning: ${source}: ${e.environment} ${e.address} matches nothing in this plan (stale): remove the entry once its change is deployed`),
    ...result.expired.map((e) => `warning: ${source}: ${e.environment} ${e.address} expired on ${e.expires}: ignored; renew it with a new date or remove it`),
    ...result.warnings.map((w) => `warning: ${w}`),
  ];
}

/**
 * Everything the guard prints: one line per finding, the warnings, the verdict line, and for a
 * blocked plan the two ways to proceed on purpose.
 *
 * @example
 * textReport(guardPlan(plan)).forEach((line) => console.log(line));
 */
export function textReport(result: GuardResult): string[] {
  const lines = [...result.findings.map(findingLine), ...warningLines(result), verdictLine(result)];
  if (result.verdict === 'blocked') lines.push(overrideHint(result));
  return lines;
}

function overrideHint(result: GuardResult): string {
  const environment = result.environment ?? '<environment>';
  return `plan-guard: if this is meant, add { "environment": "${environment}", "address": "<address>", "reason": "<why>" } to ${result.allowListSource ?? DEFAULT_ALLOW_LIST} for each, or label the pull request ${ALLOW_LABEL}`;
}

/**
 * The guard's result as markdown: the verdict, a table of the protected resources (status, action,
 * why Terraform does it, what it costs), then the warnings.
 *
 * @example
 * fs.writeFileSync(process.env.GITHUB_STEP_SUMMARY!, markdownReport(result));
 */
export function markdownReport(result: GuardResult): string {
  const lines: string[] = [`**${escapeMarkdown(verdictLine(result))}**`];
  if (result.findings.length > 0) {
    lines.push('', '| guard | action | resource | why Terraform does it | what it costs |', '|---|---|---|---|---|');
    for (const f of result.findings) {
      const allowed = f.allowedBy ? `<br>allowed: ${escapeMarkdown(f.allowedBy.reason)}${f.allowedBy.expires ? ` (until ${f.allowedBy.expires})` : ''}` : '';
      lines.push(`| ${STATUS_WORD[f.status]} | ${f.action} | ${code(f.address)} | ${escapeMarkdown(whyTerraform(f))} | ${escapeMarkdown(f.protection)}${allowed} |`);
    }
  }
  const warnings = warningLines(result);
  if (warnings.length > 0) lines.push('', ...warnings.map((w) => `- ${escapeMarkdown(w)}`));
  if (result.verdict === 'blocked') {
    const entry = `{ "environment": "${result.environment ?? '<environment>'}", "address": "<address>", "reason": "<why>" }`;
    lines.push('', `If this is meant: add ${code(entry)} to ${code(result.allowListSource ?? DEFAULT_ALLOW_LIST)} for each resource, or label the pull request ${code(ALLOW_LABEL)}.`);
  }
  return `${lines.join('\n')}\n`;
}

/** Text safe inside a markdown table cell and outside code: pipes, angle brackets and markup escaped. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]<>|#]/g, (c) => `\\${c}`).replace(/\n/g, ' ');
}

/** An inline code span that survives any backticks inside it, safe in a table cell. */
export function code(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const body = text.replace(/\|/g, '\\|');
  return `${fence}${body.startsWith('`') || body.endsWith('`') ? ` ${body} ` : body}${fence}`;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
