import { randomBytes, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EnvironmentConfig } from '../lib/config/schema';
import { generateSigningKey, signingKeyFromPem, type SigningKey } from './cognito-tokens';

/** One M2M client of the sandbox, with its credentials. */
export interface SandboxClient {
  readonly name: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Full scope strings, `api/read`. */
  readonly scopes: readonly string[];
  readonly accessTokenValidityMinutes: number;
}

export interface SandboxState {
  readonly poolId: string;
  readonly signingKey: SigningKey;
  readonly clients: readonly SandboxClient[];
  /** The revocation deny-list, `{"clientIds": [...], "jtis": [...]}`; missing means nothing revoked. */
  readonly denyListFile: string;
}

interface StoredState {
  poolId: string;
  key: { kid: string; pem: string };
  clients: Record<string, { clientId: string; clientSecret: string }>;
}

/** Cognito-like client ids: 26 lowercase letters and digits. */
function newClientId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(randomBytes(26), (byte) => alphabet[byte % alphabet.length]).join('');
}

/**
 * Loads the sandbox's persistent state from `dir` (client secrets and the signing key), creating what
 * is missing, so that a restart keeps the same credentials. The folder is git-ignored; the file is
 * readable by its owner only.
 */
export function loadSandboxState(dir: string, config: EnvironmentConfig): SandboxState {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, 'state.json');
  const stored: StoredState = fs.existsSync(file)
    ? (JSON.parse(fs.readFileSync(file, 'utf8')) as StoredState)
    : { poolId: `${config.region}_Local${randomBytes(4).toString('hex')}`, key: { kid: randomUUID(), pem: '' }, clients: {} };
  if (!stored.key.pem) stored.key.pem = generateSigningKey().privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  for (const client of config.m2mClients) {
    stored.clients[client.name] ??= { clientId: newClientId(), clientSecret: randomBytes(39).toString('base64url') };
  }
  fs.writeFileSync(file, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
  return {
    poolId: stored.poolId,
    signingKey: signingKeyFromPem(stored.key.kid, stored.key.pem),
    clients: config.m2mClients.map((client) => ({
      name: client.name,
      ...stored.clients[client.name],
      scopes: client.scopes.map((scope) => `${config.resourceServer.identifier}/${scope}`),
      accessTokenValidityMinutes: client.accessTokenValidityMinutes,
    })),
    denyListFile: path.join(dir, 'revocations.json'),
  };
}
