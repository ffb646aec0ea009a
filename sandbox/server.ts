import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { APIGatewayAuthorizerResult, APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { bundleAuthorizer } from '../lib/authorizer/authorizer-bundle';
import type { EnvironmentConfig } from '../lib/config/schema';
import { bundleSampleBackend } from '../lib/api/sample-backend-bundle';
import { bundleSecretRotation } from '../lib/secret-rotation/secret-rotation-bundle';
import { ResourceNaming } from '../lib/terraform/naming';
import { SandboxAwsApi, type RotationFunction } from './aws-api';
import { loadBundledHandler } from './bundles';
import { jwksOf } from './cognito-tokens';
import { SandboxGateway } from './gateway';
import { startBundledLambda, type BundledLambda } from './lambda-worker';
import { loadSandboxState, type SandboxClient } from './state';
import { discoveryDocument, DISCOVERY_PATH } from './discovery';
import { tokenEndpoint, tokenRefusal } from './token-endpoint';
import { MAX_TOKEN_REQUEST_BYTES } from './token-errors';

export interface SandboxOptions {
  readonly config: EnvironmentConfig;
  /** Where client secrets, the signing key, the deny-list and the client registry file live (git-ignored). */
  readonly stateDir: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /**
   * Runs each rotation step instead of the real bundled rotation Lambda (tests).
   * @default - the real rotation Lambda bundle, in a worker thread pointed at this sandbox
   */
  readonly rotationFunction?: RotationFunction;
}

export interface Sandbox {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** The API's base URL, stage included: `http://127.0.0.1:<port>/dev`. */
  readonly apiUrl: string;
  readonly tokenEndpoint: string;
  /** `http://127.0.0.1:<port>/<poolId>`, as Cognito's `https://cognito-idp.<region>.amazonaws.com/<poolId>`. */
  readonly issuer: string;
  /** `<issuer>/.well-known/jwks.json` */
  readonly jwksUri: string;
  /** `<issuer>/.well-known/openid-configuration`: Cognito's discovery document. */
  readonly discoveryUrl: string;
  /** The clients as they are now: `clientSecret` follows AWSCURRENT after a rotation. */
  readonly clients: readonly SandboxClient[];
  /** The local user pool's id: `UserPoolId` of the Cognito client-secret operations. */
  readonly userPoolId: string;
  /** The local Cognito (GetClientToken included) and Secrets Manager endpoint for the AWS SDK (`endpoint`, `AWS_ENDPOINT_URL_*`): the origin. */
  readonly awsEndpoint: string;
  /** Each client's Secrets Manager secret name, by client name: `m2m-auth/dev/m2m/reporting`. */
  readonly secretNames: Readonly<Record<string, string>>;
  /** Resolves once every rotation started so far has finished or failed. */
  rotationsSettled(): Promise<void>;
  /** Write `{"clientIds": [...], "jtis": [...]}` here to revoke. */
  readonly denyListFile: string;
  stop(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;
/** Past this many times the limit a body is not drained for the 413 any more: the connection is dropped. */
const DRAIN_FACTOR = 16;
const TOKEN_PATH = '/oauth2/token';

/** What the rotation Lambda needs to find the sandbox through the AWS SDK's standard variables. */
function rotationLambdaEnv(config: EnvironmentConfig, origin: string, poolId: string): Record<string, string> {
  return {
    AWS_REGION: config.region,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_SECRETS_MANAGER: origin,
    AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: origin,
    AWS_LAMBDA_FUNCTION_NAME: new ResourceNaming(config.namePrefix, config.name).name('secret-rotation'),
    ENVIRONMENT: config.name,
    USER_POOL_ID: poolId,
    // The deployed function runs on Node.js 22; the SDK's warning about this machine's Node.js is not its concern.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

/**
 * Starts the whole M2M flow on one machine: a Cognito-compatible token endpoint and JWKS, a REST
 * gateway that runs the real bundled authorizer and the real bundled backend for `config`, and
 * Cognito's client-secret operations and GetClientToken and Secrets Manager for the AWS SDK (`POST /`
 * with `X-Amz-Target`, signed or not),
 * whose RotateSecret runs the real bundled rotation Lambda in a worker thread.
 *
 * @example
 * const sandbox = await startSandbox({ config, stateDir: '.local-sandbox/dev', port: 0 });
 */
export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const { config } = options;
  const state = loadSandboxState(options.stateDir, config);
  const host = options.host ?? '127.0.0.1';
  const server = http.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, resolve);
  });
  const origin = `http://${host}:${(server.address() as AddressInfo).port}`;
  const issuer = `${origin}/${state.poolId}`;
  const jwksPath = `/${state.poolId}/.well-known/jwks.json`;
  const jwks = JSON.stringify(jwksOf([state.signingKey]));
  const discoveryPath = `/${state.poolId}${DISCOVERY_PATH}`;
  const discovery = JSON.stringify(discoveryDocument({ issuer, domain: origin }));
  let rotationLambda: BundledLambda | undefined;
  const awsApi = new SandboxAwsApi({
    config,
    state,
    tokenEndpoint: `${origin}${TOKEN_PATH}`,
    issuer,
    rotationFunction: options.rotationFunction ?? ((event) => rotationLambda!.invoke(event)),
  });

  // The client registry as the stack's SSM parameters hold it, in one file: [clientId, name, bare scopes].
  const clientRegistryFile = path.join(options.stateDir, 'clients.json');
  const scopesOf = new Map(config.m2mClients.map((client) => [client.name, client.scopes]));
  fs.writeFileSync(clientRegistryFile, JSON.stringify(state.clients.map((client) => [client.clientId, client.name, scopesOf.get(client.name) ?? []])));
  const authorizer = loadBundledHandler<(event: unknown) => Promise<APIGatewayAuthorizerResult>>(bundleAuthorizer(config).code, {
    ENVIRONMENT: config.name,
    USER_POOL_ID: state.poolId,
    TOKEN_ISSUER: issuer,
    JWKS_URL: `${origin}${jwksPath}`,
    M2M_CLIENTS: undefined,
    CLIENT_REGISTRY_PARAMETERS: undefined,
    CLIENT_REGISTRY_FILE: clientRegistryFile,
    USER_CLIENT_ID: undefined,
    REVOCATION_PARAMETER: undefined,
    REVOCATION_FILE: state.denyListFile,
    REVOCATION_REFRESH_SECONDS: String(config.authorizer.revocationRefreshSeconds),
    REVOCATION_MAX_STALE_SECONDS: String(config.authorizer.revocationMaxStaleSeconds),
    DECISION_CACHE_SIZE: String(config.authorizer.decisionCacheSize),
    PER_CLIENT_METRICS: String(config.monitoring.perClientMetrics),
  });
  const backend = loadBundledHandler<(event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>>(bundleSampleBackend(config).code, {
    ENVIRONMENT: config.name,
  });
  const gateway = new SandboxGateway({
    routes: config.routes,
    stage: config.name,
    authorizer,
    backend,
    resultCacheTtlSeconds: config.gateway.resultCacheTtlSeconds,
    identitySourceRequired: !config.legacyApiKeys.enabled,
  });

  // Last, so that nothing above can fail and leave the worker running.
  if (!options.rotationFunction) rotationLambda = startBundledLambda(bundleSecretRotation().code, rotationLambdaEnv(config, origin, state.poolId));

  server.on('request', (request: http.IncomingMessage, response: http.ServerResponse) => {
    const reply = (status: number, headers: Record<string, string>, body: string) => {
      response.writeHead(status, headers).end(body);
    };
    const url = request.url ?? '/';
    const isTokenEndpoint = url.split('?')[0] === TOKEN_PATH;
    const limit = isTokenEndpoint ? MAX_TOKEN_REQUEST_BYTES : MAX_BODY_BYTES;
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Drained rather than cut, so that the client reads the 413 instead of a reset connection.
      if (size > limit * DRAIN_FACTOR) request.destroy();
      else if (size <= limit) chunks.push(chunk);
    });
    request.on('end', () => {
      if (size > limit) {
        const refusal = isTokenEndpoint
          ? tokenRefusal('bodyTooLarge', `the token endpoint reads at most ${limit} bytes`)
          : { status: 413, headers: { 'content-type': 'application/json' }, body: { error: 'payload_too_large', message: `at most ${limit} bytes` } };
        return reply(refusal.status, { ...refusal.headers, connection: 'close' }, JSON.stringify(refusal.body));
      }
      const body = Buffer.concat(chunks).toString('utf8');
      void (async () => {
        if (isTokenEndpoint) {
          const result = tokenEndpoint(
            { method: request.method, contentType: request.headers['content-type'], authorization: request.headers.authorization, body },
            { clients: state.clients, issuer, key: state.signingKey },
          );
          return reply(result.status, result.headers, JSON.stringify(result.body));
        }
        if (request.method === 'GET' && url === jwksPath) return reply(200, { 'content-type': 'application/json' }, jwks);
        if (request.method === 'GET' && url === discoveryPath) return reply(200, { 'content-type': 'application/json' }, discovery);
        const target = request.headers['x-amz-target'];
        if (request.method === 'POST' && url === '/' && typeof target === 'string') {
          const result = await awsApi.handle({ target, body });
          return reply(result.status, result.headers, result.body);
        }
        const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(',') : value]));
        const result = await gateway.handle({ method: request.method ?? 'GET', url, headers, body });
        return reply(result.status, result.headers, result.body);
      })().catch((error: unknown) => {
        reply(500, { 'content-type': 'application/json' }, JSON.stringify({ error: 'internal_error', message: error instanceof Error ? error.name : 'error' }));
      });
    });
  });

  return {
    origin,
    apiUrl: `${origin}/${config.name}`,
    tokenEndpoint: `${origin}${TOKEN_PATH}`,
    issuer,
    jwksUri: `${origin}${jwksPath}`,
    discoveryUrl: `${origin}${discoveryPath}`,
    get clients() {
      return state.clients;
    },
    userPoolId: state.poolId,
    awsEndpoint: origin,
    secretNames: awsApi.secretNames,
    rotationsSettled: () => awsApi.settled(),
    denyListFile: state.denyListFile,
    stop: async () => {
      await Promise.all([
        rotationLambda?.stop(),
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
      ]);
    },
  };
}
