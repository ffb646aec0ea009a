/**
 * One client secret rotation end to end on one machine: RotateSecret through the real AWS SDK, the real
 * bundled rotation Lambda (in a worker thread, pointed at the sandbox by the SDK's standard variables)
 * running its four steps against the sandbox's Cognito and Secrets Manager, and the token endpoint.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DescribeSecretCommand, GetSecretValueCommand, RotateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { startSandbox, type Sandbox } from '../../sandbox/server';
import { credentialsFromSecretsManager, TokenClient } from '../../token-client';
import { captureOutput } from '../support/authorizer-bundle';
import { environment } from '../fixtures';

const config = environment();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let dir: string;
let sandbox: Sandbox;
let secretsManager: SecretsManagerClient;
let output: ReturnType<typeof captureOutput>;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'm2m-sandbox-rotation-'));
  output = captureOutput();
  sandbox = await startSandbox({ config, stateDir: dir, port: 0 });
  secretsManager = new SecretsManagerClient({ endpoint: sandbox.awsEndpoint, region: config.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
});

afterAll(async () => {
  await sandbox.stop();
  secretsManager.destroy();
  output.restore();
  fs.rmSync(dir, { recursive: true, force: true });
});

const secretName = () => sandbox.secretNames.reporting;
const reporting = () => sandbox.clients.find((c) => c.name === 'reporting')!;

/** Starts a rotation as `npm run rotate` does and waits until AWSCURRENT is on the new version. */
async function rotate(): Promise<string> {
  const { VersionId } = await secretsManager.send(new RotateSecretCommand({ SecretId: secretName(), RotateImmediately: true }));
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { VersionIdsToStages } = await secretsManager.send(new DescribeSecretCommand({ SecretId: secretName() }));
    if (VersionIdsToStages![VersionId!]?.includes('AWSCURRENT')) return VersionId!;
    if (Date.now() > deadline) throw new Error(`AWSCURRENT did not move to ${VersionId}: ${JSON.stringify(VersionIdsToStages)}; output: ${JSON.stringify(output.lines())}`);
    await sleep(25);
  }
}

async function currentSecret(): Promise<string> {
  return (JSON.parse((await secretsManager.send(new GetSecretValueCommand({ SecretId: secretName() }))).SecretString!) as { client_secret: string }).client_secret;
}

/** The token endpoint's answer to `secret`: 200, or the OAuth error. */
async function tokenWith(secret: string): Promise<number | string> {
  const response = await fetch(sandbox.tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: reporting().clientId, client_secret: secret }).toString(),
  });
  return response.status === 200 ? 200 : ((await response.json()) as { error: string }).error;
}

test('a rotation with the real rotation Lambda: the new secret is current, the previous one keeps working; the next rotation deletes the first', async () => {
  // GIVEN a service that reads its credentials from the secret
  let clock = Date.now();
  const service = new TokenClient({ credentials: credentialsFromSecretsManager(secretName(), { client: secretsManager }), credentialsRereadIntervalSeconds: 0, now: () => clock });
  await service.getToken();
  const first = await currentSecret();

  // WHEN rotated once
  await rotate();
  // THEN
  const second = await currentSecret();
  expect(second).not.toBe(first);
  expect(await tokenWith(second)).toBe(200);
  expect(await tokenWith(first)).toBe(200);
  expect(reporting().clientSecret).toBe(second);
  // the Lambda's own log lines reach this process's stdout through the worker, a little later
  const stepsLogged = () => output.lines().filter((line) => line.service === 'm2m-auth-secret-rotation' && line.message === 'rotation step done').map((line) => line.step);
  for (let waited = 0; stepsLogged().length < 4 && waited < 2000; waited += 25) await sleep(25);
  expect(stepsLogged()).toEqual(['createSecret', 'setSecret', 'testSecret', 'finishSecret']);

  // WHEN rotated again
  await rotate();
  // THEN the first secret is gone from Cognito, the second is the previous one
  const third = await currentSecret();
  expect(await tokenWith(first)).toBe('invalid_client');
  expect(await tokenWith(second)).toBe(200);
  expect(await tokenWith(third)).toBe(200);
  expect(reporting().secrets.map((s) => s.value)).toEqual([second, third]);

  // the service, still holding the first secret, reads the secret again on invalid_client and carries on
  clock += 2 * 60 * 60 * 1000;
  await expect(service.getToken()).resolves.toEqual(expect.any(String));
  expect(service.credentialsRereads).toBe(1);

  // a restart keeps what the rotations left
  const again = await startSandbox({ config, stateDir: dir, port: 0, rotationFunction: async () => undefined });
  try {
    expect(again.clients.find((c) => c.name === 'reporting')).toEqual(reporting());
  } finally {
    await again.stop();
  }
});
