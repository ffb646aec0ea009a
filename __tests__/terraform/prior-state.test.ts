/**
 * Plans against a prior state written by hand (scripts/terraform/prior-state.ts): what a change does
 * to a deployed dev stack. The pure parts run everywhere; the plans need terraform on PATH and
 * TF_PROVIDER_MIRROR (else they are skipped with a SKIPPED line).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { environments } from '../../config/environments';
import { prepareOfflineStack } from '../../scripts/terraform/offline-copy';
import {
  buildPriorState,
  editInstance,
  fakeValue,
  instanceOf,
  type Json,
  type PlanJson,
  planAgainstState,
  type PriorState,
  PriorStateError,
  type ProviderSchemas,
  readProviderSchemas,
  renderPolicyDocument,
  type ResourceChange,
  type TerraformState,
} from '../../scripts/terraform/prior-state';
import { concurrencyLimit, runTerraform } from '../../scripts/terraform/run';
import { synthesizeApp } from '../../scripts/terraform/synth';
import { checkContext, offlineTerraformAvailability, PROJECT_ROOT, testWithTerraform } from './offline-terraform';

const AWS = 'registry.terraform.io/hashicorp/aws';
const BUILTIN = 'terraform.io/builtin/terraform';

// ---------------------------------------------------------------------------------------------
// The pure part: a small hand-written plan and schema
// ---------------------------------------------------------------------------------------------

const str = { type: 'string', optional: true } as const;
const computed = { type: 'string', computed: true } as const;
const schemas: ProviderSchemas = {
  provider_schemas: {
    [AWS]: {
      resource_schemas: {
        aws_cognito_user_pool: { version: 0, block: { attributes: { id: computed, arn: computed, name: str, estimated_number_of_users: { type: 'number', computed: true } } } },
        aws_cognito_user_pool_client: {
          version: 0,
          block: {
            attributes: {
              id: computed,
              user_pool_id: str,
              client_secret: { type: 'string', computed: true, sensitive: true },
              allowed_oauth_scopes: { type: ['set', 'string'], optional: true },
              default_redirect_uri: { type: 'string', optional: true, computed: true },
            },
            block_types: { token_validity_units: { nesting_mode: 'list', block: { attributes: { access_token: str } } } },
          },
        },
        aws_cloudwatch_log_group: { version: 0, block: { attributes: { id: computed, arn: computed, name: str } } },
        aws_cloudwatch_metric_alarm: { version: 1, block: { attributes: { id: computed, alarm_actions: { type: ['set', 'string'], optional: true }, threshold: { type: 'number', optional: true } } } },
        aws_iam_role_policy: { version: 0, block: { attributes: { id: computed, policy: str, role: str } } },
        aws_lambda_function: {
          version: 0,
          block: {
            attributes: { id: computed, description: str, last_modified: computed, tracing_mode: { type: 'string', optional: true, computed: true } },
            block_types: { environment: { nesting_mode: 'list', block: { attributes: { variables: { type: ['map', 'string'], optional: true } } } } },
          },
        },
        aws_s3_bucket_server_side_encryption_configuration: {
          version: 0,
          block: {
            attributes: { id: computed, bucket: str },
            block_types: {
              rule: {
                nesting_mode: 'set',
                block: {
                  attributes: { bucket_key_enabled: { type: 'bool', optional: true } },
                  block_types: { apply_server_side_encryption_by_default: { nesting_mode: 'list', block: { attributes: { kms_master_key_id: str, sse_algorithm: str } } } },
                },
              },
            },
          },
        },
        aws_security_group: {
          version: 1,
          block: {
            attributes: {
              id: computed,
              ingress: {
                type: ['set', ['object', { description: 'string', cidr_blocks: ['list', 'string'], self: 'bool', security_groups: ['set', 'string'] }]],
                optional: true,
                computed: true,
              },
            },
            block_types: { egress_rule: { nesting_mode: 'set', block: { attributes: { description: str, self: { type: 'bool', optional: true }, prefix_list_ids: { type: ['list', 'string'], optional: true, computed: true } } } } },
          },
        },
        aws_secretsmanager_secret_version: {
          version: 0,
          block: { attributes: { id: computed, secret_id: str, secret_string: { type: 'string', optional: true, sensitive: true }, version_stages: { type: ['set', 'string'], computed: true } } },
        },
      },
      data_source_schemas: {
        aws_iam_policy_document: {
          version: 0,
          block: {
            attributes: { id: computed, json: computed, minified_json: computed, version: str, source_policy_documents: { type: ['list', 'string'], optional: true } },
            block_types: {
              statement: {
                nesting_mode: 'list',
                block: { attributes: { sid: str, effect: str, actions: { type: ['set', 'string'], optional: true }, resources: { type: ['set', 'string'], optional: true } } },
              },
            },
          },
        },
      },
    },
    [BUILTIN]: {
      resource_schemas: {
        terraform_data: { version: 0, block: { attributes: { id: computed, input: { type: 'dynamic', optional: true }, output: { type: 'dynamic', computed: true }, triggers_replace: { type: 'dynamic', optional: true } } } },
      },
    },
  },
};

/** A resource change as `terraform show -json` writes it for a create. */
function created(address: string, after: Record<string, Json>, afterUnknown: Record<string, Json>, afterSensitive: Json = {}): ResourceChange {
  const data = address.startsWith('data.');
  const [type, name] = address.replace(/^data\./, '').split('.');
  const provider = type === 'terraform_data' ? BUILTIN : AWS;
  return { address, mode: data ? 'data' : 'managed', type, name, provider_name: provider, change: { actions: [data ? 'read' : 'create'], before: null, after, after_unknown: afterUnknown, after_sensitive: afterSensitive } };
}

