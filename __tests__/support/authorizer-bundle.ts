import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
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
 * Writes a client registry file (`CLIENT_REGISTRY_FILE`) listing `clients` as `[clientId, name, scopes]`,
 * scopes being bare names, and returns its path. `scopes` defaults to the client's configured scopes in `config`.
 */
export function writeClientRegistry(clients: ReadonlyArray<{ readonly id: string; readonly name: string; readonly scopes?: readonly string[] }>, config?: EnvironmentConfig): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'm2m-registry-')), 'clients.json');
  const scopesOf = (name: string) => config?.m2mClients.find((client) => client.name === name)?.scopes ?? [];
  fs.writeFileSync(file, JSON.stringify(clients.map(({ id, name, scopes }) => [id, name, scopes ?? scopesOf(name)])));
  return file;
}

/** Everything the bundle exports: the handler, and `ready` (the JWKS and deny-list requests sent at init have settled). */
export interface AuthorizerModule {
  readonly handler: AuthorizerHandler;
  readonly ready: Promise<void>;
}

let moduleLoads = 0;

/** Like {@link loadAuthorizer}, but returns the whole module; its init runs inside this call. */
export function loadAuthorizerModule(config: EnvironmentConfig, env: Record<string, string | undefined>): AuthorizerModule {
  // Inside the project, so that the bundle's external `@aws-sdk/*` imports resolve (and the SDK mock applies).
  const dir = path.resolve(__dirname, '..', '..', 'node_modules', '.cache', 'm2m-auth-test-modules');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `authorizer-${process.pid}-${++moduleLoads}.js`);
  fs.writeFileSync(file, bundleAuthorizer(config).code);
  const saved = { ...process.env };
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(file) as AuthorizerModule;
  } finally {
    process.env = saved;
    fs.rmSync(file, { force: true });
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
