/**
 * A prior state written by hand, so that an offline `terraform plan -refresh=false` becomes an
 * update / replace / delete plan: "what does this change do to a deployed stack".
 *
 * From the plan of an offline stack (`terraform show -json`, all creates), {@link buildPriorState}
 * writes a Terraform state (format 4) in which every planned resource exists with its planned
 * values. What the plan could not know (ids, ARNs, secrets, attributes built from them) is filled
 * in so that a second plan of the same configuration changes nothing:
 *
 * - an unknown attribute that the configuration sets (`"${aws_iam_role.x.arn}"`, an interpolation,
 *   `jsonencode(...)`) is evaluated against the values already written, so that references agree;
 * - a computed attribute gets a plausible fake by its type and name (`fake-<hash>` ids, ARNs in the
 *   provider's region, numbers 0, empty collections, fake secrets);
 * - an `aws_iam_policy_document` read at apply time gets its policy JSON rendered from its statements.
 *
 * The other functions run terraform for it: {@link readProviderSchemas} (attribute types, needed
 * for the fakes) and {@link planAgainstState}; {@link editInstance} changes a state the way drift or
 * a rotation would.
 */
import { createHash, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { evaluateJsonConfig, type Json, type ReferenceScope, UnsupportedExpressionError } from './hcl-template';
import { PLACEHOLDER_ACCOUNT_ID } from './offline-copy';
import { runTerraform, type TerraformRun } from './run';

export type { Json } from './hcl-template';

// ---------------------------------------------------------------------------------------------
// The JSON this module reads and writes
// ---------------------------------------------------------------------------------------------

/** The parts of `terraform show -json <planfile>` that the prior state is built from. */
export interface PlanJson {
  readonly format_version: string;
  readonly terraform_version: string;
  readonly planned_values?: {
    readonly outputs?: Record<string, { readonly sensitive: boolean; readonly value?: Json; readonly type?: Json }>;
    readonly root_module: PlanModule;
  };
  readonly resource_changes?: readonly ResourceChange[];
  readonly output_changes?: Record<string, { readonly actions: readonly string[]; readonly after?: Json; readonly after_unknown?: Json; readonly after_sensitive?: Json }>;
  readonly prior_state?: { readonly values?: { readonly root_module?: PlanModule } };
  readonly configuration?: {
    readonly provider_config?: Record<string, { readonly name: string; readonly full_name?: string; readonly alias?: string; readonly expressions?: Record<string, unknown> }>;
    readonly root_module: ConfigModule;
  };
}

/** A module of `planned_values` or `prior_state.values`. */
export interface PlanModule {
  readonly resources?: readonly PlannedResource[];
  readonly child_modules?: readonly PlanModule[];
}

/** One resource instance of `planned_values` or `prior_state.values`. */
export interface PlannedResource {
  readonly address: string;
  readonly mode: 'managed' | 'data';
  readonly type: string;
  readonly name: string;
  readonly index?: number | string;
  readonly provider_name: string;
  readonly schema_version?: number;
  readonly values: Record<string, Json>;
  readonly sensitive_values?: Json;
}

/** One entry of `resource_changes`. */
export interface ResourceChange {
  readonly address: string;
  readonly module_address?: string;
  readonly mode: 'managed' | 'data';
  readonly type: string;
  readonly name: string;
  readonly index?: number | string;
  readonly provider_name: string;
  readonly change: {
    readonly actions: readonly string[];
    readonly before?: Json;
    readonly after?: Json;
    readonly after_unknown?: Json;
    readonly before_sensitive?: Json;
    readonly after_sensitive?: Json;
    readonly replace_paths?: Json;
  };
  readonly action_reason?: string;
}

/** An expression in `configuration`: a JSON configuration's value is its `constant_value`. */
export interface ConfigExpression {
  readonly constant_value?: Json;
  readonly references?: readonly string[];
}

/** A resource block of `configuration.root_module`. */
export interface ConfigResource {
  readonly address: string;
  readonly mode: 'managed' | 'data';
  readonly type: string;
  readonly name: string;
  readonly provider_config_key?: string;
  /** Attribute name to expression; nested block name to a list (or one object) of the same. */
  readonly expressions?: Record<string, unknown>;
  readonly schema_version?: number;
  readonly depends_on?: readonly string[];
}

/** `configuration.root_module`. */
export interface ConfigModule {
  readonly resources?: readonly ConfigResource[];
  readonly outputs?: Record<string, { readonly expression?: ConfigExpression; readonly sensitive?: boolean }>;
  readonly module_calls?: Record<string, unknown>;
}

/** A cty type as Terraform writes it in JSON: `"string"`, `["list","string"]`, `["object",{...}]`. */
export type CtyType = string | [string, CtyType] | ['object', Record<string, CtyType>] | ['object', Record<string, CtyType>, string[]] | ['tuple', CtyType[]];

/** A block of `terraform providers schema -json`. */
export interface SchemaBlock {
  readonly attributes?: Record<string, SchemaAttribute>;
  readonly block_types?: Record<string, { readonly nesting_mode: 'single' | 'group' | 'list' | 'set' | 'map'; readonly block: SchemaBlock }>;
}

/** An attribute of `terraform providers schema -json`: a `type`, or a `nested_type` (framework providers). */
export interface SchemaAttribute {
  readonly type?: CtyType;
  readonly nested_type?: { readonly attributes: Record<string, SchemaAttribute>; readonly nesting_mode: 'single' | 'list' | 'set' | 'map' };
  readonly sensitive?: boolean;
  readonly computed?: boolean;
  readonly optional?: boolean;
}

/** What this module reads of `terraform providers schema -json`. */
export interface ProviderSchemas {
  readonly provider_schemas: Record<
    string,
    {
      readonly resource_schemas?: Record<string, { readonly version: number; readonly block: SchemaBlock }>;
      readonly data_source_schemas?: Record<string, { readonly version: number; readonly block: SchemaBlock }>;
    }
  >;
}

/** A step of a path in `sensitive_attributes`, as Terraform writes it. */
export type StatePathStep = { readonly type: 'get_attr'; readonly value: string } | { readonly type: 'index'; readonly value: { readonly value: string | number; readonly type: 'string' | 'number' } };

/** One instance in a state file. */
export interface StateInstance {
  index_key?: number | string;
  schema_version: number;
  attributes: Record<string, Json>;
  sensitive_attributes: StatePathStep[][];
  dependencies?: string[];
}

/** One resource in a state file. */
export interface StateResource {
  mode: 'managed' | 'data';
  type: string;
  name: string;
  /** `provider["registry.terraform.io/hashicorp/aws"]`, with `.<alias>` for an aliased provider. */
  provider: string;
  instances: StateInstance[];
}

/** A Terraform state file, format version 4. */
export interface TerraformState {
  version: 4;
  terraform_version: string;
  serial: number;
  lineage: string;
  outputs: Record<string, { value: Json; type: Json; sensitive?: boolean }>;
  resources: StateResource[];
  check_results: null;
}

/** Options of {@link buildPriorState}. */
export interface PriorStateOptions {
  /**
   * Written as the state's `terraform_version`.
   * @default - the plan's `terraform_version` (the terraform that planned it)
   */
  readonly terraformVersion?: string;
  /** @default - a random UUID */
  readonly lineage?: string;
  /**
   * The account in fake ARNs.
   * @default PLACEHOLDER_ACCOUNT_ID (123456789012, the offline copy's)
   */
  readonly accountId?: string;
  /**
   * The region in fake ARNs.
   * @default - the `region` of the resource's provider block, else us-east-1
   */
  readonly region?: string;
  /** @default 'aws' */
  readonly partition?: string;
}

/** The state, and where it had to guess although the configuration says what the value is. */
export interface PriorState {
  readonly state: TerraformState;
  /**
   * `<address>.<path>: <why>` for each attribute that the configuration sets with an expression this
   * module cannot evaluate (a conditional, an operator, an unsupported function), which got a fake
   * instead; a plan against the state may show a change there. Empty for this app's stacks.
   */
  readonly approximations: readonly string[];
}

/** The plan cannot be turned into a state (a child module, a missing schema, a reference cycle). */
export class PriorStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PriorStateError';
  }
}

