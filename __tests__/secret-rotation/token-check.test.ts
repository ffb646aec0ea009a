/**
 * testSecret against a real token endpoint on 127.0.0.1: the request it sends (client_secret_basic,
 * grant_type only), retries while Cognito catches up, giving up, failing at once, and checking the
 * token. Then whole rotations against an endpoint that accepts exactly the secrets Cognito holds.
 */
import * as http from 'node:http';
import { GetClientTokenCommand, InternalErrorException, InvalidParameterException, NotAuthorizedException, TooManyRequestsException } from '@aws-sdk/client-cognito-identity-provider';
import { PendingSecretTestError } from '../../lambdas/secret-rotation/errors';
import { parseRotationEvent, rotate, type RotationDependencies, type RotationStep } from '../../lambdas/secret-rotation/rotation';
import { basicAuthorization, TOKEN_CHECK_ATTEMPTS } from '../../lambdas/secret-rotation/token-check';
import { closeServer, listenOnLoopback } from '../../sandbox/loopback';
import { ScriptedTokenEndpoint, type ScriptedReply } from '../support/token-endpoint';
import { CLIENT_ID, expectNoSecretIn, FakeAppClient, FakeSecret, jwt, RecordingLogger, rejection, SECRET_ARN, SECRET_NAME, USER_POOL_ID, type CallLog } from './fakes';

const TOKEN = 'rotation-token-1111';
/** Characters form-encoding changes: the Basic header must carry them encoded. */
const PENDING_SECRET = 'pending+secret/with=special&chars y%0000000000000000';
const PENDING_ID = `${CLIENT_ID}--1767312000000`;

let calls: CallLog;
let secret: FakeSecret;
let cognito: FakeAppClient;
let logger: RecordingLogger;
let sleeps: number[];
let fetchInits: RequestInit[];
/** Every access token an endpoint issued: none may appear in a log line or an error message. */
let issuedTokens: string[];

function deps(): RotationDependencies {
  return {
    secretsManager: secret.client,
    cognito: cognito.client,
    userPoolId: USER_POOL_ID,
    region: 'eu-west-1',
    fetch: (input, init) => {
      fetchInits.push(init ?? {});
      return fetch(input, init);
    },
    sleep: async (ms) => void sleeps.push(ms),
    logger,
  };
}

const step = (Step: RotationStep, token = TOKEN) => rotate(parseRotationEvent({ Step, SecretId: SECRET_ARN, ClientRequestToken: token }), deps());

function accessToken(claims: Record<string, unknown> = {}): string {
  const token = jwt({ sub: CLIENT_ID, client_id: CLIENT_ID, token_use: 'access', scope: 'api/read', ...claims });
  issuedTokens.push(token);
  return token;
}

const ok = (claims: Record<string, unknown> = {}): ScriptedReply => ({ status: 200, body: { access_token: accessToken(claims), token_type: 'Bearer', expires_in: 3600 } });
const refused = (status: number, error: string): ScriptedReply => ({ status, body: { error } });

/** A secret whose AWSPENDING version holds `PENDING_SECRET` for `tokenEndpoint` (and `paths`, when given), as createSecret leaves it. */
function pendingFor(tokenEndpoint: string | undefined, paths?: Record<string, unknown>): void {
  secret = new FakeSecret(calls, tokenEndpoint ?? 'https://unused.example/oauth2/token');
  secret.startRotation(TOKEN);
  secret.versions.get(TOKEN)!.value = JSON.stringify({ client_id: CLIENT_ID, client_secret: PENDING_SECRET, token_endpoint: tokenEndpoint, client_secret_id: PENDING_ID, ...paths });
}

beforeEach(() => {
  calls = [];
  cognito = new FakeAppClient(calls);
  cognito.everyValue.push(PENDING_SECRET);
  logger = new RecordingLogger();
  sleeps = [];
  fetchInits = [];
  issuedTokens = [];
});

