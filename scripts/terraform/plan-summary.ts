/**
 * What a plan would do, read from `terraform show -json <planfile>`: Terraform's own counts (a
 * replacement is one add and one destroy) plus one entry per resource change. `npm run validate`
 * prints it; the plan guard (#11) and the cost estimate (#15) read the same {@link PlanSummary}.
 */

/** One resource's planned change, reduced from Terraform's `actions` list. */
export type ChangeKind = 'create' | 'update' | 'delete' | 'replace' | 'forget' | 'read' | 'no-op';

/** One entry of the plan's `resource_changes`. */
export interface PlannedChange {
  /** `aws_cognito_user_pool.identity_user_pool`, with an index for count/for_each instances. */
  readonly address: string;
  readonly type: string;
  readonly mode: 'managed' | 'data';
  readonly kind: ChangeKind;
  /** Terraform's own list: `["delete","create"]` (destroy first) or `["create","delete"]` (create first). */
  readonly actions: readonly string[];
  /** The change imports an existing object (`import` blocks). */
  readonly importing: boolean;
  /**
   * Terraform's `action_reason`, e.g. `replace_because_cannot_update`, `delete_because_no_resource_config`.
   * @default - Terraform gave none (a plain create, update, or `plan -destroy`)
   */
  readonly actionReason?: string;
  /**
   * Terraform's `change.replace_paths`: the attributes that force a replacement, e.g. `[["user_pool_id"]]`.
   * @default - none (not a replacement, or one Terraform was asked for)
   */
  readonly replacePaths?: ReadonlyArray<ReadonlyArray<string | number>>;
}

/** Counts in the terms of Terraform's `Plan:` line, over managed resources only. */
export interface PlanSummary {
  /** Creates plus replacements. */
  readonly add: number;
  /** In-place updates. */
  readonly change: number;
  /** Deletes plus replacements. */
  readonly destroy: number;
  /** Replacements (each also counted once in `add` and once in `destroy`). */
  readonly replace: number;
  readonly import: number;
  readonly forget: number;
  /** Every resource change, data-source reads and no-ops included, in plan order. */
  readonly changes: readonly PlannedChange[];
}

/** The input is not the JSON of `terraform show -json <planfile>`. */
export class PlanFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlanFormatError';
  }
}

const KINDS: Record<string, ChangeKind> = {
  create: 'create',
  update: 'update',
  delete: 'delete',
  'delete,create': 'replace',
  'create,delete': 'replace',
  forget: 'forget',
  read: 'read',
  'no-op': 'no-op',
};

/**
 * The change kind of Terraform's `actions` list. Throws {@link PlanFormatError} on a combination
 * Terraform does not document, so that a reader never miscounts silently.
 *
 * @example
 * changeKind(['create', 'delete']); // 'replace'
 */
export function changeKind(actions: readonly string[], address = '(resource)'): ChangeKind {
  const kind = KINDS[actions.join(',')];
  if (!kind) throw new PlanFormatError(`${address}: unknown actions ${JSON.stringify(actions)}`);
  return kind;
}

/**
 * Summarizes the parsed output of `terraform show -json <planfile>`.
 *
 * @example
 * const summary = summarizePlan(JSON.parse(fs.readFileSync('dev.plan.json', 'utf8')));
 * formatPlanCounts(summary); // '75 to add, 0 to change, 0 to destroy'
 */
export function summarizePlan(plan: unknown): PlanSummary {
  if (typeof plan !== 'object' || plan === null || typeof (plan as { format_version?: unknown }).format_version !== 'string') {
    throw new PlanFormatError('not a plan: expected the JSON of `terraform show -json <planfile>` (an object with format_version)');
  }
  const raw = (plan as { resource_changes?: unknown }).resource_changes ?? [];
  if (!Array.isArray(raw)) throw new PlanFormatError('resource_changes: must be a list');
  const changes = raw.map((entry: unknown, i): PlannedChange => {
    const rc = entry as { address?: unknown; type?: unknown; mode?: unknown; action_reason?: unknown; change?: { actions?: unknown; importing?: unknown; replace_paths?: unknown } };
    const actions = rc.change?.actions;
    if (typeof rc.address !== 'string' || typeof rc.type !== 'string' || !Array.isArray(actions) || !actions.every((a) => typeof a === 'string')) {
      throw new PlanFormatError(`resource_changes[${i}]: needs address, type and change.actions (a list of strings)`);
    }
    const mode = rc.mode === 'data' ? 'data' : 'managed';
    const change: PlannedChange = { address: rc.address, type: rc.type, mode, kind: changeKind(actions, rc.address), actions, importing: rc.change?.importing != null };
    const replacePaths = rc.change?.replace_paths;
    return {
      ...change,
      ...(typeof rc.action_reason === 'string' ? { actionReason: rc.action_reason } : {}),
      ...(Array.isArray(replacePaths) && replacePaths.every(isPath) ? { replacePaths } : {}),
    };
  });
  const managed = changes.filter((c) => c.mode === 'managed');
  const count = (kind: ChangeKind) => managed.filter((c) => c.kind === kind).length;
  const replace = count('replace');
  return {
    add: count('create') + replace,
    change: count('update'),
    destroy: count('delete') + replace,
    replace,
    import: managed.filter((c) => c.importing).length,
    forget: count('forget'),
    changes,
  };
}

/** A `replace_paths` entry: attribute names and list indexes. */
function isPath(value: unknown): value is Array<string | number> {
  return Array.isArray(value) && value.every((step) => typeof step === 'string' || typeof step === 'number');
}

/**
 * `75 to add, 0 to change, 0 to destroy`, the way Terraform's `Plan:` line counts, with
 * `(2 replaced)`, imports and forgets added only when there are any.
 *
 * @example
 * formatPlanCounts(summarizePlan(plan)); // '1 to add, 0 to change, 1 to destroy (1 replaced)'
 */
export function formatPlanCounts(summary: Omit<PlanSummary, 'changes'>): string {
  const parts = [`${summary.add} to add`, `${summary.change} to change`, `${summary.destroy} to destroy`];
  if (summary.import > 0) parts.unshift(`${summary.import} to import`);
  if (summary.forget > 0) parts.push(`${summary.forget} to forget`);
  return `${parts.join(', ')}${summary.replace > 0 ? ` (${summary.replace} replaced)` : ''}`;
}