// ---------------------------------------------------------------------------------------------
// Types of values: the schema's, walked along a path
// ---------------------------------------------------------------------------------------------

/** A value's type, from the provider schema: what a fake must look like, and where dynamic values are. */
export type Shape =
  | { readonly kind: 'string' | 'number' | 'bool' | 'dynamic'; readonly sensitive?: boolean; readonly optional?: boolean; readonly computed?: boolean }
  | { readonly kind: 'list' | 'set' | 'map'; readonly element: Shape; readonly sensitive?: boolean; readonly computed?: boolean }
  | { readonly kind: 'object'; readonly attributes: Record<string, Shape>; readonly sensitive?: boolean; readonly computed?: boolean; readonly block?: boolean }
  | { readonly kind: 'tuple'; readonly elements: readonly Shape[]; readonly sensitive?: boolean; readonly computed?: boolean };

/**
 * The shape of a cty type written as JSON.
 *
 * @example
 * shapeOfType(['list', 'string']); // { kind: 'list', element: { kind: 'string' } }
 */
export function shapeOfType(type: CtyType, sensitive = false): Shape {
  if (typeof type === 'string') {
    if (type === 'string' || type === 'number' || type === 'bool' || type === 'dynamic') return { kind: type, sensitive };
    throw new PriorStateError(`unknown type ${JSON.stringify(type)} in the provider schema`);
  }
  const [kind, inner] = type;
  if (kind === 'list' || kind === 'set' || kind === 'map') return { kind, element: shapeOfType(inner as CtyType), sensitive };
  if (kind === 'object') return { kind, attributes: Object.fromEntries(Object.entries(inner as Record<string, CtyType>).map(([k, t]) => [k, shapeOfType(t)])), sensitive };
  if (kind === 'tuple') return { kind, elements: (inner as CtyType[]).map((t) => shapeOfType(t)), sensitive };
  throw new PriorStateError(`unknown type ${JSON.stringify(type)} in the provider schema`);
}

/**
 * The shape of a schema block: an object of its attributes and nested blocks (lists, sets or maps of
 * objects, or one object).
 */
export function shapeOfBlock(block: SchemaBlock): Shape & { kind: 'object' } {
  const attributes: Record<string, Shape> = {};
  for (const [name, attribute] of Object.entries(block.attributes ?? {})) attributes[name] = shapeOfAttribute(attribute);
  for (const [name, nested] of Object.entries(block.block_types ?? {})) {
    const element = shapeOfBlock(nested.block);
    attributes[name] = nested.nesting_mode === 'single' || nested.nesting_mode === 'group' ? element : { kind: nested.nesting_mode, element };
  }
  return { kind: 'object', attributes, block: true };
}

function shapeOfAttribute(attribute: SchemaAttribute): Shape {
  const sensitive = attribute.sensitive === true;
  const flags = { ...(attribute.computed ? { computed: true } : {}), ...(attribute.optional ? { optional: true } : {}) };
  if (attribute.type !== undefined) {
    const shape = shapeOfType(attribute.type, sensitive);
    return shape.kind === 'string' ? { ...shape, ...flags } : { ...shape, ...(attribute.computed ? { computed: true } : {}) };
  }
  if (attribute.nested_type) {
    const element: Shape = { kind: 'object', attributes: Object.fromEntries(Object.entries(attribute.nested_type.attributes).map(([k, a]) => [k, shapeOfAttribute(a)])), sensitive };
    const computed = attribute.computed ? { computed: true } : {};
    return attribute.nested_type.nesting_mode === 'single' ? { ...element, ...computed } : { kind: attribute.nested_type.nesting_mode, element, sensitive, ...computed };
  }
  throw new PriorStateError('a schema attribute has neither type nor nested_type');
}

/** True for a nested block, or a list, set or map of them (as opposed to an attribute). */
function isBlock(shape: Shape): boolean {
  if (shape.kind === 'object') return shape.block === true;
  return (shape.kind === 'list' || shape.kind === 'set' || shape.kind === 'map') && shape.element.kind === 'object' && shape.element.block === true;
}

/** The shape at `path` inside `shape`, or undefined when the path leaves it. */
function shapeAt(shape: Shape, path: readonly PathStep[]): Shape | undefined {
  let current: Shape | undefined = shape;
  for (const step of path) {
    if (!current) return undefined;
    if (current.kind === 'object') current = typeof step === 'string' ? current.attributes[step] : undefined;
    else if (current.kind === 'list' || current.kind === 'set' || current.kind === 'map') current = current.element;
    else if (current.kind === 'tuple') current = typeof step === 'number' ? current.elements[step] : undefined;
    else if (current.kind === 'dynamic') return current;
    else return undefined;
  }
  return current;
}

// ---------------------------------------------------------------------------------------------
// Fakes
// ---------------------------------------------------------------------------------------------

/** A step of a path into a value: an attribute or map key, or a list index. */
export type PathStep = string | number;

/** Where a fake goes, which decides what it looks like. */
export interface FakeContext {
  /** `aws_cognito_user_pool_client.m2m_clients_billing-batch_client` */
  readonly address: string;
  readonly type: string;
  readonly name: string;
  readonly path: readonly PathStep[];
  readonly region: string;
  readonly accountId: string;
  readonly partition: string;
}

