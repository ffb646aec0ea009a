/**
 * The offline copy of a synthesized JSON stack: the rewrite that lets `terraform init`, `validate`
 * and `plan -refresh=false` run with no network and no AWS credentials (local state, the mirror's
 * provider version, dummy credentials, caller identity replaced by a literal account id), as a pure
 * function on the parsed JSON, and the function that writes such a copy into a directory.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The account id an offline copy uses when the stack does not name one in `allowed_account_ids`. */
export const PLACEHOLDER_ACCOUNT_ID = '123456789012';

/** Merged into every AWS provider block: no credential lookup, no STS, no instance metadata. */
export const OFFLINE_PROVIDER_SETTINGS = {
  access_key: 'mock',
  secret_key: 'mock',
  skip_credentials_validation: true,
  skip_requesting_account_id: true,
  skip_metadata_api_check: true,
} as const;

/**
 * Provider arguments that would read real credentials or compare against the real account (with
 * `skip_requesting_account_id` the account is unknown, so `allowed_account_ids` would always fail).
 */
const REMOVED_PROVIDER_ARGUMENTS = [
  'assume_role',
  'assume_role_with_web_identity',
  'profile',
  'shared_config_files',
  'shared_credentials_files',
  'token',
  'allowed_account_ids',
  'forbidden_account_ids',
] as const;

/** The parts of a Terraform JSON configuration that the rewrite reads or changes. */
export interface TerraformConfigJson {
  terraform?: {
    backend?: Record<string, unknown>;
    cloud?: unknown;
    required_providers?: Record<string, { source?: string; version?: string } | string>;
    [key: string]: unknown;
  };
  provider?: Record<string, Array<Record<string, unknown>> | Record<string, unknown>>;
  data?: Record<string, Record<string, unknown>>;
  [key: string]: unknown;
}

/** Options of {@link offlineCopy}. */
export interface OfflineCopyOptions {
  /**
   * The AWS provider version to pin in the copy (the mirror's).
   * @default - the stack's own pin is kept
   */
  readonly providerVersion?: string;
}

/** What {@link offlineCopy} changed, for the report. */
export interface OfflineCopy {
  readonly tf: TerraformConfigJson;
  /** Set when the AWS provider pin was changed. */
  readonly pin?: { readonly from: string; readonly to: string };
  /** The literal that replaced `data.aws_caller_identity.<name>.account_id`. */
  readonly accountId: string;
  /** How many caller-identity references were replaced by the literal account id. */
  readonly replacedReferences: number;
}

/** The stack cannot be made to run offline; the message names the place and the reason. */
export class OfflineCopyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OfflineCopyError';
  }
}

const WHOLE_REFERENCE = /\$\{\s*data\.aws_caller_identity\.[\w-]+\.(?:account_id|id)\s*\}/g;
const INNER_REFERENCE = /\bdata\.aws_caller_identity\.[\w-]+\.(?:account_id|id)\b/g;
const ANY_REFERENCE = /\bdata\.aws_caller_identity\b/;
const DEPENDENCY = /^data\.aws_caller_identity\.[\w-]+$/;

/**
 * Rewrites a synthesized stack so that Terraform can plan it offline, without mutating the input:
 * removes `terraform.backend` and `terraform.cloud` (local state), pins the AWS provider to
 * `providerVersion`, gives every AWS provider block dummy credentials and the skip flags (dropping
 * `assume_role`, profiles and account allow-lists), and replaces every
 * `data.aws_caller_identity.<name>.account_id` with a literal account id: the first of the provider's
 * `allowed_account_ids`, else {@link PLACEHOLDER_ACCOUNT_ID}.
 *
 * Throws {@link OfflineCopyError} when a caller-identity reference cannot be replaced (for example
 * `.arn`), rather than leaving one behind that would need AWS.
 *
 * @example
 * const { tf, pin } = offlineCopy(JSON.parse(text), { providerVersion: '5.100.0' });
 */
