import { ConfigValidationError, configWarnings, loadEnvironments, STATE_OVERRIDE_VARIABLES, validateEnvironments } from '../lib/config/load';
import type { EnvironmentConfigInput } from '../lib/config/schema';
import { environmentInput } from './fixtures';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runSynth } from './fixtures';

type Overrides = Partial<EnvironmentConfigInput>;

/** The problem lines for an environment built from `overrides`, or fails the test. */
function problemsOf(overrides: Overrides, name = 'dev'): string[] {
  return problemsOfAll({ [name]: environmentInput(overrides) });
}

/** The problem lines for a whole set of environments, or fails the test. */
function problemsOfAll(environments: Record<string, unknown>, env: Record<string, string> = {}): string[] {
  try {
    validateEnvironments(environments, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigValidationError);
    return [...(error as ConfigValidationError).problems];
  }
  throw new Error('expected the configuration to be rejected');
}

/**
 * Environments that can be deployed side by side (each its own domain prefix and account),
 * `overrides[name]` applied on top.
 */
function sideBySide(names: string[], overrides: Record<string, Overrides> = {}): Record<string, EnvironmentConfigInput> {
  return Object.fromEntries(
    names.map((name, i) => [name, environmentInput({ domain: { prefix: `test-m2m-auth-${name}` }, account: String(i + 1).repeat(12), ...overrides[name] })]),
  );
}

const ANY_ROUTE = { path: '/orders', permission: 'read' } as const;

