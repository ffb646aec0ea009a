/**
 * What every operator command shares: where its lines go (stdout and stderr, or a test's buffers), and
 * how it turns an `<env>` argument into that environment's validated config.
 */
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
  let environments: EnvironmentConfig[];
  try {
    environments = loadEnvironments(env);
  } catch (error) {
    if (!(error instanceof ConfigValidationError)) throw error;
    io.err(error.message);
    return 1;
  }
  return environments.find((e) => e.name === name) ?? usageError(`no environment "${name}"; the config declares ${environments.map((e) => e.name).join(', ')}`);
}
