/**
 * The token client's `api` path: Cognito's GetClientToken through the real AWS SDK v3, against the
 * local sandbox (real HTTP, the real authorizer behind the API) and against a stand-in Cognito that
 * answers what the sandbox never does (throttling, internal errors). The same getToken()/fetch(), cache,
 * retries, error classes and credentials re-read as on the token endpoint.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { CognitoIdentityProviderClient, GetClientTokenCommand } from '@aws-sdk/client-cognito-identity-provider';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { loadEnvironments } from '../../lib/config/load';
import { main as rotate } from '../../scripts/rotate/cli';
import { closeServer, listenOnLoopback } from '../../sandbox/loopback';
import {
  credentialsFromSecretsManager,
  InvalidTokenResponseError,
  TokenClient,
  TokenClientConfigError,
  TokenEndpointError,
  TokenEndpointUnavailableError,
  type ClientCredentials,
  type TokenClientOptions,
} from '../../token-client';
import { useSandbox } from '../support/sandbox';

const ROOT = path.resolve(__dirname, '..', '..');
const AWS_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

// The shipped dev config plus a client on each new path, as a config module of its own (M2M_AUTH_CONFIG).
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'm2m-api-transport-'));
const CONFIG_MODULE = path.join(dir, 'environments.js');
fs.writeFileSync(
  CONFIG_MODULE,
  `const { environments } = require(${JSON.stringify(path.join(ROOT, 'config', 'environments'))});
const extra = [
  { name: 'ledger-api', description: 'GetClientToken only', scopes: ['read'], tokenPaths: ['api'] },
  { name: 'audit-both', description: 'Both paths', scopes: ['read', 'write'], tokenPaths: ['oauth2', 'api'] },
];
module.exports = { environments: { dev: { ...environments.dev, m2mClients: [...environments.dev.m2mClients, ...extra] } } };
`,
);
const dev = loadEnvironments({ M2M_AUTH_CONFIG: CONFIG_MODULE }).find((env) => env.name === 'dev')!;
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const local = useSandbox(dev, 'api-transport');
const route = dev.routes.find((r) => r.method === 'GET' && r.permission === 'read' && !r.path.includes('{'))!;
const clientNamed = (name: string) => local.sandbox.clients.find((c) => c.name === name)!;
const oauth2OnlyName = dev.m2mClients.find((c) => c.tokenPaths.join() === 'oauth2' && c.scopes.includes('read'))!.name;

let cognito: CognitoIdentityProviderClient;
let secretsManager: SecretsManagerClient;
const savedEnv = { ...process.env };
beforeAll(() => {
  const config = { endpoint: local.sandbox.awsEndpoint, region: dev.region, credentials: AWS_CREDENTIALS, maxAttempts: 1 };
  cognito = new CognitoIdentityProviderClient(config);
  secretsManager = new SecretsManagerClient(config);
  // For the Cognito client the TokenClient creates itself: the SDK signs GetClientToken, so it needs some credentials.
  process.env.AWS_ACCESS_KEY_ID = AWS_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = AWS_CREDENTIALS.secretAccessKey;
});
afterAll(() => {
  cognito.destroy();
  secretsManager.destroy();
  process.env = savedEnv;
});

const credentialsOf = (name: string) => credentialsFromSecretsManager(local.sandbox.secretNames[name], { client: secretsManager });
const staticCredentials = (name: string, overrides: Partial<ClientCredentials> = {}): ClientCredentials => {
  const client = clientNamed(name);
  return { clientId: client.clientId, clientSecret: client.clientSecret, region: dev.region, ...overrides };
};
const callApi = (token: string) => fetch(`${local.sandbox.apiUrl}${route.path}`, { headers: { authorization: `Bearer ${token}` } });
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as { client_id: string; scope: string };

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('TokenClient with tokenPath "api"', () => {
  test('the secret of an ["api"] client (no token_endpoint) selects GetClientToken by default; fetch() calls the API with its token (200)', async () => {
    // GIVEN credentials read from the sandbox's Secrets Manager, and the SDK client the TokenClient creates
    const service = new TokenClient({ credentials: credentialsOf('ledger-api'), cognitoEndpoint: local.sandbox.awsEndpoint });
    // WHEN
    const response = await service.fetch(`${local.sandbox.apiUrl}${route.path}`);
    // THEN
    expect(response.status).toBe(200);
    const token = await service.getToken();
    expect(claimsOf(token)).toMatchObject({ client_id: clientNamed('ledger-api').clientId, scope: 'api/read' });
    expect(service.tokenRequests).toBe(1);
  });

  test('an injected SDK client; scopes subset; the same cache and single flight as the token endpoint', async () => {
    const sent: string[] = [];
    const watched = { send: (command: unknown, options?: { abortSignal?: AbortSignal }) => (sent.push((command as GetClientTokenCommand).constructor.name), cognito.send(command as GetClientTokenCommand, options)) };
    const service = new TokenClient({ credentials: staticCredentials('audit-both'), tokenPath: 'api', cognitoClient: watched });

    const tokens = await Promise.all([service.getToken(['api/read']), service.getToken(['api/read']), service.getToken(['api/read'])]);

    expect(new Set(tokens).size).toBe(1);
    expect(sent).toEqual(['GetClientTokenCommand']);
    expect(claimsOf(tokens[0]).scope).toBe('api/read');
    expect((await callApi(tokens[0])).status).toBe(200);
    expect(await service.getToken(['api/read'])).toBe(tokens[0]);
    expect(service.tokenRequests).toBe(1);
  });

  test('a client with both paths: tokenPath picks one; the default with a token_endpoint is oauth2', async () => {
    const viaDefault = new TokenClient({ credentials: credentialsOf('audit-both') });
    const viaApi = new TokenClient({ credentials: credentialsOf('audit-both'), tokenPath: 'api', cognitoEndpoint: local.sandbox.awsEndpoint });
    expect((await callApi(await viaDefault.getToken())).status).toBe(200);
    expect((await callApi(await viaApi.getToken())).status).toBe(200);
    // An api-only client refuses /oauth2/token, so the default path must not have gone there for it: see the first test.
  });

  test('fails when tokenPath is not among the credentials\' token_paths: TokenClientConfigError naming the client\'s paths, nothing sent', async () => {
    const service = new TokenClient({ credentials: credentialsOf('ledger-api'), tokenPath: 'oauth2' });
    const error = await rejection(service.getToken());
    expect(error).toBeInstanceOf(TokenClientConfigError);
    expect(error.message).toBe('tokenPath "oauth2" is not one of this client\'s token paths: api; set tokenPath to one of them');
    expect(service.tokenRequests).toBe(0);
  });

  test('fails when an ["oauth2"] client calls GetClientToken: TokenEndpointError invalid_client from NotAuthorizedException, without the secret', async () => {
    const credentials = staticCredentials(oauth2OnlyName);
    const service = new TokenClient({ credentials, tokenPath: 'api', cognitoClient: cognito });
    const error = (await rejection(service.getToken())) as TokenEndpointError;
    expect(error).toBeInstanceOf(TokenEndpointError);
    expect({ oauthError: error.oauthError, code: error.code, awsErrorType: error.awsErrorType, status: error.status }).toEqual({
      oauthError: 'invalid_client',
      code: 'OAUTH_INVALID_CLIENT',
      awsErrorType: 'NotAuthorizedException',
      status: 400,
    });
    expect(error.message).toBe('GetClientToken refused the request: NotAuthorizedException -> invalid_client (HTTP 400)');
    expect(error.description).toMatch(/not enabled for GetClientToken/);
    expect(`${error.stack} ${error.description}`).not.toContain(credentials.clientSecret);
    expect(service.tokenRequests).toBe(1);
  });

  test('fails when the secret is wrong (invalid_client, static credentials: no re-read) or a scope is not the client\'s (invalid_scope); neither is retried', async () => {
    const wrong = new TokenClient({ credentials: staticCredentials('ledger-api', { clientSecret: 'wrong-secret' }), tokenPath: 'api', cognitoClient: cognito });
    const refused = (await rejection(wrong.getToken())) as TokenEndpointError;
    expect([refused.constructor, refused.oauthError, refused.awsErrorType, refused.description]).toEqual([TokenEndpointError, 'invalid_client', 'NotAuthorizedException', 'Invalid client or secret']);
    expect([wrong.tokenRequests, wrong.credentialsRereads]).toEqual([1, 0]);

    const scoped = new TokenClient({ credentials: staticCredentials('ledger-api'), tokenPath: 'api', cognitoClient: cognito });
    const scope = (await rejection(scoped.getToken(['api/write']))) as TokenEndpointError;
    expect([scope.oauthError, scope.code, scope.awsErrorType]).toEqual(['invalid_scope', 'OAUTH_INVALID_SCOPE', 'InvalidParameterException']);
    expect(scoped.tokenRequests).toBe(1);
  });

  test('fails when the SDK finds no AWS credentials to sign with: TokenClientConfigError, nothing sent, not retried', async () => {
    const unsigned = new CognitoIdentityProviderClient({
      endpoint: local.sandbox.awsEndpoint,
      region: dev.region,
      maxAttempts: 1,
      credentials: async () => {
        throw Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });
      },
    });
    const service = new TokenClient({ credentials: staticCredentials('ledger-api'), tokenPath: 'api', cognitoClient: unsigned });
    const error = await rejection(service.getToken());
    unsigned.destroy();
    expect(error).toBeInstanceOf(TokenClientConfigError);
    expect(error.message).toMatch(/^tokenPath "api": the AWS SDK signs GetClientToken and found no AWS credentials/);
    expect(service.tokenRequests).toBe(1);
  });

  test('fails when the options contradict: cognitoEndpoint with cognitoClient, an http endpoint off loopback, an unknown tokenPath', () => {
    const credentials = staticCredentials('ledger-api');
    expect(() => new TokenClient({ credentials, cognitoClient: cognito, cognitoEndpoint: local.sandbox.awsEndpoint })).toThrow(
      'cognitoEndpoint applies to the Cognito client the TokenClient creates: with cognitoClient, set the endpoint on that client',
    );
    expect(() => new TokenClient({ credentials, cognitoEndpoint: 'http://cognito.example.com' })).toThrow('cognitoEndpoint must use https (http only for loopback); received http://cognito.example.com');
    expect(() => new TokenClient({ credentials, tokenPath: 'grpc' as TokenClientOptions['tokenPath'] })).toThrow('tokenPath must be "oauth2" or "api"; received "grpc"');
  });
});

describe('retries on the api path (a stand-in Cognito over real HTTP)', () => {
  type Reply = { status: number; body: unknown } | 'drop';
  let server: http.Server;
  let origin: string;
  let replies: Reply[];
  let requests: Array<{ target: string | undefined; body: Record<string, unknown> }>;

  beforeEach(async () => {
    replies = [];
    requests = [];
    server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        requests.push({ target: request.headers['x-amz-target'] as string | undefined, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> });
        const reply = replies.shift() ?? { status: 500, body: { __type: 'InternalErrorException', message: 'no reply scripted' } };
        if (reply === 'drop') return void request.socket.destroy();
        const type = (reply.body as { __type?: string }).__type;
        response.writeHead(reply.status, { 'content-type': 'application/x-amz-json-1.1', ...(type ? { 'x-amzn-errortype': type } : {}) }).end(JSON.stringify(reply.body));
      });
    });
    origin = `http://127.0.0.1:${await listenOnLoopback(server)}`;
  });
  afterEach(() => closeServer(server));

  const ok = (token = 'header.eyJzY29wZSI6ImFwaS9yZWFkIn0.signature') => ({ status: 200, body: { ClientAuthenticationResult: { AccessToken: token, ExpiresIn: 3600, TokenType: 'Bearer' } } });
  const service = (options: Partial<TokenClientOptions> = {}) =>
    new TokenClient({ credentials: { clientId: 'client-1', clientSecret: 'stand-in-s3cr3t', region: 'eu-west-1' }, cognitoEndpoint: origin, sleep: async () => undefined, ...options });

  test('TooManyRequestsException, InternalErrorException, a 503 and a dropped connection are retried; the fifth attempt is not made', async () => {
    replies = [
      { status: 400, body: { __type: 'TooManyRequestsException', message: 'Rate exceeded' } },
      { status: 500, body: { __type: 'InternalErrorException', message: 'internal' } },
      'drop',
      { status: 503, body: { message: 'unavailable' } },
      ok(),
    ];
    const reasons: string[] = [];
    const client = service({ onRetry: ({ reason }) => reasons.push(reason) });

    const error = (await rejection(client.getToken())) as TokenEndpointUnavailableError;

    expect(error).toBeInstanceOf(TokenEndpointUnavailableError);
    expect(error.attempts).toBe(4);
    expect(client.tokenRequests).toBe(4);
    expect(requests).toHaveLength(4);
    expect(reasons).toEqual(['GetClientToken: TooManyRequestsException (HTTP 400)', 'GetClientToken: InternalErrorException (HTTP 500)', expect.stringMatching(/^GetClientToken failed without an answer/)]);
    expect(JSON.stringify(reasons)).not.toContain('stand-in-s3cr3t');
  });

  test('after a throttle, the next attempt gets the token; the request is GetClientToken with ClientId, Secret and Scopes', async () => {
    replies = [{ status: 400, body: { __type: 'TooManyRequestsException', message: 'Rate exceeded' } }, ok('a.b.c')];
    const client = service();
    expect(await client.getToken(['api/read'])).toBe('a.b.c');
    expect(client.tokenRequests).toBe(2);
    expect(requests[1]).toEqual({ target: 'AWSCognitoIdentityProviderService.GetClientToken', body: { ClientId: 'client-1', Secret: 'stand-in-s3cr3t', Scopes: ['api/read'] } });
  });

  test.each([
    ['InvalidParameterException', 'invalid_request'],
    ['ResourceNotFoundException', 'invalid_request'],
    ['ForbiddenException', 'http_403'],
  ])('%s is not retried: TokenEndpointError %s', async (type, oauthError) => {
    replies = [{ status: type === 'ForbiddenException' ? 403 : 400, body: { __type: type, message: 'refused' } }, ok()];
    const client = service();
    const error = (await rejection(client.getToken())) as TokenEndpointError;
    expect([error.constructor, error.oauthError, error.awsErrorType]).toEqual([TokenEndpointError, oauthError, type]);
    expect(client.tokenRequests).toBe(1);
  });

  test('fails when the answer has no usable token: InvalidTokenResponseError, not retried', async () => {
    replies = [{ status: 200, body: { ClientAuthenticationResult: { AccessToken: 'a.b.c', ExpiresIn: 3600, TokenType: 'MAC' } } }, ok()];
    const client = service();
    const error = await rejection(client.getToken());
    expect(error).toBeInstanceOf(InvalidTokenResponseError);
    expect(error.message).toBe('invalid token response: ClientAuthenticationResult.TokenType must be Bearer');
    expect(client.tokenRequests).toBe(1);
  });

  test('fails when the SDK is not installed: TokenClientConfigError saying to install it, not retried', async () => {
    let loaded: typeof import('../../token-client') | undefined;
    jest.isolateModules(() => {
      jest.doMock('@aws-sdk/client-cognito-identity-provider', () => {
        throw Object.assign(new Error("Cannot find module '@aws-sdk/client-cognito-identity-provider'"), { code: 'MODULE_NOT_FOUND' });
      });
      loaded = jest.requireActual<typeof import('../../token-client')>('../../token-client');
    });
    const client = new loaded!.TokenClient({ credentials: { clientId: 'client-1', clientSecret: 'stand-in-s3cr3t', region: 'eu-west-1' }, cognitoEndpoint: origin });
    const error = await rejection(client.getToken());
    jest.dontMock('@aws-sdk/client-cognito-identity-provider');

    expect(error).toBeInstanceOf(loaded!.TokenClientConfigError);
    expect(error.message).toBe(
      'tokenPath "api" calls Cognito\'s GetClientToken through @aws-sdk/client-cognito-identity-provider, which cannot be loaded: install it in your service (npm install @aws-sdk/client-cognito-identity-provider)',
    );
    expect(client.tokenRequests).toBe(1);
    expect(requests).toHaveLength(0);
  });
});

describe('secret rotation on the api path', () => {
  test('after the secret rotates twice (the first secret deleted), the api transport re-reads the credentials once and goes on', async () => {
    // GIVEN a service on GetClientToken with its credentials from Secrets Manager, whose clock jumps an hour per call
    const name = 'ledger-api';
    let clock = 0;
    const service = new TokenClient({ credentials: credentialsOf(name), cognitoEndpoint: local.sandbox.awsEndpoint, credentialsRereadIntervalSeconds: 0, now: () => clock });
    expect((await callApi(await service.getToken())).status).toBe(200);
    const initial = clientNamed(name).clientSecret;

    // WHEN the secret is rotated twice with the real CLI and the real rotation Lambda: the initial secret is gone from Cognito
    const lines: string[] = [];
    const io = { out: (text: string) => lines.push(text), err: (text: string) => lines.push(text) };
    const status = await rotate([dev.name, name, '--local', '--port', new URL(local.sandbox.awsEndpoint).port, '--retire-previous', '--wait-seconds', '20'], io, { pollMs: 20, env: { ...process.env, M2M_AUTH_CONFIG: CONFIG_MODULE } });
    expect({ status, lines: status === 0 ? [] : [...lines, ...local.output.lines()] }).toEqual({ status: 0, lines: [] });
    const refused = await rejection(cognito.send(new GetClientTokenCommand({ ClientId: clientNamed(name).clientId, Secret: initial })));
    expect(refused.name).toBe('NotAuthorizedException');

    // THEN the next token request is refused with the old secret, the credentials are read again, and the call succeeds
    clock += 60 * 60 * 1000;
    const token = await service.getToken();
    expect((await callApi(token)).status).toBe(200);
    expect(service.credentialsRereads).toBe(1);
    expect(service.tokenRequests).toBe(3);
    expect(clientNamed(name).clientSecret).not.toBe(initial);
  }, 60_000);
});