/** The service of an ARN by resource type prefix; otherwise the word after `aws_`. */
const ARN_SERVICES: ReadonlyArray<readonly [string, string]> = [
  ['aws_api_gateway_', 'apigateway'],
  ['aws_apigatewayv2_', 'apigateway'],
  ['aws_cognito_', 'cognito-idp'],
  ['aws_cloudwatch_log_', 'logs'],
  ['aws_cloudwatch_event_', 'events'],
  ['aws_cloudwatch_', 'cloudwatch'],
  ['aws_lambda_', 'lambda'],
  ['aws_secretsmanager_', 'secretsmanager'],
  ['aws_dynamodb_', 'dynamodb'],
];
/** Services whose ARNs have no region. */
const GLOBAL_SERVICES = new Set(['iam', 's3', 'cloudfront', 'route53']);

/** A short stable hash: the same address and path always get the same fake. */
function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

/**
 * A plausible value of type `shape` for an attribute the plan could not know: `fake-<hash>` ids,
 * `arn:<partition>:<service>:<region>:<account>:<type>/<name>` ARNs, ISO dates, `https://` URLs,
 * `fake-secret-<hash>` for sensitive strings, 0, false, empty collections, objects filled in.
 *
 * @example
 * fakeValue({ kind: 'string' }, { address: 'aws_sns_topic.alarms', type: 'aws_sns_topic', name: 'alarms', path: ['arn'], region: 'eu-west-1', accountId: '123456789012', partition: 'aws' });
 * // 'arn:aws:sns:eu-west-1:123456789012:sns_topic/alarms'
 */
export function fakeValue(shape: Shape, context: FakeContext): Json {
  switch (shape.kind) {
    case 'number':
      return 0;
    case 'bool':
      return false;
    case 'dynamic':
      return null;
    case 'list':
    case 'set':
    case 'tuple':
      return [];
    case 'map':
      return {};
    case 'object':
      return Object.fromEntries(Object.entries(shape.attributes).map(([name, attribute]) => [name, fakeValue(attribute, { ...context, path: [...context.path, name] })]));
    case 'string':
      return fakeString(context, shape);
  }
}

/**
 * Strings whose format the provider checks where they are referenced, by `<type>.<attribute>`.
 * A user pool id is `<region>_<alphanumerics>` (aws_cognito_user_group validates it).
 */
const FORMATTED_STRINGS: Record<string, (context: FakeContext, hash: string) => string> = {
  'aws_cognito_user_pool.id': (context, hash) => `${context.region}_Fake${hash.slice(0, 9)}`,
};

function fakeString(context: FakeContext, shape: { readonly sensitive?: boolean; readonly optional?: boolean }): string {
  const attribute = String([...context.path].reverse().find((step) => typeof step === 'string') ?? '');
  const where = context.path.join('.');
  const hash = shortHash(where === 'id' ? context.address : `${context.address}.${where}`);
  const formatted = FORMATTED_STRINGS[`${context.type}.${where}`];
  if (formatted) return formatted(context, hash);
  if (attribute === 'id') return `fake-${hash}`;
  // An optional setting the configuration leaves out: unset, as the provider reads it back when
  // AWS reports nothing, so that checks like "only for FIFO topics" stay quiet.
  if (shape.optional) return '';
  if (shape.sensitive) return `fake-secret-${hash}`;
  if (attribute === 'arn' || attribute.endsWith('_arn')) {
    const service = ARN_SERVICES.find(([prefix]) => context.type.startsWith(prefix))?.[1] ?? context.type.replace(/^aws_/, '').split('_')[0];
    const region = GLOBAL_SERVICES.has(service) ? '' : context.region;
    const account = service === 's3' ? '' : context.accountId;
    const suffix = attribute === 'arn' ? '' : `/${attribute.replace(/_arn$/, '')}`;
    return `arn:${context.partition}:${service}:${region}:${account}:${context.type.replace(/^aws_/, '')}/${context.name}${suffix}`;
  }
  if (/(^|_)(date|time)$/.test(attribute) || attribute === 'last_modified') return '2025-01-01T00:00:00Z';
  if (/(^|_)(url|uri)$/.test(attribute) || attribute.endsWith('endpoint')) return `https://fake-${hash}.example.com`;
  return `fake-${hash}`;
}

// ---------------------------------------------------------------------------------------------
// Values computed by a data source from its arguments
// ---------------------------------------------------------------------------------------------

/**
 * The policy JSON an `aws_iam_policy_document` data source renders from its statements (the
 * attributes of its `json` and `minified_json`), equivalent to the provider's: policy attributes
 * compare policies by meaning, not by text. Throws {@link UnsupportedExpressionError} for source or
 * override documents.
 *
 * @example
 * renderPolicyDocument({ statement: [{ effect: 'Allow', actions: ['logs:PutLogEvents'], resources: ['arn:aws:logs:...:*'] }] });
 */
export function renderPolicyDocument(values: Record<string, Json>, indent = 2): string {
  for (const merged of ['source_policy_documents', 'override_policy_documents', 'source_json', 'override_json']) {
    const value = values[merged];
    if (value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0) && value !== '') {
      throw new UnsupportedExpressionError(`aws_iam_policy_document with ${merged} is not rendered`);
    }
  }
  const oneOrMany = (list: Json): Json => (Array.isArray(list) && list.length === 1 ? list[0] : list);
  const nonEmpty = (list: Json): list is Json[] => Array.isArray(list) && list.length > 0;
  const principals = (list: Json): Json => {
    const entries = (list as Array<Record<string, Json>>).map((p) => [String(p.type), p.identifiers] as const);
    if (entries.length === 1 && entries[0][0] === '*') return '*';
    return Object.fromEntries(entries.map(([type, identifiers]) => [type, oneOrMany(identifiers)]));
  };
  const statements = ((values.statement as Array<Record<string, Json>> | null) ?? []).map((s) => {
    const statement: Record<string, Json> = {};
    if (typeof s.sid === 'string' && s.sid !== '') statement.Sid = s.sid;
    statement.Effect = typeof s.effect === 'string' && s.effect !== '' ? s.effect : 'Allow';
    if (nonEmpty(s.actions)) statement.Action = oneOrMany(s.actions);
    if (nonEmpty(s.not_actions)) statement.NotAction = oneOrMany(s.not_actions);
    if (nonEmpty(s.resources)) statement.Resource = oneOrMany(s.resources);
    if (nonEmpty(s.not_resources)) statement.NotResource = oneOrMany(s.not_resources);
    if (nonEmpty(s.principals)) statement.Principal = principals(s.principals);
    if (nonEmpty(s.not_principals)) statement.NotPrincipal = principals(s.not_principals);
    if (nonEmpty(s.condition)) {
      const condition: Record<string, Record<string, Json>> = {};
      for (const c of s.condition as Array<Record<string, Json>>) (condition[String(c.test)] ??= {})[String(c.variable)] = oneOrMany(c.values);
      statement.Condition = condition;
    }
    return statement;
  });
  const document: Record<string, Json> = { Version: typeof values.version === 'string' && values.version !== '' ? values.version : '2012-10-17' };
  if (typeof values.policy_id === 'string' && values.policy_id !== '') document.Id = values.policy_id;
  document.Statement = statements;
  return JSON.stringify(document, null, indent || undefined);
}

