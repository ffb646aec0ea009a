/**
 * Cognito's GetClientToken in the sandbox: the real AWS SDK v3 (`GetClientTokenCommand`, signed with
 * SigV4 as the SDK sends it) and plain unsigned HTTP get tokens that the sandbox's real authorizer
 * accepts, with the claims `/oauth2/token` gives; each client keeps to its config's `tokenPaths`; every
 * row of sandbox/client-token-errors.ts is sent over HTTP; the secret and the start line name the paths.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  AddUserPoolClientSecretCommand,
  CognitoIdentityProviderClient,
  DescribeUserPoolClientCommand,
  GetClientTokenCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { loadEnvironments } from '../../lib/config/load';
import { CLIENT_TOKEN_ERROR_CASES, CLIENT_TOKEN_REFUSALS, clientTokenErrorTableMarkdown, GET_CLIENT_TOKEN_TARGET } from '../../sandbox/client-token-errors';
import { startBanner, startLine } from '../../sandbox/start-report';
import { useSandbox } from '../support/sandbox';

const ROOT = path.resolve(__dirname, '..', '..');

// The shipped dev config plus a client on each new path, as a config module of its own (M2M_AUTH_CONFIG).
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'm2m-get-client-token-'));
const CONFIG_MODULE = path.join(dir, 'environments.js');
fs.writeFileSync(
  CONFIG_MODULE,
  `const { environments } = require(${JSON.stringify(path.join(ROOT, 'config', 'environments'))});
const extra = [
  { name: 'ledger-api', description: 'GetClientToken only', scopes: ['read'], tokenPaths: ['api'] },
  { name: 'audit-both', description: 'Both paths', scopes: ['read', 'write'], tokenPaths: ['oauth2', 'api'] },
];
// An environment without a hosted domain: no user client, every M2M client on GetClientToken.
const { domain, userClient, ...withoutDomain } = environments.dev;
module.exports = {
  environments: {
    dev: { ...environments.dev, m2mClients: [...environments.dev.m2mClients, ...extra] },
    nodomain: { ...withoutDomain, account: '444444444444', m2mClients: [extra[0]] },
  },
};
`,
);
const configs = loadEnvironments({ M2M_AUTH_CONFIG: CONFIG_MODULE });
const dev = configs.find((env) => env.name === 'dev')!;
const noDomain = configs.find((env) => env.name === 'nodomain')!;
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const local = useSandbox(dev, 'get-client-token');
const AWS_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
const route = dev.routes.find((r) => r.method === 'GET' && r.permission === 'read' && !r.path.includes('{'))!;

const clientNamed = (name: string) => local.sandbox.clients.find((c) => c.name === name)!;
const apiOnly = () => clientNamed('ledger-api');
const both = () => clientNamed('audit-both');
const oauth2Only = () => local.sandbox.clients.find((c) => c.tokenPaths.join() === 'oauth2')!;

let cognito: CognitoIdentityProviderClient;
beforeAll(() => {
  cognito = new CognitoIdentityProviderClient({ endpoint: local.sandbox.awsEndpoint, region: dev.region, credentials: AWS_CREDENTIALS, maxAttempts: 1 });
});
afterAll(() => cognito.destroy());

const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>;
const failureOf = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error as Error & { $metadata?: { httpStatusCode?: number } });

/** GetClientToken over plain HTTP: no SDK, no signature. */
function unsignedGetClientToken(body: string): Promise<Response> {
  return fetch(local.sandbox.awsEndpoint, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': GET_CLIENT_TOKEN_TARGET }, body });
}

function callApi(token: string): Promise<Response> {
  return fetch(`${local.sandbox.apiUrl}${route.path}`, { headers: { authorization: `Bearer ${token}` } });
}

async function oauth2Token(client: { clientId: string; clientSecret: string }): Promise<Response> {
  return fetch(local.sandbox.tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}` },
    body: 'grant_type=client_credentials',
  });
}

describe('GetClientToken', () => {
  test('the real SDK gets a token with GetClientTokenCommand, SigV4-signed, and the API accepts it (200)', async () => {
    // GIVEN the SDK client, with a middleware that sees the request as it goes on the wire
    const sent: Array<Record<string, string>> = [];
    const watched = new CognitoIdentityProviderClient({ endpoint: local.sandbox.awsEndpoint, region: dev.region, credentials: AWS_CREDENTIALS, maxAttempts: 1 });
    watched.middlewareStack.add(
      (next) => async (args) => {
        sent.push({ ...(args.request as { headers: Record<string, string> }).headers });
        return next(args);
      },
      { step: 'deserialize', name: 'seeSignedRequest' },
    );
    // WHEN
    const output = await watched.send(new GetClientTokenCommand({ ClientId: apiOnly().clientId, Secret: apiOnly().clientSecret }));
    watched.destroy();
    // THEN
    expect(sent[0]['x-amz-target']).toBe(GET_CLIENT_TOKEN_TARGET);
    expect(sent[0].authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=local\//);
    expect(output.ClientAuthenticationResult).toEqual({ AccessToken: expect.any(String), ExpiresIn: 3600, TokenType: 'Bearer' });
    const response = await callApi(output.ClientAuthenticationResult!.AccessToken!);
    expect(response.status).toBe(200);
  });

  test('an unsigned request works as well: the answer is exactly ClientAuthenticationResult', async () => {
    const response = await unsignedGetClientToken(JSON.stringify({ ClientId: apiOnly().clientId, Secret: apiOnly().clientSecret }));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    const body = (await response.json()) as { ClientAuthenticationResult: { AccessToken: string } };
    expect(body).toEqual({ ClientAuthenticationResult: { AccessToken: expect.any(String), ExpiresIn: 3600, TokenType: 'Bearer' } });
    expect((await callApi(body.ClientAuthenticationResult.AccessToken)).status).toBe(200);
  });

  test('the token has the claims /oauth2/token gives the same client', async () => {
    const viaApi = await cognito.send(new GetClientTokenCommand({ ClientId: both().clientId, Secret: both().clientSecret }));
    const viaOauth2 = (await (await oauth2Token(both())).json()) as { access_token: string };
    const [api, oauth2] = [claimsOf(viaApi.ClientAuthenticationResult!.AccessToken!), claimsOf(viaOauth2.access_token)];
    expect(Object.keys(api).sort()).toEqual(Object.keys(oauth2).sort());
    const stable = (claims: Record<string, unknown>) => ({ ...claims, jti: undefined, iat: undefined, exp: undefined, auth_time: undefined, lifetime: (claims.exp as number) - (claims.iat as number) });
    expect(stable(api)).toEqual(stable(oauth2));
    expect(api).toMatchObject({ client_id: both().clientId, sub: both().clientId, token_use: 'access', scope: 'api/read api/write', iss: local.sandbox.issuer });
    // The lifetime is the client's configured validity, as ExpiresIn says.
    expect(api.exp as number - (api.iat as number)).toBe(viaApi.ClientAuthenticationResult!.ExpiresIn);
  });

  test('Scopes narrows the token to a subset of the client\'s scopes', async () => {
    const output = await cognito.send(new GetClientTokenCommand({ ClientId: both().clientId, Secret: both().clientSecret, Scopes: ['api/read'], ClientMetadata: { caller: 'test' } }));
    expect(claimsOf(output.ClientAuthenticationResult!.AccessToken!).scope).toBe('api/read');
  });

  test('both of a client\'s secrets work (rotation keeps two)', async () => {
    // GIVEN a second secret, added as the rotation Lambda adds one
    const { ClientSecretDescriptor } = await cognito.send(new AddUserPoolClientSecretCommand({ UserPoolId: local.sandbox.userPoolId, ClientId: apiOnly().clientId }));
    const secrets = apiOnly().secrets.map((s) => s.value);
    expect(secrets).toHaveLength(2);
    expect(secrets).toContain(ClientSecretDescriptor!.ClientSecretValue);
    // WHEN / THEN each gets a token
    for (const secret of secrets) {
      const output = await cognito.send(new GetClientTokenCommand({ ClientId: apiOnly().clientId, Secret: secret }));
      expect(output.ClientAuthenticationResult?.TokenType).toBe('Bearer');
    }
  });
});

describe('each client keeps to its token paths', () => {
  test('fails when a client configured ["api"] asks /oauth2/token: unauthorized_client', async () => {
    const response = await oauth2Token(apiOnly());
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'unauthorized_client' });
  });

  test('fails when a client configured ["oauth2"] calls GetClientToken: NotAuthorizedException, through the SDK', async () => {
    const error = await failureOf(cognito.send(new GetClientTokenCommand({ ClientId: oauth2Only().clientId, Secret: oauth2Only().clientSecret })));
    expect(error?.name).toBe('NotAuthorizedException');
    expect(error?.message).toMatch(/not enabled for GetClientToken/);
    expect(error?.$metadata?.httpStatusCode).toBe(400);
    // ... while its token endpoint works
    expect((await oauth2Token(oauth2Only())).status).toBe(200);
  });

  test('a client configured ["oauth2", "api"] gets tokens both ways', async () => {
    expect((await oauth2Token(both())).status).toBe(200);
    const output = await cognito.send(new GetClientTokenCommand({ ClientId: both().clientId, Secret: both().clientSecret }));
    expect(output.ClientAuthenticationResult?.AccessToken).toEqual(expect.any(String));
  });

  test('DescribeUserPoolClient shows the flows each path needs', async () => {
    const describe = async (clientId: string) =>
      (await cognito.send(new DescribeUserPoolClientCommand({ UserPoolId: local.sandbox.userPoolId, ClientId: clientId }))).UserPoolClient!;
    expect(await describe(apiOnly().clientId)).toMatchObject({ ExplicitAuthFlows: ['ALLOW_CLIENT_TOKEN_AUTH'], AllowedOAuthFlowsUserPoolClient: false, AllowedOAuthScopes: ['api/read'] });
    expect((await describe(apiOnly().clientId)).AllowedOAuthFlows).toBeUndefined();
    expect(await describe(both().clientId)).toMatchObject({ ExplicitAuthFlows: ['ALLOW_CLIENT_TOKEN_AUTH'], AllowedOAuthFlows: ['client_credentials'], AllowedOAuthFlowsUserPoolClient: true });
    expect(await describe(oauth2Only().clientId)).toMatchObject({ ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH'], AllowedOAuthFlows: ['client_credentials'] });
  });
});

describe('GetClientToken refuses as the table says', () => {
  test.each(CLIENT_TOKEN_ERROR_CASES.map((row) => [row.case, row] as const))('%s', async (_case, row) => {
    // GIVEN a client with the row's token paths
    const client = local.sandbox.clients.find((c) => c.tokenPaths.join() === row.clientTokenPaths.join())!;
    // WHEN
    const response = await unsignedGetClientToken(row.request(client).body);
    // THEN the AWS JSON error: status, __type (also as x-amzn-errortype) and a message without the secret
    expect(response.status).toBe(row.cognito.status);
    expect(response.headers.get('x-amzn-errortype')).toBe(row.cognito.type);
    const body = (await response.json()) as { __type: string; message: string };
    expect(body).toEqual({ __type: row.cognito.type, message: expect.any(String) });
    expect(body.message).not.toContain(client.clientSecret);
  });

  test("each row's sandbox answer is the answer the row says Cognito gives, and the table renders every row", () => {
    for (const row of CLIENT_TOKEN_ERROR_CASES) expect([row.case, CLIENT_TOKEN_REFUSALS[row.sandbox]]).toEqual([row.case, row.cognito]);
    const table = clientTokenErrorTableMarkdown();
    expect(table.split('\n')).toHaveLength(CLIENT_TOKEN_ERROR_CASES.length + 2);
    for (const row of CLIENT_TOKEN_ERROR_CASES) expect(table).toContain(`| ${row.case} | ${row.cognito.status} \`${row.cognito.type}\``);
  });

  test('the SDK raises the exceptions by name: a wrong secret and a scope the client does not have', async () => {
    const wrongSecret = await failureOf(cognito.send(new GetClientTokenCommand({ ClientId: apiOnly().clientId, Secret: 'wrong-secret' })));
    expect([wrongSecret?.name, wrongSecret?.message]).toEqual(['NotAuthorizedException', 'Invalid client or secret']);
    const scope = await failureOf(cognito.send(new GetClientTokenCommand({ ClientId: apiOnly().clientId, Secret: apiOnly().clientSecret, Scopes: ['api/write'] })));
    expect([scope?.name, scope?.message]).toEqual(['InvalidParameterException', 'Invalid scope requested: api/write']);
  });
});