/** A configuration resource with JSON-syntax expressions. */
function configured(address: string, expressions: Record<string, unknown>, providerKey = 'aws') {
  const data = address.startsWith('data.');
  const [type, name] = address.replace(/^data\./, '').split('.');
  return { address, mode: data ? ('data' as const) : ('managed' as const), type, name, provider_config_key: type === 'terraform_data' ? 'terraform' : providerKey, expressions };
}

/** An expression with the references Terraform lists for it (every `aws_x.y[.attr]` and `data.t.n[.attr]` in its strings). */
function constant(value: Json) {
  const references = [...JSON.stringify(value).matchAll(/\b(?:data\.)?aws_[\w-]+\.[\w-]+(?:\.[\w-]+)?/g)].map((m) => m[0]);
  return references.length > 0 ? { constant_value: value, references } : { constant_value: value };
}
const TOKEN_ENDPOINT = 'https://auth.example.com/oauth2/token';

const smallPlan: PlanJson = {
  format_version: '1.2',
  terraform_version: '1.11.4',
  planned_values: {
    outputs: {
      token_endpoint: { sensitive: false, type: 'string', value: TOKEN_ENDPOINT },
      client_ids: { sensitive: false },
      issuer: { sensitive: false },
    },
    root_module: {
      resources: [{ address: 'aws_cloudwatch_metric_alarm.alarm', mode: 'managed', type: 'aws_cloudwatch_metric_alarm', name: 'alarm', provider_name: AWS, schema_version: 1, values: {} }],
    },
  },
  resource_changes: [
    created('aws_cognito_user_pool.pool', { name: 'pool' }, { id: true, arn: true, estimated_number_of_users: true }),
    created(
      'aws_cognito_user_pool_client.billing',
      { allowed_oauth_scopes: ['api/read'], token_validity_units: [{ access_token: 'minutes' }] },
      { id: true, user_pool_id: true, client_secret: true, default_redirect_uri: true, allowed_oauth_scopes: [false], token_validity_units: [{}] },
      { client_secret: true, allowed_oauth_scopes: [false], token_validity_units: [{}] },
    ),
    created('terraform_data.billing_source', { input: null, output: null, triggers_replace: { token_endpoint: TOKEN_ENDPOINT } }, { id: true, triggers_replace: { client_id: true } }),
    created('aws_secretsmanager_secret_version.billing', { secret_id: 'secret-1' }, { id: true, secret_string: true, version_stages: true }, { secret_string: true }),
    created('aws_cloudwatch_log_group.logs', { name: '/aws/lambda/fn' }, { id: true, arn: true }),
    created(
      'data.aws_iam_policy_document.logs',
      { version: null, source_policy_documents: null, statement: [{ sid: 'Logs', effect: 'Allow', actions: ['logs:PutLogEvents'], resources: [] }] },
      { id: true, json: true, minified_json: true, statement: [{ resources: [true] }] },
    ),
    created('aws_iam_role_policy.logs', { role: 'fn-role' }, { id: true, policy: true }),
    created('aws_cloudwatch_metric_alarm.alarm', { threshold: 1 }, { id: true, alarm_actions: true }),
    created(
      'aws_s3_bucket_server_side_encryption_configuration.encryption',
      { bucket: 'state', rule: [{ bucket_key_enabled: true, apply_server_side_encryption_by_default: [{ sse_algorithm: 'aws:kms' }] }] },
      { id: true, rule: [{ apply_server_side_encryption_by_default: [{ kms_master_key_id: true }] }] },
    ),
    created('aws_security_group.sg', {}, { id: true, ingress: true, egress_rule: true }),
    created('aws_lambda_function.fn', { environment: [{}] }, { id: true, description: true, last_modified: true, tracing_mode: true, environment: [{ variables: true }] }),
  ],
  prior_state: { values: { root_module: { resources: [] } } },
  configuration: {
    provider_config: {
      aws: { name: 'aws', full_name: AWS, expressions: { region: constant('eu-west-1') } },
      'aws.us': { name: 'aws', full_name: AWS, alias: 'us', expressions: { region: constant('us-east-1') } },
      terraform: { name: 'terraform', full_name: BUILTIN },
    },
    root_module: {
      resources: [
        configured('aws_cognito_user_pool.pool', { name: constant('pool') }),
        configured('aws_cognito_user_pool_client.billing', { user_pool_id: constant('${aws_cognito_user_pool.pool.id}'), allowed_oauth_scopes: constant(['api/read']) }),
        configured('terraform_data.billing_source', { triggers_replace: constant({ client_id: '${aws_cognito_user_pool_client.billing.id}', token_endpoint: TOKEN_ENDPOINT }) }),
        configured('aws_secretsmanager_secret_version.billing', {
          secret_id: constant('secret-1'),
          secret_string: constant(
            `\${jsonencode({"client_id" = aws_cognito_user_pool_client.billing.id, "client_secret" = aws_cognito_user_pool_client.billing.client_secret, "token_endpoint" = "${TOKEN_ENDPOINT}"})}`,
          ),
        }),
        configured('aws_cloudwatch_log_group.logs', { name: constant('/aws/lambda/fn') }, 'aws.us'),
        configured('data.aws_iam_policy_document.logs', {
          statement: [{ sid: constant('Logs'), actions: constant(['logs:PutLogEvents']), resources: constant(['${aws_cloudwatch_log_group.logs.arn}:*']) }],
        }),
        configured('aws_iam_role_policy.logs', { role: constant('fn-role'), policy: constant('${data.aws_iam_policy_document.logs.json}') }),
        configured('aws_cloudwatch_metric_alarm.alarm', { alarm_actions: constant(['${aws_cognito_user_pool.pool.arn}']), threshold: constant(1) }),
        configured('aws_s3_bucket_server_side_encryption_configuration.encryption', {
          bucket: constant('state'),
          rule: [{ bucket_key_enabled: constant(true), apply_server_side_encryption_by_default: [{ kms_master_key_id: constant('${aws_cloudwatch_log_group.logs.arn}'), sse_algorithm: constant('aws:kms') }] }],
        }),
        configured('aws_security_group.sg', {
          ingress: constant([
            { description: 'office', cidr_blocks: ['10.0.0.0/8'], self: false, security_groups: [] },
            { description: 'pool ${aws_cognito_user_pool.pool.id}', cidr_blocks: [], self: true, security_groups: [] },
          ]),
          egress_rule: [{ description: constant('to ${aws_cognito_user_pool.pool.id}') }, { description: constant('anywhere'), self: constant(true) }],
        }),
        configured('aws_lambda_function.fn', {
          description: constant('${aws_cognito_user_pool.pool.estimated_number_of_users > 0 ? "used" : "new"}'),
          environment: [{ variables: constant({ CLIENTS: 'billing=${aws_cognito_user_pool_client.billing.id}', POOL: '${aws_cognito_user_pool.pool.id}' }) }],
        }),
      ],
      outputs: {
        token_endpoint: { expression: constant(TOKEN_ENDPOINT) },
        client_ids: { expression: constant({ billing: '${aws_cognito_user_pool_client.billing.id}' }) },
        issuer: { expression: constant('https://cognito-idp.eu-west-1.amazonaws.com/${aws_cognito_user_pool.pool.id}') },
      },
    },
  },
};

