/**
 * The four rotation steps against an in-memory secret and app client (aws-sdk-client-mock): what each
 * step writes, that every step can be retried, the pre-check, and the refusals. No log line and no
 * error message holds a secret value.
 */
import { AddUserPoolClientSecretCommand, DescribeUserPoolClientCommand, GetClientTokenCommand, ListUserPoolClientSecretsCommand } from '@aws-sdk/client-cognito-identity-provider';
import { GetSecretValueCommand, InternalServiceError, PutSecretValueCommand, UpdateSecretVersionStageCommand } from '@aws-sdk/client-secrets-manager';
import { AwsCallError, ClientCredentialsValueError, RotationEventError, RotationStateError } from '../../lambdas/secret-rotation/errors';
import { parseRotationEvent, rotate, type RotationDependencies, type RotationStep, type StepOutcome } from '../../lambdas/secret-rotation/rotation';
import {
  CLIENT_ID,
  expectNoSecretIn,
  FakeAppClient,
  FakeSecret,
  ORIGINAL_SECRET,
  RecordingLogger,
  rejection,
  SECRET_ARN,
  SECRET_NAME,
  T0,
  TERRAFORM_VERSION,
  USER_POOL_ID,
  type CallLog,
} from './fakes';

const TOKEN_ENDPOINT = 'https://m2m-dev.auth.eu-west-1.amazoncognito.com/oauth2/token';
const REGION = 'eu-west-1';
const TOKEN = 'rotation-token-1111';
const ORIGINAL_ID = `${CLIENT_ID}--${T0.getTime()}`;
const WRITES = ['Cognito.AddUserPoolClientSecret', 'Cognito.DeleteUserPoolClientSecret', 'SecretsManager.PutSecretValue', 'SecretsManager.UpdateSecretVersionStage'];

let calls: CallLog;
let secret: FakeSecret;
let cognito: FakeAppClient;
let logger: RecordingLogger;
let fetchCalls: number;

function deps(): RotationDependencies {
  return {
    secretsManager: secret.client,
    cognito: cognito.client,
    userPoolId: USER_POOL_ID,
    region: REGION,
    fetch: async () => {
      fetchCalls++;
      throw new Error('these steps send no token request');
    },
    sleep: async () => undefined,
    logger,
  };
}

function step(Step: RotationStep, token = TOKEN, extra: Partial<RotationDependencies> = {}): Promise<StepOutcome> {
  return rotate(parseRotationEvent({ Step, SecretId: SECRET_ARN, ClientRequestToken: token }), { ...deps(), ...extra });
}

/** Makes the secret look rotated once already: AWSCURRENT holds `current` (with its id), AWSPREVIOUS Terraform's value. */
function rotatedOnce(): { currentId: string; currentValue: string } {
  const held = cognito.generate();
  cognito.secrets.push(held);
  secret.versions.set(TERRAFORM_VERSION, { stages: ['AWSPREVIOUS'], value: JSON.stringify({ client_id: CLIENT_ID, client_secret: ORIGINAL_SECRET, token_endpoint: TOKEN_ENDPOINT }) });
  secret.versions.set('rotation-token-0000', { stages: ['AWSCURRENT'], value: JSON.stringify({ client_id: CLIENT_ID, client_secret: held.value, token_endpoint: TOKEN_ENDPOINT, client_secret_id: held.id }) });
  return { currentId: held.id, currentValue: held.value };
}

const writes = () => calls.filter((call) => WRITES.includes(call));

beforeEach(() => {
  calls = [];
  secret = new FakeSecret(calls, TOKEN_ENDPOINT);
  cognito = new FakeAppClient(calls);
  logger = new RecordingLogger();
  fetchCalls = 0;
});

afterEach(() => {
  expectNoSecretIn(JSON.stringify(logger.lines), cognito.everyValue);
  expect(fetchCalls).toBe(0);
  secret.mock.restore();
  cognito.mock.restore();
});

