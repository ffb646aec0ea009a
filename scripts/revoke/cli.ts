/**
 * `npm run revoke -- <env> <client>`: adds a client (or, with `--jti`, one token) to the environment's
 * revocation deny-list, takes it off again (`--undo`), lists it (`--list`) or drops jti entries whose
 * token has expired (`--prune`); against the SSM parameter `/<namePrefix>/<env>/revocations`, or with
 * `--local` against the sandbox's `.local-sandbox/<env>/revocations.json`. See store.ts for how
 * concurrent changes are kept.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ssmCommands from '@aws-sdk/client-ssm';
import type { EnvironmentConfig } from '../../lib/config/schema';
import { byteLength, isExpired, serializeDocument, SSM_STANDARD_MAX_BYTES, type Change, type DenyListDocument } from './document';
import { ConcurrentWriteError, DenyListTooLargeError, FileStore, SsmStore, type DenyListStore, type SsmLike } from './store';
import { consoleIo, type CliIo, environmentNamed, parseCommandLine } from '../cli-io';
export type { CliIo } from '../cli-io';

export const USAGE = `Usage: npm run revoke -- <environment> <client> [--reason "<text>"]
       npm run revoke -- <environment> --jti <jti> [--reason "<text>"]
       npm run revoke -- <environment> --undo <client> | --undo --jti <jti>
       npm run revoke -- <environment> --list | --prune
       (each with [--local [--state-dir .local-sandbox]])

Adds a client or one token to <environment>'s revocation deny-list: the authorizer then answers 401
\`revoked\` for every token of that client (or that one token), cached decisions included.

  <client>            a client name from the config, its app client id, a legacy API-key caller's name
                      or legacy:<caller>
  --jti <jti>         revoke one token (its jti claim) instead of a whole client
  --reason <text>     kept with the entry (shown by --list; the authorizer ignores it)
  --undo              take the client or the jti off the list
  --list              print the list with each entry's reason and date
  --prune             drop jti entries whose token has expired (by the longest access token
                      validity of the environment's clients); client entries leave only with --undo
  --local             the sandbox's file <state-dir>/<environment>/revocations.json (npm run local)
  --state-dir <dir>   with --local; default .local-sandbox
  --parameter <name>  the SSM parameter; default /<namePrefix>/<environment>/revocations
                      (output revocation_parameter_name)
  --client-ids <file> names -> ids for AWS mode: {"<name>": "<id>"} or the JSON of
                      npx cdktf output <environment> --json (m2m_client_ids); without it, name a client
                      by its id (output m2m_client_ids)
  --help              print this message

AWS credentials and region: the usual AWS SDK chain (AWS_PROFILE, ...); the region defaults to the
environment's. Needs ssm:GetParameter and ssm:PutParameter on the parameter.
The list must stay within ${SSM_STANDARD_MAX_BYTES} bytes (Standard SSM parameter); the command refuses before exceeding it.
Exit status: 0 done (or nothing to change), 1 failed (AWS, config, list too large, contention),
2 bad arguments, unknown environment or unknown client.`;


export interface RevokeDeps {
  readonly env?: NodeJS.ProcessEnv;
  /** The SSM client (tests pass a mocked one); default a new SSMClient in the environment's region. */
  readonly ssm?: SsmLike;
  readonly now?: () => Date;
  /** --local: called between read and rename (tests interleave a write there). */
  readonly beforeRename?: (attempt: number) => void | Promise<void>;
  /** SSM: pause before the second confirmation read (default 2000 ms; tests shorten it). */
  readonly settleMs?: number;
}


class UsageError extends Error {}
/** A problem that is not the arguments' fault (exit 1, no usage text). */
class RevokeError extends Error {}

/** Seconds until a change of the list is in force everywhere: authorizer refresh + gateway cache. */
export function effectSeconds(config: EnvironmentConfig): { refresh: number; cache: number; total: number } {
  const refresh = config.authorizer.revocationRefreshSeconds;
  const cache = config.legacyApiKeys.enabled ? 0 : config.gateway.resultCacheTtlSeconds;
  return { refresh, cache, total: refresh + cache };
}