/** Attributes a data source computes from its other attributes, by `<type>.<attribute>`. */
const DERIVED: Record<string, (values: Record<string, Json>) => Json> = {
  'aws_iam_policy_document.json': (values) => renderPolicyDocument(values),
  'aws_iam_policy_document.minified_json': (values) => renderPolicyDocument(values, 0),
};

// ---------------------------------------------------------------------------------------------
// The state
// ---------------------------------------------------------------------------------------------

/** One resource instance to write: where its values come from. */
interface Entry {
  readonly address: string;
  readonly mode: 'managed' | 'data';
  readonly type: string;
  readonly name: string;
  readonly index?: number | string;
  /** `terraform show -json`'s provider_name: `registry.terraform.io/hashicorp/aws`. */
  readonly providerName: string;
  readonly after: Json;
  readonly afterUnknown: Json;
  readonly afterSensitive: Json;
  readonly schemaVersion?: number;
}

/**
 * Builds the state in which every resource of `plan` exists with its planned values (see the
 * module comment for how unknown values are filled in). `schemas` is the output of
 * `terraform providers schema -json` in the same working directory ({@link readProviderSchemas}).
 * Data sources are written too, as `terraform apply` would; outputs get their planned values.
 * Throws {@link PriorStateError} for a plan with child modules, a resource type the schemas do not
 * describe, or a reference cycle.
 *
 * @example
 * const { state } = buildPriorState(plan, await readProviderSchemas(dir, env));
 * fs.writeFileSync(path.join(dir, 'prior.tfstate'), JSON.stringify(state, null, 2));
 */
export function buildPriorState(plan: PlanJson, schemas: ProviderSchemas, options: PriorStateOptions = {}): PriorState {
  return new StateBuilder(plan, schemas, options).build();
}

class StateBuilder {
  private readonly entries = new Map<string, Entry>();
  private readonly configs = new Map<string, ConfigResource>();
  private readonly built = new Map<string, Record<string, Json>>();
  private readonly building: string[] = [];
  private readonly approximations: string[] = [];
  private readonly accountId: string;
  private readonly partition: string;

  constructor(
    private readonly plan: PlanJson,
    private readonly schemas: ProviderSchemas,
    private readonly options: PriorStateOptions,
  ) {
    this.accountId = options.accountId ?? PLACEHOLDER_ACCOUNT_ID;
    this.partition = options.partition ?? 'aws';
    const root = plan.configuration?.root_module;
    if (plan.planned_values?.root_module.child_modules?.length || Object.keys(root?.module_calls ?? {}).length > 0) {
      throw new PriorStateError('the plan has child modules; only root-module resources are supported (cdktf writes none)');
    }
    for (const resource of root?.resources ?? []) this.configs.set(resource.address, resource);

    const schemaVersions = new Map((plan.planned_values?.root_module.resources ?? []).map((r) => [r.address, r.schema_version]));
    for (const rc of plan.resource_changes ?? []) {
      if (rc.module_address) throw new PriorStateError(`${rc.address}: in a child module; only root-module resources are supported`);
      const actions = rc.change.actions.join(',');
      if (actions === 'delete' || actions === 'forget') continue;
      this.entries.set(rc.address, {
        address: rc.address,
        mode: rc.mode,
        type: rc.type,
        name: rc.name,
        index: rc.index,
        providerName: rc.provider_name,
        after: rc.change.after ?? {},
        afterUnknown: rc.change.after_unknown ?? {},
        afterSensitive: rc.change.after_sensitive ?? {},
        schemaVersion: schemaVersions.get(rc.address),
      });
    }
    // Data sources read while planning are in prior_state, with every value known.
    for (const resource of plan.prior_state?.values?.root_module?.resources ?? []) {
      if (resource.mode !== 'data' || this.entries.has(resource.address)) continue;
      this.entries.set(resource.address, {
        address: resource.address,
        mode: 'data',
        type: resource.type,
        name: resource.name,
        index: resource.index,
        providerName: resource.provider_name,
        after: resource.values,
        afterUnknown: {},
        afterSensitive: resource.sensitive_values ?? {},
        schemaVersion: resource.schema_version,
      });
    }
  }

  build(): PriorState {
    const groups = new Map<string, StateResource>();
    for (const entry of this.entries.values()) {
      const values = this.valuesOf(entry.address);
      const config = this.configs.get(configAddress(entry.address));
      const key = `${entry.mode}.${entry.type}.${entry.name}`;
      let group = groups.get(key);
      if (!group) {
        group = { mode: entry.mode, type: entry.type, name: entry.name, provider: this.providerOf(entry, config), instances: [] };
        groups.set(key, group);
      }
      const shape = this.shapeOf(entry);
      const instance: StateInstance = {
        ...(entry.index !== undefined ? { index_key: entry.index } : {}),
        schema_version: entry.schemaVersion ?? config?.schema_version ?? this.schemaOf(entry).version,
        attributes: toStateJson(values, shape) as Record<string, Json>,
        sensitive_attributes: sensitivePaths(entry.afterSensitive, shape),
      };
      if (entry.mode === 'managed') {
        const dependencies = this.dependenciesOf(configAddress(entry.address));
        if (dependencies.length > 0) instance.dependencies = dependencies;
      }
      group.instances.push(instance);
    }
    // Terraform's order: data sources first, then by type and name; instances by key.
    const order = (r: StateResource) => [r.mode === 'data' ? 0 : 1, r.type, r.name] as const;
    const resources = [...groups.values()].sort((a, b) => compareTuples(order(a), order(b)));
    for (const resource of resources) resource.instances.sort((a, b) => compareTuples([a.index_key ?? ''], [b.index_key ?? '']));
    const state: TerraformState = {
      version: 4,
      terraform_version: this.options.terraformVersion ?? this.plan.terraform_version,
      serial: 1,
      lineage: this.options.lineage ?? randomUUID(),
      outputs: this.outputs(),
      resources,
      check_results: null,
    };
    return { state, approximations: this.approximations };
  }