describe('createSecret', () => {
  test('first rotation: from the value Terraform wrote, one Cognito secret is added and stored as AWSPENDING', async () => {
    // GIVEN
    secret.startRotation(TOKEN);

    // WHEN
    const outcome = await step('createSecret');

    // THEN
    const [, added] = cognito.secrets;
    expect(cognito.ids).toEqual([ORIGINAL_ID, added.id]);
    expect(calls).toEqual([
      'SecretsManager.DescribeSecret',
      'SecretsManager.GetSecretValue',
      'SecretsManager.GetSecretValue',
      'Cognito.DescribeUserPoolClient',
      'Cognito.ListUserPoolClientSecrets',
      'Cognito.AddUserPoolClientSecret',
      'SecretsManager.PutSecretValue',
    ]);
    expect(cognito.mock.commandCalls(AddUserPoolClientSecretCommand)[0].args[0].input).toEqual({ UserPoolId: USER_POOL_ID, ClientId: CLIENT_ID });
    expect(cognito.mock.commandCalls(ListUserPoolClientSecretsCommand)[0].args[0].input).toMatchObject({ UserPoolId: USER_POOL_ID, ClientId: CLIENT_ID });
    const put = secret.mock.commandCalls(PutSecretValueCommand)[0].args[0].input;
    expect(put).toEqual({ SecretId: SECRET_ARN, ClientRequestToken: TOKEN, VersionStages: ['AWSPENDING'], SecretString: expect.any(String) });
    expect(put.SecretString).toBe(JSON.stringify({ client_id: CLIENT_ID, client_secret: added.value, token_endpoint: TOKEN_ENDPOINT, client_secret_id: added.id }));
    expect(secret.stagesOf(TOKEN)).toEqual(['AWSPENDING']);
    expect(secret.valueOf('AWSCURRENT').client_secret).toBe(ORIGINAL_SECRET);
    expect(outcome).toEqual({
      step: 'createSecret',
      secretArn: SECRET_ARN,
      secretName: SECRET_NAME,
      versionId: TOKEN,
      outcome: 'pending-created',
      clientId: CLIENT_ID,
      pendingClientSecretId: added.id,
      currentClientSecretId: ORIGINAL_ID,
      deletedClientSecretIds: [],
      tokenPaths: ['oauth2'],
    });
    expect(logger.lines).toEqual([{ level: 'INFO', message: 'added client secret', secretName: SECRET_NAME, clientId: CLIENT_ID, clientSecretId: added.id, createdAt: added.createdAt.toISOString() }]);
  });

  test("second rotation: the secret AWSPREVIOUS holds is deleted from Cognito before the new one is added", async () => {
    // GIVEN
    const { currentId } = rotatedOnce();
    secret.startRotation(TOKEN);

    // WHEN
    const outcome = await step('createSecret');

    // THEN
    const added = cognito.secrets[1];
    expect(cognito.ids).toEqual([currentId, added.id]);
    expect(writes()).toEqual(['Cognito.DeleteUserPoolClientSecret', 'Cognito.AddUserPoolClientSecret', 'SecretsManager.PutSecretValue']);
    expect(secret.valueOf('AWSPENDING')).toEqual({ client_id: CLIENT_ID, client_secret: added.value, token_endpoint: TOKEN_ENDPOINT, client_secret_id: added.id });
    expect(outcome).toMatchObject({ outcome: 'pending-created', currentClientSecretId: currentId, deletedClientSecretIds: [ORIGINAL_ID], pendingClientSecretId: added.id });
    expect(logger.lines[0]).toEqual({ level: 'INFO', message: 'deleted client secret', secretName: SECRET_NAME, clientId: CLIENT_ID, clientSecretId: ORIGINAL_ID, createdAt: T0.toISOString(), currentClientSecretId: currentId });
  });

  test('keeps every field of AWSCURRENT it does not know, and overwrites client_secret_id', async () => {
    const held = cognito.generate();
    cognito.secrets = [held];
    secret.versions.set(TERRAFORM_VERSION, { stages: ['AWSCURRENT'], value: JSON.stringify({ client_id: CLIENT_ID, client_secret: held.value, token_endpoint: TOKEN_ENDPOINT, client_secret_id: held.id, scopes: ['api/read'] }) });
    secret.startRotation(TOKEN);

    await step('createSecret');

    const added = cognito.secrets[1];
    expect(secret.valueOf('AWSPENDING')).toEqual({ client_id: CLIENT_ID, client_secret: added.value, token_endpoint: TOKEN_ENDPOINT, client_secret_id: added.id, scopes: ['api/read'] });
  });

  test('a retry after PutSecretValue succeeded changes nothing and asks Cognito nothing', async () => {
    secret.startRotation(TOKEN);
    await step('createSecret');
    const pending = secret.valueOf('AWSPENDING');
    calls.length = 0;

    const outcome = await step('createSecret');

    expect(calls).toEqual(['SecretsManager.DescribeSecret', 'SecretsManager.GetSecretValue', 'SecretsManager.GetSecretValue']);
    expect(secret.valueOf('AWSPENDING')).toEqual(pending);
    expect(outcome).toMatchObject({ outcome: 'pending-already-set', clientId: CLIENT_ID, pendingClientSecretId: pending.client_secret_id });
  });

  test('a retry after a crash between AddUserPoolClientSecret and PutSecretValue deletes the stray, then adds again', async () => {
    // GIVEN: the first attempt added a secret and failed to store it
    secret.startRotation(TOKEN);
    secret.mock.on(PutSecretValueCommand).rejectsOnce(new InternalServiceError({ $metadata: {}, message: 'An error occurred on the server side.' }));
    const failure = await rejection(step('createSecret'));
    expect(failure).toBeInstanceOf(AwsCallError);
    expect(failure.message).toBe(`PutSecretValue failed for secret ${SECRET_ARN} (version ${TOKEN}): InternalServiceError: An error occurred on the server side.`);
    const stray = cognito.secrets[1];
    expect(cognito.ids).toEqual([ORIGINAL_ID, stray.id]);
    secret.mock.restore();
    secret = new FakeSecret(calls, TOKEN_ENDPOINT);
    secret.startRotation(TOKEN);
    calls.length = 0;

    // WHEN: Secrets Manager retries the step
    const outcome = await step('createSecret');

    // THEN
    const added = cognito.secrets[1];
    expect(added.id).not.toBe(stray.id);
    expect(cognito.ids).toEqual([ORIGINAL_ID, added.id]);
    expect(writes()).toEqual(['Cognito.DeleteUserPoolClientSecret', 'Cognito.AddUserPoolClientSecret', 'SecretsManager.PutSecretValue']);
    expect(secret.valueOf('AWSPENDING')).toMatchObject({ client_secret: added.value, client_secret_id: added.id });
    expect(outcome).toMatchObject({ currentClientSecretId: ORIGINAL_ID, deletedClientSecretIds: [stray.id] });
    expectNoSecretIn(failure.message, cognito.everyValue);
  });

  test("fails when AWSCURRENT's client_secret_id is no longer in Cognito, and changes nothing", async () => {
    const { currentId } = rotatedOnce();
    cognito.secrets = cognito.secrets.filter((s) => s.id !== currentId);
    secret.startRotation(TOKEN);

    const error = await rejection(step('createSecret'));

    expect(error).toBeInstanceOf(RotationStateError);
    expect(error.code).toBe('CURRENT_SECRET_NOT_IN_COGNITO');
    expect(error.message).toBe(`secret ${SECRET_NAME}: AWSCURRENT's client secret ${currentId} is not among client ${CLIENT_ID}'s secrets in Cognito (${ORIGINAL_ID}); refusing to rotate`);
    expect(writes()).toEqual([]);
  });

  test('fails when the client has no secret in Cognito at all', async () => {
    cognito.secrets = [];
    secret.startRotation(TOKEN);

    const error = await rejection(step('createSecret'));

    expect(error).toEqual(new RotationStateError('NO_COGNITO_SECRET', `secret ${SECRET_NAME}: client ${CLIENT_ID} has no secret in Cognito; nothing to rotate from`));
    expect(writes()).toEqual([]);
  });

  test('fails with a clear message when Cognito refuses the new secret (LimitExceededException); nothing is stored', async () => {
    secret.startRotation(TOKEN);
    const limit = Object.assign(new Error('Client secret limit exceeded.'), { name: 'LimitExceededException' });
    cognito.mock.on(AddUserPoolClientSecretCommand).rejects(limit);

    const error = await rejection(step('createSecret'));

    expect(error).toBeInstanceOf(AwsCallError);
    expect(error.message).toBe(
      `AddUserPoolClientSecret failed for client ${CLIENT_ID} of user pool ${USER_POOL_ID}: LimitExceededException: Client secret limit exceeded. (Cognito keeps at most two secrets per app client; something else added one since the list was read)`,
    );
    expect(error).toMatchObject({ operation: 'AddUserPoolClientSecret', awsErrorName: 'LimitExceededException', code: 'ERR_AWS_CALL' });
    expect(error.cause).toBe(limit);
    expect(calls).not.toContain('SecretsManager.PutSecretValue');
  });

  test('fails with a clear message when Cognito denies the list', async () => {
    secret.startRotation(TOKEN);
    cognito.mock.on(ListUserPoolClientSecretsCommand).rejects(Object.assign(new Error('User is not authorized to perform: cognito-idp:ListUserPoolClientSecrets'), { name: 'AccessDeniedException' }));

    const error = await rejection(step('createSecret'));

    expect(error.message).toBe(
      `ListUserPoolClientSecrets failed for client ${CLIENT_ID} of user pool ${USER_POOL_ID}: AccessDeniedException: User is not authorized to perform: cognito-idp:ListUserPoolClientSecrets (the rotation function's role lacks this permission)`,
    );
    expect(writes()).toEqual([]);
  });

  test('fails when Cognito answers AddUserPoolClientSecret without a value; the retry deletes what it added', async () => {
    secret.startRotation(TOKEN);
    cognito.mock.on(AddUserPoolClientSecretCommand).resolvesOnce({ ClientSecretDescriptor: { ClientSecretId: `${CLIENT_ID}--1` } });

    const error = await rejection(step('createSecret'));

    expect(error).toEqual(new AwsCallError('AddUserPoolClientSecret', 'InvalidResponse', `AddUserPoolClientSecret for client ${CLIENT_ID} of user pool ${USER_POOL_ID} returned no ClientSecretId or no ClientSecretValue`));
    expect(calls).not.toContain('SecretsManager.PutSecretValue');
  });

  test('a failure reading the pending version other than ResourceNotFoundException surfaces', async () => {
    secret.startRotation(TOKEN);
    secret.mock.on(GetSecretValueCommand, { VersionId: TOKEN }).rejects(Object.assign(new Error('Access denied'), { name: 'AccessDeniedException' }));

    const error = await rejection(step('createSecret'));

    expect(error.message).toBe(`GetSecretValue failed for secret ${SECRET_ARN} (AWSPENDING, version ${TOKEN}): AccessDeniedException: Access denied (the rotation function's role lacks this permission)`);
    expect(writes()).toEqual([]);
  });

  test.each([
    ['not JSON, quoting the secret', `{"client_id":"${CLIENT_ID}","client_secret":"${ORIGINAL_SECRET}"`, 'SecretString is not JSON'],
    ['not an object', JSON.stringify([ORIGINAL_SECRET]), 'SecretString must be a JSON object; received an array'],
    ['without client_id', JSON.stringify({ client_secret: ORIGINAL_SECRET, token_endpoint: TOKEN_ENDPOINT }), 'client_id must be a non-empty string; received a undefined'],
    ['with an empty client_secret', JSON.stringify({ client_id: CLIENT_ID, client_secret: '', token_endpoint: TOKEN_ENDPOINT }), 'client_secret must be a non-empty string; received an empty string'],
    ['with a numeric client_secret', JSON.stringify({ client_id: CLIENT_ID, client_secret: 12345, token_endpoint: TOKEN_ENDPOINT }), 'client_secret must be a non-empty string; received a number'],
    ['with a token_endpoint that is no URL', JSON.stringify({ client_id: CLIENT_ID, client_secret: ORIGINAL_SECRET, token_endpoint: 'token' }), 'token_endpoint must be an absolute URL; received "token"'],
    ['with an http token_endpoint off the machine', JSON.stringify({ client_id: CLIENT_ID, client_secret: ORIGINAL_SECRET, token_endpoint: 'http://auth.example.com/oauth2/token' }), 'token_endpoint must be an https URL (http only on loopback); received "http://auth.example.com/oauth2/token"'],
    ['with a client_secret_id that is not a string', JSON.stringify({ client_id: CLIENT_ID, client_secret: ORIGINAL_SECRET, token_endpoint: TOKEN_ENDPOINT, client_secret_id: null }), 'client_secret_id must be a non-empty string; received null'],
  ])('fails when AWSCURRENT is %s, without repeating the value', async (_, value, rule) => {
    secret.versions.set(TERRAFORM_VERSION, { stages: ['AWSCURRENT'], value });
    secret.startRotation(TOKEN);

    const error = await rejection(step('createSecret'));

    expect(error).toEqual(new ClientCredentialsValueError(`secret ${SECRET_NAME} (AWSCURRENT): ${rule}`));
    expect(error.cause).toBeUndefined();
    expectNoSecretIn(error.message, [ORIGINAL_SECRET]);
    expect(calls.filter((call) => call.startsWith('Cognito.'))).toEqual([]);
  });
});