describe('environment config', () => {
  test('default setup applies the documented defaults', () => {
    const [dev] = validateEnvironments({ dev: environmentInput() }, {});
    expect(dev.name).toBe('dev');
    expect(dev.userPool).toEqual({ deletionProtection: true, mfa: 'optional', appClientQuota: 1000 });
    expect(dev.m2mClients[0]).toMatchObject({ accessTokenValidityMinutes: 60, allowAccessTokenValidityOverOneHour: false });
    expect(dev.m2mClients[1].accessTokenValidityMinutes).toBe(30);
    expect(dev.stateBackend).toEqual({ type: 's3', bucket: 'test-state-bucket', region: 'eu-west-1', keyPrefix: 'm2m-auth', kmsKeyId: 'alias/test-state-bucket-state' });
    expect(dev.tags).toEqual({});
    expect(dev.authorizer).toEqual({ memoryMb: 256, revocationRefreshSeconds: 60, revocationMaxStaleSeconds: 300, decisionCacheSize: 10_000 });
    expect(dev.logRetentionDays).toBe(90);
    expect(dev.secretRecoveryWindowDays).toBe(30);
    expect(dev.gateway.manageAccountLoggingRole).toBe(true);
    expect(dev.monitoring).toMatchObject({ authorizerFaults: 1, authorizerThrottles: 1 });
    expect(dev.monitoring).not.toHaveProperty('authorizerErrors');
  });

  test('the shipped config/environments.ts is valid and declares dev, staging and prod, each in its own account', () => {
    const environments = loadEnvironments({});
    expect(environments.map((env) => [env.name, env.account])).toEqual([
      ['dev', '111111111111'],
      ['staging', '222222222222'],
      ['prod', '333333333333'],
    ]);
    expect(configWarnings(environments)).toEqual([]);
  });

  test('every problem of every environment is reported at once', () => {
    const problems = problemsOfAll({ dev: environmentInput({ namePrefix: 'Bad Prefix' }), prod: environmentInput({ domain: { prefix: 'my-cognito' } }) });
    expect(problems).toEqual([
      'dev: namePrefix: must be kebab-case, at most 20 characters; received "Bad Prefix"',
      'prod: domain.prefix: must not contain "aws", "amazon" or "cognito" (Cognito reserves them); choose another prefix; received "my-cognito"',
    ]);
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
        'dev: routes[0].permission: must be one of read, write, delete, execute, admin; received "superuser"',
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
      expect(problemsOf({ m2mClient: [] } as unknown as Overrides)).toEqual([
        'dev: (environment): unknown field "m2mClient": remove or fix the spelling (see README "Configuration reference")',
      ]);
    });

    test('a required field is missing', () => {
      expect(problemsOf({ region: undefined as unknown as string })).toEqual(['dev: region: is required; received nothing']);
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
      expect(problemsOf({ userClient })).toEqual(['dev: userClient.groupRoles.ops: must be one of reader, writer, deleter, executor, admin; received "root"']);
    });

    test('the deny-list may go stale for less than its refresh interval', () => {
      expect(problemsOf({ authorizer: { revocationRefreshSeconds: 60, revocationMaxStaleSeconds: 30 } })).toEqual([
        'dev: authorizer.revocationMaxStaleSeconds: revocationMaxStaleSeconds must be at least revocationRefreshSeconds; received 30',
      ]);
    });

    test('the log retention is not one CloudWatch offers', () => {
      expect(problemsOf({ logRetentionDays: 100 })[0]).toMatch(/^dev: logRetentionDays: must be one of the CloudWatch Logs retention periods: 1, 3, 5, .*; received 100$/);
    });

    test("more app clients than Cognito's quota, by the quota's name; a raised quota is honoured", () => {
      const clients = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `service-with-a-rather-long-name-${i}`, scopes: ['read'] }));
      const accepted = (overrides: Overrides) => validateEnvironments({ dev: environmentInput(overrides) }, {})[0];
      expect(accepted({ m2mClients: clients(1000) }).m2mClients).toHaveLength(1000);
      const [problem] = problemsOf({ m2mClients: clients(1000), userClient: { callbackUrls: ['https://app.example.com/cb'] } });
      expect(problem).toMatch(
        /^dev: m2mClients: 1001 app clients \(1000 M2M \+ the user client\) exceed Cognito's quota "App clients per user pool" \(1000, the default\); it can be raised to 10000 in Service Quotas, then set userPool.appClientQuota to the new value; received \[/,
      );
      expect(accepted({ m2mClients: clients(1001), userPool: { appClientQuota: 2000 } }).userPool.appClientQuota).toBe(2000);
      expect(problemsOf({ userPool: { appClientQuota: 10001 } })[0]).toMatch(/userPool.appClientQuota: at most 10000, the most Cognito's "App clients per user pool" quota can be raised to/);
    });

    test("scopes beyond Cognito's per-client and per-resource-server quotas", () => {
      const scopes = Array.from({ length: 51 }, (_, i) => `s${i}`);
      expect(problemsOf({ m2mClients: [{ name: 'wide', scopes }] })).toContainEqual(expect.stringMatching(/^dev: m2mClients\[0\].scopes: at most 50: Cognito's quota "Scopes per app client" \(not adjustable\)/));
      const declared = Array.from({ length: 101 }, (_, i) => ({ name: `s${i}`, description: 'x' }));
      expect(problemsOf({ resourceServer: { identifier: 'api', name: 'API', scopes: declared } })).toContainEqual(
        expect.stringMatching(/resourceServer.scopes: at most 100: Cognito's quota "Custom scopes per resource server" \(not adjustable\)/),
      );
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
      const envs = validateEnvironments(sideBySide(['dev', 'prod']), { M2M_AUTH_STATE_BACKEND: 'cloud', M2M_AUTH_TFC_ORGANIZATION: 'acme' });
      expect(envs.map((e) => e.stateBackend)).toEqual([
        { type: 'cloud', organization: 'acme', workspace: 'm2m-auth-dev', hostname: 'app.terraform.io' },
        { type: 'cloud', organization: 'acme', workspace: 'm2m-auth-prod', hostname: 'app.terraform.io' },
      ]);
    });

    test('replace the bucket and add a lock table', () => {
      const [dev] = validateEnvironments({ dev: environmentInput() }, { M2M_AUTH_STATE_BUCKET: 'ci-state', M2M_AUTH_STATE_LOCK_TABLE: 'ci-locks' });
      expect(dev.stateBackend).toEqual({ type: 's3', bucket: 'ci-state', region: 'eu-west-1', keyPrefix: 'm2m-auth', lockTable: 'ci-locks', kmsKeyId: 'alias/ci-state-state' });
    });

    test('fails when the override leaves the backend incomplete', () => {
      expect(() => validateEnvironments({ dev: environmentInput() }, { M2M_AUTH_STATE_BACKEND: 'cloud' })).toThrow(
        'dev: stateBackend.organization: is required; received nothing',
      );
    });
  });
});

