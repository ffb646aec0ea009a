import { ConfigValidationError, loadEnvironments, validateEnvironments } from '../../lib/config/load';
import type { EnvironmentConfigInput } from '../../lib/config/schema';
import { environmentInput } from '../fixtures';

type Overrides = Partial<EnvironmentConfigInput>;
type Pipeline = EnvironmentConfigInput['pipeline'];

/** The problem lines for a whole set of environments, or fails the test. */
function problemsOfAll(environments: Record<string, unknown>): string[] {
  try {
    validateEnvironments(environments, {});
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigValidationError);
    return [...(error as ConfigValidationError).problems];
  }
  throw new Error('expected the configuration to be rejected');
}

function problemsOf(overrides: Overrides, name = 'dev'): string[] {
  return problemsOfAll({ [name]: environmentInput(overrides) });
}

/**
 * Environments that can be deployed side by side (own domain prefix; own account unless `account` is
 * overridden; the account-wide API Gateway logging role left to another stack, so that only the OIDC
 * rules speak).
 */
function sideBySide(names: string[], overrides: Record<string, Overrides> = {}): Record<string, EnvironmentConfigInput> {
  return Object.fromEntries(
    names.map((name, i) => [
      name,
      environmentInput({ domain: { prefix: `test-m2m-auth-${name}` }, account: String(i + 1).repeat(12), gateway: { manageAccountLoggingRole: false }, ...overrides[name] }),
    ]),
  );
}

const github = { repository: 'acme/m2m-auth' };
const cloudState = { type: 'cloud', organization: 'acme', workspace: 'm2m-auth-prod' } as const;

describe('pipeline config', () => {
  test('default setup: GitHub environment named after the environment, main, the provider managed', () => {
    // GIVEN only the repository
    const [prod] = validateEnvironments({ prod: environmentInput({ pipeline: { github } }) }, {});
    // THEN
    expect(prod.pipeline).toEqual({ github: { repository: 'acme/m2m-auth', deployBranch: 'main', environment: 'prod', manageOidcProvider: true } });
  });

  test('an environment without pipeline has none', () => {
    const [dev] = validateEnvironments({ dev: environmentInput() }, {});
    expect(dev.pipeline).toBeUndefined();
  });

  test('Terraform Cloud: project "Default Project", workspace and hostname from a cloud state backend', () => {
    const stateBackend = { ...cloudState, hostname: 'tfe.example.com' };
    const [prod] = validateEnvironments({ prod: environmentInput({ stateBackend, pipeline: { terraformCloud: { organization: 'acme' } } }) }, {});
    expect(prod.pipeline?.terraformCloud).toEqual({
      organization: 'acme',
      project: 'Default Project',
      workspace: 'm2m-auth-prod',
      hostname: 'tfe.example.com',
      manageOidcProvider: true,
    });
  });

  test('Terraform Cloud with S3 state: the workspace is named, the hostname is app.terraform.io', () => {
    const [prod] = validateEnvironments({ prod: environmentInput({ pipeline: { terraformCloud: { organization: 'acme', workspace: 'runs-prod', project: 'Platform' } } }) }, {});
    expect(prod.pipeline?.terraformCloud).toMatchObject({ workspace: 'runs-prod', hostname: 'app.terraform.io', project: 'Platform' });
  });

  test('the shipped config declares the example GitHub repository for every environment', () => {
    const environments = loadEnvironments({});
    expect(environments.map((env) => [env.name, env.pipeline])).toEqual(
      ['dev', 'staging', 'prod'].map((name) => [name, { github: { repository: 'example-org/m2m-auth', deployBranch: 'main', environment: name, manageOidcProvider: true } }]),
    );
  });

  describe('fails when', () => {
    test.each<[string, Pipeline, string]>([
      ['it is empty', {}, 'pipeline: declare github, terraformCloud or both; or remove pipeline; received {}'],
      [
        'the repository is not owner/name',
        { github: { repository: 'm2m-auth' } },
        'pipeline.github.repository: must be <owner>/<name> as GitHub spells it, e.g. acme/m2m-auth (no wildcards); received "m2m-auth"',
      ],
      [
        'the repository has a wildcard',
        { github: { repository: 'acme/*' } },
        'pipeline.github.repository: must be <owner>/<name> as GitHub spells it, e.g. acme/m2m-auth (no wildcards); received "acme/*"',
      ],
      [
        'the deploy branch has a wildcard',
        { github: { ...github, deployBranch: 'release/*' } },
        'pipeline.github.deployBranch: must be a branch name such as main or release/v1 (letters, digits, . _ - /; no wildcards); received "release/*"',
      ],
      [
        'the GitHub environment has the claim separator',
        { github: { ...github, environment: 'prod:eu' } },
        'pipeline.github.environment: must be a GitHub environment name of letters, digits, . _ and - (it becomes part of the OIDC sub claim); received "prod:eu"',
      ],
      ['a field is misspelt', { github: { ...github, branch: 'main' } } as unknown as Pipeline, 'pipeline.github: unknown field "branch": remove or fix the spelling (see README "Configuration reference")'],
      [
        'the Terraform Cloud workspace is missing and the state is in S3',
        { terraformCloud: { organization: 'acme' } },
        'pipeline.terraformCloud.workspace: is required when the state is not in Terraform Cloud: name the workspace whose runs deploy this environment; received nothing',
      ],
      [
        'the Terraform Cloud project is not one',
        { terraformCloud: { organization: 'acme', workspace: 'w', project: ' Platform' } },
        'pipeline.terraformCloud.project: Terraform Cloud project names are 1-40 letters, digits, inner spaces, - and _; received " Platform"',
      ],
    ])('%s', (_what, pipeline, problem) => {
      expect(problemsOf({ pipeline })).toEqual([`dev: ${problem}`]);
    });

    test("the cloud workspace leaves no room for the access stack's workspace", () => {
      const workspace = `w${'x'.repeat(74)}`;
      expect(problemsOf({ stateBackend: { ...cloudState, workspace }, pipeline: { github } }, 'prod')).toEqual([
        `prod: stateBackend.workspace: with pipeline set, at most 74 characters: the pipeline-access stack's state lives in the workspace <workspace>-pipeline-access (90 at most); received "${workspace}"`,
      ]);
    });

    test('a role name would be longer than IAM allows', () => {
      const name = 'e'.repeat(31);
      expect(problemsOf({ namePrefix: 'a-twenty-char-prefix', pipeline: { github } }, name)).toEqual([
        `${name}: pipeline: the role name "a-twenty-char-prefix-${name}-github-deploy" has 66 characters and IAM allows 64; shorten namePrefix or the environment name; received "a-twenty-char-prefix"`,
      ]);
    });

    test('an environment takes the name of an access stack', () => {
      expect(problemsOf({}, 'pipeline-access-dev')).toEqual([
        'pipeline-access-dev: environment names become stack names: "pipeline-access-<env>" names the pipeline access stack of environment <env>; choose a name that does not start with "pipeline-access-"',
      ]);
    });
  });
});