describe('what the sandbox says about token paths', () => {
  test("each client's secret follows the deployed format: token_paths and region only off the default path, token_endpoint only with oauth2", async () => {
    const secretsManager = new SecretsManagerClient({ endpoint: local.sandbox.awsEndpoint, region: dev.region, credentials: AWS_CREDENTIALS, maxAttempts: 1 });
    const valueOf = async (name: string) => JSON.parse((await secretsManager.send(new GetSecretValueCommand({ SecretId: local.sandbox.secretNames[name] }))).SecretString!) as Record<string, unknown>;
    const [api, twoPaths, oauth2] = [await valueOf('ledger-api'), await valueOf('audit-both'), await valueOf(oauth2Only().name)];
    secretsManager.destroy();

    expect(api).toEqual({ client_id: apiOnly().clientId, client_secret: apiOnly().clientSecret, token_paths: ['api'], region: dev.region, client_secret_id: apiOnly().currentSecretId });
    expect(twoPaths).toEqual({
      client_id: both().clientId,
      client_secret: both().clientSecret,
      token_endpoint: local.sandbox.tokenEndpoint,
      token_paths: ['oauth2', 'api'],
      region: dev.region,
      client_secret_id: both().currentSecretId,
    });
    expect(Object.keys(oauth2).sort()).toEqual(['client_id', 'client_secret', 'client_secret_id', 'token_endpoint']);
  });

  test('the --json start line and the banner name each client\'s token paths', () => {
    const line = startLine(local.sandbox, dev, 1234);
    expect(line.clients.find((c) => c.name === 'ledger-api')?.tokenPaths).toEqual(['api']);
    expect(line.clients.find((c) => c.name === 'audit-both')?.tokenPaths).toEqual(['oauth2', 'api']);
    expect(line.clients.find((c) => c.name === oauth2Only().name)?.tokenPaths).toEqual(['oauth2']);

    const banner = startBanner(local.sandbox, dev, { pid: 1234, defaultPort: 8787 });
    expect(banner).toMatch(/ledger-api +id \S+ +secret \S+ +scopes api\/read +token paths api$/m);
    expect(banner).toContain(`aws cognito-idp get-client-token --endpoint-url ${local.sandbox.awsEndpoint}`);
  });
});

describe('an environment without a hosted domain (every client on GetClientToken)', () => {
  const bare = useSandbox(noDomain, 'get-client-token-no-domain');

  test('the sandbox starts, and its only client gets a token from GetClientToken that the API accepts', async () => {
    expect(noDomain.domain).toBeUndefined();
    const [client] = bare.sandbox.clients;
    const response = await fetch(bare.sandbox.awsEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': GET_CLIENT_TOKEN_TARGET },
      body: JSON.stringify({ ClientId: client.clientId, Secret: client.clientSecret }),
    });
    const { ClientAuthenticationResult } = (await response.json()) as { ClientAuthenticationResult: { AccessToken: string } };
    const api = await fetch(`${bare.sandbox.apiUrl}${route.path}`, { headers: { authorization: `Bearer ${ClientAuthenticationResult.AccessToken}` } });
    expect(api.status).toBe(200);
    expect(startBanner(bare.sandbox, noDomain, { pid: 1, defaultPort: 8787 })).not.toContain('grant_type=client_credentials');
  });
});
