/**
 * The real rotation bundle (what synth deploys): it loads and exports `handler`; it carries its own
 * Cognito client (the runtime's SDK may predate the client-secret API) and takes Secrets Manager from
 * the runtime. Then whole rotations through the bundle: Secrets Manager mocked (the bundle requires the
 * project's copy), the bundled Cognito client talking to a loopback Cognito, a loopback token endpoint.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { bundleLambda } from '../../lib/bundling/lambda-bundle';
import { bundleSecretRotation, SECRET_ROTATION_RUNTIME_SDK, SECRET_ROTATION_ENTRY } from '../../lib/secret-rotation/secret-rotation-bundle';
import type { StepOutcome } from '../../lambdas/secret-rotation/rotation';
import { closeServer, listenOnLoopback } from '../../sandbox/loopback';
import { loadBundledHandler } from '../../sandbox/bundles';
import { captureOutput } from '../support/authorizer-bundle';
import { ScriptedTokenEndpoint } from '../support/token-endpoint';
import { CLIENT_ID, expectNoSecretIn, FakeSecret, jwt, ORIGINAL_SECRET, rejection, SECRET_ARN, SECRET_NAME, T0, USER_POOL_ID } from './fakes';

type Handler = (event: unknown) => Promise<StepOutcome>;

/** Cognito's client-secret API, DescribeUserPoolClient and GetClientToken over HTTP (JSON 1.1), as the bundled SDK client sends them. */
class LoopbackCognito {
  secrets: Array<{ ClientSecretId: string; ClientSecretValue: string; ClientSecretCreateDate: number }> = [{ ClientSecretId: `${CLIENT_ID}--${T0.getTime()}`, ClientSecretValue: ORIGINAL_SECRET, ClientSecretCreateDate: T0.getTime() / 1000 }];
  readonly requests: Array<{ target: string; body: Record<string, unknown>; authorization?: string }> = [];
  readonly everyValue = [ORIGINAL_SECRET];
  /** Answer AddUserPoolClientSecret with this error. */
  refuseAdd?: { __type: string; message: string };
  /** The client's flows: oauth2 only, as Terraform configures the default path. */
  allowedOAuthFlows = ['client_credentials'];
  explicitAuthFlows = ['ALLOW_REFRESH_TOKEN_AUTH'];
  /** Access tokens GetClientToken issued. */
  readonly issuedTokens: string[] = [];
  private server?: http.Server;
  private port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    this.server = http.createServer((request, response) => {
      let raw = '';
      request.on('data', (chunk: Buffer) => (raw += chunk.toString()));
      request.on('end', () => {
        const target = String(request.headers['x-amz-target']).replace('AWSCognitoIdentityProviderService.', '');
        const body = JSON.parse(raw) as Record<string, unknown>;
        this.requests.push({ target, body, authorization: request.headers.authorization });
        const reply = (status: number, payload: unknown) => {
          response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
          response.end(JSON.stringify(payload));
        };
        if (target === 'GetClientToken') {
          const held = this.secrets.some((s) => body.ClientId === CLIENT_ID && s.ClientSecretValue === body.Secret);
          if (!held || !this.explicitAuthFlows.includes('ALLOW_CLIENT_TOKEN_AUTH')) return reply(400, { __type: 'NotAuthorizedException', message: 'Incorrect client secret.' });
          const token = jwt({ client_id: CLIENT_ID, token_use: 'access' });
          this.issuedTokens.push(token);
          return reply(200, { ClientAuthenticationResult: { AccessToken: token, ExpiresIn: 3600, TokenType: 'Bearer' } });
        }
        if (body.UserPoolId !== USER_POOL_ID || body.ClientId !== CLIENT_ID) return reply(400, { __type: 'ResourceNotFoundException', message: 'User pool client does not exist.' });
        if (target === 'DescribeUserPoolClient') {
          return reply(200, { UserPoolClient: { UserPoolId: USER_POOL_ID, ClientId: CLIENT_ID, ClientSecret: ORIGINAL_SECRET, AllowedOAuthFlows: this.allowedOAuthFlows, ExplicitAuthFlows: this.explicitAuthFlows } });
        }
        if (target === 'ListUserPoolClientSecrets') return reply(200, { ClientSecrets: this.secrets.map(({ ClientSecretId, ClientSecretCreateDate }) => ({ ClientSecretId, ClientSecretCreateDate })) });
        if (target === 'DeleteUserPoolClientSecret') {
          this.secrets = this.secrets.filter((s) => s.ClientSecretId !== body.ClientSecretId);
          return reply(200, {});
        }
        if (target === 'AddUserPoolClientSecret') {
          if (this.refuseAdd) return reply(400, this.refuseAdd);
          if (this.secrets.length >= 2) return reply(400, { __type: 'LimitExceededException', message: 'Client secret limit exceeded.' });
          const created = T0.getTime() / 1000 + 86_400 * this.everyValue.length;
          const added = { ClientSecretId: `${CLIENT_ID}--${created * 1000}`, ClientSecretValue: `bundled${this.everyValue.length}generated`.padEnd(51, 'Z'), ClientSecretCreateDate: created };
          this.everyValue.push(added.ClientSecretValue);
          this.secrets.push(added);
          return reply(200, { ClientSecretDescriptor: added });
        }
        return reply(400, { __type: 'InvalidParameterException', message: `unexpected ${target}` });
      });
    });
    this.port = await listenOnLoopback(this.server);
    return this;
  }

  stop(): Promise<void> {
    return closeServer(this.server);
  }
}