  /** The values of one instance, with every unknown filled in; built once, on first use. */
  private valuesOf(address: string): Record<string, Json> {
    const done = this.built.get(address);
    if (done) return done;
    if (this.building.includes(address)) throw new PriorStateError(`reference cycle: ${[...this.building.slice(this.building.indexOf(address)), address].join(' -> ')}`);
    const entry = this.entries.get(address);
    if (!entry) throw new UnsupportedExpressionError(`${address} is not in the plan`);
    this.building.push(address);
    try {
      const values = structuredClone(entry.after) as Record<string, Json>;
      const shape = this.shapeOf(entry);
      const unknown = unknownPaths(entry.afterUnknown)
        .map((p) => widenThroughSets(p, shape, entry.after))
        .filter((p, i, all) => all.findIndex((q) => q.join('\u0000') === p.join('\u0000')) === i)
        // Attributes a data source derives from its others come last, once those are known.
        .sort((a, b) => Number(`${entry.type}.${a[0]}` in DERIVED) - Number(`${entry.type}.${b[0]}` in DERIVED));
      for (const p of unknown) setAt(values, p, this.unknownValue(entry, values, shape, p));
      this.built.set(address, values);
      return values;
    } finally {
      this.building.pop();
    }
  }

  /** The value of one unknown attribute: from its configuration, derived, or a fake. */
  private unknownValue(entry: Entry, values: Record<string, Json>, shape: Shape & { kind: 'object' }, p: readonly PathStep[]): Json {
    const target = shapeAt(shape, p);
    if (!target) throw new PriorStateError(`${entry.address}: ${p.join('.')} is not in the provider schema of ${entry.type}`);
    const where = `${entry.address}.${p.join('.')}`;
    const config = this.configs.get(configAddress(entry.address));
    const fake = (s: Shape, at: readonly PathStep[]) => fakeValue(s, { address: entry.address, type: entry.type, name: entry.name, path: at, region: this.regionOf(entry), accountId: this.accountId, partition: this.partition });
    if (config) {
      try {
        const found = configValueAt(config.expressions ?? {}, shape, p, this.evaluator(fake));
        if (found) return coerce(found.value, target);
      } catch (error) {
        if (!(error instanceof UnsupportedExpressionError)) throw error;
        this.approximations.push(`${where}: ${error.message}`);
        return fake(target, p);
      }
    }
    const derive = p.length === 1 ? DERIVED[`${entry.type}.${p[0]}`] : undefined;
    if (derive) {
      try {
        return derive(values);
      } catch (error) {
        if (!(error instanceof UnsupportedExpressionError)) throw error;
        this.approximations.push(`${where}: ${error.message}`);
      }
    }
    return fake(target, p);
  }

  /** Evaluates configuration against the state being built; what a block leaves out is null, or a fake when computed. */
  private evaluator(fake: (shape: Shape, at: readonly PathStep[]) => Json): BlockEvaluator {
    const evaluator: BlockEvaluator = {
      expression: (expression) => {
        if (expression === null || typeof expression !== 'object' || !('constant_value' in expression)) {
          throw new UnsupportedExpressionError('the expression is not written as JSON (an HCL configuration?)');
        }
        return evaluateJsonConfig(expression.constant_value as Json, this.scope);
      },
      block: (config, shape, at) =>
        Object.fromEntries(
          Object.entries(shape.attributes).map(([name, attribute]) => {
            const value = config[name];
            if (isBlock(attribute)) {
              if (value === undefined) return [name, attribute.kind === 'object' ? null : attribute.kind === 'map' ? {} : []];
              return [name, attribute.kind === 'object' ? evaluator.block((Array.isArray(value) ? value[0] : value) as Record<string, unknown>, attribute, [...at, name]) : evaluator.blocks(value, attribute, [...at, name])];
            }
            if (value !== undefined) return [name, coerce(evaluator.expression(value as ConfigExpression), attribute)];
            return [name, attribute.computed ? fake(attribute, [...at, name]) : null];
          }),
        ),
      blocks: (config, shape, at) => {
        const element = (shape as { element: Shape & { kind: 'object' } }).element;
        if (Array.isArray(config)) return config.map((c, i) => evaluator.block(c as Record<string, unknown>, element, [...at, i]));
        return Object.fromEntries(Object.entries(config as Record<string, unknown>).map(([k, c]) => [k, evaluator.block(c as Record<string, unknown>, element, [...at, k])]));
      },
    };
    return evaluator;
  }

  /** References in expressions: `aws_x` / `data` resolve to objects that build instances on first use. */
  private readonly scope: ReferenceScope = (root) => {
    if (root === 'data') return lazyObject((type) => this.resourceObject('data', type));
    if (NOT_RESOURCES.includes(root)) throw new UnsupportedExpressionError(`references to ${root}.* are not supported`);
    return this.resourceObject('managed', root);
  };

  /** `{ <name>: values }`, or `{ <name>: [values, ...] }` / `{ <name>: { <key>: values } }` for count / for_each. */
  private resourceObject(mode: 'managed' | 'data', type: string): Json {
    return lazyObject((name) => {
      const instances = [...this.entries.values()].filter((e) => e.mode === mode && e.type === type && e.name === name);
      if (instances.length === 0) return undefined;
      if (instances.length === 1 && instances[0].index === undefined) return this.valuesOf(instances[0].address);
      if (instances.every((i) => typeof i.index === 'number')) {
        return [...instances].sort((a, b) => (a.index as number) - (b.index as number)).map((i) => this.valuesOf(i.address));
      }
      return Object.fromEntries(instances.map((i) => [String(i.index), this.valuesOf(i.address)]));
    });
  }

  private schemaOf(entry: Entry): { version: number; block: SchemaBlock } {
    const provider = this.schemas.provider_schemas[entry.providerName];
    const schema = (entry.mode === 'managed' ? provider?.resource_schemas : provider?.data_source_schemas)?.[entry.type];
    if (!schema) throw new PriorStateError(`${entry.address}: no schema for ${entry.mode === 'data' ? 'data source' : 'resource type'} ${entry.type} of ${entry.providerName}`);
    return schema;
  }

  private readonly shapes = new Map<string, Shape & { kind: 'object' }>();
  private shapeOf(entry: Entry): Shape & { kind: 'object' } {
    const key = `${entry.providerName} ${entry.mode} ${entry.type}`;
    const cached = this.shapes.get(key);
    if (cached) return cached;
    const shape = shapeOfBlock(this.schemaOf(entry).block);
    this.shapes.set(key, shape);
    return shape;
  }

  /** `provider["<source>"]`, with `.<alias>` when the resource uses an aliased provider block. */
  private providerOf(entry: Entry, config: ConfigResource | undefined): string {
    const providerConfig = config?.provider_config_key ? this.plan.configuration?.provider_config?.[config.provider_config_key] : undefined;
    const source = providerConfig?.full_name ?? entry.providerName;
    return `provider[${JSON.stringify(source)}]${providerConfig?.alias ? `.${providerConfig.alias}` : ''}`;
  }