/** The longest access token validity of the environment's clients, in minutes (jti entries live this long). */
export function longestTokenMinutes(config: EnvironmentConfig): number {
  return Math.max(60, ...config.m2mClients.map((c) => c.accessTokenValidityMinutes), ...(config.userClient ? [(config.userClient as { accessTokenValidityMinutes?: number }).accessTokenValidityMinutes ?? 60] : []));
}

/** Client names -> ids: the sandbox's state.json (--local) or --client-ids (AWS); undefined when unknown. */
function knownClientIds(config: EnvironmentConfig, local: { stateFile: string } | undefined, clientIdsFile: string | undefined): Record<string, string> | undefined {
  if (local) {
    if (!fs.existsSync(local.stateFile)) throw new RevokeError(`no sandbox state at ${local.stateFile}: run npm run local -- --env ${config.name} once first (or check --state-dir)`);
    const stored = JSON.parse(fs.readFileSync(local.stateFile, 'utf8')) as { clients?: Record<string, { clientId?: string }> };
    return Object.fromEntries(Object.entries(stored.clients ?? {}).flatMap(([name, c]) => (typeof c.clientId === 'string' ? [[name, c.clientId]] : [])));
  }
  if (clientIdsFile === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(clientIdsFile, 'utf8'));
  } catch (error) {
    throw new UsageError(`--client-ids: cannot read ${clientIdsFile}: ${(error as Error).message}`);
  }
  // Accept {"name": "id"}, {"m2m_client_ids": {...}} and {"<stack>": {"m2m_client_ids": {...}}}; output values may be {"value": ...}.
  const unwrap = (v: unknown): unknown => (v && typeof v === 'object' && 'value' in v ? (v as { value: unknown }).value : v);
  const find = (v: unknown): Record<string, string> | undefined => {
    v = unwrap(v);
    if (!v || typeof v !== 'object') return undefined;
    const record = v as Record<string, unknown>;
    if ('m2m_client_ids' in record) return find(record.m2m_client_ids);
    if (config.name in record) return find(record[config.name]);
    return Object.values(record).every((id) => typeof id === 'string') ? (record as Record<string, string>) : undefined;
  };
  const ids = find(value);
  if (!ids) throw new UsageError(`--client-ids: ${clientIdsFile} holds no m2m_client_ids map`);
  return ids;
}

/** Resolves the command's <client> to the id the authorizer checks, or throws a UsageError listing the known ones. */
export function resolveClient(target: string, config: EnvironmentConfig, ids: Record<string, string> | undefined): { id: string; label: string } {
  const callers = config.legacyApiKeys.callers.map((c) => c.name);
  const names = config.m2mClients.map((c) => c.name);
  const known = () =>
    [
      ...names.map((n) => (ids?.[n] ? `${n} (${ids[n]})` : n)),
      ...callers.map((c) => `legacy:${c}`),
      ...(config.userClient ? ['the user client, by its id'] : []),
    ].join(', ') || 'none';
  if (target.startsWith('legacy:')) {
    const caller = target.slice('legacy:'.length);
    if (!callers.includes(caller)) throw new UsageError(`no legacy API-key caller "${caller}" in ${config.name}; known clients: ${known()}`);
    return { id: target, label: `legacy caller ${caller}` };
  }
  if (callers.includes(target)) return { id: `legacy:${target}`, label: `legacy caller ${target}` };
  if (names.includes(target)) {
    const id = ids?.[target];
    if (!id) throw new UsageError(`the id of client "${target}" is unknown here: pass its id (npx cdktf output ${config.name}: m2m_client_ids) or --client-ids <file>`);
    return { id, label: `client ${target} (${id})` };
  }
  const byId = ids && Object.entries(ids).find(([, id]) => id === target);
  if (byId) return { id: target, label: `client ${byId[0]} (${target})` };
  // Without a name -> id map (AWS mode), an id-shaped argument is taken as given (Cognito app client ids).
  if (!ids && /^[a-z0-9]{20,128}$/.test(target)) return { id: target, label: `client id ${target}` };
  throw new UsageError(`unknown client "${target}" in ${config.name}; known clients: ${known()}`);
}

