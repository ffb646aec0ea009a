/**
 * `npm run local [-- --env dev] [--port 8787] [--state-dir .local-sandbox] [--json]`: the whole M2M
 * flow on 127.0.0.1 from an environment's config. Ctrl-C, SIGTERM or the end of its parent stops it.
 */
// First, so that it notes the parent before anything else loads.
import { stopOnSignalOrOrphaning } from './shutdown';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigValidationError, loadEnvironments } from '../lib/config/load';
import { startSandbox, type Sandbox } from './server';
import { startBanner, startLine } from './start-report';

const DEFAULT_PORT = 8787;
const USAGE = 'usage: npm run local [-- --env <environment>] [--port <port>] [--state-dir <dir>] [--json]';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      env: { type: 'string', default: process.env.M2M_AUTH_LOCAL_ENV ?? 'dev' },
      port: { type: 'string', default: process.env.PORT ?? String(DEFAULT_PORT) },
      'state-dir': { type: 'string', default: '.local-sandbox' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return void console.log(USAGE);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number (0-65535); received ${JSON.stringify(values.port)}`);
  const environments = loadEnvironments();
  const config = environments.find((env) => env.name === values.env);
  if (!config) throw new UsageError(`--env: no environment "${values.env}" in the config; choose one of ${environments.map((env) => env.name).join(', ')}`);

  const stateDir = path.resolve(values['state-dir']!, config.name);
  console.error(`starting the ${config.name} sandbox (pid ${process.pid}, state in ${path.relative(process.cwd(), stateDir) || stateDir}) ...`);
  // Installed before the start, so that a signal or the parent's end during it stops what has started.
  let starting: Promise<Sandbox> | undefined;
  stopOnSignalOrOrphaning({
    stop: async () => (await starting?.catch(() => undefined))?.stop(),
    log: (reason) => console.error(`\n${reason}: stopping the sandbox (pid ${process.pid})`),
  });
  starting = startSandbox({ config, stateDir, port });
  const sandbox = await starting;
  // The start line goes first on stdout: the Lambdas' log lines follow it.
  console.log(values.json ? JSON.stringify(startLine(sandbox, config, process.pid)) : startBanner(sandbox, config, { pid: process.pid, defaultPort: DEFAULT_PORT }));
}

class UsageError extends Error {}

main().catch((error: unknown) => {
  if (error instanceof ConfigValidationError || error instanceof UsageError) console.error(`${error.message}\n${USAGE}`);
  else if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') console.error(`port in use: choose another with --port (${USAGE})`);
  else console.error(error);
  // Exit now: a start that failed after listening must not leave the process holding the port.
  process.exit(1);
});