const code = () => bundleSecretRotation().code;

// Every fresh bundle instance carries its own SDK, and each warns once that Node 20 support ends.
beforeAll(() => {
  const emit = process.emitWarning.bind(process);
  jest.spyOn(process, 'emitWarning').mockImplementation(((warning: string | Error, ...rest: never[]) => {
    if (String(typeof warning === 'string' ? rest[0] ?? warning : warning.name).includes('NodeVersionSupportWarning')) return;
    emit(warning, ...rest);
  }) as typeof process.emitWarning);
});
afterAll(() => jest.restoreAllMocks());
const TOKEN = 'rotation-token-1111';
const AWS_ENV = ['AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER'];

describe('secret rotation bundle', () => {
  test('loads and exports handler', () => {
    const handler = loadBundledHandler<Handler>(code(), { ENVIRONMENT: 'dev', USER_POOL_ID });
    expect(typeof handler).toBe('function');
  });

  test('carries the Cognito client and its dependencies, and requires only Secrets Manager from the runtime', () => {
    // GIVEN: the bundle run with a require that records what it asks the runtime for
    const requested: string[] = [];
    const module = { exports: {} as { handler?: unknown } };
    const record = (id: string) => {
      requested.push(id);
      return require(id) as unknown;
    };
    const saved = { ...process.env };
    Object.assign(process.env, { ENVIRONMENT: 'dev', USER_POOL_ID });
    try {
      // WHEN
      new Function('require', 'module', 'exports', '__filename', '__dirname', code())(record, module, module.exports, path.join(__dirname, 'index.js'), __dirname);
    } finally {
      process.env = saved;
    }

    // THEN
    expect(typeof module.exports.handler).toBe('function');
    expect([...new Set(requested.filter((id) => !id.startsWith('node:')))]).toEqual(['@aws-sdk/client-secrets-manager']);
    expect(SECRET_ROTATION_RUNTIME_SDK).toEqual(['@aws-sdk/client-secrets-manager']);
    for (const operation of ['AddUserPoolClientSecret', 'ListUserPoolClientSecrets', 'DeleteUserPoolClientSecret', 'DescribeUserPoolClient', 'GetClientToken']) expect(code()).toContain(operation);
    expect(code()).not.toMatch(/require\("@aws-sdk\/(client-cognito-identity-provider|core)"\)/);
    expect(code()).toMatch(/require\("@aws-sdk\/client-secrets-manager"\)/);
  });

  test('without runtimeSdkPackages the whole AWS SDK stays external (the other bundles do not change)', () => {
    const plain = bundleLambda({ entry: SECRET_ROTATION_ENTRY }).code;
    expect(plain).toMatch(/require\("@aws-sdk\/client-cognito-identity-provider"\)/);
    expect(plain).toMatch(/require\("@aws-sdk\/client-secrets-manager"\)/);
    expect(plain.length).toBeLessThan(code().length / 5);
  });

  test('fails with esbuild\'s message when the build fails', () => {
    expect(() => bundleLambda({ entry: 'lambdas/secret-rotation/missing.ts', runtimeSdkPackages: SECRET_ROTATION_RUNTIME_SDK })).toThrow(/Could not resolve/);
  });

  test('another process builds the same bytes (source_code_hash is stable)', () => {
    const script = `process.stdout.write(require(${JSON.stringify(require.resolve('../../lib/secret-rotation/secret-rotation-bundle'))}).bundleSecretRotation().sourceCodeHash)`;
    const other = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: path.resolve(__dirname, '..', '..'), encoding: 'utf8' });
    expect(other).toBe(bundleSecretRotation().sourceCodeHash);
  });

  test('the zip is small enough for a direct upload', () => {
    const bundle = bundleSecretRotation();
    expect(fs.statSync(bundle.zipPath).size).toBeLessThan(1024 * 1024);
    expect(bundle.sourceCodeHash).toMatch(/^[A-Za-z0-9+/]{43}=$/);
  });
});

