/**
 * Secret rotation while a service is calling, end to end on one machine: `npm run rotate --local`
 * (the real CLI) against the sandbox's Secrets Manager and Cognito, the real bundled rotation Lambda,
 * and a service that uses the token client with its credentials read from Secrets Manager and calls
 * the API through the real authorizer. Every call the service makes during two rotations succeeds.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { loadEnvironments } from '../../lib/config/load';
import { main } from '../../scripts/rotate/cli';
import { credentialsFromSecretsManager, TokenClient } from '../../token-client';
import { useSandbox } from '../support/sandbox';

const dev = loadEnvironments({}).find((env) => env.name === 'dev')!;
const client = dev.m2mClients.find((c) => c.scopes.includes('read'))!;
const route = dev.routes.find((r) => r.method === 'GET' && r.permission === 'read' && !r.path.includes('{'))!;

const local = useSandbox(dev, 'rotation-e2e');

test('a service keeps calling through `npm run rotate -- --retire-previous`: no failed call, the retired secret refused, the new one read again', async () => {
  expect(client && route).toBeTruthy();
  const port = new URL(local.sandbox.awsEndpoint).port;
  const secretsManager = new SecretsManagerClient({ endpoint: local.sandbox.awsEndpoint, region: dev.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  // The service's clock jumps an hour per call, so every call needs a new token: each one is a token
  // request with whatever secret the service holds at that moment.
  let clock = Date.now();
  const service = new TokenClient({
    credentials: credentialsFromSecretsManager(local.sandbox.secretNames[client.name], { client: secretsManager }),
    credentialsRereadIntervalSeconds: 0,
    now: () => clock,
  });
  const initial = local.sandbox.clients.find((c) => c.name === client.name)!.clientSecret;

  const statuses: number[] = [];
  let rotating = true;
  const calls = (async () => {
    while (rotating) {
      clock += 60 * 60 * 1000;
      const response = await service.fetch(`${local.sandbox.apiUrl}${route.path}`);
      statuses.push(response.status);
      await response.arrayBuffer();
    }
  })();

  const lines: string[] = [];
  const io = { out: (text: string) => lines.push(text), err: (text: string) => lines.push(text) };
  const status = await main([dev.name, client.name, '--local', '--port', port, '--retire-previous', '--wait-seconds', '20'], io, { pollMs: 20 });
  rotating = false;
  await calls;
  secretsManager.destroy();

  expect({ status, lines }).toMatchObject({ status: 0 });
  expect(lines.join('\n')).toMatch(/rotated twice: AWSCURRENT is version \S+; the secret that was current before \(version \S+\) is deleted from Cognito/);
  // The calls spanned both rotations, and not one failed.
  expect(statuses.length).toBeGreaterThan(5);
  expect(statuses.filter((s) => s !== 200)).toEqual([]);
  // The secret the service started with no longer gets a token; the service read the new one.
  const refused = await fetch(local.sandbox.tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: local.sandbox.clients.find((c) => c.name === client.name)!.clientId, client_secret: initial }).toString(),
  });
  expect(((await refused.json()) as { error: string }).error).toBe('invalid_client');
  expect(service.credentialsRereads).toBe(1);

  // --status shows the two rotations' versions.
  const statusLines: string[] = [];
  expect(await main([dev.name, client.name, '--local', '--port', port, '--status'], { out: (t) => statusLines.push(t), err: (t) => statusLines.push(t) })).toBe(0);
  expect(statusLines.join('\n')).toMatch(/AWSCURRENT[\s\S]*AWSPREVIOUS/);
}, 60_000);

test('--local with no sandbox listening: exit 1 and how to start it', async () => {
  const lines: string[] = [];
  const io = { out: (text: string) => lines.push(text), err: (text: string) => lines.push(text) };
  expect(await main([dev.name, client.name, '--local', '--port', '1'], io)).toBe(1);
  expect(lines.join('\n')).toContain(`nothing answers on 127.0.0.1:1: start the sandbox first (npm run local -- --env ${dev.name})`);
});
