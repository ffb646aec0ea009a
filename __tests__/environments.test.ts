import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadEnvironments } from '../lib/config/load';
import { resourcesOf, runSynth, synthEnvironment, type TerraformJson } from './fixtures';

/** Every string anywhere inside a JSON value. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

const SECRET_REFERENCE = /client_secret|secret_string|aws_secretsmanager_secret_version/;

describe('every environment in config/environments.ts', () => {
  const environments = loadEnvironments({});

  describe.each(environments.map((env) => [env.name, env] as const))('%s', (_name, config) => {
    const { tf } = synthEnvironment(config);
    const declared = (resourcesOf(tf, 'aws_cognito_resource_server')[0].scope as Array<{ scope_name: string }>).map(
      (s) => `${config.resourceServer.identifier}/${s.scope_name}`,
    );
    const clients = resourcesOf(tf, 'aws_cognito_user_pool_client').filter((c) => c.generate_secret === true);

    test('every M2M client has only client_credentials and only declared scopes', () => {
      expect(clients).toHaveLength(config.m2mClients.length);
      for (const client of clients) {
        expect(client.allowed_oauth_flows).toEqual(['client_credentials']);
        expect(client.explicit_auth_flows).toEqual(['ALLOW_REFRESH_TOKEN_AUTH']);
        expect((client.allowed_oauth_scopes as string[]).length).toBeGreaterThan(0);
        for (const scope of client.allowed_oauth_scopes as string[]) expect(declared).toContain(scope);
        expect(client.access_token_validity).toBeLessThanOrEqual(60);
      }
    });

    test('the pool has a domain, so the token endpoint exists', () => {
      expect(resourcesOf(tf, 'aws_cognito_user_pool_domain').map((d) => d.domain)).toContain(config.domain?.prefix);
    });

    test('the backend is encrypted and locked', () => {
      const s3 = tf.terraform.backend?.s3;
      if (s3) {
        expect(s3).toMatchObject({ encrypt: true, use_lockfile: true });
      } else {
        expect(tf.terraform.cloud).toBeDefined();
      }
    });

    test('no output and no environment variable carries a secret', () => {
      expect(strings(tf.output).filter((s) => SECRET_REFERENCE.test(s))).toEqual([]);
      const variables = resourcesOf(tf, 'aws_lambda_function').map((f) => (f.environment as { variables?: unknown } | undefined)?.variables);
      expect(strings(variables).filter((s) => SECRET_REFERENCE.test(s))).toEqual([]);
    });

    test('every client secret has a rotation schedule', () => {
      const secrets = Object.keys((tf.resource.aws_secretsmanager_secret ?? {}) as Record<string, unknown>).map((name) => `\${aws_secretsmanager_secret.${name}.id}`);
      const rotated = resourcesOf(tf, 'aws_secretsmanager_secret_rotation');
      expect(secrets).toHaveLength(config.m2mClients.length);
      expect(rotated.map((r) => r.secret_id).sort()).toEqual(secrets.sort());
      for (const rotation of rotated) expect(rotation.rotation_rules).toEqual({ automatically_after_days: config.secretRotationDays });
    });

    test('every secret is encrypted with the environment key', () => {
      for (const secret of resourcesOf(tf, 'aws_secretsmanager_secret')) {
        expect(secret.kms_key_id).toBe('${aws_kms_key.secrets_key_key.arn}');
      }
      expect(resourcesOf(tf, 'aws_kms_key')[0].enable_key_rotation).toBe(true);
    });

    test('every taggable resource is tagged through the provider', () => {
      const tags = (tf.provider.aws[0].default_tags as Array<{ tags: Record<string, string> }>)[0].tags;
      expect(tags).toMatchObject({ Project: 'm2m-auth', Environment: config.name, ManagedBy: 'cdktf' });
    });
  });

  test('prod has deletion protection and MFA required', () => {
    const prod = environments.find((env) => env.name === 'prod')!;
    const pool = resourcesOf(synthEnvironment(prod).tf, 'aws_cognito_user_pool')[0];
    expect(pool).toMatchObject({ deletion_protection: 'ACTIVE', mfa_configuration: 'ON' });
  });
});

describe('npm run synth', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'm2m-synth-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test('writes every environment, its pipeline access stack and the bootstrap stack, byte-identical on a second run', () => {
    const first = path.join(tmp, 'first');
    const second = path.join(tmp, 'second');
    expect(runSynth(first).status).toBe(0);
    expect(runSynth(second).status).toBe(0);
    const stacks = fs.readdirSync(path.join(first, 'stacks')).sort();
    expect(stacks).toEqual(['dev', 'pipeline-access-dev', 'pipeline-access-prod', 'pipeline-access-staging', 'prod', 'staging', 'state-bootstrap']);
    for (const stack of stacks) {
      const a = fs.readFileSync(path.join(first, 'stacks', stack, 'cdk.tf.json'));
      const b = fs.readFileSync(path.join(second, 'stacks', stack, 'cdk.tf.json'));
      expect(a.equals(b)).toBe(true);
      const tf = JSON.parse(a.toString()) as TerraformJson;
      expect(tf.resource).toBeDefined();
    }
  });

  test('fails on an unknown scope, names the field, and writes nothing', () => {
    const outdir = path.join(tmp, 'bad');
    const configFile = path.join(tmp, 'bad-config.json');
    const environments = { dev: { ...loadEnvironments({})[0], name: undefined } };
    environments.dev.m2mClients = [{ ...environments.dev.m2mClients[0], scopes: ['read', 'payments'] }];
    fs.writeFileSync(configFile, JSON.stringify({ environments }));

    const result = runSynth(outdir, { M2M_AUTH_CONFIG: configFile });

    expect(result.status).toBe(1);
    expect(result.stderr).toContain('dev: m2mClients[0].scopes[1]: unknown scope');
    expect(result.stderr).toContain('received "payments"');
    expect(fs.existsSync(outdir)).toBe(false);
  });
});