describe('createSecret: the token paths follow the app client', () => {
  /** AWSCURRENT as Terraform writes it for a client off the default path (`token_endpoint` given only with oauth2). */
  function currentNaming(fields: Record<string, unknown>): void {
    secret.versions.set(TERRAFORM_VERSION, { stages: ['AWSCURRENT'], value: JSON.stringify({ client_id: CLIENT_ID, client_secret: ORIGINAL_SECRET, ...fields }) });
    secret.startRotation(TOKEN);
  }

  test('a client that gained api gets token_paths and the Lambda\'s region in the new version; token_endpoint stays', async () => {
    // GIVEN: Terraform's value from when the client had oauth2 only; the client now serves both
    cognito.serve(['oauth2', 'api']);
    secret.startRotation(TOKEN);

    // WHEN
    const outcome = await step('createSecret');

    // THEN
    const added = cognito.secrets[1];
    expect(secret.valueOf('AWSPENDING')).toEqual({ client_id: CLIENT_ID, client_secret: added.value, token_endpoint: TOKEN_ENDPOINT, client_secret_id: added.id, token_paths: ['oauth2', 'api'], region: REGION });
    expect(outcome.tokenPaths).toEqual(['oauth2', 'api']);
    expect(cognito.mock.commandCalls(DescribeUserPoolClientCommand)[0].args[0].input).toEqual({ UserPoolId: USER_POOL_ID, ClientId: CLIENT_ID });
    expect(calls.indexOf('Cognito.DescribeUserPoolClient')).toBeLessThan(calls.indexOf('Cognito.AddUserPoolClientSecret'));
  });

  test('a client back on the default path: token_paths stays, now ["oauth2"], with the region the version had', async () => {
    currentNaming({ token_endpoint: TOKEN_ENDPOINT, token_paths: ['oauth2', 'api'], region: 'us-east-1' });

    await step('createSecret');

    expect(secret.valueOf('AWSPENDING')).toMatchObject({ token_endpoint: TOKEN_ENDPOINT, token_paths: ['oauth2'], region: 'us-east-1' });
  });

  test('a client that no longer has oauth2 loses token_endpoint', async () => {
    currentNaming({ token_endpoint: TOKEN_ENDPOINT, token_paths: ['oauth2', 'api'], region: REGION });
    cognito.serve(['api']);

    await step('createSecret');

    const added = cognito.secrets[1];
    expect(secret.valueOf('AWSPENDING')).toEqual({ client_id: CLIENT_ID, client_secret: added.value, client_secret_id: added.id, token_paths: ['api'], region: REGION });
  });

  test('a client that gained oauth2 while the secret has no token_endpoint: api only, and a warning says why', async () => {
    currentNaming({ token_paths: ['api'], region: REGION });
    cognito.serve(['oauth2', 'api']);

    const outcome = await step('createSecret');

    expect(secret.valueOf('AWSPENDING')).toMatchObject({ token_paths: ['api'] });
    expect(secret.valueOf('AWSPENDING')).not.toHaveProperty('token_endpoint');
    expect(outcome.tokenPaths).toEqual(['api']);
    expect(logger.lines[0]).toEqual({
      level: 'WARN',
      message: 'client token path left out of the secret',
      secretName: SECRET_NAME,
      clientId: CLIENT_ID,
      omittedTokenPaths: ['oauth2'],
      reason: 'AWSCURRENT has no token_endpoint and the environment has no hosted domain (TOKEN_ENDPOINT)',
    });
  });

  test('a client that gained oauth2 in an environment with a hosted domain gets its token_endpoint from TOKEN_ENDPOINT', async () => {
    currentNaming({ token_paths: ['api'], region: REGION });
    cognito.serve(['oauth2', 'api']);

    const outcome = await step('createSecret', TOKEN, { tokenEndpoint: TOKEN_ENDPOINT });

    const added = cognito.secrets[1];
    expect(secret.valueOf('AWSPENDING')).toEqual({ client_id: CLIENT_ID, client_secret: added.value, client_secret_id: added.id, token_paths: ['oauth2', 'api'], region: REGION, token_endpoint: TOKEN_ENDPOINT });
    expect(outcome.tokenPaths).toEqual(['oauth2', 'api']);
    expect(logger.lines.filter((line) => line.level === 'WARN')).toEqual([]);
  });

  test('fails when the client serves no token path, and changes nothing', async () => {
    cognito.allowedOAuthFlows = [];
    cognito.explicitAuthFlows = ['ALLOW_REFRESH_TOKEN_AUTH'];
    secret.startRotation(TOKEN);

    const error = await rejection(step('createSecret'));

    expect(error).toEqual(
      new RotationStateError('NO_TOKEN_PATH', `secret ${SECRET_NAME}: client ${CLIENT_ID} serves no token path (neither client_credentials nor ALLOW_CLIENT_TOKEN_AUTH); refusing to rotate to a secret that could get no token`),
    );
    expect((error as RotationStateError).code).toBe('NO_TOKEN_PATH');
    expect(writes()).toEqual([]);
  });

  test('fails when the client serves only oauth2 and the secret has no token_endpoint, and changes nothing', async () => {
    currentNaming({ token_paths: ['api'], region: REGION });

    const error = await rejection(step('createSecret'));

    expect(error).toEqual(new RotationStateError('NO_TOKEN_PATH', `secret ${SECRET_NAME}: client ${CLIENT_ID} serves only oauth2, and AWSCURRENT has no token_endpoint; refusing to rotate to a secret that could get no token`));
    expect(writes()).toEqual([]);
  });

  test('fails with a clear message when the role may not read the app client, and changes nothing', async () => {
    secret.startRotation(TOKEN);
    cognito.mock.on(DescribeUserPoolClientCommand).rejects(Object.assign(new Error('User is not authorized to perform: cognito-idp:DescribeUserPoolClient'), { name: 'AccessDeniedException' }));

    const error = await rejection(step('createSecret'));

    expect(error).toBeInstanceOf(AwsCallError);
    expect(error.message).toBe(
      `DescribeUserPoolClient failed for client ${CLIENT_ID} of user pool ${USER_POOL_ID}: AccessDeniedException: User is not authorized to perform: cognito-idp:DescribeUserPoolClient (the rotation function's role lacks this permission)`,
    );
    expect(writes()).toEqual([]);
  });

  test('fails when DescribeUserPoolClient answers without UserPoolClient, and changes nothing', async () => {
    secret.startRotation(TOKEN);
    cognito.mock.on(DescribeUserPoolClientCommand).resolves({});

    const error = await rejection(step('createSecret'));

    expect(error).toEqual(new AwsCallError('DescribeUserPoolClient', 'InvalidResponse', `DescribeUserPoolClient for client ${CLIENT_ID} of user pool ${USER_POOL_ID} returned no UserPoolClient`));
    expect(writes()).toEqual([]);
  });
});

