import { randomBytes, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EnvironmentConfig, TokenPath } from '../lib/config/schema';
import { generateSigningKey, signingKeyFromPem, type SigningKey } from './cognito-tokens';

/** Cognito keeps at most two secrets per app client: rotation adds the new one before it drops the old. */
export const MAX_CLIENT_SECRETS = 2;

/** One secret of an app client, as Cognito keeps it. */
export interface SandboxClientSecret {
  /** Cognito's format, `<client id>--<epoch milliseconds>`. */
  readonly id: string;
  readonly value: string;
  /** ISO 8601. */
  readonly createdAt: string;
}

/** One M2M client of the sandbox, with its credentials. */
export interface SandboxClient {
  readonly name: string;
  readonly clientId: string;
  /** The secret that Secrets Manager's AWSCURRENT holds: the one callers read. */
  readonly clientSecret: string;
  /** Every secret the token endpoint accepts, oldest first: one, or two during and after a rotation. */
  readonly secrets: readonly SandboxClientSecret[];
  /** The secret that AWSCURRENT holds. */
  readonly currentSecretId: string;
  /** The secret that AWSPREVIOUS holds, while Cognito still has it. */
  readonly previousSecretId?: string;
  /** Full scope strings, `api/read`. */
  readonly scopes: readonly string[];
  readonly accessTokenValidityMinutes: number;
  /** How it may get tokens, from the config: `oauth2` (`/oauth2/token`), `api` (GetClientToken), or both. */
  readonly tokenPaths: readonly TokenPath[];
}

interface StoredClient {
  clientId: string;
  secrets: SandboxClientSecret[];
  currentSecretId: string;
  previousSecretId?: string;
}

interface StoredState {
  poolId: string;
  key: { kid: string; pem: string };
  clients: Record<string, StoredClient>;
}

/** A state.json written before rotation existed: one `clientSecret` per client. */
type LegacyStoredClient = { clientId: string; clientSecret: string };

/** Cognito-like client ids: 26 lowercase letters and digits. */
function newClientId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(randomBytes(26), (byte) => alphabet[byte % alphabet.length]).join('');
}

/** A secret like Cognito generates (52 characters). */
export function generateClientSecretValue(): string {
  return randomBytes(39).toString('base64url');
}

function newSecret(clientId: string, value: string, taken: readonly SandboxClientSecret[]): SandboxClientSecret {
  let millis = Date.now();
  while (taken.some((secret) => secret.id === `${clientId}--${millis}`)) millis += 1;
  return { id: `${clientId}--${millis}`, value, createdAt: new Date(millis).toISOString() };
}

function migrated(client: StoredClient | LegacyStoredClient): StoredClient {
  if ('secrets' in client && Array.isArray(client.secrets)) return client;
  const { clientId, clientSecret } = client as LegacyStoredClient;
  const only = newSecret(clientId, clientSecret, []);
  return { clientId, secrets: [only], currentSecretId: only.id };
}

/**
 * The sandbox's persistent state (client secrets and the signing key) in `<dir>/state.json`, readable
 * by its owner only. Every change (a secret added or deleted, AWSCURRENT moved) is saved at once, so a
 * restart keeps the credentials that a rotation left.
 */
export class SandboxState {
  readonly poolId: string;
  readonly signingKey: SigningKey;
  /** The revocation deny-list, `{"clientIds": [...], "jtis": [...]}`; missing means nothing revoked. */
  readonly denyListFile: string;

  constructor(
    private readonly file: string,
    private readonly stored: StoredState,
    private readonly config: EnvironmentConfig,
  ) {
    this.poolId = stored.poolId;
    this.signingKey = signingKeyFromPem(stored.key.kid, stored.key.pem);
    this.denyListFile = path.join(path.dirname(file), 'revocations.json');
  }

  /** The configured clients as they are now. */
  get clients(): readonly SandboxClient[] {
    return this.config.m2mClients.map((client) => {
      const { clientId, secrets, currentSecretId, previousSecretId } = this.stored.clients[client.name];
      return {
        name: client.name,
        clientId,
        clientSecret: secrets.find((secret) => secret.id === currentSecretId)!.value,
        secrets: secrets.map((secret) => ({ ...secret })),
        currentSecretId,
        ...(previousSecretId !== undefined ? { previousSecretId } : {}),
        scopes: client.scopes.map((scope) => `${this.config.resourceServer.identifier}/${scope}`),
        accessTokenValidityMinutes: client.accessTokenValidityMinutes,
        tokenPaths: [...client.tokenPaths],
      };
    });
  }

