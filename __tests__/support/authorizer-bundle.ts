import { bundleAuthorizer } from '../../lib/authorizer/authorizer-bundle';
import type { EnvironmentConfig } from '../../lib/config/schema';
import type { AuthorizerEvent, AuthorizerResult } from '../../lambdas/authorizer/handler';
import { loadBundledHandler } from '../../sandbox/bundles';

export type AuthorizerHandler = (event: AuthorizerEvent) => Promise<AuthorizerResult>;

/**
 * Builds the real authorizer bundle for `config` (exactly what synth deploys), then loads a fresh
 * instance of it with `env` as its environment variables.
 */
export function loadAuthorizer(config: EnvironmentConfig, env: Record<string, string | undefined>): AuthorizerHandler {
  return loadBundledHandler<AuthorizerHandler>(bundleAuthorizer(config).code, env);
}

/**
 * Captures what the code under test writes to stdout and stderr (Powertools logs, EMF) as parsed
 * JSON lines, in order.
 */
export function captureOutput(): { lines: () => Array<Record<string, unknown>>; restore: () => void; clear: () => void } {
  let buffer: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    buffer.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  const spies = [jest.spyOn(process.stdout, 'write').mockImplementation(capture), jest.spyOn(process.stderr, 'write').mockImplementation(capture)];
  return {
    lines: () =>
      buffer
        .join('')
        .split('\n')
        .filter((line) => line.trim().startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    clear: () => {
      buffer = [];
    },
    restore: () => spies.forEach((spy) => spy.mockRestore()),
  };
}