describe('OIDC providers across environments', () => {
  test.each<[string, Record<string, Overrides>]>([
    ['different accounts, each managing its own', { dev: { pipeline: { github } }, prod: { pipeline: { github } } }],
    ['one account, one manager', { dev: { account: '123456789012', pipeline: { github } }, prod: { account: '123456789012', pipeline: { github: { ...github, manageOidcProvider: false } } } }],
    [
      'one account, GitHub managed by one and Terraform Cloud by the other',
      { dev: { account: undefined, pipeline: { github } }, prod: { account: undefined, pipeline: { terraformCloud: { organization: 'acme', workspace: 'prod' } } } },
    ],
  ])('environments can live side by side with %s', (_what, overrides) => {
    expect(validateEnvironments(sideBySide(['dev', 'prod'], overrides), {})).toHaveLength(2);
  });

  describe('fails when', () => {
    test('two environments without account both manage the GitHub provider', () => {
      const environments = sideBySide(['dev', 'staging', 'prod'], { dev: { account: undefined, pipeline: { github } }, staging: { account: undefined, pipeline: { github } } });
      expect(problemsOfAll(environments)).toEqual([
        'dev, staging: pipeline.github.manageOidcProvider: both would create the account-wide IAM OIDC provider https://token.actions.githubusercontent.com (same account, or account not set); set it to false in all but one (the longest-lived environment; the others reference the provider by ARN), or set account to show they are different accounts',
      ]);
    });

    test('three environments in one account manage the Terraform Cloud provider', () => {
      const account = '123456789012';
      const terraformCloud = { organization: 'acme', workspace: 'w' };
      const environments = sideBySide(['dev', 'staging', 'prod'], {
        dev: { account, pipeline: { terraformCloud } },
        staging: { account, pipeline: { terraformCloud } },
        prod: { account, pipeline: { terraformCloud } },
      });
      expect(problemsOfAll(environments)).toEqual([
        'dev, staging, prod: pipeline.terraformCloud.manageOidcProvider: all 3 would create the account-wide IAM OIDC provider https://app.terraform.io in account 123456789012; set it to false in all but one (the longest-lived environment; the others reference the provider by ARN)',
      ]);
    });
  });
});