  /** The client named `name`; undefined when the config has none. */
  client(name: string): SandboxClient | undefined {
    return this.clients.find((client) => client.name === name);
  }

  /**
   * Adds a secret to a client (`value`, or a generated one) and saves.
   *
   * @example
   * const added = state.addClientSecret('reporting');
   */
  addClientSecret(name: string, value: string = generateClientSecretValue()): SandboxClientSecret {
    const client = this.storedClient(name);
    if (client.secrets.length >= MAX_CLIENT_SECRETS) throw new Error(`client ${name} already has ${MAX_CLIENT_SECRETS} secrets`);
    const secret = newSecret(client.clientId, value, client.secrets);
    client.secrets.push(secret);
    this.save();
    return { ...secret };
  }

  /** Deletes one of a client's secrets (never the last one) and saves; AWSCURRENT falls to the one left. */
  deleteClientSecret(name: string, secretId: string): void {
    const client = this.storedClient(name);
    if (!client.secrets.some((secret) => secret.id === secretId)) throw new Error(`client ${name} has no secret ${secretId}`);
    if (client.secrets.length === 1) throw new Error(`client ${name} must keep one secret`);
    client.secrets = client.secrets.filter((secret) => secret.id !== secretId);
    if (client.currentSecretId === secretId) client.currentSecretId = client.secrets[0].id;
    if (client.previousSecretId === secretId || client.previousSecretId === client.currentSecretId) delete client.previousSecretId;
    this.save();
  }

  /** Records which secrets AWSCURRENT and AWSPREVIOUS hold (after a rotation) and saves. */
  setSecretStages(name: string, stages: { readonly currentSecretId: string; readonly previousSecretId?: string }): void {
    const client = this.storedClient(name);
    const known = (id: string) => client.secrets.some((secret) => secret.id === id);
    if (!known(stages.currentSecretId)) throw new Error(`client ${name} has no secret ${stages.currentSecretId}`);
    const previous = stages.previousSecretId !== undefined && stages.previousSecretId !== stages.currentSecretId && known(stages.previousSecretId) ? stages.previousSecretId : undefined;
    if (client.currentSecretId === stages.currentSecretId && client.previousSecretId === previous) return;
    client.currentSecretId = stages.currentSecretId;
    if (previous === undefined) delete client.previousSecretId;
    else client.previousSecretId = previous;
    this.save();
  }

  private storedClient(name: string): StoredClient {
    const client = this.config.m2mClients.some((c) => c.name === name) ? this.stored.clients[name] : undefined;
    if (!client) throw new Error(`no client ${name} in the ${this.config.name} config`);
    return client;
  }

  /** Written aside and renamed, so a crash never leaves half a file. */
  save(): void {
    const temporary = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, `${JSON.stringify(this.stored, null, 2)}\n`, { mode: 0o600 });
    fs.chmodSync(temporary, 0o600);
    fs.renameSync(temporary, this.file);
  }
}

/**
 * Loads the sandbox's persistent state from `dir`, creating what is missing (a client new in the
 * config gets an id and one secret) and migrating a state.json of one `clientSecret` per client (it
 * becomes the client's only secret, AWSCURRENT), so that a restart keeps the same credentials. The
 * folder is git-ignored; the file is readable by its owner only.
 *
 * @example
 * const state = loadSandboxState('.local-sandbox/dev', config);
 */
export function loadSandboxState(dir: string, config: EnvironmentConfig): SandboxState {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, 'state.json');
  const stored = (
    fs.existsSync(file)
      ? JSON.parse(fs.readFileSync(file, 'utf8'))
      : { poolId: `${config.region}_Local${randomBytes(4).toString('hex')}`, key: { kid: randomUUID(), pem: '' }, clients: {} }
  ) as Omit<StoredState, 'clients'> & { clients: Record<string, StoredClient | LegacyStoredClient> };
  if (!stored.key.pem) stored.key.pem = generateSigningKey().privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  for (const [name, client] of Object.entries(stored.clients)) stored.clients[name] = migrated(client);
  for (const client of config.m2mClients) stored.clients[client.name] ??= migrated({ clientId: newClientId(), clientSecret: generateClientSecretValue() });
  const state = new SandboxState(file, stored as StoredState, config);
  state.save();
  return state;
}
