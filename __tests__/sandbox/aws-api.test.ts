/**
 * The sandbox's Cognito client-secret and Secrets Manager APIs, through the real AWS SDK v3 clients
 * pointed at it (endpoint override), with a small stand-in for the rotation Lambda.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  AddUserPoolClientSecretCommand,
  CognitoIdentityProviderClient,
  DeleteUserPoolClientSecretCommand,
  ListUserPoolClientSecretsCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  RotateSecretCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import type { RotationEvent, RotationFunction } from '../../sandbox/aws-api';
import { startSandbox, type Sandbox } from '../../sandbox/server';
import { environment } from '../fixtures';

const config = environment();
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

let dir: string;
let sandbox: Sandbox;
let secretsManager: SecretsManagerClient;
let cognito: CognitoIdentityProviderClient;
let rotation: RotationFunction;
let steps: RotationEvent[];

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'm2m-sandbox-aws-'));
  steps = [];
  rotation = standInRotation;
  sandbox = await startSandbox({ config, stateDir: dir, port: 0, rotationFunction: (event) => (steps.push(event), rotation(event)) });
  const clientConfig = { endpoint: sandbox.awsEndpoint, region: config.region, credentials, maxAttempts: 1 };
  secretsManager = new SecretsManagerClient(clientConfig);
  cognito = new CognitoIdentityProviderClient(clientConfig);
});

afterEach(async () => {
  await sandbox.rotationsSettled();
  await sandbox.stop();
  secretsManager.destroy();
  cognito.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

const reporting = () => sandbox.clients.find((c) => c.name === 'reporting')!;
const secretName = () => sandbox.secretNames.reporting;
const failureOf = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error as Error);

/** What the rotation Lambda does, in short: a second Cognito secret as AWSPENDING, then AWSCURRENT moved to it. */
async function standInRotation(event: RotationEvent): Promise<void> {
  if (event.Step === 'createSecret') {
    const current = JSON.parse((await secretsManager.send(new GetSecretValueCommand({ SecretId: event.SecretId }))).SecretString!) as Record<string, string>;
    const { ClientSecretDescriptor: added } = await cognito.send(new AddUserPoolClientSecretCommand({ UserPoolId: sandbox.userPoolId, ClientId: current.client_id }));
    const pending = { ...current, client_secret: added!.ClientSecretValue, client_secret_id: added!.ClientSecretId };
    await secretsManager.send(new PutSecretValueCommand({ SecretId: event.SecretId, ClientRequestToken: event.ClientRequestToken, SecretString: JSON.stringify(pending), VersionStages: ['AWSPENDING'] }));
  }
  if (event.Step === 'finishSecret') {
    const current = await stageHolder('AWSCURRENT');
    await secretsManager.send(new UpdateSecretVersionStageCommand({ SecretId: event.SecretId, VersionStage: 'AWSCURRENT', MoveToVersionId: event.ClientRequestToken, RemoveFromVersionId: current }));
  }
}

async function stages(): Promise<Record<string, string[]>> {
  return (await secretsManager.send(new DescribeSecretCommand({ SecretId: secretName() }))).VersionIdsToStages!;
}

async function stageHolder(stage: string): Promise<string | undefined> {
  return Object.entries(await stages()).find(([, labels]) => labels.includes(stage))?.[0];
}

/** The token endpoint's answer to client_secret_basic with `secret`: the status and the OAuth error, if any. */
async function tokenWith(secret: string): Promise<{ status: number; error?: string }> {
  const response = await fetch(sandbox.tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${reporting().clientId}:${secret}`).toString('base64')}` },
    body: 'grant_type=client_credentials',
  });
  const body = (await response.json()) as { error?: string };
  return { status: response.status, ...(body.error ? { error: body.error } : {}) };
}

