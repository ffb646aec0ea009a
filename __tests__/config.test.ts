import { ConfigValidationError, loadEnvironments, validateEnvironments } from '../lib/config/load';
import type { EnvironmentConfigInput } from '../lib/config/schema';
import { environmentInput } from './fixtures';

/** The single problem line for an environment built from `overrides`, or fails the test. */
function problemsOf(overrides: Partial<EnvironmentConfigInput>, name = 'dev'): string[] {
  try {
    validateEnvironments({ [name]: environmentInput(overrides) }, {});
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigValidationError);
    return [...(error as ConfigValidationError).problems];
  }
  throw new Error('expected the configuration to be rejected');
}

describe('environment config', () => {
  test('default setup applies the documented defaults', () => {
    const [dev] = validateEnvironments({ dev: environmentInput() }, {});
    expect(dev.name).toBe('dev');
    expect(dev.userPool).toEqual({ deletionProtection: true, mfa: 'optional' });
    expect(dev.m2mClients[0]).toMatchObject({ accessTokenValidityMinutes: 60, allowAccessTokenValidityOverOneHour: false });
    expect(dev.m2mClients[1].accessTokenValidityMinutes).toBe(30);
    expect(dev.stateBackend).toEqual({ type: 's3', bucket: 'test-state-bucket', region: 'eu-west-1', keyPrefix: 'm2m-auth' });
    expect(dev.tags).toEqual({});
    expect(dev.authorizer).toEqual({ memoryMb: 256, revocationRefreshSeconds: 60, revocationMaxStaleSeconds: 300, decisionCacheSize: 10_000 });
    expect(dev.logRetentionDays).toBe(90);
  });

  test('the shipped config/environments.ts is valid and declares dev, staging and prod', () => {
    const names = loadEnvironments({}).map((env) => env.name);
    expect(names).toEqual(['dev', 'staging', 'prod']);
  });

  test('every problem of every environment is reported at once', () => {
    const bad = environmentInput({ namePrefix: 'Bad Prefix', domain: { prefix: 'my-cognito' } });
    try {
      validateEnvironments({ dev: bad, prod: bad }, {});
      throw new Error('not rejected');
    } catch (error) {
      const { problems } = error as ConfigValidationError;
      expect(problems).toHaveLength(4);
      expect(problems.filter((p) => p.startsWith('prod: '))).toHaveLength(2);
    }
  });

  describe('fails when', () => {
    test('a client asks for a scope the resource server does not declare', () => {
      const clients = [{ name: 'reporting', scopes: ['read', 'reports'] }];
      expect(problemsOf({ m2mClients: clients })).toEqual([
        'dev: m2mClients[0].scopes[1]: unknown scope: the resource server declares read, write, delete, admin, execute; declare it in resourceServer.scopes or remove it (use the bare name, without "api/"); received "reports"',
      ]);
    });

    test('a client names a scope with its identifier prefix', () => {
      expect(problemsOf({ m2mClients: [{ name: 'reporting', scopes: ['api/read'] }] })[0]).toMatch(/^dev: m2mClients\[0\]\.scopes\[0\]: unknown scope: .*received "api\/read"$/);
    });

    test('the user client asks for an undeclared scope', () => {
      const userClient = { callbackUrls: ['https://app.example.com/cb'], scopes: ['superuser'] };
      expect(problemsOf({ userClient })[0]).toMatch(/^dev: userClient\.scopes\[0\]: unknown scope: .*received "superuser"$/);
    });

    test('two clients share a name', () => {
      const clients = [
        { name: 'reporting', scopes: ['read'] },
        { name: 'reporting', scopes: ['write'] },
      ];
      expect(problemsOf({ m2mClients: clients })).toEqual([
        'dev: m2mClients[1].name: duplicate client name; each calling service gets exactly one client; received "reporting"',
      ]);
    });

    test('a client name is not kebab-case', () => {
      expect(problemsOf({ m2mClients: [{ name: 'Reporting_Job', scopes: ['read'] }] })).toEqual([
        'dev: m2mClients[0].name: must be kebab-case: lowercase letters, digits and single hyphens; received "Reporting_Job"',
      ]);
    });

    test.each([
      ['upper case', 'My-Domain', 'must be 1-63 lowercase letters, digits and hyphens, not starting or ending with a hyphen (Cognito rule)'],
      ['a leading hyphen', '-mydomain', 'must be 1-63 lowercase letters, digits and hyphens, not starting or ending with a hyphen (Cognito rule)'],
      ['a dot', 'my.domain', 'must be 1-63 lowercase letters, digits and hyphens, not starting or ending with a hyphen (Cognito rule)'],
      ['"aws"', 'team-aws-auth', 'must not contain "aws", "amazon" or "cognito" (Cognito reserves them); choose another prefix'],
      ['"amazon"', 'amazonauth', 'must not contain "aws", "amazon" or "cognito" (Cognito reserves them); choose another prefix'],
      ['"cognito"', 'my-cognito', 'must not contain "aws", "amazon" or "cognito" (Cognito reserves them); choose another prefix'],
    ])('the domain prefix has %s', (_what, prefix, rule) => {
      expect(problemsOf({ domain: { prefix } })).toEqual([`dev: domain.prefix: ${rule}; received "${prefix}"`]);
    });

    test('the custom domain certificate is not in us-east-1', () => {
      const certificateArn = 'arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-aaaa-bbbb-cccc-123456789012';
      expect(problemsOf({ domain: { prefix: 'test-m2m', customDomain: { domainName: 'auth.example.com', certificateArn } } })).toEqual([
        `dev: domain.customDomain.certificateArn: must be an ACM certificate ARN in us-east-1 (Cognito custom domains use CloudFront); received "${certificateArn}"`,
      ]);
    });

    test.each([['with space'], ['a/b'], ['quote"d'], ['back\\slash'], ['']])('a scope name is one Cognito refuses: %j', (name) => {
      const resourceServer = { identifier: 'api', name: 'API', scopes: [{ name, description: 'x', role: 'reader' as const }] };
      expect(problemsOf({ resourceServer, m2mClients: [], userClient: undefined })).toEqual([
        `dev: resourceServer.scopes[0].name: scope names are 1-256 printable ASCII characters without space, ", / or \\ (Cognito rule); received ${JSON.stringify(name)}`,
      ]);
    });

    test('a non-standard scope has no role', () => {
      const resourceServer = { identifier: 'api', name: 'API', scopes: [{ name: 'reports', description: 'Reports' }] };
      expect(problemsOf({ resourceServer, m2mClients: [] })).toEqual([
        'dev: resourceServer.scopes[0].role: scope "reports" is not a standard scope (read, write, delete, admin, execute); set role to one of reader, writer, deleter, executor, admin; received nothing',
      ]);
    });

    test('a scope is declared twice', () => {
      const resourceServer = { identifier: 'api', name: 'API', scopes: [{ name: 'read', description: 'a' }, { name: 'read', description: 'b' }] };
      expect(problemsOf({ resourceServer, m2mClients: [] })).toEqual([
        'dev: resourceServer.scopes[1].name: duplicate scope name; each scope is declared once; received "read"',
      ]);
    });

    test.each([[4], [1441], [2880]])('the access-token validity is outside 5 minutes..1 day: %d', (minutes) => {
      expect(problemsOf({ m2mClients: [{ name: 'reporting', scopes: ['read'], accessTokenValidityMinutes: minutes }] })).toEqual([
        `dev: m2mClients[0].accessTokenValidityMinutes: must be between 5 minutes and 1 day (1440); received ${minutes}`,
      ]);
    });

    test('the access-token validity is above 1 hour without the opt-in', () => {
      expect(problemsOf({ m2mClients: [{ name: 'reporting', scopes: ['read'], accessTokenValidityMinutes: 120 }] })).toEqual([
        'dev: m2mClients[0].accessTokenValidityMinutes: access tokens live 1 hour (60) at most unless allowAccessTokenValidityOverOneHour is true; received 120',
      ]);
      const [env] = validateEnvironments(
        { dev: environmentInput({ m2mClients: [{ name: 'reporting', scopes: ['read'], accessTokenValidityMinutes: 120, allowAccessTokenValidityOverOneHour: true }] }) },
        {},
      );
      expect(env.m2mClients[0].accessTokenValidityMinutes).toBe(120);
    });

    test('a route names an unknown permission', () => {
      const routes = [{ method: 'GET', path: '/orders', permission: 'superuser' }] as unknown as EnvironmentConfigInput['routes'];
      expect(problemsOf({ routes })).toEqual([
        'dev: routes[0].permission: Invalid option: expected one of "read"|"write"|"delete"|"execute"|"admin"; received "superuser"',
      ]);
    });

    test("a route's method does not fit its permission", () => {
      expect(problemsOf({ routes: [{ method: 'DELETE', path: '/orders/{id}', permission: 'read' }] })).toEqual([
        'dev: routes[0].method: a "read" route may only use GET, HEAD, OPTIONS; use permission "execute" for a business transaction; received "DELETE"',
      ]);
    });

    test('a route is declared twice', () => {
      const route = { method: 'GET', path: '/orders', permission: 'read' } as const;
      expect(problemsOf({ routes: [route, route] })[0]).toBe(
        'dev: routes[1]: duplicate route GET /orders; received {"method":"GET","path":"/orders","permission":"read"}',
      );
    });

    test('a route path is malformed', () => {
      expect(problemsOf({ routes: [{ method: 'GET', path: 'orders/{id', permission: 'read' }] })[0]).toMatch(/^dev: routes\[0\]\.path: must be an absolute path .*received "orders\/\{id"$/);
    });

    test('a field is misspelt', () => {
      expect(problemsOf({ m2mClient: [] } as unknown as Partial<EnvironmentConfigInput>)).toEqual([
        'dev: (environment): unknown field "m2mClient": remove or fix the spelling (see README "Configuration reference")',
      ]);
    });

    test('a required field is missing', () => {
      expect(problemsOf({ region: undefined as unknown as string })).toEqual(['dev: region: Invalid input: expected string, received undefined; received nothing']);
    });

    test('the state bucket name is invalid', () => {
      expect(problemsOf({ stateBackend: { type: 's3', bucket: 'Bad_Bucket', region: 'eu-west-1' } })).toEqual([
        'dev: stateBackend.bucket: must be a valid S3 bucket name (3-63 lowercase letters, digits, dots and hyphens); received "Bad_Bucket"',
      ]);
    });

    test('the state backend type is unknown', () => {
      expect(problemsOf({ stateBackend: { type: 'gcs' } as unknown as EnvironmentConfigInput['stateBackend'] })).toEqual([
        'dev: stateBackend.type: type must be "s3" or "cloud"; received "gcs"',
      ]);
    });

    test('the alarm e-mail is not an e-mail address', () => {
      expect(problemsOf({ alarmEmail: 'platform team' })).toEqual(['dev: alarmEmail: must be an e-mail address; received "platform team"']);
    });

    test('a group maps to an unknown role', () => {
      const userClient = { callbackUrls: ['https://app.example.com/cb'], groupRoles: { ops: 'root' } } as unknown as EnvironmentConfigInput['userClient'];
      expect(problemsOf({ userClient })[0]).toMatch(/^dev: userClient\.groupRoles\.ops: Invalid option: expected one of "reader"\|"writer"\|"deleter"\|"executor"\|"admin"; received "root"$/);
    });

    test('the deny-list may go stale for less than its refresh interval', () => {
      expect(problemsOf({ authorizer: { revocationRefreshSeconds: 60, revocationMaxStaleSeconds: 30 } })).toEqual([
        'dev: authorizer.revocationMaxStaleSeconds: revocationMaxStaleSeconds must be at least revocationRefreshSeconds; received 30',
      ]);
    });

    test('the log retention is not one CloudWatch offers', () => {
      expect(problemsOf({ logRetentionDays: 100 })[0]).toMatch(/^dev: logRetentionDays: must be one of the CloudWatch Logs retention periods: 1, 3, 5, .*; received 100$/);
    });

    test("the clients do not fit in the authorizer's environment", () => {
      const many = Array.from({ length: 60 }, (_, i) => ({ name: `service-with-a-rather-long-name-${i}`, scopes: ['read'] }));
      expect(problemsOf({ m2mClients: many })[0]).toMatch(/^dev: m2mClients: too many clients for the authorizer's environment \(\d+ of 3000 characters\); split the API or shorten client names; received \[/);
    });

    test('an environment name cannot be a stack name', () => {
      expect(problemsOf({}, 'state-bootstrap')).toEqual([
        'state-bootstrap: environment names become stack names: use 1-31 lowercase letters, digits and hyphens, not state-bootstrap',
      ]);
      expect(problemsOf({}, 'Prod')[0]).toMatch(/^Prod: environment names become stack names/);
    });

    test('the config module does not export environments', () => {
      expect(() => loadEnvironments({ M2M_AUTH_CONFIG: 'package.json' })).toThrow(/config module .*package\.json: must export "environments"/);
    });
  });

  describe('state backend overrides from the environment', () => {
    test('switch an environment to Terraform Cloud with one workspace per environment', () => {
      const envs = validateEnvironments({ dev: environmentInput(), prod: environmentInput() }, { M2M_AUTH_STATE_BACKEND: 'cloud', M2M_AUTH_TFC_ORGANIZATION: 'acme' });
      expect(envs.map((e) => e.stateBackend)).toEqual([
        { type: 'cloud', organization: 'acme', workspace: 'm2m-auth-dev', hostname: 'app.terraform.io' },
        { type: 'cloud', organization: 'acme', workspace: 'm2m-auth-prod', hostname: 'app.terraform.io' },
      ]);
    });

    test('replace the bucket and add a lock table', () => {
      const [dev] = validateEnvironments({ dev: environmentInput() }, { M2M_AUTH_STATE_BUCKET: 'ci-state', M2M_AUTH_STATE_LOCK_TABLE: 'ci-locks' });
      expect(dev.stateBackend).toEqual({ type: 's3', bucket: 'ci-state', region: 'eu-west-1', keyPrefix: 'm2m-auth', lockTable: 'ci-locks' });
    });

    test('fails when the override leaves the backend incomplete', () => {
      expect(() => validateEnvironments({ dev: environmentInput() }, { M2M_AUTH_STATE_BACKEND: 'cloud' })).toThrow(
        'dev: stateBackend.organization: Invalid input: expected string, received undefined; received nothing',
      );
    });
  });
});