  private regionOf(entry: Entry): string {
    if (this.options.region) return this.options.region;
    const key = this.configs.get(configAddress(entry.address))?.provider_config_key;
    const region = (key ? (this.plan.configuration?.provider_config?.[key]?.expressions?.region as ConfigExpression | undefined) : undefined)?.constant_value;
    return typeof region === 'string' && !region.includes('${') ? region : 'us-east-1';
  }

  /** Resources and data sources this one depends on, directly or through others (references and depends_on), as Terraform records them. */
  private dependenciesOf(address: string): string[] {
    const result = new Set<string>();
    const visit = (from: string, seen: Set<string>) => {
      const config = this.configs.get(from);
      if (!config) return;
      for (const target of [...referencesIn(config.expressions ?? {}), ...(config.depends_on ?? [])].map(resourceOfReference)) {
        if (!target || seen.has(target)) continue;
        seen.add(target);
        result.add(target);
        visit(target, seen);
      }
    };
    visit(address, new Set([address]));
    return [...result].sort();
  }

  /** Every output with its planned value, or its expression evaluated against the state. */
  private outputs(): TerraformState['outputs'] {
    const outputs: TerraformState['outputs'] = {};
    const planned = this.plan.planned_values?.outputs ?? {};
    for (const [name, config] of Object.entries(this.plan.configuration?.root_module.outputs ?? {})) {
      const known = planned[name];
      const sensitive = known?.sensitive ?? config.sensitive ?? false;
      let value: Json;
      let type: Json;
      if (known && 'value' in known && known.type !== undefined) {
        value = known.value ?? null;
        type = known.type;
      } else {
        try {
          if (config.expression?.constant_value === undefined) throw new UnsupportedExpressionError('the expression is not written as JSON');
          value = evaluateJsonConfig(config.expression.constant_value, this.scope);
          type = this.outputType(config.expression.constant_value, value);
        } catch (error) {
          if (!(error instanceof UnsupportedExpressionError)) throw error;
          this.approximations.push(`output.${name}: ${error.message}; left out of the state`);
          continue;
        }
      }
      outputs[name] = { value, type, ...(sensitive ? { sensitive: true } : {}) };
    }
    return outputs;
  }

  /** The type Terraform gives an output: a single reference keeps the attribute's schema type. */
  private outputType(expression: Json, value: Json): Json {
    const single = typeof expression === 'string' ? /^\$\{\s*((?:data\.)?[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\s*\}$/.exec(expression) : null;
    if (single) {
      const entry = this.entries.get(single[1]);
      const attribute = entry ? shapeAt(this.shapeOf(entry), [single[2]]) : undefined;
      if (attribute) return typeOfShape(attribute, value);
    }
    return impliedType(value);
  }
}

/** An object whose properties are computed on first access (so references build only what they use). */
function lazyObject(get: (key: string) => Json | undefined): Json {
  const cache = new Map<string, Json | undefined>();
  const lookup = (key: string) => {
    if (!cache.has(key)) cache.set(key, get(key));
    return cache.get(key);
  };
  return new Proxy({} as Record<string, Json>, {
    get: (_target, key) => (typeof key === 'string' ? lookup(key) : undefined),
    has: (_target, key) => typeof key === 'string' && lookup(key) !== undefined,
  });
}

/** Compares element by element: numbers numerically, strings by code point (not by locale). */
function compareTuples(a: ReadonlyArray<string | number>, b: ReadonlyArray<string | number>): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return typeof a[i] === 'number' && typeof b[i] === 'number' ? (a[i] as number) - (b[i] as number) : String(a[i]) < String(b[i]) ? -1 : 1;
  }
  return a.length - b.length;
}

/** First names of references that are not resources. */
const NOT_RESOURCES = ['var', 'local', 'module', 'each', 'count', 'path', 'terraform', 'self'];

/** `aws_x.y[0]` -> `aws_x.y` (configuration addresses have no index). */
function configAddress(address: string): string {
  return address.replace(/\[[^\]]*\]$/, '');
}

/** The resource a reference names: `aws_x.y.id` -> `aws_x.y`, `data.t.n.json` -> `data.t.n`; undefined for var., local., ... */
function resourceOfReference(reference: string): string | undefined {
  const parts = reference.replace(/\[[^\]]*\]/g, '').split('.');
  if (parts[0] === 'data') return parts.length >= 3 ? parts.slice(0, 3).join('.') : undefined;
  if (NOT_RESOURCES.includes(parts[0])) return undefined;
  return parts.length >= 2 ? parts.slice(0, 2).join('.') : undefined;
}

/** Every `references` entry anywhere in a resource's expressions. */
function referencesIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(referencesIn);
  if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    const own = Array.isArray(object.references) ? (object.references as string[]) : [];
    return [...own, ...Object.entries(object).filter(([k]) => k !== 'references' && k !== 'constant_value').flatMap(([, v]) => referencesIn(v))];
  }
  return [];
}

/**
 * The paths that are `true` in an `after_unknown` tree.
 *
 * @example
 * unknownPaths({ id: true, settings: [{ ttl: true }], name: false }); // [['id'], ['settings', 0, 'ttl']]
 */
export function unknownPaths(unknown: Json, prefix: PathStep[] = []): PathStep[][] {
  if (unknown === true) return [prefix];
  if (Array.isArray(unknown)) return unknown.flatMap((u, i) => unknownPaths(u, [...prefix, i]));
  if (unknown !== null && typeof unknown === 'object') return Object.entries(unknown).flatMap(([k, u]) => unknownPaths(u, [...prefix, k]));
  return [];
}

/**
 * A path into a set is cut at the set: set elements have no stable position, so the whole set is
 * filled in. A set with one element (a single `rule {}` block) is entered like a list.
 */
function widenThroughSets(p: readonly PathStep[], shape: Shape, after: Json): PathStep[] {
  let current: Shape | undefined = shape;
  let value: Json | undefined = after;
  for (let i = 0; i < p.length; i++) {
    if (current?.kind === 'set' && !(Array.isArray(value) && value.length === 1 && p[i] === 0)) return p.slice(0, i);
    current = current ? shapeAt(current, [p[i]]) : undefined;
    value = value !== null && typeof value === 'object' ? (value as Record<string, Json>)[p[i] as string] : undefined;
  }
  return [...p];
}

/**
 * What the configuration sets at `p`: an attribute's expression evaluated (and the rest of the path
 * taken inside its value), or whole nested blocks built from theirs. Undefined when the
 * configuration does not set it (a computed attribute).
 */
