import * as fs from 'node:fs';
import * as path from 'node:path';
import { bundleAuthorizer } from '../../lib/authorizer-bundle';
import type { EnvironmentConfig } from '../../lib/config/schema';
import type { AuthorizerEvent, AuthorizerResult } from '../../lambdas/authorizer/handler';

/** Inside the project, so the bundle's external `@aws-sdk/*` resolve to the same modules the test mocks. */
const BUNDLE_DIR = path.resolve(__dirname, '..', '..', 'node_modules', '.cache', 'm2m-auth-test-bundles');
let loads = 0;

export type AuthorizerHandler = (event: AuthorizerEvent) => Promise<AuthorizerResult>;

/**
 * Builds the real authorizer bundle for `config` (exactly what synth deploys), then loads a fresh
 * instance of it with `env` as its environment variables.
 */
export function loadAuthorizer(config: EnvironmentConfig, env: Record<string, string | undefined>): AuthorizerHandler {
  const bundle = bundleAuthorizer(config);
  fs.mkdirSync(BUNDLE_DIR, { recursive: true });
  const file = path.join(BUNDLE_DIR, `authorizer-${process.pid}-${++loads}.js`);
  fs.writeFileSync(file, bundle.code);
  const saved = { ...process.env };
  Object.assign(process.env, env);
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete process.env[name];
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require(file) as { handler: AuthorizerHandler }).handler;
  } finally {
    process.env = saved;
  }
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