describe('pre-check (every step)', () => {
  const STEPS: RotationStep[] = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];

  test.each(STEPS)('%s: fails when rotation is not enabled', async (name) => {
    secret.rotationEnabled = false;
    secret.startRotation(TOKEN);

    const error = await rejection(step(name));

    expect(error).toEqual(new RotationStateError('ROTATION_DISABLED', `secret ${SECRET_NAME}: rotation is not enabled`));
    expect(calls).toEqual(['SecretsManager.DescribeSecret']);
  });

  test.each(STEPS)('%s: fails when the token is no version of the secret', async (name) => {
    secret.startRotation(TOKEN);

    const error = await rejection(step(name, 'unknown-token'));

    expect(error).toEqual(new RotationStateError('UNKNOWN_VERSION', `secret ${SECRET_NAME} has no version unknown-token`));
    expect((error as RotationStateError).code).toBe('UNKNOWN_VERSION');
    expect(calls).toEqual(['SecretsManager.DescribeSecret']);
  });

  test.each(STEPS)('%s: fails when the version is not AWSPENDING', async (name) => {
    rotatedOnce();

    const error = await rejection(step(name, TERRAFORM_VERSION));

    expect(error).toEqual(new RotationStateError('VERSION_NOT_PENDING', `secret ${SECRET_NAME}: version ${TERRAFORM_VERSION} is not AWSPENDING (stages: AWSPREVIOUS)`));
    expect(calls).toEqual(['SecretsManager.DescribeSecret']);
  });

  test.each(STEPS)('%s: does nothing when the version is already AWSCURRENT', async (name) => {
    const outcome = await step(name, TERRAFORM_VERSION);

    expect(outcome).toEqual({ step: name, secretArn: SECRET_ARN, secretName: SECRET_NAME, versionId: TERRAFORM_VERSION, outcome: 'already-current' });
    expect(calls).toEqual(['SecretsManager.DescribeSecret']);
  });
});