describe('plain rule wording', () => {
  // GIVEN one field zod checks without a message of our own; THEN the rule reads as plain words
  test.each<[string, Overrides, string]>([
    ['an unknown enum value', { routes: [{ ...ANY_ROUTE, method: 'FETCH' as 'GET' }] }, 'routes[0].method: must be one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS; received "FETCH"'],
    ['a number for a string', { namePrefix: 5 as unknown as string }, 'namePrefix: must be a string; received 5'],
    ['a string for a boolean', { userPool: { deletionProtection: 'yes' as unknown as boolean } }, 'userPool.deletionProtection: must be true or false; received "yes"'],
    ['a missing nested field', { resourceServer: { identifier: 'api', scopes: [{ name: 'read', description: 'Read' }] } as EnvironmentConfigInput['resourceServer'] }, 'resourceServer.name: is required; received nothing'],
    ['a missing object', { stateBackend: undefined as unknown as EnvironmentConfigInput['stateBackend'] }, 'stateBackend: is required; received nothing'],
    ['a number below its minimum', { authorizer: { memoryMb: 100 } }, 'authorizer.memoryMb: must be at least 128; received 100'],
    ['a number above its maximum', { authorizer: { memoryMb: 20_000 } }, 'authorizer.memoryMb: must be at most 10240; received 20000'],
    ['a fraction for a whole number', { authorizer: { memoryMb: 256.5 } }, 'authorizer.memoryMb: must be a whole number; received 256.5'],
    ['zero for a positive number', { gateway: { throttling: { rateLimit: 0 } } }, 'gateway.throttling.rateLimit: must be greater than 0; received 0'],
    ['an infinite number', { logRetentionDays: Infinity }, 'logRetentionDays: must be a finite number; received Infinity'],
    ['an empty string', { resourceServer: { ...environmentInput().resourceServer, name: '' } }, 'resourceServer.name: must not be empty; received ""'],
    ['a string for an array', { routes: 'GET /orders' as unknown as EnvironmentConfigInput['routes'] }, 'routes: must be an array; received "GET /orders"'],
    ['a URL that is not one', { userClient: { callbackUrls: ['not a url'] } }, 'userClient.callbackUrls[0]: must be a URL such as https://example.com/path; received "not a url"'],
    ['an empty tag key', { tags: { '': 'x' } }, 'tags[""]: invalid key: must not be empty; received ""'],
  ])('%s', (_what, overrides, problem) => {
    expect(problemsOf(overrides)).toEqual([`dev: ${problem}`]);
  });

  test('a message the schema sets is kept as written', () => {
    expect(problemsOf({ userClient: { callbackUrls: ['https://app.example.com/cb'], groupRoles: { 'api readers': 'reader' } } })).toEqual([
      'dev: userClient.groupRoles["api readers"]: invalid key: Cognito group names are 1-128 characters without spaces; received "api readers"',
    ]);
    expect(problemsOf({ m2mClients: [{ name: 'reporting', scopes: [] }] })).toEqual(['dev: m2mClients[0].scopes: a client needs at least one scope; received []']);
  });
});