afterEach(() => {
  expectNoSecretIn(JSON.stringify(logger.lines), [...cognito.everyValue, ...issuedTokens]);
  secret?.mock.restore();
  cognito.mock.restore();
});

describe('testSecret (scripted token endpoint)', () => {
  let endpoint: ScriptedTokenEndpoint;

  beforeEach(async () => {
    endpoint = await new ScriptedTokenEndpoint().start();
    pendingFor(endpoint.url);
  });
  afterEach(() => endpoint.stop());

  /** testSecret's error, checked to hold neither a secret nor a token, in its message or its cause. */
  async function failure(): Promise<PendingSecretTestError> {
    const error = await rejection(step('testSecret'));
    expect(error).toBeInstanceOf(PendingSecretTestError);
    expectNoSecretIn(`${error.message} ${String(error.cause)} ${JSON.stringify(error)}`, [...cognito.everyValue, ...issuedTokens]);
    return error as PendingSecretTestError;
  }

  test('gets an access token with the pending secret: client_secret_basic, grant_type only, no scope', async () => {
    // GIVEN
    endpoint.replies = [ok()];

    // WHEN
    const outcome = await step('testSecret');

    // THEN
    expect(outcome).toEqual({ step: 'testSecret', secretArn: SECRET_ARN, secretName: SECRET_NAME, versionId: TOKEN, outcome: 'pending-tested', clientId: CLIENT_ID, pendingClientSecretId: PENDING_ID, tokenPath: 'oauth2', attempts: 1 });
    expect(endpoint.requests).toHaveLength(1);
    expect(cognito.mock.commandCalls(GetClientTokenCommand)).toEqual([]);
    const [request] = endpoint.requests;
    // id and secret form-encoded (space as +), then base64 of id:secret
    const expected = `${CLIENT_ID}:pending%2Bsecret%2Fwith%3Dspecial%26chars+y%250000000000000000`;
    expect(request.authorization).toBe(`Basic ${Buffer.from(expected).toString('base64')}`);
    expect(request.body.toString()).toBe('grant_type=client_credentials');
    expect(fetchInits[0]).toMatchObject({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, redirect: 'manual' });
    expect(fetchInits[0].signal).toBeInstanceOf(AbortSignal);
    expect(sleeps).toEqual([]);
  });

  test('retries on invalid_client while Cognito catches up, then succeeds', async () => {
    endpoint.replies = [refused(400, 'invalid_client'), refused(401, 'invalid_client'), ok()];

    const outcome = await step('testSecret');

    expect(outcome.attempts).toBe(3);
    expect(endpoint.requests).toHaveLength(3);
    expect(sleeps).toEqual([1000, 2000]);
    expect(logger.lines).toEqual([
      { level: 'WARN', message: 'pending secret not accepted yet; retrying', secretName: SECRET_NAME, clientId: CLIENT_ID, clientSecretId: PENDING_ID, attempt: 1, status: 400, oauthError: 'invalid_client', reason: 'HTTP 400 invalid_client', delayMs: 1000 },
      { level: 'WARN', message: 'pending secret not accepted yet; retrying', secretName: SECRET_NAME, clientId: CLIENT_ID, clientSecretId: PENDING_ID, attempt: 2, status: 401, oauthError: 'invalid_client', reason: 'HTTP 401 invalid_client', delayMs: 2000 },
    ]);
  });

  test.each([
    [refused(500, 'server_error')],
    [{ status: 502, body: 'Bad Gateway' }],
    [refused(429, 'slow_down')],
  ])('retries on %j', async (reply) => {
    endpoint.replies = [reply, ok()];

    expect((await step('testSecret')).attempts).toBe(2);
    expect(sleeps).toEqual([1000]);
  });

  test(`gives up after ${TOKEN_CHECK_ATTEMPTS} attempts, sleeping 1, 2, 4 and 8 s between them`, async () => {
    endpoint.replies = [refused(401, 'invalid_client')];

    const error = await failure();

    expect(error.message).toBe(`token endpoint ${endpoint.url} did not issue an access token to client ${CLIENT_ID} with the pending secret after 5 attempts: HTTP 401 invalid_client`);
    expect(error).toMatchObject({ code: 'ERR_PENDING_SECRET_TEST', attempts: 5, status: 401, oauthError: 'invalid_client' });
    expect(endpoint.requests).toHaveLength(5);
    expect(sleeps).toEqual([1000, 2000, 4000, 8000]);
  });

  test('retries when the endpoint cannot be reached, and says so', async () => {
    const closed = http.createServer();
    const port = await listenOnLoopback(closed);
    await closeServer(closed);
    pendingFor(`http://127.0.0.1:${port}/oauth2/token`);

    const error = await failure();

    expect(error.message).toBe(`token endpoint http://127.0.0.1:${port}/oauth2/token did not issue an access token to client ${CLIENT_ID} with the pending secret after 5 attempts: the request failed`);
    expect((error.cause as Error).name).toBe('TypeError'); // fetch failed: connection refused
    expect(logger.lines.map((line) => line.reason)).toEqual(Array(4).fill('the request failed'));
    expect(sleeps).toEqual([1000, 2000, 4000, 8000]);
  });

  test('abandons an attempt after 5 s and retries', async () => {
    // Just over the timeout, so that the held reply is gone soon after the test.
    endpoint.replies = [{ ...ok(), delayMs: 5200 }, ok()];

    const outcome = await step('testSecret');

    expect(outcome.attempts).toBe(2);
    expect(logger.lines[0]).toMatchObject({ attempt: 1, status: undefined, oauthError: undefined, reason: 'no answer within 5000 ms', delayMs: 1000 });
  }, 15_000);

  test.each([
    [400, 'invalid_scope'],
    [400, 'unauthorized_client'],
    [400, 'invalid_request'],
    [403, 'access_denied'],
  ])('fails at once on HTTP %d %s', async (status, oauthError) => {
    endpoint.replies = [refused(status, oauthError)];

    const error = await failure();

    expect(error.message).toBe(`token endpoint ${endpoint.url} did not issue an access token to client ${CLIENT_ID} with the pending secret: HTTP ${status} ${oauthError}`);
    expect(error).toMatchObject({ attempts: 1, status, oauthError });
    expect(endpoint.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  test('does not repeat an error code that is not an OAuth token', async () => {
    endpoint.replies = [{ status: 400, body: { error: `bad ${PENDING_SECRET}` } }];

    const error = await failure();

    expect(error.message).toMatch(/: HTTP 400 unrecognized$/);
    expect(error.oauthError).toBe('unrecognized');
  });

  test.each([
    ['a token for another client', () => ok({ client_id: 'another0client0id000000000' }), `the access token's client_id is "another0client0id000000000", not "${CLIENT_ID}"`],
    ['an ID token', () => ok({ token_use: 'id' }), `the access token's token_use is "id", not "access"`],
    ['a token that is not a JWT', () => ({ status: 200, body: { access_token: 'opaque-token-value', token_type: 'Bearer', expires_in: 3600 } }), 'access_token is not a JWT'],
    ['no access_token', () => ({ status: 200, body: { token_type: 'Bearer', expires_in: 3600, access_token: '' } }), 'access_token must be a non-empty string'],
    ['a token_type other than Bearer', () => ({ status: 200, body: { access_token: accessToken(), token_type: 'mac', expires_in: 3600 } }), 'token_type must be Bearer'],
    ['no expires_in', () => ({ status: 200, body: { access_token: accessToken(), token_type: 'Bearer' } }), 'expires_in must be a positive number'],
    ['a body that is not JSON', () => ({ status: 200, body: 'not json' }), 'not a JSON object'],
  ])('fails at once on %s', async (_, reply, reason) => {
    endpoint.replies = [reply()];

    const error = await failure();

    expect(error.message).toBe(`token endpoint ${endpoint.url} did not issue an access token to client ${CLIENT_ID} with the pending secret: invalid token response: ${reason}`);
    expect(endpoint.requests).toHaveLength(1);
  });
});

describe('testSecret (GetClientToken, mocked Cognito)', () => {
  const API_ONLY = { token_paths: ['api'], region: 'eu-west-1' };
  const metadata = { $metadata: {} };
  const answer = (claims: Record<string, unknown> = {}, fields: Record<string, unknown> = {}) => ({ ...metadata, ClientAuthenticationResult: { AccessToken: accessToken(claims), ExpiresIn: 3600, TokenType: 'Bearer', ...fields } });
  const notAuthorized = () => new NotAuthorizedException({ ...metadata, message: 'Incorrect client secret.' });

  beforeEach(() => pendingFor(undefined, API_ONLY));

  /** testSecret's error, checked to hold neither a secret nor a token, in its message or its cause. */
  async function failure(): Promise<PendingSecretTestError> {
    const error = await rejection(step('testSecret'));
    expect(error).toBeInstanceOf(PendingSecretTestError);
    expectNoSecretIn(`${error.message} ${String(error.cause)} ${JSON.stringify(error)}`, [...cognito.everyValue, ...issuedTokens]);
    return error as PendingSecretTestError;
  }

  test('gets an access token with the pending secret from GetClientToken (no Scopes), and never fetches', async () => {
    // GIVEN
    cognito.mock.on(GetClientTokenCommand).resolves(answer());

    // WHEN
    const outcome = await step('testSecret');

    // THEN
    expect(outcome).toEqual({ step: 'testSecret', secretArn: SECRET_ARN, secretName: SECRET_NAME, versionId: TOKEN, outcome: 'pending-tested', clientId: CLIENT_ID, pendingClientSecretId: PENDING_ID, tokenPath: 'api', attempts: 1 });
    const [call] = cognito.mock.commandCalls(GetClientTokenCommand);
    expect(call.args[0].input).toEqual({ ClientId: CLIENT_ID, Secret: PENDING_SECRET });
    expect(fetchInits).toEqual([]);
    expect(sleeps).toEqual([]);
  });

  test('a client with both paths is tested at its token endpoint, as callers on the default path use it', async () => {
    const endpoint = await new ScriptedTokenEndpoint().start();
    try {
      pendingFor(endpoint.url, { token_paths: ['api', 'oauth2'], region: 'eu-west-1' });
      endpoint.replies = [ok()];

      expect(await step('testSecret')).toMatchObject({ tokenPath: 'oauth2', attempts: 1 });
      expect(endpoint.requests).toHaveLength(1);
      expect(cognito.mock.commandCalls(GetClientTokenCommand)).toEqual([]);
    } finally {
      await endpoint.stop();
    }
  });

  test('retries on NotAuthorizedException while Cognito catches up, then succeeds', async () => {
    cognito.mock.on(GetClientTokenCommand).rejectsOnce(notAuthorized()).rejectsOnce(notAuthorized()).resolves(answer());

    const outcome = await step('testSecret');

    expect(outcome.attempts).toBe(3);
    expect(sleeps).toEqual([1000, 2000]);
    expect(logger.lines).toEqual([1, 2].map((attempt) => ({
      level: 'WARN', message: 'pending secret not accepted yet; retrying', secretName: SECRET_NAME, clientId: CLIENT_ID, clientSecretId: PENDING_ID, attempt, awsErrorName: 'NotAuthorizedException', reason: 'NotAuthorizedException', delayMs: attempt * 1000,
    })));
  });

  test.each([
    ['TooManyRequestsException', () => new TooManyRequestsException({ ...metadata, message: 'Too many requests' })],
    ['InternalErrorException', () => new InternalErrorException({ ...metadata, message: 'Internal error' })],
  ])('retries on %s', async (_, error) => {
    cognito.mock.on(GetClientTokenCommand).rejectsOnce(error()).resolves(answer());

    expect((await step('testSecret')).attempts).toBe(2);
    expect(sleeps).toEqual([1000]);
  });

  test(`gives up after ${TOKEN_CHECK_ATTEMPTS} attempts, sleeping 1, 2, 4 and 8 s between them`, async () => {
    cognito.mock.on(GetClientTokenCommand).rejects(notAuthorized());

    const error = await failure();

    expect(error.message).toBe(`GetClientToken did not issue an access token to client ${CLIENT_ID} with the pending secret after 5 attempts: NotAuthorizedException`);
    expect(error).toMatchObject({ code: 'ERR_PENDING_SECRET_TEST', attempts: 5, awsErrorName: 'NotAuthorizedException', status: undefined, oauthError: undefined });
    expect(error.cause).toBeUndefined();
    expect(cognito.mock.commandCalls(GetClientTokenCommand)).toHaveLength(5);
    expect(sleeps).toEqual([1000, 2000, 4000, 8000]);
  });

  test('retries when no answer comes (a failed connection or the 5 s timeout), and says so', async () => {
    const timeout = Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' });
    cognito.mock.on(GetClientTokenCommand).rejectsOnce(timeout).rejects(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));

    const error = await failure();

    expect(error.message).toBe(`GetClientToken did not issue an access token to client ${CLIENT_ID} with the pending secret after 5 attempts: the request failed`);
    expect(logger.lines.map((line) => line.reason)).toEqual(['no answer within 5000 ms', 'the request failed', 'the request failed', 'the request failed']);
    const signal = ((cognito.mock.send.getCall(0).args as unknown[])[1] as { abortSignal?: unknown } | undefined)?.abortSignal;
    expect(signal).toBeInstanceOf(AbortSignal);
  });

  test('fails at once on an error that waiting does not cure, repeating only its name', async () => {
    cognito.mock.on(GetClientTokenCommand).rejects(new InvalidParameterException({ ...metadata, message: `Secret ${PENDING_SECRET} is not valid` }));

    const error = await failure();

    expect(error.message).toBe(`GetClientToken did not issue an access token to client ${CLIENT_ID} with the pending secret: InvalidParameterException`);
    expect(error).toMatchObject({ attempts: 1, awsErrorName: 'InvalidParameterException' });
    expect(sleeps).toEqual([]);
  });

  test.each([
    ['a token for another client', () => answer({ client_id: 'another0client0id000000000' }), `the access token's client_id is "another0client0id000000000", not "${CLIENT_ID}"`],
    ['an ID token', () => answer({ token_use: 'id' }), `the access token's token_use is "id", not "access"`],
    ['a token that is not a JWT', () => answer({}, { AccessToken: 'opaque-token-value' }), 'AccessToken is not a JWT'],
    ['no AccessToken', () => answer({}, { AccessToken: undefined }), 'AccessToken must be a non-empty string'],
    ['a TokenType other than Bearer', () => answer({}, { TokenType: 'mac' }), 'TokenType must be Bearer'],
    ['no ExpiresIn', () => answer({}, { ExpiresIn: 0 }), 'ExpiresIn must be a positive number'],
    ['no ClientAuthenticationResult', () => metadata, 'no ClientAuthenticationResult'],
  ])('fails at once on %s', async (_, reply, reason) => {
    cognito.mock.on(GetClientTokenCommand).resolves(reply());

    const error = await failure();

    expect(error.message).toBe(`GetClientToken did not issue an access token to client ${CLIENT_ID} with the pending secret: invalid token response: ${reason}`);
    expect(cognito.mock.commandCalls(GetClientTokenCommand)).toHaveLength(1);
  });
});

describe('basicAuthorization', () => {
  test('form-encodes id and secret before base64 (RFC 6749 2.3.1)', () => {
    expect(basicAuthorization('my client', 'p@ss:w+rd')).toBe(`Basic ${Buffer.from('my+client:p%40ss%3Aw%2Brd').toString('base64')}`);
  });
});

/**
 * A token endpoint that, like Cognito, accepts exactly the secrets the app client holds; a secret added
 * less than `lagRequests` requests ago is not accepted yet (eventual consistency).
 */
class CognitoLikeTokenEndpoint {
  private server?: http.Server;
  private port = 0;
  /** Requests answered since each secret id was first seen. */
  private readonly seen = new Map<string, number>();
  readonly answers: Array<{ status: number; clientSecretId?: string }> = [];

  constructor(
    private readonly cognito: FakeAppClient,
    private readonly lagRequests: number,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/oauth2/token`;
  }

  async start(): Promise<this> {
    this.server = http.createServer((request, response) => {
      request.resume().on('end', () => {
        const [id, secretValue] = Buffer.from((request.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString().split(':').map((part) => decodeURIComponent(part.replace(/\+/g, ' ')));
        const held = this.cognito.secrets.find((s) => id === CLIENT_ID && s.value === secretValue);
        const age = held ? (this.seen.get(held.id) ?? 0) : 0;
        if (held) this.seen.set(held.id, age + 1);
        const accepted = held !== undefined && age >= this.lagRequests;
        this.answers.push({ status: accepted ? 200 : 400, clientSecretId: held?.id });
        response.writeHead(accepted ? 200 : 400, { 'content-type': 'application/json' });
        response.end(JSON.stringify(accepted ? { access_token: accessToken(), token_type: 'Bearer', expires_in: 3600 } : { error: 'invalid_client' }));
      });
    });
    this.port = await listenOnLoopback(this.server);
    return this;
  }

  stop(): Promise<void> {
    return closeServer(this.server);
  }
}

describe('whole rotations (token endpoint that knows what Cognito holds)', () => {
  let endpoint: CognitoLikeTokenEndpoint;

  beforeEach(async () => {
    endpoint = await new CognitoLikeTokenEndpoint(cognito, 2).start();
    secret = new FakeSecret(calls, endpoint.url);
  });
  afterEach(() => endpoint.stop());

  const ALL_STEPS: RotationStep[] = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];

  test('two rotations: each new secret works once Cognito catches up, and becomes AWSCURRENT', async () => {
    // first rotation
    secret.startRotation(TOKEN);
    const outcomes = [];
    for (const name of ALL_STEPS) outcomes.push(await step(name));
    expect(outcomes.map((o) => o.outcome)).toEqual(['pending-created', 'pending-confirmed-in-cognito', 'pending-tested', 'current-moved']);
    expect(outcomes[2].attempts).toBe(3);
    const first = cognito.secrets[1];
    expect(secret.valueOf('AWSCURRENT')).toMatchObject({ client_secret_id: first.id });

    // second rotation: the secret of the first is AWSCURRENT's, the original one goes
    const second = 'rotation-token-2222';
    secret.startRotation(second);
    for (const name of ALL_STEPS) await step(name, second);
    expect(cognito.ids).toEqual([first.id, cognito.secrets[1].id]);
    expect(secret.valueOf('AWSCURRENT')).toMatchObject({ client_secret_id: cognito.secrets[1].id });
    expect(endpoint.answers.filter((a) => a.status === 200).map((a) => a.clientSecretId)).toEqual([first.id, cognito.secrets[1].id]);
  });

  test('every step run twice (Secrets Manager retries) ends in the same state as once', async () => {
    secret.startRotation(TOKEN);
    for (const name of ALL_STEPS) {
      await step(name);
      await step(name);
    }
    expect(cognito.secrets).toHaveLength(2);
    expect(secret.valueOf('AWSCURRENT')).toMatchObject({ client_secret_id: cognito.secrets[1].id, client_secret: cognito.secrets[1].value });
    expect(secret.stagesOf(TOKEN)).toContain('AWSCURRENT');
  });
});
