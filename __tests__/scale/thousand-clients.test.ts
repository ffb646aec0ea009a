/**
 * 1,000 M2M clients in one environment, Cognito's default quota of app clients per pool: the config
 * is accepted, the stack synthesizes through main.ts with the client registry in SSM parameters (not
 * in the authorizer's 4 KB of environment variables), Terraform validates it offline, and the sandbox
 * serves the 1,000th client through the real authorizer. The offline plan of this stack (about 100 s)
 * is measured by `npm run bench -- scale`, not here.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { environments } from '../../config/environments';
import { registryParts } from '../../lib/authorizer/client-registry-parameters';
import { validateEnvironments } from '../../lib/config/load';
import { prepareOfflineStack } from '../../scripts/terraform/offline-copy';
import { runTerraform } from '../../scripts/terraform/run';
import { synthesizeApp } from '../../scripts/terraform/synth';
import { TokenClient } from '../../token-client';
import { useSandbox } from '../support/sandbox';
import { checkContext, offlineTerraformAvailability, PROJECT_ROOT, testWithTerraform } from '../terraform/offline-terraform';

const CLIENTS = 1000;
const { userClient: _userClient, ...shippedDev } = environments.dev;
// The shipped dev without its user client (which would be the 1,001st app client), with 1,000 M2M clients.
const input = { ...shippedDev, m2mClients: Array.from({ length: CLIENTS }, (_, i) => ({ name: `service-${i}`, scopes: i % 2 ? ['read'] : ['read', 'execute'] })) };
const [config] = validateEnvironments({ dev: input }, {});
const availability = offlineTerraformAvailability();
const terraformTest = testWithTerraform(availability, 'terraform validate of a 1,000-client stack');

let work: string;
let tf: { resource: Record<string, Record<string, Record<string, unknown>>> };
let stackDir: string;

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'm2m-scale-test-'));
  const configFile = path.join(work, 'config.json');
  fs.writeFileSync(configFile, JSON.stringify({ environments: { dev: input } }));
  const env = { ...process.env, M2M_AUTH_CONFIG: configFile };
  const stacks = await synthesizeApp({ projectRoot: PROJECT_ROOT, outdir: path.join(work, 'synth'), env });
  const dev = stacks.find((s) => s.name === 'dev')!;
  stackDir = dev.dir;
  tf = JSON.parse(fs.readFileSync(path.join(dev.dir, dev.file), 'utf8')) as typeof tf;
}, 120_000);
afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

test('synthesizes: one app client, secret and rotation per client; the registry in Standard SSM parameters; the authorizer environment far below 4 KB', () => {
  const count = (type: string) => Object.keys(tf.resource[type] ?? {}).length;
  expect(count('aws_cognito_user_pool_client')).toBe(CLIENTS);
  expect(count('aws_secretsmanager_secret')).toBe(CLIENTS);
  expect(count('aws_secretsmanager_secret_rotation')).toBe(CLIENTS);

  const parts = Object.entries(tf.resource.aws_ssm_parameter).filter(([name]) => name.startsWith('authorizer_client_registry_'));
  expect(parts).toHaveLength(registryParts(config.m2mClients).length);
  const referenced = parts.flatMap(([, part]) => [...String(part.insecure_value).matchAll(/aws_cognito_user_pool_client\.m2m_clients_(service-\d+)_client\.id/g)].map((m) => m[1]));
  expect(referenced.sort()).toEqual(config.m2mClients.map((c) => c.name).sort());
  for (const [, part] of parts) expect(part.tier).toBe('Standard');

  // Each parameter name as the authorizer receives it: what the references resolve to.
  const variables = (tf.resource.aws_lambda_function.authorizer_function.environment as { variables: Record<string, string> }).variables;
  const resolved = Object.entries(variables).map(([name, value]) => `${name}=${value.replace(/\$\{aws_ssm_parameter\.authorizer_client_registry_(\d+)\.name\}/g, '/m2m-auth/dev/clients/$1')}`);
  const bytes = Buffer.byteLength(resolved.join(''));
  expect(bytes).toBeLessThan(1024);
  expect(variables).not.toHaveProperty('M2M_CLIENTS');
});

terraformTest(
  'terraform validate accepts it (offline, provider mirror)',
  async () => {
    if (!availability.ok) return;
    const context = checkContext(availability, path.join(work, 'copy'));
    const dir = path.join(work, 'copy', 'dev');
    prepareOfflineStack(stackDir, dir, { providerVersion: availability.providerVersion }, 'cdk.tf.json');
    const init = await runTerraform(['init', '-input=false', '-no-color', `-plugin-dir=${availability.mirrorDir}`], { cwd: dir, env: context.env });
    expect(init.code).toBe(0);
    const validate = await runTerraform(['validate', '-no-color', '-json'], { cwd: dir, env: context.env });
    expect(JSON.parse(validate.stdout)).toMatchObject({ valid: true, error_count: 0 });
  },
  180_000,
);

describe('the sandbox with 1,000 clients', () => {
  const local = useSandbox(config, 'scale');

  test('the 1,000th client gets a token and calls the API through the real authorizer', async () => {
    const last = local.sandbox.clients.find((c) => c.name === `service-${CLIENTS - 1}`)!;
    expect(local.sandbox.clients).toHaveLength(CLIENTS);
    const client = new TokenClient({ credentials: { clientId: last.clientId, clientSecret: last.clientSecret, tokenEndpoint: local.sandbox.tokenEndpoint } });
    const route = config.routes.find((r) => r.method === 'GET' && r.permission === 'read' && !r.path.includes('{'))!;
    const response = await client.fetch(`${local.sandbox.apiUrl}${route.path}`);
    expect(response.status).toBe(200);
  });
});
