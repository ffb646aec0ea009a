/**
 * What every operator command shares: where its lines go (stdout and stderr, or a test's buffers), and
 * how it turns an `<env>` argument into that environment's validated config.
 */
import { parseArgs } from 'node:util';
import { ConfigValidationError, loadEnvironments, type EnvironmentConfig } from '../lib/config';

/** Where a command writes its lines; tests pass buffers. */
export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/** stdout and stderr, one line per call. */
export const consoleIo: CliIo = { out: (text) => process.stdout.write(`${text}\n`), err: (text) => process.stderr.write(`${text}\n`) };

/**
 * The validated config of environment `name`, or the exit status after saying why not: the config's
 * problems (1), or an unknown name with the names the config declares (`usageError`, 2 by convention).
 *
 * @example
 * const config = environmentNamed(io, process.env, 'dev', (message) => usageError(io, message));
 * if (typeof config === 'number') return config;
 */
export function environmentNamed(io: CliIo, env: NodeJS.ProcessEnv, name: string, usageError: (message: string) => number): EnvironmentConfig | number {
  const environments = validEnvironments(io, env);
  if (typeof environments === 'number') return environments;
  return environments.find((e) => e.name === name) ?? usageError(`no environment "${name}"; the config declares ${environments.map((e) => e.name).join(', ')}`);
}

/** Every environment of the config, validated; or 1 after printing the config's problems. */
export function validEnvironments(io: CliIo, env: NodeJS.ProcessEnv): EnvironmentConfig[] | number {
  try {
    return loadEnvironments(env);
  } catch (error) {
    if (!(error instanceof ConfigValidationError)) throw error;
    io.err(error.message);
    return 1;
  }
}

/**
 * The arguments after `--`, parsed with positionals allowed; or the exit status when there is nothing
 * left to do: 0 after printing `usage` for `--help`/`-h` (declare `help` in `options`), or a bad option's
 * message through `usageError`.
 *
 * @example
 * const parsed = parseCommandLine(io, argv, { local: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, USAGE, (m) => usageError(io, m));
 * if (typeof parsed === 'number') return parsed;
 */
export function parseCommandLine<O extends ParseArgsOptionsConfig & { help: { type: 'boolean' } }>(
  io: CliIo,
  argv: readonly string[],
  options: O,
  usage: string,
  usageError: (message: string) => number,
): { values: ParsedValues<O>; positionals: string[] } | number {
  let parsed: { values: ParsedValues<O>; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, options }) as unknown as typeof parsed;
  } catch (error) {
    return usageError((error as Error).message);
  }
  if ((parsed.values as { help?: boolean }).help) {
    io.out(usage);
    return 0;
  }
  return parsed;
}

type ParseArgsOptionsConfig = Record<string, { type: 'string' | 'boolean'; short?: string }>;
/** What parseArgs gives for `options`: strings for string options, booleans for the rest, each optional. */
type ParsedValues<O extends ParseArgsOptionsConfig> = { [K in keyof O]?: O[K]['type'] extends 'string' ? string : boolean };
