/**
 * The Terraform override file that makes an HCL synth (`cdk.tf`) validate offline, and the two
 * facts it needs from the HCL text: the AWS provider pin and the AWS provider blocks' aliases.
 */
import { OFFLINE_PROVIDER_SETTINGS } from './offline-copy';

/** Name of the override file written beside `cdk.tf`; Terraform merges `*_override.tf.json` last. */
export const OVERRIDE_FILE = 'zz_offline_override.tf.json';

/**
 * The override file's content: the AWS provider pinned to `providerVersion` and, for each AWS
 * provider block (`undefined` = the default one, else its alias), dummy credentials and the skip
 * flags. An override can only set arguments, not remove them; `terraform validate` never configures
 * the provider, so an `assume_role` left in the base file does no harm.
 *
 * @example
 * offlineOverride('5.100.0', [undefined]);
 */
export function offlineOverride(providerVersion: string | undefined, aliases: ReadonlyArray<string | undefined>): Record<string, unknown> {
  const override: Record<string, unknown> = {};
  if (providerVersion !== undefined) {
    override.terraform = { required_providers: { aws: { source: 'hashicorp/aws', version: providerVersion } } };
  }
  if (aliases.length > 0) {
    override.provider = { aws: aliases.map((alias) => ({ ...(alias === undefined ? {} : { alias }), ...OFFLINE_PROVIDER_SETTINGS })) };
  }
  return override;
}

/**
 * The `version` of `aws` in the `required_providers` block of HCL text, if any.
 *
 * @example
 * hclAwsPin('terraform {\nrequired_providers {\naws = {\nversion = "6.25.0"\nsource = "aws"\n}\n}\n}'); // '6.25.0'
 */
export function hclAwsPin(hcl: string): string | undefined {
  const requirement = /required_providers\s*\{[\s\S]*?\baws\s*=\s*\{([^}]*)\}/.exec(hcl);
  return requirement ? /\bversion\s*=\s*"([^"]+)"/.exec(requirement[1])?.[1] : undefined;
}

/**
 * One entry per `provider "aws"` block of HCL text: its `alias`, or `undefined` for the default block.
 *
 * @example
 * awsProviderAliases('provider "aws" {\nregion = "eu-west-1"\n}\nprovider "aws" {\nalias = "us"\n}'); // [undefined, 'us']
 */
export function awsProviderAliases(hcl: string): Array<string | undefined> {
  const aliases: Array<string | undefined> = [];
  const start = /^\s*provider\s+"aws"\s*\{/gm;
  for (let match = start.exec(hcl); match; match = start.exec(hcl)) {
    const body = blockBody(hcl, match.index + match[0].length);
    aliases.push(/^\s*alias\s*=\s*"([^"]+)"/m.exec(body)?.[1]);
  }
  return aliases;
}

/** The text from `from` (just after an opening brace) to its matching closing brace; skips quoted strings. */
function blockBody(text: string, from: number): string {
  let depth = 1;
  let inString = false;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return text.slice(from, i);
  }
  return text.slice(from);
}
