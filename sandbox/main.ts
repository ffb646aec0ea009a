/**
 * `npm run local [-- --env dev] [--port 8787] [--state-dir .local-sandbox]`: the whole M2M flow on
 * 127.0.0.1 from an environment's config. Ctrl-C stops it.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigValidationError, loadEnvironments } from '../lib/config/load';
import { startSandbox } from './server';

const DEFAULT_PORT = 8787;
const USAGE = 'usage: npm run local [-- --env <environment>] [--port <port>] [--state-dir <dir>]';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      env: { type: 'string', default: process.env.M2M_AUTH_LOCAL_ENV ?? 'dev' },
      port: { type: 'string', default: process.env.PORT ?? String(DEFAULT_PORT) },
      'state-dir': { type: 'string', default: '.local-sandbox' },
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
  console.error(`starting the ${config.name} sandbox (state in ${path.relative(process.cwd(), stateDir) || stateDir}) ...`);
  const sandbox = await startSandbox({ config, stateDir, port });
  const [first] = sandbox.clients;
  const listening = Number(new URL(sandbox.origin).port);
  const lines = [
    '',
    `m2m-auth sandbox for "${config.name}" on ${sandbox.origin}`,
    `  token endpoint  POST ${sandbox.tokenEndpoint}`,
    `  JWKS            GET  ${sandbox.issuer}/.well-known/jwks.json`,
    `  API             ${sandbox.apiUrl} (${config.routes.length} routes: ${config.routes.map((r) => `${r.method} ${r.path}`).join(', ')})`,
    `  deny-list       ${path.relative(process.cwd(), sandbox.denyListFile)}  {"clientIds": [...], "jtis": [...]}`,
    `  AWS endpoint    ${sandbox.awsEndpoint}  (Cognito client secrets and Secrets Manager for the AWS SDK, region ${config.region}, any credentials)`,
    '',
    'clients (kept across restarts; local only, never use them anywhere else):',
    ...sandbox.clients.map((c) => `  ${c.name.padEnd(20)} id ${c.clientId}  secret ${c.clientSecret}  scopes ${c.scopes.join(' ')}`),
    '',
    'client secrets in Secrets Manager (a rotation runs the real rotation Lambda; the previous secret keeps working until the next one):',
    ...sandbox.clients.map((c) => `  ${c.name.padEnd(20)} ${sandbox.secretNames[c.name]}`),
  ];
  if (first) {
    const path0 = config.routes.find((r) => r.method === 'GET' && !r.path.includes('{'))?.path ?? config.routes[0].path;
    lines.push(
      '',
      'try it:',
      `  TOKEN=$(curl -s -u '${first.clientId}:${first.clientSecret}' -d grant_type=client_credentials ${sandbox.tokenEndpoint} | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')`,
      `  curl -i -H "Authorization: Bearer $TOKEN" ${sandbox.apiUrl}${path0}`,
      `  curl -i ${sandbox.apiUrl}${path0}    # no token: 401`,
      `  npm run rotate -- ${config.name} ${first.name} --local${listening === DEFAULT_PORT ? '' : ` --port ${listening}`}    # rotate a client's secret here (any client above)`,
      '',
      'Ctrl-C stops the sandbox.',
    );
  }
  console.log(lines.join('\n'));

  const stop = (signal: string) => {
    console.error(`\n${signal}: stopping the sandbox`);
    void sandbox.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

class UsageError extends Error {}

main().catch((error: unknown) => {
  if (error instanceof ConfigValidationError || error instanceof UsageError) console.error(`${error.message}\n${USAGE}`);
  else if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') console.error(`port in use: choose another with --port (${USAGE})`);
  else console.error(error);
  process.exitCode = 1;
});