describe('setSecret', () => {
  test('confirms that Cognito holds the pending secret, and writes nothing', async () => {
    secret.startRotation(TOKEN);
    await step('createSecret');
    calls.length = 0;

    const outcome = await step('setSecret');

    expect(outcome).toEqual({ step: 'setSecret', secretArn: SECRET_ARN, secretName: SECRET_NAME, versionId: TOKEN, outcome: 'pending-confirmed-in-cognito', clientId: CLIENT_ID, pendingClientSecretId: cognito.secrets[1].id });
    expect(calls).toEqual(['SecretsManager.DescribeSecret', 'SecretsManager.GetSecretValue', 'Cognito.ListUserPoolClientSecrets']);
    expect(secret.mock.commandCalls(GetSecretValueCommand).at(-1)?.args[0].input).toEqual({ SecretId: SECRET_ARN, VersionId: TOKEN, VersionStage: 'AWSPENDING' });
  });

  test('fails when Cognito does not hold the pending secret', async () => {
    secret.startRotation(TOKEN);
    await step('createSecret');
    const pendingId = cognito.secrets[1].id;
    cognito.secrets = cognito.secrets.slice(0, 1);
    calls.length = 0;

    const error = await rejection(step('setSecret'));

    expect(error).toEqual(new RotationStateError('PENDING_SECRET_NOT_IN_COGNITO', `secret ${SECRET_NAME}: AWSPENDING's client secret ${pendingId} is not among client ${CLIENT_ID}'s secrets in Cognito (${ORIGINAL_ID})`));
    expect(writes()).toEqual([]);
  });

  test('fails when the pending version has no client_secret_id', async () => {
    secret.startRotation(TOKEN);
    secret.versions.get(TOKEN)!.value = JSON.stringify({ client_id: CLIENT_ID, client_secret: ORIGINAL_SECRET, token_endpoint: TOKEN_ENDPOINT });

    const error = await rejection(step('setSecret'));

    expect(error).toEqual(new RotationStateError('PENDING_SECRET_NOT_IN_COGNITO', `secret ${SECRET_NAME}: the AWSPENDING version has no client_secret_id; createSecret writes one`));
  });

  test('fails when createSecret has not stored a value yet', async () => {
    secret.startRotation(TOKEN);

    const error = await rejection(step('setSecret'));

    expect(error).toBeInstanceOf(AwsCallError);
    expect(error).toMatchObject({ operation: 'GetSecretValue', awsErrorName: 'ResourceNotFoundException' });
  });
});

