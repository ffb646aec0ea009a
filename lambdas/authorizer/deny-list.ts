import { readFile } from 'node:fs/promises';
import { AuthorizationDenied } from './reasons';
import { RefreshingCopy, type RefreshingCopyOptions } from './refreshing-copy';
import { ssmClient } from './ssm-client';

/** What the deny-list holds: `{"clientIds": ["..."], "jtis": ["..."]}`. */
export interface Revocations {
  readonly clientIds: ReadonlySet<string>;
  readonly jtis: ReadonlySet<string>;
}

/** Where the deny-list is read from: the SSM parameter in AWS, a file in the local sandbox. */
export interface RevocationSource {
  readonly description: string;
  read(): Promise<string>;
}

export const EMPTY_DENY_LIST = '{"clientIds":[],"jtis":[]}';

/** Parses and checks the deny-list document; throws on anything unexpected. */
export function parseRevocations(text: string): Revocations {
  const value: unknown = JSON.parse(text);
  const list = (name: string): Set<string> => {
    const items = (value as Record<string, unknown>)[name] ?? [];
    if (!Array.isArray(items) || !items.every((item) => typeof item === 'string')) throw new Error(`deny-list field ${name} must be an array of strings`);
    return new Set(items);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('deny-list must be a JSON object');
  return { clientIds: list('clientIds'), jtis: list('jtis') };
}

export interface DenyListOptions extends RefreshingCopyOptions {
  /** Past this age without a successful read, every request is denied (`revocation_unavailable`). */
  readonly maxStaleSeconds: number;
}

/**
 * The revocation deny-list, re-read at most every `refreshSeconds` and checked on every request.
 *
 * If the source cannot be read, the last list read stays in force until it is `maxStaleSeconds` old;
 * after that, and before the first successful read, every request is denied. So a revoked client is
 * refused at most `refreshSeconds` after the revocation, or at most `maxStaleSeconds` after the last
 * successful read while the source is down.
 */
export class DenyList {
  private readonly copy: RefreshingCopy<Revocations>;

  constructor(
    private readonly source: RevocationSource,
    private readonly options: DenyListOptions,
  ) {
    this.copy = new RefreshingCopy(async () => parseRevocations(await source.read()), options);
  }

  /** The list in force when it is younger than `refreshSeconds` (no I/O, no await); else undefined: call {@link current}. */
  fresh(): Revocations | undefined {
    return this.copy.fresh();
  }

  /** The list in force, refreshed first when it is older than `refreshSeconds`. */
  async current(): Promise<Revocations> {
    const revocations = await this.copy.current();
    const ageSeconds = this.copy.ageSeconds();
    if (!revocations || ageSeconds > this.options.maxStaleSeconds) {
      throw new AuthorizationDenied('revocation_unavailable', `${this.source.description} not read for ${Number.isFinite(ageSeconds) ? Math.round(ageSeconds) : 'ever'} s`);
    }
    return revocations;
  }

  /** Throws `revoked` when the client or the token is on the list. */
  static check(revocations: Revocations, clientId: string | undefined, jti: string | undefined): void {
    if (clientId !== undefined && revocations.clientIds.has(clientId)) throw new AuthorizationDenied('revoked', 'client is on the deny-list');
    if (jti !== undefined && revocations.jtis.has(jti)) throw new AuthorizationDenied('revoked', 'token is on the deny-list');
  }
}

/** The deny-list as an SSM String parameter. */
export function ssmParameterSource(name: string): RevocationSource {
  return {
    description: `SSM parameter ${name}`,
    async read() {
      const { client, GetParameterCommand } = ssmClient();
      const output = await client.send(new GetParameterCommand({ Name: name }));
      const value = output.Parameter?.Value;
      if (value === undefined) throw new Error(`SSM parameter ${name} has no value`);
      return value;
    },
  };
}

/** The deny-list as a local file (the sandbox); a missing file means nothing is revoked. */
export function fileSource(path: string): RevocationSource {
  return {
    description: `file ${path}`,
    async read() {
      try {
        return await readFile(path, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY_DENY_LIST;
        throw error;
      }
    },
  };
}