describe('buildPriorState (a hand-written plan)', () => {
  const { state, approximations } = buildPriorState(smallPlan, schemas, { lineage: 'f0e1d2c3-0000-4000-8000-000000000000' });
  const attributes = (address: string) => instanceOf(state, address).attributes;

  test('a format 4 state: serial 1, the given lineage, the terraform version that planned', () => {
    expect(state).toMatchObject({ version: 4, serial: 1, lineage: 'f0e1d2c3-0000-4000-8000-000000000000', terraform_version: '1.11.4', check_results: null });
    expect(buildPriorState(smallPlan, schemas).state.lineage).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  test('every resource and data source of the plan, with the provider as Terraform writes it', () => {
    expect(state.resources.map((r) => `${r.mode === 'data' ? 'data.' : ''}${r.type}.${r.name} ${r.provider}`)).toEqual([
      `data.aws_iam_policy_document.logs provider["${AWS}"]`,
      `aws_cloudwatch_log_group.logs provider["${AWS}"].us`,
      `aws_cloudwatch_metric_alarm.alarm provider["${AWS}"]`,
      `aws_cognito_user_pool.pool provider["${AWS}"]`,
      `aws_cognito_user_pool_client.billing provider["${AWS}"]`,
      `aws_iam_role_policy.logs provider["${AWS}"]`,
      `aws_lambda_function.fn provider["${AWS}"]`,
      `aws_s3_bucket_server_side_encryption_configuration.encryption provider["${AWS}"]`,
      `aws_secretsmanager_secret_version.billing provider["${AWS}"]`,
      `aws_security_group.sg provider["${AWS}"]`,
      `terraform_data.billing_source provider["${BUILTIN}"]`,
    ]);
  });

  test('schema versions come from the plan, else from the provider schema', () => {
    expect(instanceOf(state, 'aws_cloudwatch_metric_alarm.alarm').schema_version).toBe(1);
    expect(instanceOf(state, 'aws_cognito_user_pool.pool').schema_version).toBe(0);
  });

  test("references agree: what the configuration sets from another resource is that resource's fake", () => {
    const pool = attributes('aws_cognito_user_pool.pool');
    const client = attributes('aws_cognito_user_pool_client.billing');
    expect(pool.id).toMatch(/^eu-west-1_Fake[0-9a-f]{9}$/);
    expect(pool.arn).toBe('arn:aws:cognito-idp:eu-west-1:123456789012:cognito_user_pool/pool');
    expect(pool.estimated_number_of_users).toBe(0);
    expect(client.user_pool_id).toBe(pool.id);
    expect(client.id).toMatch(/^fake-[0-9a-f]{12}$/);
    expect(attributes('aws_cloudwatch_metric_alarm.alarm').alarm_actions).toEqual([pool.arn]);
    expect(attributes('aws_lambda_function.fn').environment).toEqual([{ variables: { CLIENTS: `billing=${client.id}`, POOL: pool.id } }]);
  });

  test('planned values are kept; computed settings the configuration leaves out are unset', () => {
    const client = attributes('aws_cognito_user_pool_client.billing');
    expect(client).toMatchObject({ allowed_oauth_scopes: ['api/read'], token_validity_units: [{ access_token: 'minutes' }], default_redirect_uri: '' });
    expect(attributes('aws_lambda_function.fn')).toMatchObject({ last_modified: '2025-01-01T00:00:00Z', tracing_mode: '' });
    expect(attributes('aws_secretsmanager_secret_version.billing').version_stages).toEqual([]);
  });

  test('a secret gets a fake secret, marked sensitive; the secret value is the jsonencode of what it references', () => {
    const client = attributes('aws_cognito_user_pool_client.billing');
    expect(client.client_secret).toMatch(/^fake-secret-[0-9a-f]{12}$/);
    expect(instanceOf(state, 'aws_cognito_user_pool_client.billing').sensitive_attributes).toEqual([[{ type: 'get_attr', value: 'client_secret' }]]);
    expect(JSON.parse(attributes('aws_secretsmanager_secret_version.billing').secret_string as string)).toEqual({ client_id: client.id, client_secret: client.client_secret, token_endpoint: TOKEN_ENDPOINT });
  });

  test('terraform_data values are written with their type, as dynamic attributes are', () => {
    const client = attributes('aws_cognito_user_pool_client.billing');
    expect(attributes('terraform_data.billing_source')).toEqual({
      id: expect.stringMatching(/^fake-/),
      input: null,
      output: null,
      triggers_replace: { value: { token_endpoint: TOKEN_ENDPOINT, client_id: client.id }, type: ['object', { token_endpoint: 'string', client_id: 'string' }] },
    });
  });

  test('nested blocks: a set with one block is entered like a list; a set of several is rebuilt from the configuration', () => {
    const logs = attributes('aws_cloudwatch_log_group.logs');
    const pool = attributes('aws_cognito_user_pool.pool');
    expect(attributes('aws_s3_bucket_server_side_encryption_configuration.encryption').rule).toEqual([
      { bucket_key_enabled: true, apply_server_side_encryption_by_default: [{ sse_algorithm: 'aws:kms', kms_master_key_id: logs.arn }] },
    ]);
    expect(attributes('aws_security_group.sg').ingress).toEqual([
      { description: 'office', cidr_blocks: ['10.0.0.0/8'], self: false, security_groups: [] },
      { description: `pool ${pool.id}`, cidr_blocks: [], self: true, security_groups: [] },
    ]);
    // Left out of a block: null, or a fake where the provider computes it.
    expect(attributes('aws_security_group.sg').egress_rule).toEqual([
      { description: `to ${pool.id}`, self: null, prefix_list_ids: [] },
      { description: 'anywhere', self: true, prefix_list_ids: [] },
    ]);
  });

  test('a policy document read at apply time is rendered from its statements, and the role policy holds it', () => {
    const logs = attributes('aws_cloudwatch_log_group.logs');
    expect(logs.arn).toBe('arn:aws:logs:us-east-1:123456789012:cloudwatch_log_group/logs');
    const document = attributes('data.aws_iam_policy_document.logs');
    const expected = { Version: '2012-10-17', Statement: [{ Sid: 'Logs', Effect: 'Allow', Action: 'logs:PutLogEvents', Resource: `${logs.arn}:*` }] };
    expect(JSON.parse(document.json as string)).toEqual(expected);
    expect(document.minified_json).toBe(JSON.stringify(expected));
    expect(attributes('aws_iam_role_policy.logs').policy).toBe(document.json);
  });

  test('dependencies: everything each resource reaches through references, as Terraform records them', () => {
    expect(instanceOf(state, 'aws_iam_role_policy.logs').dependencies).toEqual(['aws_cloudwatch_log_group.logs', 'data.aws_iam_policy_document.logs']);
    expect(instanceOf(state, 'aws_secretsmanager_secret_version.billing').dependencies).toEqual(['aws_cognito_user_pool.pool', 'aws_cognito_user_pool_client.billing']);
    expect(instanceOf(state, 'aws_cognito_user_pool.pool').dependencies).toBeUndefined();
  });

  test('outputs: planned values as planned, unknown ones evaluated with their type', () => {
    const client = attributes('aws_cognito_user_pool_client.billing');
    const pool = attributes('aws_cognito_user_pool.pool');
    expect(state.outputs).toEqual({
      token_endpoint: { value: TOKEN_ENDPOINT, type: 'string' },
      client_ids: { value: { billing: client.id }, type: ['object', { billing: 'string' }] },
      issuer: { value: `https://cognito-idp.eu-west-1.amazonaws.com/${pool.id}`, type: 'string' },
    });
  });

  test('an expression it cannot evaluate gets a fake and is listed, so a plan that differs there is explained', () => {
    expect(attributes('aws_lambda_function.fn').description).toBe('');
    expect(approximations).toEqual([expect.stringMatching(/^aws_lambda_function\.fn\.description: operator or expression at "> 0 \? "used"/)]);
  });

  test('the same plan gives the same fakes', () => {
    expect(buildPriorState(smallPlan, schemas, { lineage: state.lineage }).state).toEqual(state);
  });

  test('fails on a resource type the schemas do not describe, and on child modules', () => {
    const unknownType = { ...smallPlan, resource_changes: [created('aws_sns_topic.t', {}, { id: true })] };
    expect(() => buildPriorState(unknownType, schemas)).toThrow(new PriorStateError(`aws_sns_topic.t: no schema for resource type aws_sns_topic of ${AWS}`));
    const withModule = { ...smallPlan, resource_changes: [{ ...created('aws_cognito_user_pool.pool', {}, {}), address: 'module.m.aws_cognito_user_pool.pool', module_address: 'module.m' }] };
    expect(() => buildPriorState(withModule, schemas)).toThrow('module.m.aws_cognito_user_pool.pool: in a child module; only root-module resources are supported');
  });

  test('editInstance changes a copy and names a missing instance', () => {
    const rotated = editInstance(state, 'aws_secretsmanager_secret_version.billing', (a) => {
      a.secret_string = '{"rotated":true}';
    });
    expect(instanceOf(rotated, 'aws_secretsmanager_secret_version.billing').attributes.secret_string).toBe('{"rotated":true}');
    expect(attributes('aws_secretsmanager_secret_version.billing').secret_string).not.toBe('{"rotated":true}');
    expect(() => instanceOf(state, 'aws_secretsmanager_secret_version.other')).toThrow('aws_secretsmanager_secret_version.other: no such instance in the state');
    expect(() => instanceOf(state, 'not an address')).toThrow(PriorStateError);
  });
});

describe('fakes', () => {
  const at = (type: string, name: string, ...p: Array<string | number>) => ({ address: `${type}.${name}`, type, name, path: p, region: 'eu-west-1', accountId: '123456789012', partition: 'aws' });

  test('ARNs name the service, region and account; IAM has no region', () => {
    expect(fakeValue({ kind: 'string' }, at('aws_sns_topic', 'alarms', 'arn'))).toBe('arn:aws:sns:eu-west-1:123456789012:sns_topic/alarms');
    expect(fakeValue({ kind: 'string' }, at('aws_iam_role', 'authorizer', 'arn'))).toBe('arn:aws:iam::123456789012:iam_role/authorizer');
    expect(fakeValue({ kind: 'string' }, at('aws_lambda_function', 'fn', 'invoke_arn'))).toBe('arn:aws:lambda:eu-west-1:123456789012:lambda_function/fn/invoke');
  });

  test('ids hash the address; other strings hash the address and path; numbers 0, bools false, collections empty', () => {
    const id = fakeValue({ kind: 'string' }, at('aws_sns_topic', 'alarms', 'id'));
    expect(id).toMatch(/^fake-[0-9a-f]{12}$/);
    expect(fakeValue({ kind: 'string' }, at('aws_sns_topic', 'alarms', 'id'))).toBe(id);
    expect(fakeValue({ kind: 'string' }, at('aws_sns_topic', 'other', 'id'))).not.toBe(id);
    expect(fakeValue({ kind: 'number' }, at('aws_sns_topic', 'alarms', 'n'))).toBe(0);
    expect(fakeValue({ kind: 'bool' }, at('aws_sns_topic', 'alarms', 'b'))).toBe(false);
    expect(fakeValue({ kind: 'set', element: { kind: 'string' } }, at('aws_sns_topic', 'alarms', 's'))).toEqual([]);
    expect(fakeValue({ kind: 'map', element: { kind: 'string' } }, at('aws_sns_topic', 'alarms', 'm'))).toEqual({});
    expect(fakeValue({ kind: 'object', attributes: { n: { kind: 'number' }, t: { kind: 'string', optional: true } } }, at('aws_sns_topic', 'alarms', 'o'))).toEqual({ n: 0, t: '' });
  });

  test('renderPolicyDocument: principals, conditions, several actions; merged documents are refused', () => {
    const rendered = renderPolicyDocument({
      statement: [
        {
          effect: 'Deny',
          actions: ['kms:Decrypt', 'kms:Encrypt'],
          resources: ['*'],
          principals: [{ type: 'AWS', identifiers: ['arn:aws:iam::123456789012:root'] }],
          condition: [{ test: 'StringEquals', variable: 'kms:ViaService', values: ['secretsmanager.eu-west-1.amazonaws.com'] }],
        },
      ],
    });
    expect(JSON.parse(rendered)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Deny',
          Action: ['kms:Decrypt', 'kms:Encrypt'],
          Resource: '*',
          Principal: { AWS: 'arn:aws:iam::123456789012:root' },
          Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } },
        },
      ],
    });
    expect(() => renderPolicyDocument({ source_policy_documents: ['{}'], statement: [] })).toThrow('aws_iam_policy_document with source_policy_documents is not rendered');
  });
});