describe('finishSecret', () => {
  test('moves AWSCURRENT to the pending version, away from the current one', async () => {
    secret.startRotation(TOKEN);
    await step('createSecret');
    calls.length = 0;

    const outcome = await step('finishSecret');

    expect(secret.mock.commandCalls(UpdateSecretVersionStageCommand).map((call) => call.args[0].input)).toEqual([
      { SecretId: SECRET_ARN, VersionStage: 'AWSCURRENT', MoveToVersionId: TOKEN, RemoveFromVersionId: TERRAFORM_VERSION },
    ]);
    expect(secret.stagesOf(TOKEN)).toEqual(['AWSPENDING', 'AWSCURRENT']);
    expect(secret.stagesOf(TERRAFORM_VERSION)).toEqual(['AWSPREVIOUS']);
    expect(outcome).toEqual({
      step: 'finishSecret',
      secretArn: SECRET_ARN,
      secretName: SECRET_NAME,
      versionId: TOKEN,
      outcome: 'current-moved',
      clientId: CLIENT_ID,
      pendingClientSecretId: cognito.secrets[1].id,
      previousVersionId: TERRAFORM_VERSION,
    });
  });

  test('is a no-op when AWSCURRENT has moved already', async () => {
    secret.startRotation(TOKEN);
    await step('createSecret');
    await step('finishSecret');
    calls.length = 0;

    const outcome = await step('finishSecret');

    expect(outcome.outcome).toBe('already-current');
    expect(calls).toEqual(['SecretsManager.DescribeSecret']);
  });

  test('fails with a clear message when Secrets Manager refuses the move', async () => {
    secret.startRotation(TOKEN);
    await step('createSecret');
    secret.mock.on(UpdateSecretVersionStageCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' }));

    const error = await rejection(step('finishSecret'));

    expect(error.message).toBe(`UpdateSecretVersionStage failed for secret ${SECRET_ARN} (version ${TERRAFORM_VERSION} -> ${TOKEN}): TooManyRequestsException: Rate exceeded (throttled; Secrets Manager retries the step)`);
  });
});

describe('two whole rotations (testSecret left to token-check.test.ts)', () => {
  test('the previous secret stays in Cognito until the next rotation begins', async () => {
    // first rotation
    secret.startRotation(TOKEN);
    for (const name of ['createSecret', 'setSecret', 'finishSecret'] as const) await step(name);
    const first = cognito.secrets[1];
    expect(cognito.ids).toEqual([ORIGINAL_ID, first.id]);
    expect(secret.valueOf('AWSCURRENT')).toMatchObject({ client_secret: first.value, client_secret_id: first.id });
    expect(secret.valueOf('AWSPREVIOUS')).toMatchObject({ client_secret: ORIGINAL_SECRET });

    // second rotation
    const second = 'rotation-token-2222';
    secret.startRotation(second);
    for (const name of ['createSecret', 'setSecret', 'finishSecret'] as const) await step(name, second);
    const latest = cognito.secrets[1];
    expect(cognito.ids).toEqual([first.id, latest.id]);
    expect(secret.valueOf('AWSCURRENT')).toMatchObject({ client_secret: latest.value, client_secret_id: latest.id });
    expect(secret.valueOf('AWSPREVIOUS')).toMatchObject({ client_secret: first.value, client_secret_id: first.id });
    expect(secret.stagesOf(TOKEN)).toEqual(['AWSPREVIOUS']);
    expect(secret.stagesOf(TERRAFORM_VERSION)).toEqual([]);
  });
});

describe('an api-only client: whole rotations through GetClientToken', () => {
  test('testSecret asks GetClientToken with the pending secret, never a token endpoint; the secret keeps naming api only', async () => {
    // GIVEN: a client with only GetClientToken, its secret as Terraform writes it (no token_endpoint)
    cognito.serve(['api']);
    cognito.getClientTokenLag = 2;
    secret.versions.set(TERRAFORM_VERSION, { stages: ['AWSCURRENT'], value: JSON.stringify({ client_id: CLIENT_ID, client_secret: ORIGINAL_SECRET, token_paths: ['api'], region: REGION }) });
    const ALL_STEPS: RotationStep[] = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];

    // WHEN: two rotations
    secret.startRotation(TOKEN);
    const outcomes: StepOutcome[] = [];
    for (const name of ALL_STEPS) outcomes.push(await step(name));
    const first = cognito.secrets[1];
    const second = 'rotation-token-2222';
    secret.startRotation(second);
    for (const name of ALL_STEPS) await step(name, second);

    // THEN: each new secret tested through GetClientToken (Cognito catching up twice), no fetch (afterEach)
    expect(outcomes.map((o) => o.outcome)).toEqual(['pending-created', 'pending-confirmed-in-cognito', 'pending-tested', 'current-moved']);
    expect(outcomes[2]).toMatchObject({ tokenPath: 'api', attempts: 3, pendingClientSecretId: first.id });
    const latest = cognito.secrets[1];
    expect(cognito.mock.commandCalls(GetClientTokenCommand).map((call) => call.args[0].input)).toEqual([
      ...Array(3).fill({ ClientId: CLIENT_ID, Secret: first.value }),
      ...Array(3).fill({ ClientId: CLIENT_ID, Secret: latest.value }),
    ]);
    expect(cognito.getClientTokenAnswers.filter((a) => a.accepted).map((a) => a.clientSecretId)).toEqual([first.id, latest.id]);
    expect(secret.valueOf('AWSCURRENT')).toEqual({ client_id: CLIENT_ID, client_secret: latest.value, token_paths: ['api'], region: REGION, client_secret_id: latest.id });
    expect(cognito.ids).toEqual([first.id, latest.id]);
    expect(logger.lines.filter((line) => line.level === 'WARN')).toEqual(
      [1, 2, 1, 2].map((attempt) => expect.objectContaining({ message: 'pending secret not accepted yet; retrying', attempt, awsErrorName: 'NotAuthorizedException', reason: 'NotAuthorizedException' })),
    );
    expectNoSecretIn(JSON.stringify(logger.lines), cognito.issuedTokens);
  });
});