function describeEffect(config: EnvironmentConfig): string {
  const { refresh, cache, total } = effectSeconds(config);
  return `in force everywhere within ${total} s: the authorizer re-reads the list every ${refresh} s (revocationRefreshSeconds)${
    cache > 0 ? ` + the gateway may serve a cached answer for ${cache} s (gateway.resultCacheTtlSeconds)` : ' and the gateway cache is off'
  }`;
}

function listLines(doc: DenyListDocument, now: Date): string[] {
  const line = (id: string) => {
    const note = doc.notes[id];
    const parts = [id.padEnd(28), note ? `since ${note.at}` : 'since ?'];
    if (note?.expiresAt) parts.push(isExpired(note, now) ? `expired ${note.expiresAt} (--prune drops it)` : `until ${note.expiresAt}`);
    if (note?.reason) parts.push(`reason: ${note.reason}`);
    return `  ${parts.join('  ')}`;
  };
  return [`clients (${doc.clientIds.length}):`, ...doc.clientIds.map(line), `tokens (${doc.jtis.length}):`, ...doc.jtis.map(line)];
}

/**
 * Runs the command with `argv` (the arguments after `--`); resolves with the exit status.
 *
 * @example
 * process.exitCode = await main(['prod', 'reporting', '--reason', 'leaked secret']);
 */
