/**
 * The plan guard's decision: which protected resources (protected-resources.ts) a plan would
 * delete or replace, and whether the allow-list or the pull request's label lets each through.
 * It reads the JSON of `terraform show -json <planfile>` through plan-summary.ts. The verdict and
 * its lines are in guard-report.ts; the command line in plan-guard-cli.ts.
 */
import { type PlannedChange, type PlanSummary, summarizePlan } from '../terraform/plan-summary';
import { type AllowEntry, type AllowList, isExpired } from './allow-list';
import { isProtected, PROTECTED_RESOURCE_TYPES } from './protected-resources';

/** The label a pull request carries when its destructive plan is meant (the workflow passes `--allow-label`). */
export const ALLOW_LABEL = 'allow-destructive-plan';

/** A managed resource the plan deletes or replaces, protected or not. */
export interface DestructiveChange {
  readonly address: string;
  readonly type: string;
  readonly action: 'delete' | 'replace';
  /** Terraform's `action_reason`, when it gave one. */
  readonly actionReason?: string;
  /** Terraform's `replace_paths`: the attributes that force the replacement. */
  readonly replacePaths?: ReadonlyArray<ReadonlyArray<string | number>>;
  readonly protected: boolean;
}

/** What the guard decided about one protected resource. */
export type FindingStatus = 'blocked' | 'allowed-by-list' | 'allowed-by-label';

/** A protected resource the plan deletes or replaces. */
export interface Finding extends DestructiveChange {
  readonly protected: true;
  /** Why the type is protected (PROTECTED_RESOURCE_TYPES). */
  readonly protection: string;
  readonly status: FindingStatus;
  /** The allow-list entry that let it through. */
  readonly allowedBy?: AllowEntry;
}

/**
 * The guard's result: also what `--result` writes and pr-comment reads, so it carries the plan's
 * counts and every destructive change, and nothing else of the plan (the plan JSON holds secrets).
 */
export interface GuardResult {
  /** `ok`: nothing protected is replaced or destroyed; `allowed`: some are, each allowed; `blocked`: at least one is not allowed. */
  readonly verdict: 'ok' | 'allowed' | 'blocked';
  /** The environment the allow-list was matched against, when known. */
  readonly environment?: string;
  readonly counts: Omit<PlanSummary, 'changes'>;
  /** Protected resources deleted or replaced, in plan order. */
  readonly findings: readonly Finding[];
  /** Every managed resource deleted or replaced, protected or not, in plan order. */
  readonly destructive: readonly DestructiveChange[];
  /** This environment's allow-list entries that matched nothing in the plan. */
  readonly stale: readonly AllowEntry[];
  /** This environment's allow-list entries past their `expires` date, ignored. */
  readonly expired: readonly AllowEntry[];
  /** Other things the reviewer should know (no environment to match entries against, ...). */
  readonly warnings: readonly string[];
  /** Where the allow-list came from, e.g. `config/plan-guard-allow.json`. */
  readonly allowListSource?: string;
  /** The run passed `--allow-label`. */
  readonly allowLabel: boolean;
}

/** Options of {@link guardPlan}. */
export interface GuardOptions {
  /**
   * The environment whose allow-list entries apply.
   * @default - the plan's own: the `Environment` default tag of its AWS provider
   */
  readonly environment?: string;
  /** @default - no allow-list */
  readonly allowList?: AllowList;
  /**
   * The pull request carries {@link ALLOW_LABEL}: protected changes are allowed, and printed as such.
   * @default false
   */
  readonly allowLabel?: boolean;
  /**
   * The time expiry dates are compared with.
   * @default new Date()
   */
  readonly now?: Date;
}

/** `--environment` contradicts the plan's own environment. */
export class EnvironmentMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnvironmentMismatchError';
  }
}

