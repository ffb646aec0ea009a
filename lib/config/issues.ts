/**
 * How a config problem reads: `<environments>: <field path>: <rule>; received <value>`, in plain
 * words, each distinct problem once.
 */
import type { z } from 'zod';
import { RENAMED_FIELDS } from './schema';

/** One broken rule: the environments it applies to, and `<field path>: <rule>; received <value>`. */
export interface Problem {
  readonly environments: readonly string[];
  readonly text: string;
}

/**
 * Zod error map for the rules that carry no message of their own: plain words by issue code in
 * place of zod's wording. A message set in the schema wins over it (zod's precedence), so custom
 * messages are never touched. Pass it per parse: `schema.safeParse(input, { error: plainRule })`.
 *
 * @example
 * z.enum(['GET', 'POST']).safeParse('FETCH', { error: plainRule }); // message: 'must be one of GET, POST'
 */
export function plainRule(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      if (issue.expected === 'number' && 'received' in issue) return 'must be a finite number'; // zod's mark for Infinity and NaN
      return TYPE_RULES[issue.expected] ?? `must be of type ${issue.expected}`;
    case 'invalid_value':
      return issue.values.length === 1 ? `must be ${plainValue(issue.values[0])}` : `must be one of ${issue.values.map(plainValue).join(', ')}`;
    case 'too_small':
      return sizeRule(issue.origin, issue.minimum, issue.inclusive, issue.exact, 'at least', 'greater than');
    case 'too_big':
      return sizeRule(issue.origin, issue.maximum, issue.inclusive, issue.exact, 'at most', 'less than');
    case 'invalid_format':
      return FORMAT_RULES[issue.format] ?? (issue.format === 'regex' && issue.pattern ? `must match ${issue.pattern}` : `must be a valid ${issue.format}`);
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}`;
    case 'invalid_key':
      return `invalid key: ${issue.issues.map((inner) => inner.message).join('; ')}`;
    case 'invalid_union': {
      const options = 'options' in issue && Array.isArray(issue.options) ? (issue.options as unknown[]) : [];
      return options.length > 0 ? `must be one of ${options.map(plainValue).join(', ')}` : 'matches none of the allowed forms';
    }
    default:
      return undefined; // unrecognized_keys is worded by formatIssue; anything else keeps zod's text
  }
}

const TYPE_RULES: Readonly<Record<string, string>> = {
  string: 'must be a string',
  number: 'must be a number',
  int: 'must be a whole number',
  boolean: 'must be true or false',
  array: 'must be an array',
  object: 'must be an object',
  record: 'must be an object',
};

const FORMAT_RULES: Readonly<Record<string, string>> = {
  email: 'must be an e-mail address',
  url: 'must be a URL such as https://example.com/path',
};

const SIZE_UNITS: Readonly<Record<string, [verb: string, unit: string]>> = {
  string: ['be', 'characters long'],
  array: ['have', 'items'],
  set: ['have', 'items'],
};

function sizeRule(origin: string, limit: number | bigint, inclusive: boolean | undefined, exact: boolean | undefined, within: string, beyond: string): string {
  if (origin === 'string' && within === 'at least' && limit === 1 && !exact) return 'must not be empty';
  const bound = exact ? 'exactly' : inclusive ? within : beyond;
  const units = SIZE_UNITS[origin];
  return units ? `must ${units[0]} ${bound} ${limit} ${units[1]}` : `must be ${bound} ${limit}`;
}

function plainValue(value: unknown): string {
  return typeof value === 'string' ? value : String(value);
}

/**
 * The problem texts (`<field path>: <rule>; received <value>`, without the environment) of one zod
 * issue; `input` is what was validated, so the received value is the one the user wrote.
 * Unknown fields get one text for all of them, renamed fields one each that names the new name.
 */
export function formatIssue(issue: z.core.$ZodIssue, input: unknown): string[] {
  const fieldPath = formatPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const texts: string[] = [];
    const unknown = issue.keys.filter((key) => {
      const renamed = RENAMED_FIELDS[genericPath([...issue.path, key])];
      if (renamed) texts.push(`${formatPath([...issue.path, key])}: renamed to ${renamed.to} (${renamed.why}); rename the field`);
      return !renamed;
    });
    if (unknown.length > 0) {
      texts.unshift(
        `${fieldPath || '(environment)'}: unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')}: remove or fix the spelling (see README "Configuration reference")`,
      );
    }
    return texts;
  }
  const value = issue.code === 'invalid_key' ? issue.path.at(-1) : valueAt(input, issue.path);
  return [`${fieldPath || '(environment)'}: ${issue.message}; received ${describeValue(value)}`];
}

/**
 * One line per distinct problem text, naming every environment that has it, in first-seen order:
 * `dev, staging, prod: routes[3].method: ...`. Environments that share an array share its problems.
 */
export function mergeProblems(problems: readonly Problem[]): string[] {
  const environmentsByText = new Map<string, string[]>();
  for (const { environments, text } of problems) {
    const merged = environmentsByText.get(text) ?? [];
    for (const name of environments) if (!merged.includes(name)) merged.push(name);
    environmentsByText.set(text, merged);
  }
  return [...environmentsByText].map(([text, environments]) => `${environments.join(', ')}: ${text}`);
}

/** `m2mClients[0].scopes[1]` from `['m2mClients', 0, 'scopes', 1]`; a key that is not a plain name is quoted: `tags["Cost Center"]`. */
export function formatPath(segments: readonly PropertyKey[]): string {
  return segments
    .map((segment, i) => {
      if (typeof segment === 'number') return `[${segment}]`;
      const key = String(segment);
      return PLAIN_KEY.test(key) ? `${i === 0 ? '' : '.'}${key}` : `[${JSON.stringify(key)}]`;
    })
    .join('');
}

const PLAIN_KEY = /^[A-Za-z_$][\w$-]*$/;

/** A received value as the problem line shows it: JSON, shortened; `nothing` when absent. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value); // JSON has no Infinity or NaN
  if (typeof value === 'function' || typeof value === 'symbol') return `a ${typeof value}`;
  try {
    return truncate(JSON.stringify(value));
  } catch {
    return 'a value that cannot be shown as JSON';
  }
}

function genericPath(segments: readonly PropertyKey[]): string {
  return formatPath(segments).replace(/\[\d+\]/g, '[]');
}

function valueAt(input: unknown, segments: readonly PropertyKey[]): unknown {
  let current: unknown = input;
  for (const segment of segments) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

function truncate(text: string, max = 120): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}