describe('Cognito client secrets', () => {
  const ref = () => ({ UserPoolId: sandbox.userPoolId, ClientId: reporting().clientId });

  test('ListUserPoolClientSecrets: ids and dates, never values', async () => {
    const { ClientSecrets } = await cognito.send(new ListUserPoolClientSecretsCommand(ref()));
    expect(ClientSecrets).toHaveLength(1);
    expect(ClientSecrets![0].ClientSecretId).toBe(reporting().currentSecretId);
    expect(ClientSecrets![0].ClientSecretId).toMatch(new RegExp(`^${reporting().clientId}--\\d+$`));
    expect(ClientSecrets![0].ClientSecretCreateDate).toBeInstanceOf(Date);
    expect(Object.keys(ClientSecrets![0]).sort()).toEqual(['ClientSecretCreateDate', 'ClientSecretId']);
  });

  test('AddUserPoolClientSecret: a generated secret, answered once; both secrets get a token; a restart keeps both', async () => {
    // GIVEN
    const old = reporting().clientSecret;
    // WHEN
    const { ClientSecretDescriptor: added } = await cognito.send(new AddUserPoolClientSecretCommand(ref()));
    // THEN
    expect(added!.ClientSecretValue).toMatch(/^[\w-]{52}$/);
    expect(added!.ClientSecretCreateDate).toBeInstanceOf(Date);
    const { ClientSecrets } = await cognito.send(new ListUserPoolClientSecretsCommand(ref()));
    expect(ClientSecrets!.map((s) => s.ClientSecretId)).toEqual([reporting().currentSecretId, added!.ClientSecretId]);
    expect(await tokenWith(added!.ClientSecretValue!)).toEqual({ status: 200 });
    expect(await tokenWith(old)).toEqual({ status: 200 });
    // AWSCURRENT still holds the old one
    expect(reporting().clientSecret).toBe(old);
    const again = await startSandbox({ config, stateDir: dir, port: 0, rotationFunction: rotation });
    try {
      expect(again.clients).toEqual(sandbox.clients);
    } finally {
      await again.stop();
    }
  });

  test('AddUserPoolClientSecret honours a chosen ClientSecret and does not repeat it', async () => {
    const { ClientSecretDescriptor: added } = await cognito.send(new AddUserPoolClientSecretCommand({ ...ref(), ClientSecret: 'a-chosen-secret-of-thirty-two-chars' }));
    expect(added!.ClientSecretValue).toBeUndefined();
    expect(added!.ClientSecretId).toMatch(/--\d+$/);
    expect(await tokenWith('a-chosen-secret-of-thirty-two-chars')).toEqual({ status: 200 });
  });

  test('fails when a third secret is added: LimitExceededException', async () => {
    await cognito.send(new AddUserPoolClientSecretCommand(ref()));
    const error = await failureOf(cognito.send(new AddUserPoolClientSecretCommand(ref())));
    expect(error).toMatchObject({ name: 'LimitExceededException', message: expect.stringContaining('already has 2 secrets') });
    expect(reporting().secrets).toHaveLength(2);
  });

  test('DeleteUserPoolClientSecret: the deleted secret no longer gets a token', async () => {
    // GIVEN
    const old = reporting();
    const { ClientSecretDescriptor: added } = await cognito.send(new AddUserPoolClientSecretCommand(ref()));
    // WHEN
    await cognito.send(new DeleteUserPoolClientSecretCommand({ ...ref(), ClientSecretId: old.currentSecretId }));
    // THEN
    expect(await tokenWith(old.clientSecret)).toEqual({ status: 400, error: 'invalid_client' });
    expect(await tokenWith(added!.ClientSecretValue!)).toEqual({ status: 200 });
    expect(reporting().secrets.map((s) => s.id)).toEqual([added!.ClientSecretId]);
  });

  test('fails when the secret is unknown (ResourceNotFoundException) or the last one (InvalidParameterException)', async () => {
    const unknown = await failureOf(cognito.send(new DeleteUserPoolClientSecretCommand({ ...ref(), ClientSecretId: `${reporting().clientId}--1` })));
    expect(unknown).toMatchObject({ name: 'ResourceNotFoundException', message: `Client secret ${reporting().clientId}--1 does not exist.` });
    const last = await failureOf(cognito.send(new DeleteUserPoolClientSecretCommand({ ...ref(), ClientSecretId: reporting().currentSecretId })));
    expect(last).toMatchObject({ name: 'InvalidParameterException', message: expect.stringContaining('is the only secret of app client') });
    expect(await tokenWith(reporting().clientSecret)).toEqual({ status: 200 });
  });

  test('fails when the user pool or the client is unknown: ResourceNotFoundException', async () => {
    const pool = await failureOf(cognito.send(new ListUserPoolClientSecretsCommand({ ...ref(), UserPoolId: 'eu-west-1_Other' })));
    expect(pool).toMatchObject({ name: 'ResourceNotFoundException', message: 'User pool eu-west-1_Other does not exist.' });
    const client = await failureOf(cognito.send(new AddUserPoolClientSecretCommand({ ...ref(), ClientId: 'nosuchclient' })));
    expect(client).toMatchObject({ name: 'ResourceNotFoundException', message: 'User pool client nosuchclient does not exist.' });
  });
});

