import { readFile } from 'node:fs/promises';
import { RefreshingCopy, type RefreshingCopyOptions } from './refreshing-copy';
import { ssmClient } from './ssm-client';

/**
 * One M2M client as a registry part lists it: `[clientId, name, scopes]`, scopes being bare scope
 * names of our resource server (`read`, not `api/read`).
 */
export type RegistryEntry = readonly [clientId: string, name: string, scopes: readonly string[]];

/** What the registry knows of a client. */
export interface RegisteredClient {
  readonly name: string;
  /** Bare scope names the client is configured for: a token's scope counts only if listed here. */
  readonly scopes: readonly string[];
}

/**
 * The M2M clients of this environment, by app client id. A refresh that reads what was already in
 * force keeps the same object, so a different object means a different registry.
 */
export type ClientDirectory = ReadonlyMap<string, RegisteredClient>;

/** One registry part as read: its text, and where it came from (for error messages). */
export interface RegistryPart {
  readonly text: string;
  /** `SSM parameter /m2m-auth/dev/clients/0`, `file .local-sandbox/dev/clients.json` */
  readonly origin: string;
}

/** Where the registry is read from: SSM parameters in AWS, a file in the sandbox and tests. */
export interface ClientRegistrySource {
  readonly description: string;
  /** Every part, in a stable order. */
  read(): Promise<RegistryPart[]>;
}

/** A registry part that is not what the contract says; the part in force stays (see {@link ClientRegistry}). */
export class ClientRegistryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClientRegistryError';
  }
}

const isName = (value: unknown): value is string => typeof value === 'string' && value !== '' && value.trim() === value;
const shown = (value: unknown) => JSON.stringify(value)?.slice(0, 120);

/**
 * Parses one registry part: a JSON array of `[clientId, name, scopes]` tuples. Throws
 * {@link ClientRegistryError} naming the part and the entry for anything else.
 *
 * @example
 * parseRegistryPart('[["4kq1...","billing-batch",["read","execute"]]]', 'SSM parameter /m2m-auth/dev/clients/0')
 * // => [['4kq1...', 'billing-batch', ['read', 'execute']]]
 */
export function parseRegistryPart(text: string, description: string): RegistryEntry[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ClientRegistryError(`client registry ${description}: not JSON (${(error as Error).message})`);
  }
  if (!Array.isArray(value)) throw new ClientRegistryError(`client registry ${description}: must be a JSON array of [clientId, name, scopes]; received ${shown(value)}`);
  return value.map((entry: unknown, i) => {
    const bad = (rule: string) => new ClientRegistryError(`client registry ${description}: entry ${i} ${rule}; received ${shown(entry)}`);
    if (!Array.isArray(entry) || entry.length !== 3) throw bad('must be [clientId, name, scopes]');
    const [clientId, name, scopes] = entry as unknown[];
    if (!isName(clientId)) throw bad('must have a non-empty client id');
    if (!isName(name)) throw bad('must have a non-empty client name');
    if (!Array.isArray(scopes)) throw bad('must have an array of scopes');
    for (const scope of scopes) {
      if (!isName(scope) || /[\s/]/.test(scope)) throw bad(`must list bare scope names (read, not api/read); scope ${shown(scope)} is not one`);
    }
    return [clientId, name, scopes as string[]] as const;
  });
}

/**
 * The registry: the union of its parts. A client id in two entries, in one part or in two, is an error.
 *
 * @example
 * clientDirectoryOf([{ text: '[["id-1","reporting",["read"]]]', origin: 'file clients.json' }]).get('id-1') // => { name: 'reporting', scopes: ['read'] }
 */
export function clientDirectoryOf(parts: readonly RegistryPart[]): ClientDirectory {
  const clients = new Map<string, RegisteredClient>();
  for (const { text, origin } of parts) {
    for (const [clientId, name, scopes] of parseRegistryPart(text, origin)) {
      if (clients.has(clientId)) throw new ClientRegistryError(`client registry ${origin}: client id ${clientId} is listed twice`);
      clients.set(clientId, { name, scopes });
    }
  }
  return clients;
}

export interface ClientRegistryOptions extends RefreshingCopyOptions {
  /** After a forced re-read for an unknown client, no other is forced for this long. @default 10 */
  readonly unknownClientBackoffSeconds?: number;
}