// ---------------------------------------------------------------------------------------------
// Terraform's own plans against a prior state of the shipped dev stack
// ---------------------------------------------------------------------------------------------

const availability = offlineTerraformAvailability();
const terraformTest = testWithTerraform(availability, 'terraform plans against a prior state of the dev stack');

const CLIENT = 'aws_cognito_user_pool_client.m2m_clients_inventory-sync_client';
const SECRET_SOURCE = 'terraform_data.m2m_clients_inventory-sync_secret_source';
const SECRET_VALUE = 'aws_secretsmanager_secret_version.m2m_clients_inventory-sync_secret_value';
const ROTATED_VALUE = 'aws_secretsmanager_secret_version.m2m_clients_billing-batch_secret_value';
const REGISTRY = 'aws_ssm_parameter.authorizer_client_registry_0';

/** `<address>: <actions>[ (<reason>)]` for every resource the plan changes. */
function changes(plan: PlanJson): string[] {
  return (plan.resource_changes ?? [])
    .filter((rc) => rc.change.actions.join() !== 'no-op' && rc.change.actions.join() !== 'read')
    .map((rc) => `${rc.address}: ${kindOf(rc)}${rc.action_reason ? ` (${rc.action_reason})` : ''}`);
}

function kindOf(rc: ResourceChange): string {
  const actions = rc.change.actions.join();
  return actions === 'delete,create' || actions === 'create,delete' ? 'replace' : actions;
}