describe('secret rotation (bundled)', () => {
  let cognito: LoopbackCognito;
  let endpoint: ScriptedTokenEndpoint;
  let secret: FakeSecret;
  let output: ReturnType<typeof captureOutput>;
  let savedEnv: NodeJS.ProcessEnv;

  /** A fresh bundle instance; the SDK reads region, credentials and endpoint at its first call, so they stay set. */
  function loadHandler(env: Record<string, string | undefined> = {}): Handler {
    return loadBundledHandler<Handler>(code(), { ENVIRONMENT: 'dev', USER_POOL_ID, POWERTOOLS_DEV: undefined, ...env });
  }

  const lines = () => output.lines();

  beforeEach(async () => {
    cognito = await new LoopbackCognito().start();
    endpoint = await new ScriptedTokenEndpoint().start();
    endpoint.replies = [{ status: 200, body: { access_token: jwt({ client_id: CLIENT_ID, token_use: 'access' }), token_type: 'Bearer', expires_in: 3600 } }];
    secret = new FakeSecret([], endpoint.url);
    savedEnv = { ...process.env };
    for (const name of AWS_ENV) delete process.env[name];
    Object.assign(process.env, { AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'test-only-key', AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: cognito.url });
    output = captureOutput();
  });

  afterEach(async () => {
    output.restore();
    expectNoSecretIn(JSON.stringify(lines()), cognito.everyValue);
    process.env = savedEnv;
    secret.mock.restore();
    await cognito.stop();
    await endpoint.stop();
  });

  test('a whole rotation: four steps, one log line each with ids and never a value', async () => {
    // GIVEN
    const handler = loadHandler();
    secret.startRotation(TOKEN);

    // WHEN
    for (const Step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret']) await handler({ Step, SecretId: SECRET_ARN, ClientRequestToken: TOKEN });

    // THEN: the bundled client called the loopback Cognito, signed
    expect(cognito.requests.map((r) => r.target)).toEqual(['DescribeUserPoolClient', 'ListUserPoolClientSecrets', 'AddUserPoolClientSecret', 'ListUserPoolClientSecrets']);
    expect(cognito.requests[2].body).toEqual({ UserPoolId: USER_POOL_ID, ClientId: CLIENT_ID });
    expect(cognito.requests[0].authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/cognito-idp\/aws4_request/);
    const added = cognito.secrets[1];
    expect(secret.valueOf('AWSCURRENT')).toEqual({ client_id: CLIENT_ID, client_secret: added.ClientSecretValue, token_endpoint: endpoint.url, client_secret_id: added.ClientSecretId });
    expect(endpoint.requests).toHaveLength(1);
    const done = lines().filter((line) => line.message === 'rotation step done');
    expect(done.map(({ step, outcome, secretArn, secretName, clientId, pendingClientSecretId, service, environment }) => ({ step, outcome, secretArn, secretName, clientId, pendingClientSecretId, service, environment }))).toEqual(
      ['pending-created', 'pending-confirmed-in-cognito', 'pending-tested', 'current-moved'].map((outcome, i) => ({
        step: ['createSecret', 'setSecret', 'testSecret', 'finishSecret'][i],
        outcome,
        secretArn: SECRET_ARN,
        secretName: SECRET_NAME,
        clientId: CLIENT_ID,
        pendingClientSecretId: added.ClientSecretId,
        service: 'm2m-auth-secret-rotation',
        environment: 'dev',
      })),
    );
    expect(done[0]).toMatchObject({ currentClientSecretId: `${CLIENT_ID}--${T0.getTime()}`, deletedClientSecretIds: [] });
    expect(done[3]).toMatchObject({ previousVersionId: 'terraform-version-0000', versionId: TOKEN });
  });

  test('an api-only client: the bundled Cognito client gets the test token from GetClientToken, and the endpoint is never asked', async () => {
    // GIVEN: a client with only GetClientToken; its secret as Terraform writes it, without a token endpoint
    const handler = loadHandler();
    cognito.allowedOAuthFlows = [];
    cognito.explicitAuthFlows = ['ALLOW_CLIENT_TOKEN_AUTH'];
    secret.versions.get('terraform-version-0000')!.value = JSON.stringify({ client_id: CLIENT_ID, client_secret: ORIGINAL_SECRET, token_paths: ['api'], region: 'eu-west-1' });
    secret.startRotation(TOKEN);

    // WHEN
    for (const Step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret']) await handler({ Step, SecretId: SECRET_ARN, ClientRequestToken: TOKEN });

    // THEN
    const added = cognito.secrets[1];
    expect(cognito.requests.map((r) => r.target)).toEqual(['DescribeUserPoolClient', 'ListUserPoolClientSecrets', 'AddUserPoolClientSecret', 'ListUserPoolClientSecrets', 'GetClientToken']);
    expect(cognito.requests[4].body).toEqual({ ClientId: CLIENT_ID, Secret: added.ClientSecretValue });
    expect(endpoint.requests).toHaveLength(0);
    expect(secret.valueOf('AWSCURRENT')).toEqual({ client_id: CLIENT_ID, client_secret: added.ClientSecretValue, token_paths: ['api'], region: 'eu-west-1', client_secret_id: added.ClientSecretId });
    expect(lines().find((line) => line.step === 'testSecret')).toMatchObject({ outcome: 'pending-tested', tokenPath: 'api', attempts: 1 });
    expectNoSecretIn(JSON.stringify(lines()), cognito.issuedTokens);
  });

  test('a failing step logs one line with the error and throws it; neither holds a secret', async () => {
    const handler = loadHandler();
    secret.startRotation(TOKEN);
    cognito.secrets.push({ ClientSecretId: `${CLIENT_ID}--1`, ClientSecretValue: 'unlisted', ClientSecretCreateDate: 1 });
    secret.versions.get('terraform-version-0000')!.value = JSON.stringify({ client_id: CLIENT_ID, client_secret: ORIGINAL_SECRET, token_endpoint: endpoint.url, client_secret_id: 'gone' });

    const error = await rejection(handler({ Step: 'createSecret', SecretId: SECRET_ARN, ClientRequestToken: TOKEN }));

    expect(error.name).toBe('RotationStateError');
    expect(error.message).toBe(`secret ${SECRET_NAME}: AWSCURRENT's client secret gone is not among client ${CLIENT_ID}'s secrets in Cognito (${CLIENT_ID}--1, ${CLIENT_ID}--${T0.getTime()}); refusing to rotate`);
    expect(lines().filter((line) => line.level === 'ERROR')).toEqual([
      expect.objectContaining({ message: 'rotation step failed', step: 'createSecret', secretId: SECRET_ARN, errorName: 'RotationStateError', code: 'CURRENT_SECRET_NOT_IN_COGNITO', error: error.message }),
    ]);
    expect(cognito.requests.map((r) => r.target)).toEqual(['DescribeUserPoolClient', 'ListUserPoolClientSecrets']);
    expectNoSecretIn(error.message, cognito.everyValue);
  });

  test('a Cognito error from the bundled client surfaces with its name', async () => {
    const handler = loadHandler();
    secret.startRotation(TOKEN);
    cognito.refuseAdd = { __type: 'LimitExceededException', message: 'Client secret limit exceeded.' };

    const error = await rejection(handler({ Step: 'createSecret', SecretId: SECRET_ARN, ClientRequestToken: TOKEN }));

    expect(error.name).toBe('AwsCallError');
    expect(error.message).toBe(
      `AddUserPoolClientSecret failed for client ${CLIENT_ID} of user pool ${USER_POOL_ID}: LimitExceededException: Client secret limit exceeded. (Cognito keeps at most two secrets per app client; something else added one since the list was read)`,
    );
    expect(secret.valueOf('AWSPENDING')).toBeNull();
  });

  test('an unknown step fails before any AWS call', async () => {
    const handler = loadHandler();

    const error = await rejection(handler({ Step: 'rotateSecret', SecretId: SECRET_ARN, ClientRequestToken: TOKEN }));

    expect(error).toMatchObject({ name: 'RotationEventError', message: 'rotation event: unknown Step "rotateSecret"; expected one of createSecret, setSecret, testSecret, finishSecret' });
    expect(secret.mock.calls()).toHaveLength(0);
    expect(cognito.requests).toHaveLength(0);
  });

  test('a bad configuration fails every step, and says which variable', async () => {
    const handler = loadHandler({ USER_POOL_ID: undefined });

    const error = await rejection(handler({ Step: 'createSecret', SecretId: SECRET_ARN, ClientRequestToken: TOKEN }));

    expect(error).toMatchObject({ name: 'SecretRotationSettingsError', message: 'Environment variable USER_POOL_ID is required' });
    expect(lines().map((line) => line.message)).toEqual(['secret rotation is misconfigured; every rotation fails until it is fixed', 'rotation step failed']);
    expect(secret.mock.calls()).toHaveLength(0);
  });
});
