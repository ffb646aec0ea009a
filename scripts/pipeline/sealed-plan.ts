/**
 * A saved plan travels from the plan job to the approved apply job as an artifact, and a saved plan
 * holds the prior state, client secrets included. So it travels sealed: AES-256-GCM under a data
 * key from KMS (envelope encryption) with the state's own KMS key (the S3 backend's `kms_key_id`)
 * and an encryption context naming the environment. Whoever may read the state may open it; an
 * artifact of staging cannot be opened as prod; a changed byte fails the open.
 *
 * Layout: `M2MSEAL1\n`, one JSON header line (key id, context, encrypted data key, iv, tag), then
 * the ciphertext. The header without its tag is the GCM additional data.
 */
import { spawn } from 'node:child_process';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const MAGIC = 'M2MSEAL1\n';

/** What names the purpose of every data key: KMS refuses to decrypt it under any other context. */
export const SEAL_PURPOSE = 'm2m-auth-saved-plan';

/** The two KMS calls sealing needs. */
export interface Kms {
  generateDataKey(keyId: string, context: Readonly<Record<string, string>>): Promise<{ readonly plaintext: Buffer; readonly ciphertext: Buffer; readonly keyId: string }>;
  decrypt(ciphertext: Buffer, keyId: string, context: Readonly<Record<string, string>>): Promise<Buffer>;
}

/** The sealed file is not one, was changed, or was sealed for another environment. */
export class SealedPlanError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SealedPlanError';
  }
}

interface Header {
  readonly keyId: string;
  readonly context: Record<string, string>;
  readonly encryptedKey: string;
  readonly iv: string;
  readonly tag?: string;
}

/** The encryption context of an environment's saved plan. */
export function sealContext(environment: string): Record<string, string> {
  return { purpose: SEAL_PURPOSE, environment };
}

/**
 * Encrypts `data` under a fresh data key of `keyId`.
 *
 * @example
 * const sealed = await seal(fs.readFileSync('bundle.tar'), kms, { keyId: 'alias/acme-tfstate-state', environment: 'prod' });
 */
export async function seal(data: Buffer, kms: Kms, options: { readonly keyId: string; readonly environment: string }): Promise<Buffer> {
  const context = sealContext(options.environment);
  const key = await kms.generateDataKey(options.keyId, context);
  try {
    const iv = randomBytes(12);
    const header: Header = { keyId: key.keyId, context, encryptedKey: key.ciphertext.toString('base64'), iv: iv.toString('base64') };
    const cipher = createCipheriv('aes-256-gcm', key.plaintext, iv);
    cipher.setAAD(Buffer.from(JSON.stringify(header)));
    const ciphertext = Buffer.concat([cipher.update(data), cipher.final()]);
    const sealedHeader: Header = { ...header, tag: cipher.getAuthTag().toString('base64') };
    return Buffer.concat([Buffer.from(MAGIC), Buffer.from(`${JSON.stringify(sealedHeader)}\n`), ciphertext]);
  } finally {
    key.plaintext.fill(0);
  }
}

/**
 * Decrypts what {@link seal} wrote for `environment`. Throws {@link SealedPlanError} when the file
 * is not sealed, was sealed for another environment, or was changed.
 *
 * @example
 * const bundle = await open(fs.readFileSync('prod.sealed'), kms, { environment: 'prod' });
 */
export async function open(sealed: Buffer, kms: Kms, options: { readonly environment: string }): Promise<Buffer> {
  if (sealed.subarray(0, MAGIC.length).toString() !== MAGIC) throw new SealedPlanError('not a sealed plan (it does not start with M2MSEAL1)');
  const end = sealed.indexOf(0x0a, MAGIC.length);
  if (end < 0) throw new SealedPlanError('sealed plan: no header line');
  let header: Header;
  try {
    header = JSON.parse(sealed.subarray(MAGIC.length, end).toString('utf8')) as Header;
  } catch (error) {
    throw new SealedPlanError('sealed plan: the header is not JSON', { cause: error });
  }
  const expected = sealContext(options.environment);
  if (JSON.stringify(header.context) !== JSON.stringify(expected)) {
    throw new SealedPlanError(`sealed plan: sealed for ${JSON.stringify(header.context)}, not for ${JSON.stringify(expected)}: apply each environment's own plan`);
  }
  if (typeof header.tag !== 'string' || typeof header.iv !== 'string' || typeof header.encryptedKey !== 'string' || typeof header.keyId !== 'string') {
    throw new SealedPlanError('sealed plan: the header lacks keyId, encryptedKey, iv or tag');
  }
  const key = await kms.decrypt(Buffer.from(header.encryptedKey, 'base64'), header.keyId, expected);
  try {
    const { tag, ...authenticated } = header;
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(header.iv, 'base64'));
    decipher.setAAD(Buffer.from(JSON.stringify(authenticated)));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(sealed.subarray(end + 1)), decipher.final()]);
  } catch (error) {
    throw new SealedPlanError('sealed plan: it was changed after sealing (authentication failed)', { cause: error });
  } finally {
    key.fill(0);
  }
}

/**
 * KMS through the AWS CLI (on every GitHub-hosted runner), with the credentials the job configured.
 *
 * @example
 * const kms = awsCliKms('eu-west-1');
 */
export function awsCliKms(region: string, env: NodeJS.ProcessEnv = process.env): Kms {
  const aws = async (args: string[]): Promise<Record<string, string>> => {
    const { code, stdout, stderr } = await run('aws', [...args, '--region', region, '--output', 'json'], env);
    if (code !== 0) throw new SealedPlanError(`aws ${args.slice(0, 2).join(' ')} failed (exit ${code}): ${stderr.trim().split('\n').slice(-3).join(' ')}`);
    return JSON.parse(stdout) as Record<string, string>;
  };
  return {
    async generateDataKey(keyId, context) {
      const answer = await aws(['kms', 'generate-data-key', '--key-id', keyId, '--key-spec', 'AES_256', '--encryption-context', JSON.stringify(context)]);
      return { plaintext: Buffer.from(answer.Plaintext, 'base64'), ciphertext: Buffer.from(answer.CiphertextBlob, 'base64'), keyId: answer.KeyId };
    },
    async decrypt(ciphertext, keyId, context) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'm2m-seal-'));
      try {
        fs.writeFileSync(path.join(dir, 'key.bin'), ciphertext);
        const answer = await aws(['kms', 'decrypt', '--ciphertext-blob', `fileb://${path.join(dir, 'key.bin')}`, '--key-id', keyId, '--encryption-context', JSON.stringify(context)]);
        return Buffer.from(answer.Plaintext, 'base64');
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Runs a command, collecting its output; `input` goes to its stdin. */
export function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv, input?: Buffer, cwd?: string): Promise<{ code: number | null; stdout: string; stderr: string; raw: Buffer }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error) => reject(new SealedPlanError(`${command}: cannot start: ${error.message}`, { cause: error })));
    child.on('close', (code) => {
      const raw = Buffer.concat(out);
      resolve({ code, stdout: raw.toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), raw });
    });
    child.stdin.on('error', () => undefined); // a command that exits early closes its stdin
    child.stdin.end(input);
  });
}
