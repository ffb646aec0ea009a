/**
 * GetClientToken clients: the config rules for token paths and the optional domain, what the stack
 * synthesizes for them (the flow set at apply, secrets that name their paths, no domain when none is
 * needed), the function that sets the flow (with the AWS SDK mocked), and Terraform's own verdict on
 * an environment without a hosted domain (offline, provider mirror; else SKIPPED).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CognitoIdentityProviderClient, DescribeUserPoolClientCommand, UpdateUserPoolClientCommand, type UserPoolClientType } from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import { CLIENT_TOKEN_FLOW, FlowRequestError, parseFlowRequest, updateRequestFor } from '../../lambdas/client-token-flow/flows';
import { configNotes, validateEnvironments } from '../../lib/config/load';
import type { EnvironmentConfigInput } from '../../lib/config/schema';
import { bundleClientTokenFlow } from '../../lib/client-token-flow/client-token-flow';
import { checkJsonStack } from '../../scripts/terraform/json-stack-check';
import { synthesizeApp } from '../../scripts/terraform/synth';
import { environment, environmentInput, resourcesOf, synthEnvironment, type TerraformJson } from '../fixtures';
import { checkContext, offlineTerraformAvailability, PROJECT_ROOT, testWithTerraform } from '../terraform/offline-terraform';

const API_ONLY: Partial<EnvironmentConfigInput> = {
  domain: undefined,
  m2mClients: [
    { name: 'reporting', scopes: ['read'], tokenPaths: ['api'] },
    { name: 'partner-backend', scopes: ['read', 'write'], tokenPaths: ['api'] },
  ],
};

function problemsOf(overrides: Partial<EnvironmentConfigInput>): string[] {
  try {
    validateEnvironments({ dev: environmentInput(overrides) }, {});
    return [];
  } catch (error) {
    return (error as { problems?: string[] }).problems ?? [String(error)];
  }
}

describe('config: token paths and the hosted domain', () => {
  test('synth says when an environment has no hosted domain and which clients get their flow at apply', () => {
    const notes = configNotes([environment(API_ONLY), environment()]);
    expect(notes).toEqual([
      'dev: no hosted domain (domain is not set): every client uses GetClientToken, and there is no /oauth2/token',
      expect.stringMatching(/^dev: clients reporting, partner-backend use GetClientToken: ALLOW_CLIENT_TOKEN_AUTH is set at apply/),
    ]);
  });

  test('the default is the token endpoint', () => {
    expect(environment().m2mClients.map((client) => client.tokenPaths)).toEqual([['oauth2'], ['oauth2']]);
  });

  test('without a domain, every client must use "api" and there is no user client', () => {
    expect(problemsOf(API_ONLY)).toEqual([]);
    const problems = problemsOf({ domain: undefined, m2mClients: [{ name: 'reporting', scopes: ['read'] }] });
    expect(problems).toEqual([expect.stringContaining('dev: m2mClients[0].tokenPaths: "oauth2" needs the hosted domain (its /oauth2/token): set domain, or give reporting tokenPaths ["api"]')]);
    expect(problemsOf({ ...API_ONLY, userClient: { callbackUrls: ['https://app.example.com/cb'] } })).toEqual([
      expect.stringContaining('dev: domain: required: the user client signs users in on the hosted domain'),
    ]);
  });

  test.each([
    [[], 'a client needs at least one token path'],
    [['api', 'api'], 'each token path once'],
    [['grpc'], 'must be "oauth2" (the token endpoint) or "api" (GetClientToken)'],
  ])('tokenPaths %j is refused: %s', (tokenPaths, message) => {
    expect(problemsOf({ m2mClients: [{ name: 'reporting', scopes: ['read'], tokenPaths: tokenPaths as never }] }).join('\n')).toContain(message);
  });
});

describe('stack of an environment without a hosted domain, every client on GetClientToken', () => {
  const { tf } = synthEnvironment(environment(API_ONLY));
  const clients = tf.resource.aws_cognito_user_pool_client as Record<string, Record<string, unknown>>;

  test('no domain, no token endpoint output; the GetClientToken endpoint instead', () => {
    expect(resourcesOf(tf, 'aws_cognito_user_pool_domain')).toEqual([]);
    expect(Object.keys(tf.output ?? {})).not.toContain('token_endpoint');
    expect((tf.output as Record<string, { value: string }>).get_client_token_endpoint.value).toBe('https://cognito-idp.eu-west-1.amazonaws.com/');
  });

  test('the app clients: no OAuth grant, their scopes, flows left to the function', () => {
    const client = clients.m2m_clients_reporting_client;
    expect(client.allowed_oauth_flows).toBeUndefined();
    expect(client.allowed_oauth_flows_user_pool_client).toBeUndefined();
    expect(client.allowed_oauth_scopes).toEqual(['api/read']);
    // What the provider accepts at creation; the function replaces it with GetClientToken's flow.
    expect(client.explicit_auth_flows).toEqual(['ALLOW_REFRESH_TOKEN_AUTH']);
    expect(client.lifecycle).toEqual({ ignore_changes: ['explicit_auth_flows'] });
  });

  test('one invocation per client sets the flow; the first rotation waits for it', () => {
    const invocations = tf.resource.aws_lambda_invocation as Record<string, { function_name: string; input: string }>;
    expect(Object.keys(invocations).sort()).toEqual(['client_token_flow_partner-backend_flow', 'client_token_flow_reporting_flow']);
    const input = invocations.client_token_flow_reporting_flow.input;
    expect(input).toContain('"clientId" = aws_cognito_user_pool_client.m2m_clients_reporting_client.id');
    expect(input).toContain(`"explicitAuthFlows" = ["${CLIENT_TOKEN_FLOW}"]`);
    const rotation = (tf.resource.aws_secretsmanager_secret_rotation as Record<string, { depends_on: string[] }>).secret_rotation_reporting_rotation;
    expect(rotation.depends_on).toContain('aws_lambda_invocation.client_token_flow_reporting_flow');
  });

  test("the function's role may read and update this pool's app clients, nothing else of Cognito", () => {
    const documents = tf.data!.aws_iam_policy_document as Record<string, { statement: Array<{ sid?: string; actions: string[]; resources: string[] }> }>;
    const statement = documents.client_token_flow_permissions.statement.find((s) => s.sid === 'AppClients')!;
    expect(statement).toMatchObject({ actions: ['cognito-idp:DescribeUserPoolClient', 'cognito-idp:UpdateUserPoolClient'], resources: ['${aws_cognito_user_pool.identity_user_pool.arn}'] });
    expect(documents.client_token_flow_permissions.statement.flatMap((s) => s.actions).filter((a) => a.startsWith('cognito-idp:'))).toHaveLength(2);
  });

  test('the rotation function gets no TOKEN_ENDPOINT: there is none', () => {
    const fn = (tf.resource.aws_lambda_function as Record<string, { environment: { variables: Record<string, string> } }>).secret_rotation_function;
    expect(Object.keys(fn.environment.variables)).not.toContain('TOKEN_ENDPOINT');
  });

  test('the secret names its paths and region, and no token endpoint', () => {
    const version = (tf.resource.aws_secretsmanager_secret_version as Record<string, { secret_string: string }>).m2m_clients_reporting_secret_value;
    expect(version.secret_string).toContain('"token_paths" = ["api"]');
    expect(version.secret_string).toContain('"region" = "eu-west-1"');
    expect(version.secret_string).not.toContain('token_endpoint');
  });
});

describe('a client on the default path is synthesized as before', () => {
  const { tf } = synthEnvironment(environment({ m2mClients: [{ name: 'reporting', scopes: ['read'] }, { name: 'both', scopes: ['read'], tokenPaths: ['oauth2', 'api'] }] }));
  const clients = tf.resource.aws_cognito_user_pool_client as Record<string, Record<string, unknown>>;
  const versions = tf.resource.aws_secretsmanager_secret_version as Record<string, { secret_string: string }>;
  const triggers = tf.resource.terraform_data as Record<string, { triggers_replace: Record<string, unknown> }>;

  test('oauth2 only: no token_paths in its secret, its flows managed by Terraform, no invocation', () => {
    expect(clients.m2m_clients_reporting_client).toMatchObject({ allowed_oauth_flows: ['client_credentials'], allowed_oauth_flows_user_pool_client: true, explicit_auth_flows: ['ALLOW_REFRESH_TOKEN_AUTH'] });
    expect(clients.m2m_clients_reporting_client.lifecycle).toBeUndefined();
    expect(versions.m2m_clients_reporting_secret_value.secret_string).not.toContain('token_paths');
    expect(Object.keys(tf.resource.aws_lambda_invocation as object)).toEqual(['client_token_flow_both_flow']);
  });

  test('both paths: the grant and the flow on one app client, the secret lists both and the endpoint', () => {
    expect(clients.m2m_clients_both_client).toMatchObject({ allowed_oauth_flows: ['client_credentials'], lifecycle: { ignore_changes: ['explicit_auth_flows'] } });
    expect(versions.m2m_clients_both_secret_value.secret_string).toContain('"token_paths" = ["oauth2", "api"]');
    expect(versions.m2m_clients_both_secret_value.secret_string).toContain('token_endpoint');
  });

  test('new token paths never rewrite a secret: the trigger is the client id and the endpoint, whatever the paths', () => {
    const { tf: apiOnly } = synthEnvironment(environment({ m2mClients: [{ name: 'reporting', scopes: ['read'], tokenPaths: ['api'] }] }));
    const apiTrigger = (apiOnly.resource.terraform_data as typeof triggers).m2m_clients_reporting_secret_source.triggers_replace;
    expect(apiTrigger).toEqual(triggers.m2m_clients_reporting_secret_source.triggers_replace);
    expect(Object.keys(triggers.m2m_clients_both_secret_source.triggers_replace).sort()).toEqual(['client_id', 'token_endpoint']);
  });

  test('the rotation function knows the endpoint, for a client that gains oauth2', () => {
    const fn = (tf.resource.aws_lambda_function as Record<string, { environment: { variables: Record<string, string> } }>).secret_rotation_function;
    expect(fn.environment.variables.TOKEN_ENDPOINT).toBe('https://test-m2m-auth.auth.eu-west-1.amazoncognito.com/oauth2/token');
  });
});

describe('the function that sets the flow', () => {
  const cognito = mockClient(CognitoIdentityProviderClient);
  const described: UserPoolClientType = {
    UserPoolId: 'eu-west-1_abc',
    ClientId: '4tq3example',
    ClientName: 'm2m-auth-dev-reporting',
    ClientSecret: 'never-returned',
    ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH'],
    AllowedOAuthScopes: ['api/read'],
    AllowedOAuthFlowsUserPoolClient: false,
    AccessTokenValidity: 60,
    TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'days' },
    EnableTokenRevocation: true,
    PreventUserExistenceErrors: 'ENABLED',
    CreationDate: new Date('2026-01-01T00:00:00Z'),
  };
  const request = { userPoolId: 'eu-west-1_abc', clientId: '4tq3example', explicitAuthFlows: [CLIENT_TOKEN_FLOW] };
  let handler: (event: unknown) => Promise<unknown>;

  beforeAll(async () => {
    ({ handler } = await import('../../lambdas/client-token-flow/index'));
  });
  beforeEach(() => cognito.reset());

  test('keeps every setting and changes the flows alone; returns the flows, never the secret', async () => {
    cognito.on(DescribeUserPoolClientCommand).resolves({ UserPoolClient: described });
    cognito.on(UpdateUserPoolClientCommand).callsFake(async (input) => ({ UserPoolClient: { ...described, ExplicitAuthFlows: input.ExplicitAuthFlows } }));
    const result = await handler(request);
    expect(result).toEqual({ clientId: '4tq3example', explicitAuthFlows: [CLIENT_TOKEN_FLOW], changed: true });
    expect(JSON.stringify(result)).not.toContain('never-returned');
    const update = cognito.commandCalls(UpdateUserPoolClientCommand)[0].args[0].input;
    expect(update).toEqual({
      UserPoolId: 'eu-west-1_abc',
      ClientId: '4tq3example',
      ClientName: 'm2m-auth-dev-reporting',
      ExplicitAuthFlows: [CLIENT_TOKEN_FLOW],
      AllowedOAuthScopes: ['api/read'],
      AllowedOAuthFlowsUserPoolClient: false,
      AccessTokenValidity: 60,
      TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'days' },
      EnableTokenRevocation: true,
      PreventUserExistenceErrors: 'ENABLED',
    });
  });

  test('a client that has the flow already is left alone', async () => {
    cognito.on(DescribeUserPoolClientCommand).resolves({ UserPoolClient: { ...described, ExplicitAuthFlows: [CLIENT_TOKEN_FLOW] as never } });
    expect(await handler(request)).toEqual({ clientId: '4tq3example', explicitAuthFlows: [CLIENT_TOKEN_FLOW], changed: false });
    expect(cognito.commandCalls(UpdateUserPoolClientCommand)).toHaveLength(0);
  });

  test('an update that does not take fails the apply, saying what Cognito kept', async () => {
    cognito.on(DescribeUserPoolClientCommand).resolves({ UserPoolClient: described });
    cognito.on(UpdateUserPoolClientCommand).resolves({ UserPoolClient: described });
    await expect(handler(request)).rejects.toThrow('app client 4tq3example: UpdateUserPoolClient left the flows ["ALLOW_REFRESH_TOKEN_AUTH"], not ["ALLOW_CLIENT_TOKEN_AUTH"]');
  });

  test.each([
    [{ ...request, clientId: '' }, 'clientId must be a non-empty string'],
    [{ ...request, explicitAuthFlows: [CLIENT_TOKEN_FLOW, 'ALLOW_REFRESH_TOKEN_AUTH'] }, 'explicitAuthFlows must be exactly one of'],
    [{ ...request, explicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH'] }, 'explicitAuthFlows must be exactly one of'],
    [null, 'userPoolId must be a non-empty string'],
  ])('a bad request is refused before any call: %j', async (event, message) => {
    expect(() => parseFlowRequest(event)).toThrow(FlowRequestError);
    await expect(handler(event)).rejects.toThrow(message);
    expect(cognito.calls()).toHaveLength(0);
  });

  test('fields Cognito did not return are not sent (the update would set them)', () => {
    const update = updateRequestFor({ ClientName: 'x' }, request);
    expect(Object.keys(update).sort()).toEqual(['ClientId', 'ClientName', 'ExplicitAuthFlows', 'UserPoolId']);
  });

  test('the bundle carries its own Cognito client (the runtime\'s may predate fields it must keep)', () => {
    const { code } = bundleClientTokenFlow();
    expect(code).not.toMatch(/require\("@aws-sdk\/client-cognito-identity-provider"\)/);
    expect(code).toContain('UpdateUserPoolClient');
  });
});

const availability = offlineTerraformAvailability();
const terraformTest = testWithTerraform(availability, 'terraform validate and plan of an environment without a hosted domain');

describe('terraform (offline, provider mirror): no hosted domain, every client on GetClientToken', () => {
  let work = '';
  afterAll(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  terraformTest('validates and plans, with the function and one invocation per client', async () => {
    if (!availability.ok) throw new Error('unreachable: the test is skipped');
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'm2m-client-token-'));
    const config = path.join(work, 'config.json');
    fs.writeFileSync(config, JSON.stringify({ environments: { dev: environmentInput(API_ONLY) } }));
    const stacks = await synthesizeApp({ projectRoot: PROJECT_ROOT, outdir: path.join(work, 'synth'), env: { ...process.env, M2M_AUTH_CONFIG: config } });
    const dev = stacks.find((s) => s.name === 'dev')!;
    const result = await checkJsonStack(dev, checkContext(availability, path.join(work, 'copy')));
    if (!result.ok) throw new Error(`${result.stack}: ${result.verdict}\n${result.diagnostics}`);
    const plan = result.plan as { resource_changes: Array<{ address: string; type: string; change: { actions: string[] } }> };
    const created = plan.resource_changes.filter((rc) => rc.change.actions.includes('create')).map((rc) => rc.type);
    expect(created.filter((type) => type === 'aws_lambda_invocation')).toHaveLength(2);
    expect(created).not.toContain('aws_cognito_user_pool_domain');
    const tf = JSON.parse(fs.readFileSync(path.join(dev.dir, dev.file), 'utf8')) as TerraformJson;
    expect(Object.keys(tf.resource)).toContain('aws_lambda_invocation');
  }, 300_000);
});