describe('Secrets Manager', () => {
  test('GetSecretValue: AWSCURRENT by default, by name or ARN: the JSON the stack writes, with client_secret_id', async () => {
    const byName = await secretsManager.send(new GetSecretValueCommand({ SecretId: 'm2m-auth/dev/m2m/reporting' }));
    expect(byName.ARN).toMatch(/^arn:aws:secretsmanager:eu-west-1:000000000000:secret:m2m-auth\/dev\/m2m\/reporting-[A-Za-z]{6}$/);
    expect(byName.VersionStages).toEqual(['AWSCURRENT']);
    expect(byName.CreatedDate).toBeInstanceOf(Date);
    expect(JSON.parse(byName.SecretString!)).toEqual({
      client_id: reporting().clientId,
      client_secret: reporting().clientSecret,
      token_endpoint: sandbox.tokenEndpoint,
      client_secret_id: reporting().currentSecretId,
    });
    const byArn = await secretsManager.send(new GetSecretValueCommand({ SecretId: byName.ARN, VersionId: byName.VersionId, VersionStage: 'AWSCURRENT' }));
    expect(byArn.SecretString).toBe(byName.SecretString);
  });

  test('DescribeSecret: rotation on, its function and schedule, the versions and their stages', async () => {
    const described = await secretsManager.send(new DescribeSecretCommand({ SecretId: secretName() }));
    expect(described).toMatchObject({
      Name: 'm2m-auth/dev/m2m/reporting',
      RotationEnabled: true,
      RotationLambdaARN: 'arn:aws:lambda:eu-west-1:000000000000:function:m2m-auth-dev-secret-rotation',
      RotationRules: { AutomaticallyAfterDays: config.secretRotationDays },
    });
    expect(described.LastRotatedDate).toBeUndefined();
    expect(described.NextRotationDate!.getTime() - described.CreatedDate!.getTime()).toBe(config.secretRotationDays * 86_400_000);
    expect(Object.values(described.VersionIdsToStages!)).toEqual([['AWSCURRENT']]);
  });

  test('fails when the secret or the version is unknown, or the version lacks the stage: ResourceNotFoundException', async () => {
    const secret = await failureOf(secretsManager.send(new DescribeSecretCommand({ SecretId: 'm2m-auth/dev/m2m/nobody' })));
    expect(secret).toMatchObject({ name: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." });
    const version = await failureOf(secretsManager.send(new GetSecretValueCommand({ SecretId: secretName(), VersionId: 'no-such-version' })));
    expect(version).toMatchObject({ name: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret value for VersionId: no-such-version" });
    const current = (await stageHolder('AWSCURRENT'))!;
    const mismatch = await failureOf(secretsManager.send(new GetSecretValueCommand({ SecretId: secretName(), VersionId: current, VersionStage: 'AWSPREVIOUS' })));
    expect(mismatch).toMatchObject({ name: 'ResourceNotFoundException' });
    const stage = await failureOf(secretsManager.send(new GetSecretValueCommand({ SecretId: secretName(), VersionStage: 'AWSPENDING' })));
    expect(stage).toMatchObject({ name: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret value for staging label: AWSPENDING" });
  });

  test('PutSecretValue: a new version takes AWSCURRENT and the old one AWSPREVIOUS; the same token and value again change nothing', async () => {
    // GIVEN
    const before = (await stageHolder('AWSCURRENT'))!;
    const request = { SecretId: secretName(), ClientRequestToken: 'a6f1c3a2-0000-4000-8000-000000000001', SecretString: '{"client_id":"x"}' };
    // WHEN
    const put = await secretsManager.send(new PutSecretValueCommand(request));
    const again = await secretsManager.send(new PutSecretValueCommand(request));
    // THEN
    expect(put).toMatchObject({ VersionId: request.ClientRequestToken, VersionStages: ['AWSCURRENT'] });
    expect(again).toMatchObject({ VersionId: request.ClientRequestToken, VersionStages: ['AWSCURRENT'] });
    expect(await stages()).toEqual({ [before]: ['AWSPREVIOUS'], [request.ClientRequestToken]: ['AWSCURRENT'] });
    // a value that is not one of the client's secrets leaves the token endpoint's view alone
    expect(await tokenWith(reporting().clientSecret)).toEqual({ status: 200 });
  });

  test('fails when a token is put again with another value: ResourceExistsException', async () => {
    const request = { SecretId: secretName(), ClientRequestToken: 'a6f1c3a2-0000-4000-8000-000000000002', SecretString: '{"a":1}', VersionStages: ['LABEL'] };
    await secretsManager.send(new PutSecretValueCommand(request));
    const error = await failureOf(secretsManager.send(new PutSecretValueCommand({ ...request, SecretString: '{"a":2}' })));
    expect(error).toMatchObject({ name: 'ResourceExistsException', message: "You can't modify an existing version, you can only create a new version." });
  });

  test('PutSecretValue with VersionStages moves only those labels', async () => {
    const current = (await stageHolder('AWSCURRENT'))!;
    const first = await secretsManager.send(new PutSecretValueCommand({ SecretId: secretName(), SecretString: '{"v":1}', VersionStages: ['AWSPENDING'] }));
    const second = await secretsManager.send(new PutSecretValueCommand({ SecretId: secretName(), SecretString: '{"v":2}', VersionStages: ['AWSPENDING'] }));
    expect(await stages()).toEqual({ [current]: ['AWSCURRENT'], [second.VersionId!]: ['AWSPENDING'] });
    const { Versions } = await secretsManager.send(new ListSecretVersionIdsCommand({ SecretId: secretName() }));
    expect(Versions!.map((v) => [v.VersionId, v.VersionStages])).toEqual([[current, ['AWSCURRENT']], [second.VersionId, ['AWSPENDING']]]);
    const all = await secretsManager.send(new ListSecretVersionIdsCommand({ SecretId: secretName(), IncludeDeprecated: true }));
    expect(all.Versions!.map((v) => v.VersionId)).toEqual([current, first.VersionId, second.VersionId]);
    expect(all.Versions![0].CreatedDate).toBeInstanceOf(Date);
  });

  test('UpdateSecretVersionStage: moving AWSCURRENT names the version it leaves, which becomes AWSPREVIOUS', async () => {
    // GIVEN
    const current = (await stageHolder('AWSCURRENT'))!;
    const { VersionId: next } = await secretsManager.send(new PutSecretValueCommand({ SecretId: secretName(), SecretString: '{"v":1}', VersionStages: ['AWSPENDING'] }));
    // WHEN
    const refused = await failureOf(secretsManager.send(new UpdateSecretVersionStageCommand({ SecretId: secretName(), VersionStage: 'AWSCURRENT', MoveToVersionId: next })));
    await secretsManager.send(new UpdateSecretVersionStageCommand({ SecretId: secretName(), VersionStage: 'AWSCURRENT', MoveToVersionId: next, RemoveFromVersionId: current }));
    // THEN
    expect(refused).toMatchObject({ name: 'InvalidParameterException', message: expect.stringContaining(`Staging label AWSCURRENT is currently attached to version ${current}`) });
    expect(await stages()).toEqual({ [current]: ['AWSPREVIOUS'], [next!]: ['AWSPENDING', 'AWSCURRENT'] });
    // and back: AWSPREVIOUS is taken from its holder
    await secretsManager.send(new UpdateSecretVersionStageCommand({ SecretId: secretName(), VersionStage: 'AWSCURRENT', MoveToVersionId: current, RemoveFromVersionId: next }));
    expect(await stages()).toEqual({ [current]: ['AWSCURRENT'], [next!]: ['AWSPENDING', 'AWSPREVIOUS'] });
    await secretsManager.send(new UpdateSecretVersionStageCommand({ SecretId: secretName(), VersionStage: 'AWSPENDING', RemoveFromVersionId: next }));
    expect(await stages()).toEqual({ [current]: ['AWSCURRENT'], [next!]: ['AWSPREVIOUS'] });
  });

  test('fails when UpdateSecretVersionStage breaks a rule: InvalidParameterException or ResourceNotFoundException', async () => {
    const current = (await stageHolder('AWSCURRENT'))!;
    const update = (input: Partial<ConstructorParameters<typeof UpdateSecretVersionStageCommand>[0]>) =>
      failureOf(secretsManager.send(new UpdateSecretVersionStageCommand({ SecretId: secretName(), VersionStage: 'AWSCURRENT', ...input })));
    expect(await update({ RemoveFromVersionId: current })).toMatchObject({ name: 'InvalidParameterException', message: expect.stringContaining("can't remove the staging label AWSCURRENT") });
    expect(await update({ VersionStage: 'AWSPENDING', RemoveFromVersionId: current })).toMatchObject({ name: 'InvalidParameterException', message: `The staging label AWSPENDING is not attached to version ${current}, so it can't be removed from it.` });
    expect(await update({ MoveToVersionId: 'no-such-version', RemoveFromVersionId: current })).toMatchObject({ name: 'ResourceNotFoundException' });
    expect(await update({})).toMatchObject({ name: 'InvalidParameterException', message: 'Specify MoveToVersionId, RemoveFromVersionId or both.' });
  });

  test('fails when the operation is unknown or the body is not JSON: 400 with the error type, as AWS answers', async () => {
    const send = (target: string, body: string) => fetch(sandbox.awsEndpoint, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target }, body });
    const unknown = await send('secretsmanager.DeleteSecret', '{}');
    expect(unknown.status).toBe(400);
    expect(unknown.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
    expect(await unknown.json()).toEqual({ __type: 'UnknownOperationException', message: 'the sandbox does not implement secretsmanager.DeleteSecret' });
    const notJson = await send('secretsmanager.DescribeSecret', '{');
    expect(await notJson.json()).toMatchObject({ __type: 'SerializationException' });
  });
});

describe('RotateSecret', () => {
  test('answers at once with an empty AWSPENDING version, then invokes the four steps in order; AWSCURRENT and the token endpoint follow', async () => {
    // GIVEN
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    rotation = async (event) => {
      if (event.Step === 'createSecret') await gate;
      return standInRotation(event);
    };
    const before = reporting();
    const previousVersion = (await stageHolder('AWSCURRENT'))!;
    // WHEN
    const started = await secretsManager.send(new RotateSecretCommand({ SecretId: secretName() }));
    // THEN: pending and empty while the function runs
    expect(started).toMatchObject({ ARN: expect.stringContaining(':secret:m2m-auth/dev/m2m/reporting-'), Name: secretName(), VersionId: expect.any(String) });
    expect((await stages())[started.VersionId!]).toEqual(['AWSPENDING']);
    const empty = await failureOf(secretsManager.send(new GetSecretValueCommand({ SecretId: secretName(), VersionStage: 'AWSPENDING' })));
    expect(empty).toMatchObject({ name: 'ResourceNotFoundException' });
    const second = await failureOf(secretsManager.send(new RotateSecretCommand({ SecretId: secretName() })));
    expect(second).toMatchObject({ name: 'InvalidRequestException', message: "A previous rotation isn't complete. That rotation will be reattempted." });

    release();
    await sandbox.rotationsSettled();
    expect(steps).toEqual(['createSecret', 'setSecret', 'testSecret', 'finishSecret'].map((Step) => ({ SecretId: started.ARN, ClientRequestToken: started.VersionId, Step })));
    expect(await stages()).toEqual({ [previousVersion]: ['AWSPREVIOUS'], [started.VersionId!]: ['AWSPENDING', 'AWSCURRENT'] });
    const described = await secretsManager.send(new DescribeSecretCommand({ SecretId: secretName() }));
    expect(described.LastRotatedDate).toBeInstanceOf(Date);
    // the state follows Secrets Manager: the new secret is current, the old one previous, both work
    const after = reporting();
    expect(after.clientSecret).not.toBe(before.clientSecret);
    expect(after).toMatchObject({ previousSecretId: before.currentSecretId, secrets: [before.secrets[0], { id: after.currentSecretId }] });
    expect(await tokenWith(after.clientSecret)).toEqual({ status: 200 });
    expect(await tokenWith(before.clientSecret)).toEqual({ status: 200 });
    // and a restart rebuilds the same: AWSCURRENT holds the new secret, AWSPREVIOUS the old one
    const again = await startSandbox({ config, stateDir: dir, port: 0, rotationFunction: rotation });
    try {
      expect(again.clients).toEqual(sandbox.clients);
      const local = new SecretsManagerClient({ endpoint: again.awsEndpoint, region: config.region, credentials, maxAttempts: 1 });
      const current = JSON.parse((await local.send(new GetSecretValueCommand({ SecretId: secretName() }))).SecretString!) as Record<string, string>;
      const previous = JSON.parse((await local.send(new GetSecretValueCommand({ SecretId: secretName(), VersionStage: 'AWSPREVIOUS' }))).SecretString!) as Record<string, string>;
      expect([current.client_secret_id, previous.client_secret_id]).toEqual([after.currentSecretId, before.currentSecretId]);
      local.destroy();
    } finally {
      await again.stop();
    }
  });

  test('fails when a step fails: the rotation stops, AWSPENDING stays, one line on stderr; a new rotation waits until AWSPENDING is removed', async () => {
    // GIVEN
    rotation = async (event) => {
      await standInRotation(event);
      if (event.Step === 'setSecret') throw new Error('Cognito refused');
    };
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const before = reporting();
    // WHEN
    const { VersionId: pending } = await secretsManager.send(new RotateSecretCommand({ SecretId: secretName() }));
    await sandbox.rotationsSettled();
    const lines = stderr.mock.calls.map(([line]) => String(line));
    stderr.mockRestore();
    // THEN
    expect(steps.map((s) => s.Step)).toEqual(['createSecret', 'setSecret']);
    expect(lines).toEqual([`rotation of ${secretName()} failed at setSecret (version ${pending} keeps AWSPENDING): Error: Cognito refused\n`]);
    expect((await stages())[pending!]).toEqual(['AWSPENDING']);
    expect(reporting().clientSecret).toBe(before.clientSecret);
    const refused = await failureOf(secretsManager.send(new RotateSecretCommand({ SecretId: secretName() })));
    expect(refused).toMatchObject({ name: 'InvalidRequestException' });

    await secretsManager.send(new UpdateSecretVersionStageCommand({ SecretId: secretName(), VersionStage: 'AWSPENDING', RemoveFromVersionId: pending }));
    rotation = async () => undefined;
    await secretsManager.send(new RotateSecretCommand({ SecretId: secretName() }));
    await sandbox.rotationsSettled();
    expect(steps).toHaveLength(6);
  });

  test('fails when finishSecret leaves AWSCURRENT where it was: reported, LastRotatedDate unset', async () => {
    rotation = async () => undefined;
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const { VersionId } = await secretsManager.send(new RotateSecretCommand({ SecretId: secretName() }));
    await sandbox.rotationsSettled();
    const lines = stderr.mock.calls.map(([line]) => String(line));
    stderr.mockRestore();
    expect(lines).toEqual([`rotation of ${secretName()} failed: finishSecret returned, but AWSCURRENT is not on version ${VersionId}\n`]);
    expect((await secretsManager.send(new DescribeSecretCommand({ SecretId: secretName() }))).LastRotatedDate).toBeUndefined();
  });
});