function changeOf(plan: PlanJson, address: string): ResourceChange {
  const rc = (plan.resource_changes ?? []).find((r) => r.address === address);
  if (!rc) throw new Error(`${address}: not in the plan`);
  return rc;
}


/** The promise's value or its error, so that nothing rejects before a test reads it. */
function settled<T>(promise: Promise<T>): Promise<T | Error> {
  return promise.catch((error: Error) => error);
}

/**
 * `state` after every M2M client's secret was rotated twice, as a refresh would record it: Cognito no
 * longer holds the secret it generated with the client, so `DescribeUserPoolClient` returns none and
 * the provider stores null; the secret version Terraform wrote still holds its (now dead) value and has
 * lost its labels (AWSCURRENT, then AWSPREVIOUS, moved to the rotations' versions).
 */
function rotatedEverywhere(state: TerraformState): TerraformState {
  let result = state;
  for (const resource of state.resources.filter((r) => r.mode === 'managed')) {
    const address = `${resource.type}.${resource.name}`;
    if (resource.type === 'aws_cognito_user_pool_client' && resource.name.startsWith('m2m_clients_')) {
      result = editInstance(result, address, (a) => {
        a.client_secret = null;
      });
    }
    if (resource.type === 'aws_secretsmanager_secret_version') {
      result = editInstance(result, address, (a) => {
        const written = JSON.parse(a.secret_string as string) as Record<string, string>;
        a.secret_string = JSON.stringify({ ...written, client_secret: 'second-rotated-secret', client_secret_id: 'second-secret-id' });
        a.version_stages = [];
      });
    }
  }
  return result;
}