export function offlineCopy(input: TerraformConfigJson, options: OfflineCopyOptions = {}): OfflineCopy {
  const tf = structuredClone(input);
  const terraform = (tf.terraform ??= {});
  delete terraform.backend;
  delete terraform.cloud;

  const awsNames = awsProviderNames(tf);
  const blocks = awsNames.flatMap((name) => providerBlocks(tf, name));
  const accountId = blocks.map((b) => b.allowed_account_ids).find((ids): ids is string[] => Array.isArray(ids) && typeof ids[0] === 'string')?.[0] ?? PLACEHOLDER_ACCOUNT_ID;
  for (const block of blocks) {
    for (const argument of REMOVED_PROVIDER_ARGUMENTS) delete block[argument];
    Object.assign(block, OFFLINE_PROVIDER_SETTINGS);
  }

  let pin: OfflineCopy['pin'];
  if (options.providerVersion !== undefined) {
    for (const name of awsNames) {
      const requirement = terraform.required_providers?.[name];
      const current = typeof requirement === 'string' ? requirement : requirement?.version;
      if (current === options.providerVersion) continue;
      const source = typeof requirement === 'object' ? requirement.source : undefined;
      terraform.required_providers = { ...terraform.required_providers, [name]: { source: source ?? 'hashicorp/aws', version: options.providerVersion } };
      pin = { from: current ?? 'unpinned', to: options.providerVersion };
    }
  }

  if (tf.data) {
    delete tf.data.aws_caller_identity;
    if (Object.keys(tf.data).length === 0) delete tf.data;
  }
  let replacedReferences = 0;
  const literal = (replacement: string) => () => {
    replacedReferences++;
    return replacement;
  };
  const replaced = mapStrings(tf, (text) => {
    const whole = text.replace(WHOLE_REFERENCE, literal(accountId));
    // Inside a larger `${...}` expression the literal must be a quoted HCL string.
    return whole.includes('${') ? whole.replace(INNER_REFERENCE, literal(`"${accountId}"`)) : whole;
  }) as TerraformConfigJson;

  const leftBehind = findStrings(replaced, (text) => ANY_REFERENCE.test(text));
  if (leftBehind.length > 0) {
    const [where, text] = leftBehind[0];
    throw new OfflineCopyError(
      `${where}: "${text.length > 120 ? `${text.slice(0, 117)}...` : text}" still refers to data.aws_caller_identity, which needs AWS; only .account_id and .id can be replaced by a literal account id (${leftBehind.length} such place${leftBehind.length === 1 ? '' : 's'})`,
    );
  }
  return { tf: replaced, pin, accountId, replacedReferences };
}

/**
 * Copies a synthesized stack directory (with its `assets/`) to `targetDir` and rewrites its
 * `cdk.tf.json` with {@link offlineCopy}. `targetDir` must not exist yet.
 *
 * @example
 * prepareOfflineStack('out/stacks/dev', path.join(workDir, 'dev'), { providerVersion: '5.100.0' });
 */
export function prepareOfflineStack(sourceDir: string, targetDir: string, options: OfflineCopyOptions = {}, file = 'cdk.tf.json'): OfflineCopy {
  if (fs.existsSync(targetDir)) throw new OfflineCopyError(`${targetDir}: already exists; the offline copy needs a fresh directory`);
  fs.cpSync(sourceDir, targetDir, { recursive: true });
  const target = path.join(targetDir, file);
  const result = offlineCopy(JSON.parse(fs.readFileSync(target, 'utf8')) as TerraformConfigJson, options);
  fs.writeFileSync(target, `${JSON.stringify(result.tf, null, 2)}\n`);
  return result;
}

/** Local names whose source is hashicorp/aws (`aws` when nothing says otherwise). */
function awsProviderNames(tf: TerraformConfigJson): string[] {
  const required = tf.terraform?.required_providers ?? {};
  const names = Object.entries(required)
    .filter(([name, req]) => {
      const source = typeof req === 'object' && req.source ? req.source : name;
      return /^(?:(?:registry\.terraform\.io\/)?hashicorp\/)?aws$/.test(source);
    })
    .map(([name]) => name);
  if (names.length === 0 && tf.provider?.aws) names.push('aws');
  return names;
}

/** The provider's blocks, written as one object or as a list of them (cdktf writes a list). */
function providerBlocks(tf: TerraformConfigJson, name: string): Array<Record<string, unknown>> {
  const value = tf.provider?.[name];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Applies `fn` to every string; drops caller-identity entries from `depends_on` lists. */
function mapStrings(value: unknown, fn: (text: string) => string, key?: string): unknown {
  if (typeof value === 'string') return fn(value);
  if (Array.isArray(value)) {
    const items = key === 'depends_on' ? value.filter((item) => !(typeof item === 'string' && DEPENDENCY.test(item))) : value;
    return items.map((item) => mapStrings(item, fn));
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, fn, k)]));
  }
  return value;
}

/** `[json path, text]` of every string that `test` accepts. */
function findStrings(value: unknown, test: (text: string) => boolean, where = ''): Array<[string, string]> {
  if (typeof value === 'string') return test(value) ? [[where || '(root)', value]] : [];
  if (Array.isArray(value)) return value.flatMap((item, i) => findStrings(item, test, `${where}[${i}]`));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => findStrings(v, test, where ? `${where}.${k}` : k));
  }
  return [];
}
