/**
 * Where the AWS provider comes from in an offline check: the versions a `-plugin-dir` mirror
 * (`TF_PROVIDER_MIRROR`) holds for this platform, the version the temporary copy is pinned to, and
 * whether the public registry answers when there is no mirror.
 */
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as path from 'node:path';

/** The provider every stack of this app pins. */
export const AWS_PROVIDER = 'hashicorp/aws';

/** The version an offline copy pins, and why (for the line that says the pin was rewritten). */
export interface PinChoice {
  readonly version: string;
  /** True when the stack's own pin is not in the mirror and the copy uses `version` instead. */
  readonly rewritten: boolean;
  readonly reason: "the stack's own pin" | "the mirror's only version" | "the mirror's newest version";
}

/** Terraform's name for this machine's platform, e.g. `linux_amd64`. */
export function terraformPlatform(platform: string = process.platform, arch: string = process.arch): string {
  const os = platform === 'win32' ? 'windows' : platform;
  const cpu = ({ x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm' } as Record<string, string>)[arch] ?? arch;
  return `${os}_${cpu}`;
}

/**
 * The versions of `provider` that a `-plugin-dir` mirror holds for `platform`, oldest first. Reads
 * both layouts: unpacked (`<host>/<ns>/<name>/<version>/<platform>/`) and packed
 * (`<host>/<ns>/<name>/terraform-provider-<name>_<version>_<platform>.zip`).
 *
 * @example
 * mirrorVersions(process.env.TF_PROVIDER_MIRROR!); // ['5.100.0']
 */
export function mirrorVersions(mirrorDir: string, provider = AWS_PROVIDER, platform = terraformPlatform()): string[] {
  const providerDir = path.join(mirrorDir, 'registry.terraform.io', ...provider.split('/'));
  if (!fs.existsSync(providerDir)) return [];
  const name = provider.split('/')[1];
  const packed = new RegExp(`^terraform-provider-${name}_(.+)_${platform}\\.zip$`);
  const versions = new Set<string>();
  for (const entry of fs.readdirSync(providerDir, { withFileTypes: true })) {
    if (entry.isDirectory() && fs.existsSync(path.join(providerDir, entry.name, platform))) versions.add(entry.name);
    const zip = packed.exec(entry.name);
    if (entry.isFile() && zip) versions.add(zip[1]);
  }
  return [...versions].sort(compareVersions);
}

/**
 * The version the offline copy pins: the stack's own pin when the mirror has it, else the mirror's
 * newest version. Throws when the mirror holds no version at all.
 *
 * @example
 * choosePin('6.25.0', ['5.100.0']); // { version: '5.100.0', rewritten: true, reason: "the mirror's only version" }
 */
export function choosePin(pinned: string | undefined, available: readonly string[]): PinChoice {
  if (available.length === 0) throw new Error(`the provider mirror holds no version of ${AWS_PROVIDER} for ${terraformPlatform()}`);
  if (pinned !== undefined && available.includes(pinned)) return { version: pinned, rewritten: false, reason: "the stack's own pin" };
  const newest = [...available].sort(compareVersions)[available.length - 1];
  return { version: newest, rewritten: true, reason: available.length === 1 ? "the mirror's only version" : "the mirror's newest version" };
}

/** Orders `1.2.10` after `1.2.9`; pre-release suffixes sort by plain string order. */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string) => v.split(/[.-]/).map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  const [pa, pb] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const [x, y] = [pa[i] ?? 0, pb[i] ?? 0];
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return 0;
}

/**
 * Whether registry.terraform.io answers its service-discovery document within `timeoutMs`:
 * `undefined` when it does, else the reason (e.g. `getaddrinfo ENOTFOUND registry.terraform.io`).
 * Only asked when there is no mirror and the caller said it may skip.
 */
export function registryUnreachable(timeoutMs = 5000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const request = https.get('https://registry.terraform.io/.well-known/terraform.json', { timeout: timeoutMs }, (response) => {
      response.resume();
      resolve(response.statusCode === 200 ? undefined : `registry.terraform.io answered HTTP ${response.statusCode}`);
    });
    request.on('timeout', () => request.destroy(new Error(`no answer from registry.terraform.io within ${timeoutMs / 1000} s`)));
    request.on('error', (error) => resolve(error.message));
  });
}