describe('parseRotationEvent', () => {
  test('keeps the three fields the steps use', () => {
    expect(parseRotationEvent({ Step: 'testSecret', SecretId: SECRET_ARN, ClientRequestToken: TOKEN, RotationToken: 'rt' })).toEqual({ Step: 'testSecret', SecretId: SECRET_ARN, ClientRequestToken: TOKEN });
  });

  test.each([
    [{ Step: 'rotateSecret', SecretId: SECRET_ARN, ClientRequestToken: TOKEN }, 'rotation event: unknown Step "rotateSecret"; expected one of createSecret, setSecret, testSecret, finishSecret'],
    [{ SecretId: SECRET_ARN, ClientRequestToken: TOKEN }, 'rotation event: unknown Step undefined; expected one of createSecret, setSecret, testSecret, finishSecret'],
    [{ Step: 'createSecret', ClientRequestToken: TOKEN }, 'rotation event: SecretId must be a non-empty string; received nothing'],
    [{ Step: 'createSecret', SecretId: SECRET_ARN, ClientRequestToken: '' }, 'rotation event: ClientRequestToken must be a non-empty string; received ""'],
    [null, 'rotation event must be an object'],
  ])('fails when the event is %j', (event, message) => {
    expect(() => parseRotationEvent(event)).toThrow(new RotationEventError(message));
    expect(() => parseRotationEvent(event)).toThrow(RotationEventError);
  });
});