/**
 * Decides on the parsed output of `terraform show -json <planfile>`. Throws `PlanFormatError`
 * (plan-summary.ts) when it is not a plan, {@link EnvironmentMismatchError} when `environment`
 * contradicts the plan's `Environment` tag.
 *
 * @example
 * const result = guardPlan(JSON.parse(fs.readFileSync('plan.json', 'utf8')), { allowList });
 * if (result.verdict === 'blocked') process.exitCode = 1;
 */
export function guardPlan(plan: unknown, options: GuardOptions = {}): GuardResult {
  const summary = summarizePlan(plan);
  const tagged = planEnvironment(plan);
  if (options.environment !== undefined && tagged !== undefined && options.environment !== tagged) {
    throw new EnvironmentMismatchError(`--environment ${options.environment}: the plan is of ${tagged} (its provider's Environment tag); guard each plan with its own environment`);
  }
  const environment = options.environment ?? tagged;
  const now = options.now ?? new Date();
  const warnings: string[] = [];

  const entries = environment === undefined ? [] : (options.allowList?.entries ?? []).filter((e) => e.environment === environment);
  if (environment === undefined && (options.allowList?.entries.length ?? 0) > 0) {
    warnings.push(`the plan names no environment (no Environment tag on its AWS provider): ${options.allowList!.source} is not applied; pass --environment`);
  }
  const expired = entries.filter((e) => isExpired(e, now));
  const live = entries.filter((e) => !isExpired(e, now));

  const destructive = summary.changes.filter(isDestructive).map(toDestructive);
  const findings = destructive
    .filter((change) => change.protected)
    .map((change): Finding => {
      const entry = live.find((e) => e.address === change.address);
      const base = { ...change, protected: true as const, protection: PROTECTED_RESOURCE_TYPES[change.type] };
      if (entry) return { ...base, status: 'allowed-by-list', allowedBy: entry };
      return { ...base, status: options.allowLabel ? 'allowed-by-label' : 'blocked' };
    });
  const matched = new Set(findings.map((f) => f.address));
  const stale = live.filter((e) => !matched.has(e.address));
  const verdict = findings.some((f) => f.status === 'blocked') ? 'blocked' : findings.length > 0 ? 'allowed' : 'ok';

  const { changes: _changes, ...counts } = summary;
  return {
    verdict,
    ...(environment !== undefined ? { environment } : {}),
    counts,
    findings,
    destructive,
    stale,
    expired,
    warnings,
    ...(options.allowList ? { allowListSource: options.allowList.source } : {}),
    allowLabel: options.allowLabel === true,
  };
}

/**
 * The environment a plan belongs to: the `Environment` default tag of its AWS provider, which every
 * environment stack of this app sets. Undefined for other plans (state-bootstrap has none).
 *
 * @example
 * planEnvironment(plan); // 'dev'
 */
export function planEnvironment(plan: unknown): string | undefined {
  const providers = (plan as { configuration?: { provider_config?: Record<string, { full_name?: string; name?: string; expressions?: { default_tags?: unknown } }> } })?.configuration?.provider_config ?? {};
  for (const provider of Object.values(providers)) {
    if (provider.name !== 'aws' && !provider.full_name?.endsWith('/aws')) continue;
    const blocks = provider.expressions?.default_tags;
    const first = Array.isArray(blocks) ? (blocks[0] as { tags?: { constant_value?: Record<string, unknown> } } | undefined) : undefined;
    const environment = first?.tags?.constant_value?.Environment;
    if (typeof environment === 'string' && environment !== '') return environment;
  }
  return undefined;
}

function isDestructive(change: PlannedChange): boolean {
  return change.mode === 'managed' && (change.kind === 'delete' || change.kind === 'replace');
}

function toDestructive(change: PlannedChange): DestructiveChange {
  return {
    address: change.address,
    type: change.type,
    action: change.kind === 'replace' ? 'replace' : 'delete',
    ...(change.actionReason !== undefined ? { actionReason: change.actionReason } : {}),
    ...(change.replacePaths !== undefined && change.replacePaths.length > 0 ? { replacePaths: change.replacePaths } : {}),
    protected: isProtected(change.type, change.address),
  };
}
