/**
 * Runs the local sandbox in its own process for the `local` bench section, so that the load
 * generator and the server do not share an event loop. Writes `{apiUrl, tokenEndpoint, client}` as
 * one JSON line to the file named by argv[2] once it listens; the sandbox's logs go to its stdout,
 * which the bench discards.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadEnvironments } from '../lib/config/load';
import { startSandbox } from '../sandbox/server';

async function main(infoFile: string): Promise<void> {
  const config = loadEnvironments().find((env) => env.name === 'dev')!;
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'm2m-bench-local-'));
  const sandbox = await startSandbox({ config, stateDir, port: 0 });
  const client = sandbox.clients.find((c) => c.scopes.some((scope) => scope.endsWith('/read')))!;
  fs.writeFileSync(infoFile, JSON.stringify({ apiUrl: sandbox.apiUrl, tokenEndpoint: sandbox.tokenEndpoint, client }));
  const stop = () => void sandbox.stop().then(() => fs.rmSync(stateDir, { recursive: true, force: true })).then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

void main(process.argv[2]);