export async function main(argv: readonly string[], io: CliIo = consoleIo, deps: RevokeDeps = {}): Promise<number> {
  const env = deps.env ?? process.env;
  const now = deps.now ?? (() => new Date());
  const parsed = parseCommandLine(
    io,
    argv,
    {
      jti: { type: 'string' },
      reason: { type: 'string' },
      undo: { type: 'boolean' },
      list: { type: 'boolean' },
      prune: { type: 'boolean' },
      local: { type: 'boolean' },
      'state-dir': { type: 'string' },
      parameter: { type: 'string' },
      'client-ids': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    USAGE,
    (message) => usageError(io, message),
  );
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const [envName, target, ...rest] = positionals;
  if (envName === undefined) return usageError(io, 'name the environment, e.g. npm run revoke -- dev reporting');
  if (rest.length > 0) return usageError(io, `one client at a time; received ${positionals.slice(1).join(', ')}`);
  const actions = [values.list && '--list', values.prune && '--prune'].filter(Boolean);
  if (actions.length > 1 || (actions.length === 1 && (values.undo || target !== undefined || values.jti !== undefined))) return usageError(io, `${actions[0]} takes no client, --jti or --undo`);
  if (actions.length === 0 && target === undefined && values.jti === undefined) return usageError(io, 'name a client, or --jti <jti>, --list or --prune');
  if (target !== undefined && values.jti !== undefined) return usageError(io, 'a client or --jti, not both');
  if (values.jti !== undefined && values.jti.trim() === '') return usageError(io, '--jti: empty');
  if (values.reason !== undefined && (values.undo || actions.length > 0)) return usageError(io, '--reason goes with a revocation, not with --undo, --list or --prune');
  if (values['state-dir'] !== undefined && !values.local) return usageError(io, '--state-dir goes with --local');
  if (values.local && (values.parameter !== undefined || values['client-ids'] !== undefined)) return usageError(io, '--parameter and --client-ids are for the SSM parameter, not --local');

  const config = environmentNamed(io, env, envName, (message) => usageError(io, message));
  if (typeof config === 'number') return config;

  const local = values.local ? { stateDir: path.resolve(values['state-dir'] ?? '.local-sandbox', config.name) } : undefined;
  let store: DenyListStore;
  if (local) store = new FileStore(path.join(local.stateDir, 'revocations.json'), deps.beforeRename);
  else {
    const ssm = deps.ssm ?? new ssmCommands.SSMClient({ region: env.AWS_REGION ?? config.region });
    store = new SsmStore(ssm, values.parameter ?? `/${config.namePrefix}/${config.name}/revocations`, ssmCommands, undefined, deps.settleMs);
  }

  try {
    const at = now();
    if (values.list) {
      const doc = await store.read();
      io.out([`${config.name}: ${store.description}, ${byteLength(serializeDocument(doc))} of ${SSM_STANDARD_MAX_BYTES} bytes`, ...listLines(doc, at)].join('\n'));
      return 0;
    }
    let change: Change;
    let label: string;
    if (values.prune) {
      change = { kind: 'prune', now: at };
      label = 'expired jti entries';
    } else {
      const list = values.jti !== undefined ? 'jtis' : 'clientIds';
      let id: string;
      if (values.jti !== undefined) {
        id = values.jti;
        label = `token ${id}`;
      } else {
        const ids = knownClientIds(config, local && { stateFile: path.join(local.stateDir, 'state.json') }, values['client-ids']);
        ({ id, label } = resolveClient(target!, config, ids));
      }
      if (values.undo) change = { kind: 'remove', list, id };
      else {
        const expiresAt = list === 'jtis' ? new Date(at.getTime() + longestTokenMinutes(config) * 60_000).toISOString() : undefined;
        change = { kind: 'add', list, id, note: { at: at.toISOString(), ...(values.reason ? { reason: values.reason } : {}), ...(expiresAt ? { expiresAt } : {}) } };
      }
    }
    const result = await store.update(change);
    const size = `${byteLength(serializeDocument(result.after))} of ${SSM_STANDARD_MAX_BYTES} bytes`;
    const where = `${config.name}: ${store.description}${result.version !== undefined ? ` (version ${result.version})` : ''}`;
    if (change.kind === 'prune') {
      const dropped = result.before.jtis.filter((j) => !result.after.jtis.includes(j));
      const unknownAge = result.after.jtis.filter((j) => !result.after.notes[j]?.expiresAt);
      io.out(`${where}: pruned ${dropped.length} expired jti entr${dropped.length === 1 ? 'y' : 'ies'}${dropped.length ? ` (${dropped.join(', ')})` : ''}; ${size}`);
      if (unknownAge.length) io.err(`revoke: kept ${unknownAge.length} jti entr${unknownAge.length === 1 ? 'y' : 'ies'} of unknown age (added by hand): ${unknownAge.join(', ')}; --undo --jti <jti> once the token has expired`);
      return 0;
    }
    if (!result.changed) {
      io.out(`${where}: ${label} ${change.kind === 'add' ? 'is already on the list' : 'is not on the list'}; nothing changed`);
      return 0;
    }
    const retried = result.attempts > 1 ? ` (a concurrent change was merged; ${result.attempts} writes)` : '';
    io.out(
      change.kind === 'add'
        ? `${where}: revoked ${label}${retried}; ${size}.\n${describeEffect(config)}.${
            change.list === 'clientIds' && !change.id.startsWith('legacy:') ? `\nIf its secret leaked, retire it: npm run rotate -- ${config.name} ${config.m2mClients.some((c) => c.name === target) ? target : '<client name>'}${values.local ? ' --local' : ''} --retire-previous; then --undo once the tokens issued before have expired (docs/runbooks/leaked-secret.md).` : ''
          }${change.list === 'jtis' ? `\nThe entry is needed until ${change.note.expiresAt} (longest access token validity); --prune drops it after that.` : ''}`
        : `${where}: ${label} is off the list${retried}; ${size}. Its tokens are accepted again within ${effectSeconds(config).total} s (revocationRefreshSeconds + the gateway cache TTL).`,
    );
    return 0;
  } catch (error) {
    if (error instanceof UsageError) return usageError(io, error.message);
    if (error instanceof DenyListTooLargeError || error instanceof ConcurrentWriteError || error instanceof RevokeError) {
      io.err(`revoke: ${error.message}`);
      return 1;
    }
    const name = (error as { name?: string }).name;
    if (name === 'ParameterNotFound') {
      io.err(`revoke: ${store.description} does not exist: deploy ${config.name} first, or pass --parameter (output revocation_parameter_name)`);
      return 1;
    }
    io.err(`revoke: ${config.name}: ${name ? `${name}: ` : ''}${(error as Error).message}`);
    return 1;
  }
}

function usageError(io: CliIo, message: string): number {
  io.err(`revoke: ${message}\n\n${USAGE}`);
  return 2;
}