describe('problems shared by several environments', () => {
  test('one shared array with one bad entry is one line naming every environment', () => {
    // GIVEN three environments that share one route table, as config/environments.ts does
    const routes = [{ method: 'DELETE', path: '/orders/{id}', permission: 'read' }] as const;
    const environments = sideBySide(['dev', 'staging', 'prod'], { dev: { routes: [...routes] }, staging: { routes: [...routes] }, prod: { routes: [...routes] } });
    // THEN
    expect(problemsOfAll(environments)).toEqual([
      'dev, staging, prod: routes[0].method: a "read" route may only use GET, HEAD, OPTIONS; use permission "execute" for a business transaction; received "DELETE"',
    ]);
  });

  test('the same rule with different received values stays two lines', () => {
    const environments = sideBySide(['dev', 'staging', 'prod'], { dev: { namePrefix: 'Dev' }, staging: { namePrefix: 'Dev' }, prod: { namePrefix: 'Prod' } });
    const problems = problemsOfAll(environments);
    expect(problems).toEqual([
      'dev, staging: namePrefix: must be kebab-case, at most 20 characters; received "Dev"',
      'prod: namePrefix: must be kebab-case, at most 20 characters; received "Prod"',
    ]);
  });

  test('the error counts merged lines', () => {
    const bad = environmentInput({ namePrefix: 'Bad Prefix', domain: { prefix: 'my-cognito' } });
    expect(() => validateEnvironments({ dev: bad, prod: bad }, {})).toThrow(/^Invalid m2m-auth configuration \(2 problems\):\n {2}- dev, prod: namePrefix: .*\n {2}- dev, prod: domain\.prefix: /);
  });
});

