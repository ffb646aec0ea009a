/**
 * The plan guard's allow-list: a committed, reviewed file (default `config/plan-guard-allow.json`)
 * that lets named protected resources of one environment be replaced or destroyed, each with the
 * reason and optionally an expiry date.
 *
 * ```json
 * { "entries": [
 *   { "environment": "dev", "address": "aws_cognito_user_pool.identity_user_pool",
 *     "reason": "#42: sign-in by phone number; dev users are re-created by the seed script", "expires": "2026-01-31" }
 * ] }
 * ```
 */
import * as fs from 'node:fs';
import { isProtectedType, PROTECTED_RESOURCE_TYPES } from './protected-resources';

/** The file the guard reads when `--allow` is not given (relative to the project root). */
export const DEFAULT_ALLOW_LIST = 'config/plan-guard-allow.json';

/** One reviewed exception. */
export interface AllowEntry {
  /** The stack (= environment) whose plan it applies to: `dev`, `staging`, `prod`, `state-bootstrap`. */
  readonly environment: string;
  /** The exact resource address, as the plan names it (`aws_x.y`, `aws_x.y["key"]`). */
  readonly address: string;
  /** Why the replacement or deletion is meant; shown beside the finding. */
  readonly reason: string;
  /**
   * The last day (UTC, `YYYY-MM-DD`) the entry counts; after it the entry is ignored with a warning.
   * @default - never expires (remove it once the change is deployed: it is reported as stale then)
   */
  readonly expires?: string;
}

/** A parsed allow-list and where it came from (for messages). */
export interface AllowList {
  /** The path as given, e.g. `config/plan-guard-allow.json`. */
  readonly source: string;
  readonly entries: readonly AllowEntry[];
}

/** The allow-list file is malformed; the message names the file, the field and the fix. */
export class AllowListError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AllowListError';
  }
}

const ENVIRONMENT = /^[a-z0-9][a-z0-9-]*$/;
const ADDRESS = /^(?:module\.[A-Za-z0-9_-]+(?:\[[^\]]+\])?\.)*([A-Za-z][A-Za-z0-9_]*)\.[A-Za-z0-9_-]+(?:\[(?:\d+|"[^"]*")\])?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ENTRY_KEYS = ['environment', 'address', 'reason', 'expires'];

/**
 * Validates the parsed JSON of an allow-list. Every problem is reported at once, one per line, as
 * `<source>: entries[1].reason: <rule>; received <value>`.
 *
 * @example
 * parseAllowList({ entries: [] }, 'config/plan-guard-allow.json'); // { source, entries: [] }
 */
export function parseAllowList(json: unknown, source: string): AllowList {
  const problems: string[] = [];
  const problem = (where: string, message: string) => problems.push(`${source}: ${where}: ${message}`);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new AllowListError(`${source}: must be an object { "entries": [...] }; received ${describe(json)}`);
  for (const key of Object.keys(json)) if (key !== 'entries') problem(key, 'unknown field; the file holds only "entries"');
  const raw = (json as { entries?: unknown }).entries;
  if (!Array.isArray(raw)) {
    problem('entries', `must be a list of { environment, address, reason, expires? }; received ${describe(raw)}`);
    throw new AllowListError(problems.join('\n'));
  }
  const entries: AllowEntry[] = [];
  const seen = new Map<string, number>();
  raw.forEach((item: unknown, i) => {
    const at = `entries[${i}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      problem(at, `must be an object { environment, address, reason, expires? }; received ${describe(item)}`);
      return;
    }
    const entry = item as Record<string, unknown>;
    const before = problems.length;
    for (const key of Object.keys(entry)) if (!ENTRY_KEYS.includes(key)) problem(`${at}.${key}`, `unknown field; an entry has ${ENTRY_KEYS.join(', ')}`);
    const { environment, address, reason, expires } = entry;
    if (typeof environment !== 'string' || !ENVIRONMENT.test(environment)) problem(`${at}.environment`, `required: the stack name (dev, staging, prod, state-bootstrap); received ${describe(environment)}`);
    const match = typeof address === 'string' ? ADDRESS.exec(address) : null;
    if (!match) problem(`${at}.address`, `required: a resource address as the plan names it, e.g. aws_cognito_user_pool.identity_user_pool; received ${describe(address)}`);
    else if (!isProtectedType(match[1])) problem(`${at}.address`, `${match[1]} is not protected (the guard never blocks it, so it needs no entry); protected types: ${Object.keys(PROTECTED_RESOURCE_TYPES).join(', ')}; received "${address as string}"`);
    if (typeof reason !== 'string' || reason.trim() === '') problem(`${at}.reason`, `required: say why this resource may be replaced or destroyed (a ticket, what happens to its data); received ${describe(reason)}`);
    if (expires !== undefined && !(typeof expires === 'string' && isCalendarDate(expires))) problem(`${at}.expires`, `must be a date YYYY-MM-DD (the last day the entry counts, UTC); received ${describe(expires)}`);
    if (problems.length > before) return;
    const key = `${environment as string} ${address as string}`;
    if (seen.has(key)) {
      problem(at, `repeats entries[${seen.get(key)}] (${environment as string} ${address as string}); keep one`);
      return;
    }
    seen.set(key, i);
    entries.push({ environment: environment as string, address: address as string, reason: (reason as string).trim(), ...(expires !== undefined ? { expires: expires as string } : {}) });
  });
  if (problems.length > 0) throw new AllowListError(problems.join('\n'));
  return { source, entries };
}

/**
 * Reads and validates an allow-list file. A missing file is an empty list when `optional` (the
 * default file), an error otherwise (a path someone typed).
 *
 * @example
 * const allowList = readAllowList('config/plan-guard-allow.json', { optional: true });
 */
export function readAllowList(file: string, options: { readonly optional?: boolean; readonly displayName?: string } = {}): AllowList {
  const source = options.displayName ?? file;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && options.optional) return { source, entries: [] };
    throw new AllowListError(`${source}: cannot read the allow-list: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new AllowListError(`${source}: not valid JSON: ${(error as Error).message}`);
  }
  return parseAllowList(json, source);
}

/**
 * True when the entry no longer counts on `now`: `expires` is the last day it counts (UTC).
 *
 * @example
 * isExpired({ environment: 'dev', address: 'aws_kms_key.k', reason: 'x', expires: '2025-01-31' }, new Date('2025-02-01T00:00:00Z')); // true
 */
export function isExpired(entry: AllowEntry, now: Date): boolean {
  return entry.expires !== undefined && now.toISOString().slice(0, 10) > entry.expires;
}

function isCalendarDate(text: string): boolean {
  const match = DATE.exec(text);
  if (!match) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