function configValueAt(expressions: Record<string, unknown>, shape: Shape & { kind: 'object' }, p: readonly PathStep[], evaluate: BlockEvaluator): { value: Json } | undefined {
  let node: unknown = expressions;
  let current: Shape = shape;
  for (let i = 0; i < p.length; i++) {
    if (current.kind !== 'object' || typeof p[i] !== 'string' || node === null || typeof node !== 'object') return undefined;
    const name = p[i] as string;
    const attribute: Shape | undefined = current.attributes[name];
    const value = (node as Record<string, unknown>)[name];
    if (!attribute || value === undefined) return undefined;
    if (!isBlock(attribute)) return { value: descend(evaluate.expression(value as ConfigExpression), p.slice(i + 1)) };
    if (attribute.kind === 'object') {
      node = Array.isArray(value) ? value[0] : value;
      current = attribute;
      continue;
    }
    const key = p[i + 1];
    if (key === undefined) return { value: evaluate.blocks(value, attribute, p.slice(0, i + 1)) };
    node = Array.isArray(value) ? value[key as number] : (value as Record<string, unknown>)[String(key)];
    current = (attribute as { element: Shape }).element;
    i++;
  }
  return current.kind === 'object' && node !== null && typeof node === 'object' ? { value: evaluate.block(node as Record<string, unknown>, current, [...p]) } : undefined;
}

/** Evaluates configuration: one expression, one nested block, or a list, set or map of blocks. */
interface BlockEvaluator {
  expression(expression: ConfigExpression): Json;
  block(config: Record<string, unknown>, shape: Shape & { kind: 'object' }, at: PathStep[]): Json;
  blocks(config: unknown, shape: Shape, at: PathStep[]): Json;
}

function descend(value: Json, rest: readonly PathStep[]): Json {
  let current = value;
  for (const step of rest) {
    if (Array.isArray(current) && typeof step === 'number' && step < current.length) current = current[step];
    else if (current !== null && typeof current === 'object' && !Array.isArray(current) && String(step) in current) current = current[String(step)];
    else throw new UnsupportedExpressionError(`the configured value has no ${JSON.stringify(step)}`);
  }
  return current;
}

/** Converts an evaluated configuration value to the schema's type, the way Terraform converts it. */
function coerce(value: Json, shape: Shape): Json {
  if (value === null) return null;
  const fail = (): never => {
    throw new UnsupportedExpressionError(`the configured value ${JSON.stringify(value).slice(0, 60)} is not a ${shape.kind}`);
  };
  switch (shape.kind) {
    case 'dynamic':
      return value;
    case 'string':
      return typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : fail();
    case 'number':
      return typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value)) ? Number(value) : fail();
    case 'bool':
      return typeof value === 'boolean' ? value : value === 'true' ? true : value === 'false' ? false : fail();
    case 'list':
    case 'set':
      return Array.isArray(value) ? value.map((v) => coerce(v, shape.element)) : fail();
    case 'tuple':
      return Array.isArray(value) ? value.map((v, i) => (shape.elements[i] ? coerce(v, shape.elements[i]) : v)) : fail();
    case 'map':
      return typeof value === 'object' && !Array.isArray(value) ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, coerce(v, shape.element)])) : fail();
    case 'object':
      if (typeof value !== 'object' || Array.isArray(value)) return fail();
      return Object.fromEntries(Object.entries(shape.attributes).map(([k, s]) => [k, k in value ? coerce(value[k], s) : null]));
  }
}

/** Sets `value` at `p`, creating objects and lists on the way. */
function setAt(root: Record<string, Json>, p: readonly PathStep[], value: Json): void {
  let node: Json = root;
  for (let i = 0; i < p.length - 1; i++) {
    const step = p[i];
    const container = node as Record<string, Json> & Json[];
    if (container[step as never] === undefined || container[step as never] === null) (container as Record<string, Json>)[step] = typeof p[i + 1] === 'number' ? [] : {};
    node = container[step as never];
  }
  (node as Record<string, Json>)[p[p.length - 1]] = value;
}

/** The value as a state file writes it: dynamically typed attributes as `{ "value": ..., "type": ... }`. */
function toStateJson(value: Json, shape: Shape | undefined): Json {
  if (!shape || value === null) return value;
  switch (shape.kind) {
    case 'dynamic':
      return { value, type: impliedType(value) };
    case 'list':
    case 'set':
      return Array.isArray(value) ? value.map((v) => toStateJson(v, shape.element)) : value;
    case 'tuple':
      return Array.isArray(value) ? value.map((v, i) => toStateJson(v, shape.elements[i])) : value;
    case 'map':
      return typeof value === 'object' && !Array.isArray(value) ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toStateJson(v, shape.element)])) : value;
    case 'object':
      return typeof value === 'object' && !Array.isArray(value) ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toStateJson(v, shape.attributes[k])])) : value;
    default:
      return value;
  }
}

/**
 * The type Terraform infers for a JSON value of unknown type: objects and tuples, as the JSON
 * configuration syntax produces them.
 *
 * @example
 * impliedType({ client_id: 'x', n: 1 }); // ['object', { client_id: 'string', n: 'number' }]
 */
export function impliedType(value: Json): Json {
  if (value === null) return 'dynamic';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'number') return 'number';
  if (typeof value === 'boolean') return 'bool';
  if (Array.isArray(value)) return ['tuple', value.map(impliedType)];
  return ['object', Object.fromEntries(Object.entries(value).map(([k, v]) => [k, impliedType(v)]))];
}

/** The cty type of a schema shape, as JSON (dynamic parts take the value's implied type). */
function typeOfShape(shape: Shape, value: Json): Json {
  switch (shape.kind) {
    case 'dynamic':
      return impliedType(value);
    case 'string':
    case 'number':
    case 'bool':
      return shape.kind;
    case 'list':
    case 'set':
    case 'map':
      return [shape.kind, typeOfShape(shape.element, null)];
    case 'tuple':
      return ['tuple', shape.elements.map((e) => typeOfShape(e, null))];
    case 'object':
      return ['object', Object.fromEntries(Object.entries(shape.attributes).map(([k, s]) => [k, typeOfShape(s, null)]))];
  }
}

/**
 * `sensitive_attributes` of a state instance from the plan's `after_sensitive` tree: one path per
 * `true`, attributes as `get_attr`, list positions and map keys as `index`.
 */