/**
 * The M2M clients, read at run time (not bundled, not in the environment: 1,000 clients fit neither)
 * and re-read every `refreshSeconds`, the deny-list's cadence.
 *
 * A failed read keeps the registry in force, however old: a client is not locked out because SSM is
 * down. Until the first good read there is none, and M2M tokens are refused (`registry_unavailable`).
 * A token of a client the registry does not list forces one re-read (a client added by a deploy works
 * at once), at most one per `unknownClientBackoffSeconds`, as the JWKS does for an unknown `kid`.
 */
export class ClientRegistry {
  private readonly copy: RefreshingCopy<ClientDirectory>;
  private readonly now: () => number;
  private readonly backoffMs: number;
  private lastForcedAt = -Infinity;
  private lastText?: string;
  private lastDirectory?: ClientDirectory;

  constructor(
    private readonly source: ClientRegistrySource,
    options: ClientRegistryOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.backoffMs = (options.unknownClientBackoffSeconds ?? 10) * 1000;
    this.copy = new RefreshingCopy(() => this.read(), options);
  }

  get description(): string {
    return this.source.description;
  }

  /** The registry when younger than `refreshSeconds` (no I/O, no await); else undefined: call {@link current}. */
  fresh(): ClientDirectory | undefined {
    return this.copy.fresh();
  }

  /** The registry in force, re-read first when it is stale; undefined if it was never read. Never rejects. */
  current(): Promise<ClientDirectory | undefined> {
    return this.copy.current();
  }

  /**
   * The registry after a re-read forced by a client it does not list (single flight), or, within
   * `unknownClientBackoffSeconds` of the last forced re-read, the registry in force without reading.
   */
  async rereadForUnknownClient(): Promise<ClientDirectory | undefined> {
    if (this.now() - this.lastForcedAt < this.backoffMs) return this.copy.current();
    this.lastForcedAt = this.now();
    return this.copy.reread();
  }

  private async read(): Promise<ClientDirectory> {
    const parts = await this.source.read();
    const text = JSON.stringify(parts.map((part) => part.text));
    // Unchanged text keeps the same object: decisions cached under it stay valid.
    if (text === this.lastText && this.lastDirectory) return this.lastDirectory;
    const directory = clientDirectoryOf(parts);
    this.lastText = text;
    this.lastDirectory = directory;
    return directory;
  }
}

/** SSM `GetParameters` takes at most this many names per call. */
const GET_PARAMETERS_MAX_NAMES = 10;

/**
 * The registry as SSM String parameters, one part each, read with `GetParameters` (ten names per
 * call, the calls in parallel). A name SSM does not know makes the whole read fail.
 *
 * @example
 * ssmParametersSource(['/m2m-auth/dev/clients/0', '/m2m-auth/dev/clients/1'])
 */
export function ssmParametersSource(names: readonly string[]): ClientRegistrySource {
  const batches: string[][] = [];
  for (let i = 0; i < names.length; i += GET_PARAMETERS_MAX_NAMES) batches.push(names.slice(i, i + GET_PARAMETERS_MAX_NAMES));
  return {
    description: names.length === 1 ? `SSM parameter ${names[0]}` : `${names.length} SSM parameters ${names[0]}, ...`,
    async read() {
      const { client, GetParametersCommand } = ssmClient();
      const answers = await Promise.all(batches.map((batch) => client.send(new GetParametersCommand({ Names: batch }))));
      const invalid = answers.flatMap((answer) => answer.InvalidParameters ?? []);
      if (invalid.length > 0) throw new ClientRegistryError(`client registry: SSM has no parameter ${invalid.join(', ')}`);
      const values = new Map(answers.flatMap((answer) => answer.Parameters ?? []).map((parameter) => [parameter.Name, parameter.Value]));
      return names.map((name) => {
        const value = values.get(name);
        if (value === undefined) throw new ClientRegistryError(`client registry: SSM parameter ${name} has no value`);
        return { text: value, origin: `SSM parameter ${name}` };
      });
    },
  };
}

/** The registry as one local file (the sandbox, tests); a missing file means no M2M clients. */
export function registryFileSource(path: string): ClientRegistrySource {
  return {
    description: `file ${path}`,
    async read() {
      try {
        return [{ text: await readFile(path, 'utf8'), origin: `file ${path}` }];
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw error;
      }
    },
  };
}
