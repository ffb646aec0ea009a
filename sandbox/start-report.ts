/**
 * What `npm run local` prints once the sandbox listens: a JSON line for scripts (`--json`), or the
 * text for people. Neither holds anything a script must not log: the JSON line has no secrets.
 */
import * as path from 'node:path';
import type { EnvironmentConfig, TokenPath } from '../lib/config/schema';
import type { Sandbox } from './server';

/** The `--json` start line: where everything is, and each client's id and secret name (never its secret). */
export interface StartLine {
  readonly pid: number;
  readonly environment: string;
  readonly origin: string;
  readonly issuer: string;
  readonly tokenEndpoint: string;
  readonly jwksUri: string;
  readonly discoveryUrl: string;
  readonly apiUrl: string;
  readonly awsEndpoint: string;
  readonly region: string;
  readonly userPoolId: string;
  readonly denyListFile: string;
  /** `tokenPaths`: how the client may get tokens, `oauth2` (`tokenEndpoint`) and/or `api` (GetClientToken at `awsEndpoint`). */
  readonly clients: readonly {
    readonly name: string;
    readonly clientId: string;
    readonly secretName: string;
    readonly scopes: readonly string[];
    readonly tokenPaths: readonly TokenPath[];
  }[];
}

/**
 * The start line for `--json`: one JSON object, printed as one line.
 *
 * @example
 * console.log(JSON.stringify(startLine(sandbox, config, process.pid)));
 */
export function startLine(sandbox: Sandbox, config: EnvironmentConfig, pid: number): StartLine {
  return {
    pid,
    environment: config.name,
    origin: sandbox.origin,
    issuer: sandbox.issuer,
    tokenEndpoint: sandbox.tokenEndpoint,
    jwksUri: sandbox.jwksUri,
    discoveryUrl: sandbox.discoveryUrl,
    apiUrl: sandbox.apiUrl,
    awsEndpoint: sandbox.awsEndpoint,
    region: config.region,
    userPoolId: sandbox.userPoolId,
    denyListFile: sandbox.denyListFile,
    clients: sandbox.clients.map((client) => ({
      name: client.name,
      clientId: client.clientId,
      secretName: sandbox.secretNames[client.name],
      scopes: [...client.scopes],
      tokenPaths: [...client.tokenPaths],
    })),
  };
}

/**
 * The text for people: endpoints, clients with their secrets (local only), and commands to paste.
 *
 * @example
 * console.log(startBanner(sandbox, config, { pid: process.pid, defaultPort: 8787 }));
 */
export function startBanner(sandbox: Sandbox, config: EnvironmentConfig, options: { readonly pid: number; readonly defaultPort: number }): string {
  const viaTokenEndpoint = sandbox.clients.find((c) => c.tokenPaths.includes('oauth2'));
  const viaApi = sandbox.clients.find((c) => c.tokenPaths.includes('api'));
  const first = viaTokenEndpoint ?? viaApi;
  const listening = Number(new URL(sandbox.origin).port);
  const lines = [
    '',
    `m2m-auth sandbox for "${config.name}" on ${sandbox.origin} (pid ${options.pid})`,
    `  token endpoint  POST ${sandbox.tokenEndpoint}`,
    `  discovery       GET  ${sandbox.discoveryUrl}`,
    `  JWKS            GET  ${sandbox.jwksUri}`,
    `  API             ${sandbox.apiUrl} (${config.routes.length} routes: ${config.routes.map((r) => `${r.method} ${r.path}`).join(', ')})`,
    `  deny-list       ${path.relative(process.cwd(), sandbox.denyListFile)}  {"clientIds": [...], "jtis": [...]}`,
    `  AWS endpoint    ${sandbox.awsEndpoint}  (Cognito GetClientToken and client secrets, Secrets Manager, for the AWS SDK; region ${config.region}, any credentials or none)`,
    '',
    'clients (kept across restarts; local only, never use them anywhere else):',
    ...sandbox.clients.map((c) => `  ${c.name.padEnd(20)} id ${c.clientId}  secret ${c.clientSecret}  scopes ${c.scopes.join(' ')}  token paths ${c.tokenPaths.join(' ')}`),
    '',
    'client secrets in Secrets Manager (a rotation runs the real rotation Lambda; the previous secret keeps working until the next one):',
    ...sandbox.clients.map((c) => `  ${c.name.padEnd(20)} ${sandbox.secretNames[c.name]}`),
  ];
  if (first) {
    const path0 = config.routes.find((r) => r.method === 'GET' && !r.path.includes('{'))?.path ?? config.routes[0].path;
    lines.push('', 'try it:');
    if (viaTokenEndpoint) {
      lines.push(`  TOKEN=$(curl -s -u '${viaTokenEndpoint.clientId}:${viaTokenEndpoint.clientSecret}' -d grant_type=client_credentials ${sandbox.tokenEndpoint} | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')`);
    }
    if (viaApi) {
      lines.push(
        `  TOKEN=$(aws cognito-idp get-client-token --endpoint-url ${sandbox.awsEndpoint} --region ${config.region} --no-sign-request --client-id ${viaApi.clientId} --secret '${viaApi.clientSecret}' --query ClientAuthenticationResult.AccessToken --output text)    # GetClientToken (${viaApi.name})`,
      );
    }
    lines.push(
      `  curl -i -H "Authorization: Bearer $TOKEN" ${sandbox.apiUrl}${path0}`,
      `  curl -i ${sandbox.apiUrl}${path0}    # no token: 401`,
      `  npm run rotate -- ${config.name} ${first.name} --local${listening === options.defaultPort ? '' : ` --port ${listening}`}    # rotate a client's secret here (any client above)`,
    );
  }
  lines.push('', `Ctrl-C (or kill ${options.pid}) stops the sandbox.`);
  return lines.join('\n');
}