export function sensitivePaths(sensitive: Json, shape: Shape | undefined, prefix: StatePathStep[] = []): StatePathStep[][] {
  if (sensitive === true) return [prefix];
  if (Array.isArray(sensitive)) {
    if (shape?.kind === 'set') return [];
    const element = (i: number) => (shape?.kind === 'list' ? shape.element : shape?.kind === 'tuple' ? shape.elements[i] : undefined);
    return sensitive.flatMap((s, i) => sensitivePaths(s, element(i), [...prefix, { type: 'index', value: { value: i, type: 'number' } }]));
  }
  if (sensitive !== null && typeof sensitive === 'object') {
    return Object.entries(sensitive).flatMap(([k, s]) => {
      const step: StatePathStep = shape?.kind === 'map' ? { type: 'index', value: { value: k, type: 'string' } } : { type: 'get_attr', value: k };
      const inner = shape?.kind === 'map' ? shape.element : shape?.kind === 'object' ? shape.attributes[k] : undefined;
      return sensitivePaths(s, inner, [...prefix, step]);
    });
  }
  return [];
}

// ---------------------------------------------------------------------------------------------
// Editing a state
// ---------------------------------------------------------------------------------------------

/**
 * A copy of `state` in which `edit` has changed the attributes of the instance at `address`
 * (`aws_x.y`, `aws_x.y[0]`, `aws_x.y["key"]`, `data.t.n`), as drift, a rotation or an older
 * deployment would have left them. Throws {@link PriorStateError} when there is no such instance.
 *
 * @example
 * const rotated = editInstance(state, 'aws_secretsmanager_secret_version.v', (a) => { a.secret_string = '{"rotated":true}'; });
 */
export function editInstance(state: TerraformState, address: string, edit: (attributes: Record<string, Json>) => void): TerraformState {
  const copy = structuredClone(state);
  edit(instanceOf(copy, address).attributes);
  return copy;
}

/**
 * The instance at `address` in `state` (see {@link editInstance} for the address forms).
 *
 * @example
 * instanceOf(state, 'aws_cognito_user_pool.pool').attributes.id; // 'fake-0a1b2c3d4e5f'
 */
export function instanceOf(state: TerraformState, address: string): StateInstance {
  const match = /^(data\.)?([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)(?:\[(\d+|"[^"]*")\])?$/.exec(address);
  if (!match) throw new PriorStateError(`${address}: not a resource address (aws_x.y, aws_x.y[0], aws_x.y["key"], data.t.n)`);
  const [, data, type, name, rawKey] = match;
  const key = rawKey === undefined ? undefined : rawKey.startsWith('"') ? (JSON.parse(rawKey) as string) : Number(rawKey);
  const resource = state.resources.find((r) => r.mode === (data ? 'data' : 'managed') && r.type === type && r.name === name);
  const instance = resource?.instances.find((i) => i.index_key === key);
  if (!instance) throw new PriorStateError(`${address}: no such instance in the state`);
  return instance;
}

// ---------------------------------------------------------------------------------------------
// Running terraform
// ---------------------------------------------------------------------------------------------

/** A terraform command failed; `diagnostics` is what it printed. */
export class TerraformCommandError extends Error {
  constructor(
    readonly run: TerraformRun,
    readonly diagnostics: string,
  ) {
    super(`${run.command} failed (exit ${run.timedOut ? 'timeout' : run.code}):\n${diagnostics.trim().split('\n').slice(0, 40).join('\n')}`);
    this.name = 'TerraformCommandError';
  }
}

/** Where and how terraform runs: an initialized offline copy and `offlineTerraformEnv` (run.ts). */
export interface TerraformDirOptions {
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  /** @default 600_000 per command */
  readonly timeoutMs?: number;
}

async function terraform(args: string[], options: TerraformDirOptions): Promise<TerraformRun> {
  const run = await runTerraform(args, { cwd: options.dir, env: options.env, timeoutMs: options.timeoutMs });
  if (run.code !== 0) throw new TerraformCommandError(run, run.stderr.trim() !== '' ? run.stderr : run.stdout);
  return run;
}

/**
 * `terraform providers schema -json` in an initialized directory (about 5 s and 14 MB for the AWS
 * provider: read it once per suite or run). Only the resource and data source schemas are kept.
 *
 * @example
 * const schemas = await readProviderSchemas({ dir, env });
 */
export async function readProviderSchemas(options: TerraformDirOptions): Promise<ProviderSchemas> {
  const run = await terraform(['providers', 'schema', '-json'], options);
  const parsed = JSON.parse(run.stdout) as ProviderSchemas;
  return {
    provider_schemas: Object.fromEntries(
      Object.entries(parsed.provider_schemas).map(([name, p]) => [name, { resource_schemas: p.resource_schemas, data_source_schemas: p.data_source_schemas }]),
    ),
  };
}

/** Options of {@link planAgainstState}. */
export interface PlanAgainstStateOptions extends TerraformDirOptions {
  /**
   * The prior state.
   * @default - no state: every resource is created
   */
  readonly state?: TerraformState;
  /**
   * The local-backend workspace that holds the state (`terraform.tfstate.d/<name>/terraform.tfstate`
   * in `dir`, selected with `TF_WORKSPACE`) and the name of the plan file (`<name>.tfplan`), so
   * that plans of one directory against different states can run at the same time. A configuration
   * that reads `terraform.workspace` sees this name.
   * @default 'prior'
   */
  readonly name?: string;
  /** More `terraform plan` arguments, e.g. `-replace=aws_x.y`. */
  readonly planArgs?: readonly string[];
}

/**
 * `terraform plan -refresh=false` of the configuration in `dir` against `state` (nothing reaches
 * AWS), then `terraform show -json` of that plan. The directory needs a local backend (an offline
 * copy has one) and `terraform init`. Throws {@link TerraformCommandError} when either command fails.
 *
 * @example
 * const plan = await planAgainstState({ dir, env, state, name: 'no-op' });
 * plan.resource_changes?.filter((rc) => rc.change.actions.join() !== 'no-op'); // []
 */
export async function planAgainstState(options: PlanAgainstStateOptions): Promise<PlanJson> {
  const name = options.name ?? 'prior';
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(name)) throw new PriorStateError(`name: must be letters, digits, - and _ (a workspace name); received "${name}"`);
  const stateFile = path.join(options.dir, 'terraform.tfstate.d', name, 'terraform.tfstate');
  fs.rmSync(stateFile, { force: true });
  if (options.state) {
    fs.mkdirSync(path.dirname(stateFile), { recursive: true });
    fs.writeFileSync(stateFile, `${JSON.stringify(options.state, null, 2)}\n`);
  }
  const run = { ...options, env: { ...options.env, TF_WORKSPACE: name } };
  const planFile = `${name}.tfplan`;
  await terraform(['plan', '-refresh=false', '-input=false', '-lock=false', '-no-color', ...(options.planArgs ?? []), `-out=${planFile}`], run);
  const show = await terraform(['show', '-json', planFile], run);
  return JSON.parse(show.stdout) as PlanJson;
}