describe('Cognito domains across environments', () => {
  test('distinct prefixes, or one prefix in two regions, can live side by side', () => {
    const environments = sideBySide(['dev', 'prod'], { dev: { domain: { prefix: 'shared-m2m' } }, prod: { domain: { prefix: 'shared-m2m' }, region: 'us-east-1' } });
    expect(validateEnvironments(environments, {}).map((env) => env.name)).toEqual(['dev', 'prod']);
  });

  describe('fails when', () => {
    test('two environments in one region take the same prefix', () => {
      const environments = sideBySide(['dev', 'staging', 'prod'], { staging: { domain: { prefix: 'example-m2m-auth' } }, prod: { domain: { prefix: 'example-m2m-auth' } } });
      expect(problemsOfAll(environments)).toEqual([
        'staging: domain.prefix: "example-m2m-auth" is also the prefix of prod in eu-west-1; Cognito domains are unique per region: give each environment its own; received "example-m2m-auth"',
      ]);
    });

    test('three environments take the same prefix', () => {
      const domain = { prefix: 'example-m2m-auth' };
      expect(problemsOfAll(sideBySide(['dev', 'staging', 'prod'], { dev: { domain }, staging: { domain }, prod: { domain } }))).toEqual([
        'dev: domain.prefix: "example-m2m-auth" is also the prefix of staging, prod in eu-west-1; Cognito domains are unique per region: give each environment its own; received "example-m2m-auth"',
      ]);
    });

    test('two environments take the same custom domain, even in different regions', () => {
      const customDomain = { domainName: 'auth.example.com', certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-aaaa-bbbb-cccc-123456789012' };
      const environments = sideBySide(['staging', 'prod'], {
        staging: { domain: { prefix: 'example-staging', customDomain } },
        prod: { domain: { prefix: 'example-prod', customDomain }, region: 'us-east-1' },
      });
      expect(problemsOfAll(environments)).toEqual([
        'staging: domain.customDomain.domainName: "auth.example.com" is also the custom domain of prod; a custom domain serves one user pool: give each environment its own; received "auth.example.com"',
      ]);
    });
  });
});

describe('secretRecoveryWindowDays', () => {
  test('defaults to 30 days with deletion protection and to 0 (delete at once) without', () => {
    const envs = validateEnvironments(sideBySide(['dev', 'prod'], { dev: { userPool: { deletionProtection: false } }, prod: { userPool: { deletionProtection: true } } }), {});
    expect(envs.map((env) => [env.name, env.secretRecoveryWindowDays])).toEqual([
      ['dev', 0],
      ['prod', 30],
    ]);
  });

  test.each([[0], [7], [30]])('an explicit %d is kept whatever the deletion protection', (days) => {
    const [env] = validateEnvironments({ dev: environmentInput({ secretRecoveryWindowDays: days, userPool: { deletionProtection: days === 0 } }) }, {});
    expect(env.secretRecoveryWindowDays).toBe(days);
  });

  test.each([[1], [6], [31], [7.5], [-1]])('fails when it is %d', (days) => {
    expect(problemsOf({ secretRecoveryWindowDays: days })).toEqual([
      `dev: secretRecoveryWindowDays: must be 0 (delete at once) or 7..30 days (the recovery windows Secrets Manager allows); received ${days}`,
    ]);
  });
});

describe('monitoring.authorizerFaults', () => {
  test('is kept as configured', () => {
    const [env] = validateEnvironments({ dev: environmentInput({ monitoring: { authorizerFaults: 5 } }) }, {});
    expect(env.monitoring.authorizerFaults).toBe(5);
  });

  test('fails when it is below 1', () => {
    expect(problemsOf({ monitoring: { authorizerFaults: 0 } })).toEqual(['dev: monitoring.authorizerFaults: must be at least 1; received 0']);
  });

  test('fails when the config still has authorizerErrors, with the new name', () => {
    const monitoring = { authorizerErrors: 3 } as unknown as EnvironmentConfigInput['monitoring'];
    expect(problemsOf({ monitoring })).toEqual([
      'dev: monitoring.authorizerErrors: renamed to authorizerFaults (ordinary 401s no longer count as errors); rename the field',
    ]);
  });

  test('fails when a renamed field sits next to a misspelt one, each with its own line', () => {
    const monitoring = { authorizerErrors: 3, authoriserThrottles: 1 } as unknown as EnvironmentConfigInput['monitoring'];
    expect(problemsOf({ monitoring })).toEqual([
      'dev: monitoring: unknown field "authoriserThrottles": remove or fix the spelling (see README "Configuration reference")',
      'dev: monitoring.authorizerErrors: renamed to authorizerFaults (ordinary 401s no longer count as errors); rename the field',
    ]);
  });
});

describe('monitoring.perClientMetrics', () => {
  test('defaults to false, with or without other monitoring settings', () => {
    const [bare] = validateEnvironments({ dev: environmentInput() }, {});
    expect(bare.monitoring.perClientMetrics).toBe(false);
    const [other] = validateEnvironments({ dev: environmentInput({ monitoring: { authorizerFaults: 5 } }) }, {});
    expect(other.monitoring.perClientMetrics).toBe(false);
  });

  test('is kept as configured', () => {
    const [env] = validateEnvironments({ dev: environmentInput({ monitoring: { perClientMetrics: true } }) }, {});
    expect(env.monitoring.perClientMetrics).toBe(true);
  });

  test('fails when it is not a boolean', () => {
    const monitoring = { perClientMetrics: 'true' } as unknown as EnvironmentConfigInput['monitoring'];
    expect(problemsOf({ monitoring })).toEqual(['dev: monitoring.perClientMetrics: must be true or false; received "true"']);
  });
});

describe('gateway.manageAccountLoggingRole across environments', () => {
  test.each<[string, Record<string, Overrides>]>([
    ['different accounts', {}],
    ['one region each', { dev: { account: undefined, region: 'eu-west-1' }, prod: { account: undefined, region: 'us-east-1' } }],
    ['only one owns the role', { dev: { account: undefined, gateway: { manageAccountLoggingRole: false } }, prod: { account: undefined } }],
    ['HTTP APIs, which need no account role', { dev: { account: undefined, gateway: { type: 'http' } }, prod: { account: undefined, gateway: { type: 'http' } } }],
  ])('environments can live side by side with %s', (_what, overrides) => {
    expect(validateEnvironments(sideBySide(['dev', 'prod'], overrides), {})).toHaveLength(2);
  });

  describe('fails when', () => {
    test('two REST environments in one region have no account set', () => {
      const environments = sideBySide(['dev', 'staging', 'prod'], { dev: { account: undefined }, staging: { account: undefined } });
      expect(problemsOfAll(environments)).toEqual([
        'dev, staging: gateway.manageAccountLoggingRole: both would own the account-wide API Gateway logging role in eu-west-1 (same account, or account not set); set it to false in all but one (the longest-lived environment), or set account to show they are different accounts',
      ]);
    });

    test('three environments share one account', () => {
      const account = '123456789012';
      const environments = sideBySide(['dev', 'staging', 'prod'], { dev: { account }, staging: { account }, prod: { account } });
      expect(problemsOfAll(environments)).toEqual([
        'dev, staging, prod: gateway.manageAccountLoggingRole: all 3 would own the account-wide API Gateway logging role in eu-west-1 of account 123456789012; set it to false in all but one (the longest-lived environment)',
      ]);
    });
  });
});

describe('stateBackend.kmsKeyId', () => {
  test('defaults to the alias the state-bootstrap stack creates for the bucket, without dots', () => {
    const [env] = validateEnvironments({ dev: environmentInput({ stateBackend: { type: 's3', bucket: 'acme.tf-state', region: 'eu-west-1' } }) }, {});
    expect(env.stateBackend).toMatchObject({ kmsKeyId: 'alias/acme-tf-state-state' });
  });

  test.each([
    ['a key ARN', 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'],
    ['a multi-Region key ARN', 'arn:aws:kms:eu-west-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab'],
    ['an alias ARN', 'arn:aws:kms:eu-west-1:123456789012:alias/tf-state'],
    ['an alias name', 'alias/platform/tf_state-key'],
    ['a GovCloud key ARN', 'arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'],
  ])('accepts %s', (_what, kmsKeyId) => {
    const [env] = validateEnvironments({ dev: environmentInput({ stateBackend: { type: 's3', bucket: 'test-state-bucket', region: 'eu-west-1', kmsKeyId } }) }, {});
    expect(env.stateBackend).toMatchObject({ kmsKeyId });
  });

  test.each([
    ['a bare key id', '1234abcd-12ab-34cd-56ef-1234567890ab'],
    ['an alias with a dot', 'alias/acme.tf-state'],
    ['an ARN of another service', 'arn:aws:s3:::tf-state'],
    ['a key ARN without a key id', 'arn:aws:kms:eu-west-1:123456789012:key/'],
  ])('fails when it is %s', (_what, kmsKeyId) => {
    expect(problemsOf({ stateBackend: { type: 's3', bucket: 'test-state-bucket', region: 'eu-west-1', kmsKeyId } })).toEqual([
      `dev: stateBackend.kmsKeyId: must be a KMS key ARN, an alias ARN or an alias name such as alias/my-state-key (in the bucket's region); received "${kmsKeyId}"`,
    ]);
  });

  test('M2M_AUTH_STATE_KMS_KEY_ID overrides it, validated like the config', () => {
    expect(STATE_OVERRIDE_VARIABLES).toHaveProperty('M2M_AUTH_STATE_KMS_KEY_ID');
    const [dev] = validateEnvironments({ dev: environmentInput() }, { M2M_AUTH_STATE_KMS_KEY_ID: 'alias/ci-state' });
    expect(dev.stateBackend).toMatchObject({ kmsKeyId: 'alias/ci-state' });
    expect(problemsOfAll({ dev: environmentInput() }, { M2M_AUTH_STATE_KMS_KEY_ID: 'ci-state' })[0]).toMatch(/^dev: stateBackend\.kmsKeyId: must be a KMS key ARN.*received "ci-state"$/);
  });

  test('fails when a Terraform Cloud backend names one', () => {
    const stateBackend = { type: 'cloud', organization: 'acme', workspace: 'm2m-auth-dev', kmsKeyId: 'alias/x' } as unknown as EnvironmentConfigInput['stateBackend'];
    expect(problemsOf({ stateBackend })).toEqual(['dev: stateBackend: unknown field "kmsKeyId": remove or fix the spelling (see README "Configuration reference")']);
  });
});

describe('configWarnings', () => {
  const lockTable = (table: string): Overrides => ({ stateBackend: { type: 's3', bucket: 'test-state-bucket', region: 'eu-west-1', lockTable: table } });
  const deprecated =
    'stateBackend.lockTable: deprecated: Terraform 1.11 deprecates DynamoDB state locking; S3-native locking (use_lockfile) is already on. Remove lockTable once no one runs Terraform < 1.10 against this state';

  test('none without a lock table', () => {
    expect(configWarnings(validateEnvironments(sideBySide(['dev', 'prod']), {}))).toEqual([]);
  });

  test('a lock table is deprecated: one line per table, naming every environment that uses it', () => {
    const environments = validateEnvironments(
      sideBySide(['dev', 'staging', 'prod', 'sandbox'], {
        dev: lockTable('tf-locks'),
        staging: lockTable('tf-locks'),
        prod: lockTable('prod-locks'),
        sandbox: { stateBackend: { type: 'cloud', organization: 'acme', workspace: 'sandbox' } },
      }),
      {},
    );
    expect(configWarnings(environments)).toEqual([`dev, staging: ${deprecated}; received "tf-locks"`, `prod: ${deprecated}; received "prod-locks"`]);
  });

  test('the lock table set through M2M_AUTH_STATE_LOCK_TABLE still works and is warned about too', () => {
    const [dev] = validateEnvironments({ dev: environmentInput() }, { M2M_AUTH_STATE_LOCK_TABLE: 'ci-locks' });
    expect(dev.stateBackend).toMatchObject({ lockTable: 'ci-locks' });
    expect(configWarnings([dev])).toEqual([`dev: ${deprecated}; received "ci-locks"`]);
  });
});

describe('configWarnings: the gateway cache against token lifetimes', () => {
  /** The warning for `ttl` when `client` (`m2mClients[1] "c1"`, `userClient`) has the shortest validity, `minutes`. */
  const warningOf = (ttl: number, client: string, minutes: number) =>
    `dev: gateway.resultCacheTtlSeconds: the gateway keeps allowing a cached token up to this long after it expires; keep it at most 50% of the shortest access-token validity (${client}: ${minutes} minutes, so ${minutes * 30} s), or lengthen that validity; received ${ttl}`;
  const withTtl = (ttl: number, clients: number[], userMinutes?: number) =>
    validateEnvironments(
      {
        dev: environmentInput({
          gateway: { resultCacheTtlSeconds: ttl },
          m2mClients: clients.map((minutes, i) => ({ name: `c${i}`, scopes: ['read'], accessTokenValidityMinutes: minutes })),
          ...(userMinutes !== undefined ? { userClient: { callbackUrls: ['https://app.example.com/callback'], accessTokenValidityMinutes: userMinutes } } : {}),
        }),
      },
      {},
    );

  test('none while the TTL is at most half the shortest validity (the default 300 s against 10-minute tokens)', () => {
    expect(configWarnings(withTtl(300, [60, 10]))).toEqual([]);
    expect(configWarnings(withTtl(0, [5]))).toEqual([]);
  });

  test('warns (does not fail) when the TTL exceeds half the shortest M2M token validity, naming the client', () => {
    expect(configWarnings(withTtl(301, [60, 10]))).toEqual([warningOf(301, 'm2mClients[1] "c1"', 10)]);
  });

  test('the userClient counts too', () => {
    expect(configWarnings(withTtl(200, [60], 6))).toEqual([warningOf(200, 'userClient', 6)]);
  });

  test('none with the API-key migration on: it turns the cache off', () => {
    const [dev] = validateEnvironments({ dev: environmentInput({ gateway: { resultCacheTtlSeconds: 3600 }, legacyApiKeys: { enabled: true, callers: [{ name: 'old-batch', role: 'reader', keySha256: 'a'.repeat(64) }] }, m2mClients: [{ name: 'c0', scopes: ['read'], accessTokenValidityMinutes: 5 }] }) }, {});
    expect(configWarnings([dev])).toEqual([]);
  });

  test('synth prints the warning to stderr and still succeeds', () => {
    // GIVEN a config whose cache outlives half of a 10-minute token
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'm2m-synth-warning-'));
    const configFile = path.join(dir, 'config.json');
    fs.writeFileSync(configFile, JSON.stringify({ environments: { dev: environmentInput({ gateway: { resultCacheTtlSeconds: 900 }, m2mClients: [{ name: 'c0', scopes: ['read'], accessTokenValidityMinutes: 10 }] }) } }));
    try {
      // WHEN
      const result = runSynth(path.join(dir, 'out'), { M2M_AUTH_CONFIG: configFile });
      // THEN
      expect(result.status).toBe(0);
      expect(result.stderr).toContain(`warning: ${warningOf(900, 'm2mClients[0] "c0"', 10)}`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
