/** The parts of a synthesized stack (`TerraformStack.toTerraform()`) that the deployer policy reads. */
export interface TerraformConfig {
  readonly resource?: Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, unknown>>>>>>;
  readonly data?: Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, unknown>>>>>>;
}

/** `${aws_iam_role.authorizer_role.arn}` -> `['aws_iam_role', 'authorizer_role', 'arn']` */
const REFERENCE = /^\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z0-9_]+)\}$/;

/**
 * A read-only view of a synthesized stack: which Terraform types it holds, and the literal values of
 * its arguments (a value that is a reference or an expression is not literal).
 */
export class SynthesizedStack {
  constructor(private readonly tf: TerraformConfig) {}

  /**
   * Every resource type, and every data source type as `data.<type>`, sorted.
   *
   * @example
   * stack.types(); // ['aws_cognito_user_pool', ..., 'data.aws_iam_policy_document', 'terraform_data']
   */
  types(): string[] {
    return [...Object.keys(this.tf.resource ?? {}), ...Object.keys(this.tf.data ?? {}).map((type) => `data.${type}`)].sort();
  }

  /** The blocks of every resource of `type`. */
  resources(type: string): ReadonlyArray<Readonly<Record<string, unknown>>> {
    return Object.values(this.tf.resource?.[type] ?? {});
  }

  /** The value of `attribute` of every resource of `type` that sets it to a literal string (no `${...}`). */
  literals(type: string, attribute: string): string[] {
    return this.resources(type)
      .map((block) => block[attribute])
      .filter((value): value is string => typeof value === 'string' && !value.includes('${'));
  }

  /** The values of `attribute` of every resource of `type`, literal or not. */
  values(type: string, attribute: string): unknown[] {
    return this.resources(type)
      .map((block) => block[attribute])
      .filter((value) => value !== undefined);
  }

  /**
   * The block a whole-value reference such as `${aws_iam_role.authorizer_role.arn}` points at, with
   * its type; `undefined` for anything else.
   */
  referenced(value: unknown): { type: string; block: Readonly<Record<string, unknown>> } | undefined {
    const match = typeof value === 'string' ? REFERENCE.exec(value) : null;
    if (!match) return undefined;
    const block = this.tf.resource?.[match[1]]?.[match[2]];
    return block ? { type: match[1], block } : undefined;
  }
}