describe('plans against a prior state of the dev stack (offline, provider mirror)', () => {
  // Made in beforeAll: jest runs no hook of a describe whose tests are all skipped.
  let work = '';
  let createPlan: PlanJson | undefined;
  let prior: PriorState | undefined;
  let rotated: TerraformState | undefined;
  const plans: Record<string, Promise<PlanJson | Error>> = {};

  async function planned(name: string): Promise<PlanJson> {
    if (!plans[name]) throw new Error(`${name}: not planned (see beforeAll)`);
    const plan = await plans[name];
    if (plan instanceof Error) throw plan;
    return plan;
  }

  function state(): TerraformState {
    if (!prior) throw new Error('no prior state (see beforeAll)');
    return prior.state;
  }

  // One synth per configuration, one terraform init, one create plan and one schema read for the
  // prior state, then three plans against it: at most two terraform commands at a time, each
  // started as soon as what it needs is there.
  beforeAll(async () => {
    if (!availability.ok) return;
    const { mirrorDir, providerVersion } = availability;
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'm2m-prior-state-test-'));
    const context = checkContext(availability, path.join(work, 'copy'));
    const slot = concurrencyLimit(2);
    const shippedEnv = { ...process.env };
    delete shippedEnv.M2M_AUTH_CONFIG;
    // The scope change: inventory-sync keeps read and loses write.
    const scopedConfig = path.join(work, 'scoped-config.json');
    const dev = { ...environments.dev, m2mClients: (environments.dev.m2mClients ?? []).map((c) => (c.name === 'inventory-sync' ? { ...c, scopes: ['read'] } : c)) };
    fs.writeFileSync(scopedConfig, JSON.stringify({ environments: { dev } }));

    /** Synthesizes through main.ts (assets included) and writes the offline copy of the dev stack to `<work>/<name>/copy`. */
    const offlineDev = async (name: string, env: NodeJS.ProcessEnv): Promise<string> => {
      const stacks = await synthesizeApp({ projectRoot: PROJECT_ROOT, outdir: path.join(work, name, 'synth'), env });
      const stack = stacks.find((s) => s.name === 'dev')!;
      const dir = path.join(work, name, 'copy');
      prepareOfflineStack(stack.dir, dir, { providerVersion }, stack.file);
      return dir;
    };
    const shippedDir = offlineDev('shipped', shippedEnv).then(async (dir) => {
      const init = await runTerraform(['init', '-input=false', '-no-color', `-plugin-dir=${mirrorDir}`], { cwd: dir, env: context.env });
      if (init.code !== 0) throw new Error(`terraform init failed:\n${init.stderr || init.stdout}`);
      return dir;
    });
    // The scoped copy uses the shipped copy's providers (TF_DATA_DIR) instead of its own init.
    const scopedDir = Promise.all([offlineDev('scoped', { ...shippedEnv, M2M_AUTH_CONFIG: scopedConfig }), shippedDir]).then(([dir, initialized]) => {
      fs.copyFileSync(path.join(initialized, '.terraform.lock.hcl'), path.join(dir, '.terraform.lock.hcl'));
      return dir;
    });
    scopedDir.catch(() => undefined); // read (and reported) by the scope-change plan

    const shipped = async () => ({ dir: await shippedDir, env: context.env });
    const [plan, schemas] = await Promise.all([
      slot(async () => planAgainstState({ ...(await shipped()), name: 'create' })),
      slot(async () => readProviderSchemas(await shipped())),
    ]);
    createPlan = plan;
    prior = buildPriorState(plan, schemas);
    const base = prior.state;

    plans.noOp = settled(slot(async () => planAgainstState({ ...(await shipped()), state: base, name: 'no-op' })));
    // One plan for two facts (a plan costs 10 s of CPU): inventory-sync's app client sits in another
    // pool than the configuration names (user_pool_id forces a new client), and billing-batch's
    // secret holds another value than Terraform wrote (what a rotation leaves behind).
    const moved = editInstance(base, CLIENT, (a) => {
      a.user_pool_id = 'eu-west-1_Elsewhere1';
    });
    const movedAndRotated = editInstance(moved, ROTATED_VALUE, (a) => {
      a.secret_string = JSON.stringify({ client_id: 'rotated-client-id', client_secret: 'rotated-secret', token_endpoint: 'https://rotated.example.com/oauth2/token' });
    });
    plans.replacedAndRotated = settled(slot(async () => planAgainstState({ ...(await shipped()), state: movedAndRotated, name: 'replaced-client-rotated-secret' })));
    // Every client after two rotations: Cognito no longer holds the secret it generated with the
    // client, so a refresh reads no client_secret (null); the version Terraform wrote holds a value
    // nobody uses and has lost every label; the rotations exist.
    rotated = rotatedEverywhere(base);
    plans.rotated = settled(slot(async () => planAgainstState({ ...(await shipped()), state: rotated, name: 'rotated-twice' })));
    const scopedEnv = { ...context.env, TF_DATA_DIR: path.join(await shippedDir, '.terraform') };
    plans.scoped = settled(slot(async () => planAgainstState({ dir: await scopedDir, env: scopedEnv, state: rotated!, name: 'scope-change-after-rotation' })));
  }, 300_000);
  afterAll(async () => {
    await Promise.all(Object.values(plans));
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  terraformTest('the prior state holds every planned resource, with fakes only where the plan did not know', () => {
    const managed = (createPlan?.resource_changes ?? []).filter((rc) => rc.mode === 'managed');
    expect(managed.length).toBeGreaterThan(50);
    expect(managed.filter((rc) => rc.change.actions.join() !== 'create')).toEqual([]);
    const inState = state()
      .resources.filter((r) => r.mode === 'managed')
      .flatMap((r) => r.instances.map((i) => `${r.type}.${r.name}${i.index_key === undefined ? '' : `[${JSON.stringify(i.index_key)}]`}`));
    expect(inState.sort()).toEqual(managed.map((rc) => rc.address).sort());
    expect(state().terraform_version).toBe(createPlan!.terraform_version);
    expect(prior!.approximations).toEqual([]);
    expect(instanceOf(state(), SECRET_SOURCE).attributes.triggers_replace).toEqual({
      value: { client_id: instanceOf(state(), CLIENT).attributes.id, token_endpoint: expect.stringMatching(/^https:\/\/.+\/oauth2\/token$/) },
      type: ['object', { client_id: 'string', token_endpoint: 'string' }],
    });
  }, 180_000);

  terraformTest('no change: the same configuration against its own prior state plans nothing', async () => {
    const plan = await planned('noOp');
    expect(changes(plan)).toEqual([]);
    expect(Object.entries(plan.output_changes ?? {}).filter(([, o]) => o.actions.join() !== 'no-op')).toEqual([]);
    // Not vacuous: Terraform read every resource of the state.
    expect((plan.resource_changes ?? []).filter((rc) => rc.mode === 'managed')).toHaveLength((createPlan?.resource_changes ?? []).filter((rc) => rc.mode === 'managed').length);
  }, 180_000);

  terraformTest("a replaced client rewrites its secret; the other clients' secrets are untouched", async () => {
    const plan = await planned('replacedAndRotated');
    expect(changes(plan).sort()).toEqual(
      [
        `${CLIENT}: replace (replace_because_cannot_update)`,
        `${SECRET_SOURCE}: replace (replace_because_cannot_update)`,
        `${SECRET_VALUE}: replace (replace_by_triggers)`,
        // The client registry holds each client id, so it learns the new one; the authorizer's code and
        // environment do not change.
        `${REGISTRY}: update`,
      ].sort(),
    );
    expect(changeOf(plan, CLIENT).change.replace_paths).toEqual([['user_pool_id']]);
    expect(changeOf(plan, CLIENT).change.after_unknown).toMatchObject({ id: true, client_secret: true });
    expect(changeOf(plan, REGISTRY).change.after_unknown).toMatchObject({ insecure_value: true });
    expect(changeOf(plan, SECRET_SOURCE).change.replace_paths).toEqual([['triggers_replace']]);
    // The new version is written from the new client: its value is only known at apply.
    expect(changeOf(plan, SECRET_VALUE).change.after_unknown).toMatchObject({ secret_string: true });
    // The secret itself (its ARN, what callers read) stays.
    expect(changeOf(plan, 'aws_secretsmanager_secret.m2m_clients_inventory-sync_secret').change.actions).toEqual(['no-op']);
    const otherSecrets = (plan.resource_changes ?? []).filter((rc) => /^(aws_secretsmanager_secret_version\.|terraform_data\.m2m_clients_)/.test(rc.address) && !rc.address.includes('inventory-sync'));
    expect(otherSecrets.length).toBe(4);
    expect(otherSecrets.filter((rc) => rc.change.actions.join() !== 'no-op').map((rc) => rc.address)).toEqual([]);
    expect(Object.entries(plan.output_changes ?? {}).filter(([, o]) => o.actions.join() !== 'no-op').map(([name]) => name)).toEqual(['m2m_client_ids']);
  }, 180_000);

  terraformTest('two secrets in Cognito and the first one deleted: a later plan changes nothing (no revert, no replacement)', async () => {
    const plan = await planned('rotated');
    expect(changes(plan)).toEqual([]);
    expect(Object.entries(plan.output_changes ?? {}).filter(([, o]) => o.actions.join() !== 'no-op')).toEqual([]);
    // Not vacuous: the plan started from the rotated state, and every secret has its rotation.
    const client = changeOf(plan, CLIENT);
    expect(client.change.actions).toEqual(['no-op']);
    expect((client.change.before as Record<string, Json>).client_secret).toBeNull();
    expect(JSON.parse((changeOf(plan, ROTATED_VALUE).change.before as Record<string, string>).secret_string)).toMatchObject({ client_secret_id: 'second-secret-id' });
    const rotations = (plan.resource_changes ?? []).filter((rc) => rc.type === 'aws_secretsmanager_secret_rotation');
    expect(rotations.map((rc) => [rc.address, rc.change.actions.join()])).toEqual(
      (environments.dev.m2mClients ?? []).map((c) => [`aws_secretsmanager_secret_rotation.secret_rotation_${c.name}_rotation`, 'no-op']),
    );
    expect((rotations[0].change.before as Record<string, Json>).rotation_rules).toEqual([expect.objectContaining({ automatically_after_days: 90 })]);
  }, 180_000);

  terraformTest('a scope change updates the client in place and leaves every secret alone', async () => {
    const plan = await planned('scoped');
    const client = changeOf(plan, CLIENT);
    expect(client.change.actions).toEqual(['update']);
    expect((client.change.before as Record<string, Json>).allowed_oauth_scopes).toEqual(['api/read', 'api/write']);
    expect((client.change.after as Record<string, Json>).allowed_oauth_scopes).toEqual(['api/read']);
    // The client registry carries each client's scopes: it is rewritten; the authorizer's code is not.
    expect(changes(plan).sort()).toEqual([`${CLIENT}: update`, `${REGISTRY}: update`].sort());
    const registry = changeOf(plan, REGISTRY).change as { before: Record<string, Json>; after: Record<string, Json> };
    expect(registry.after.insecure_value).toContain('"inventory-sync",["read"]');
    expect(registry.before.insecure_value).toContain('"inventory-sync",["read","write"]');
    const secrets = (plan.resource_changes ?? []).filter((rc) => /^(aws_secretsmanager_secret\.|aws_secretsmanager_secret_version\.|terraform_data\.m2m_clients_)/.test(rc.address));
    expect(secrets.length).toBe(9);
    expect(secrets.filter((rc) => rc.change.actions.join() !== 'no-op')).toEqual([]);
  }, 180_000);

  terraformTest('a rotated secret is not reverted: Terraform keeps the value it finds', async () => {
    const plan = await planned('replacedAndRotated');
    const version = changeOf(plan, ROTATED_VALUE);
    expect(version.change.actions).toEqual(['no-op']);
    expect(JSON.parse((version.change.before as Record<string, string>).secret_string)).toMatchObject({ client_secret: 'rotated-secret' });
    expect(version.change.after).toEqual(version.change.before);
    expect(changes(plan).filter((c) => c.includes('billing-batch'))).toEqual([]);
  }, 180_000);
});
