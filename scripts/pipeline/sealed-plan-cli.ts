/**
 * `node --import tsx scripts/sealed-plan.ts seal|open ...`: packs a planned stack directory (the
 * configuration, its assets, the provider lock file, plan.bin) into one sealed file for the
 * artifact, and unpacks it in the apply job (sealed-plan.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { awsCliKms, type Kms, open, run, seal, SealedPlanError } from './sealed-plan';

export const USAGE = `Usage: node --import tsx scripts/sealed-plan.ts seal --environment <env> --stack-dir <dir> --file <sealed>
       node --import tsx scripts/sealed-plan.ts open --environment <env> --stack-dir <dir> --file <sealed>

seal  packs <dir> (cdk.tf.json, assets/, .terraform.lock.hcl, plan.bin; not .terraform/) and
      encrypts it under a data key of the state's KMS key: the kms_key_id and region of the S3
      backend in <dir>/cdk.tf.json, with the encryption context
      {"purpose":"m2m-auth-saved-plan","environment":"<env>"}. Needs kms:GenerateDataKey.
open  decrypts <sealed> for <env> (kms:Decrypt; fails for another environment's or a changed file)
      and unpacks it into <dir>.

AWS credentials come from the environment (aws-actions/configure-aws-credentials), through the AWS CLI.
Exit status: 0 done; 1 failed; 2 bad options.`;

/** Runs the command; resolves with the exit status. `kmsFor` is for tests. */
export async function main(argv: readonly string[], io: { out: (t: string) => void; err: (t: string) => void } = { out: console.log, err: console.error }, env: NodeJS.ProcessEnv = process.env, kmsFor: (region: string) => Kms = (region) => awsCliKms(region, env)): Promise<number> {
  let command: string;
  let values: { environment?: string; 'stack-dir'?: string; file?: string; help?: boolean };
  try {
    const parsed = parseArgs({ args: [...argv], allowPositionals: true, options: { environment: { type: 'string' }, 'stack-dir': { type: 'string' }, file: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
    values = parsed.values;
    if (values.help) {
      io.out(USAGE);
      return 0;
    }
    command = parsed.positionals.join(' ');
    if (command !== 'seal' && command !== 'open') throw new Error(`the command is seal or open; received "${command}"`);
    for (const option of ['environment', 'stack-dir', 'file'] as const) if (!values[option]) throw new Error(`--${option}: required`);
    if (!/^[a-z0-9][a-z0-9-]*$/.test(values.environment!)) throw new Error(`--environment: a stack name such as prod; received "${values.environment}"`);
  } catch (error) {
    io.err(`sealed-plan: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const environment = values.environment!;
  const dir = values['stack-dir']!;
  const file = values.file!;
  try {
    if (command === 'seal') {
      const backend = s3Backend(dir);
      const tar = await run('tar', ['-C', dir, '--exclude=./.terraform', '-cf', '-', '.'], env);
      if (tar.code !== 0) throw new SealedPlanError(`tar of ${dir} failed: ${tar.stderr.trim()}`);
      const sealed = await seal(tar.raw, kmsFor(backend.region), { keyId: backend.kmsKeyId, environment });
      fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
      fs.writeFileSync(file, sealed);
      io.out(`sealed-plan: sealed ${dir} for ${environment} with ${backend.kmsKeyId} (${backend.region}) into ${file} (${sealed.length} bytes)`);
    } else {
      const sealed = fs.readFileSync(file);
      const bundle = await open(sealed, kmsFor(regionOf(sealed)), { environment });
      fs.mkdirSync(dir, { recursive: true });
      const tar = await run('tar', ['-C', dir, '-xf', '-'], env, bundle);
      if (tar.code !== 0) throw new SealedPlanError(`unpacking into ${dir} failed: ${tar.stderr.trim()}`);
      io.out(`sealed-plan: opened ${file} for ${environment} into ${dir}`);
    }
    return 0;
  } catch (error) {
    if (!(error instanceof SealedPlanError) && (error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    io.err(`sealed-plan: ${(error as Error).message}`);
    return 1;
  }
}

/** The S3 backend's KMS key and region, from the synthesized stack. */
export function s3Backend(dir: string): { kmsKeyId: string; region: string } {
  const tf = JSON.parse(fs.readFileSync(path.join(dir, 'cdk.tf.json'), 'utf8')) as { terraform?: { backend?: Record<string, { kms_key_id?: string; region?: string }> } };
  const backends = tf.terraform?.backend ?? {};
  const s3 = backends.s3;
  if (!s3) throw new SealedPlanError(`${dir}/cdk.tf.json: the backend is ${Object.keys(backends)[0] ?? 'none (cloud or local)'}, not s3: sealed plans use the S3 backend's KMS key (stateBackend.kmsKeyId)`);
  if (!s3.kms_key_id || !s3.region) throw new SealedPlanError(`${dir}/cdk.tf.json: the s3 backend has no kms_key_id or region`);
  return { kmsKeyId: s3.kms_key_id, region: s3.region };
}

/** The region of the key that sealed it: the KeyId KMS returned is the key's ARN. */
function regionOf(sealed: Buffer): string {
  const header = sealed.subarray(0, Math.min(sealed.length, 4096)).toString('utf8').split('\n')[1] ?? '';
  const keyId = (/"keyId":"([^"]+)"/.exec(header) ?? [])[1] ?? '';
  const region = keyId.split(':')[3];
  if (!keyId.startsWith('arn:') || !region) throw new SealedPlanError(`sealed plan: the header names no key ARN (received "${keyId}")`);
  return region;
}
