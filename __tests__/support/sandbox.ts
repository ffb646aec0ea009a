import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { EnvironmentConfig } from '../../lib/config/schema';
import { startSandbox, type Sandbox } from '../../sandbox/server';
import { captureOutput } from './authorizer-bundle';

/** The running sandbox of a test file, with its state folder and the output it printed. */
export interface TestSandbox {
  readonly sandbox: Sandbox;
  /** The state folder (state.json, revocations.json), removed after the file's tests. */
  readonly dir: string;
  readonly output: ReturnType<typeof captureOutput>;
}

/**
 * Starts a sandbox for `config` on a free port before the file's tests (its printed lines captured)
 * and stops it after them, removing its state. Read the fields inside tests: they exist from beforeAll on.
 *
 * @example
 * const local = useSandbox(environment(), 'discovery');
 * test('...', async () => { await fetch(local.sandbox.tokenEndpoint, ...); });
 */
export function useSandbox(config: EnvironmentConfig, name: string): TestSandbox {
  const current: { sandbox?: Sandbox; dir?: string; output?: ReturnType<typeof captureOutput> } = {};
  beforeAll(async () => {
    current.dir = fs.mkdtempSync(path.join(os.tmpdir(), `m2m-sandbox-${name}-`));
    current.output = captureOutput();
    current.sandbox = await startSandbox({ config, stateDir: current.dir, port: 0 });
  });
  afterAll(async () => {
    await current.sandbox?.stop();
    current.output?.restore();
    if (current.dir) fs.rmSync(current.dir, { recursive: true, force: true });
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the sandbox is started in beforeAll: read it inside a test');
    return value;
  };
  return {
    get sandbox() {
      return started(current.sandbox);
    },
    get dir() {
      return started(current.dir);
    },
    get output() {
      return started(current.output);
    },
  };
}
