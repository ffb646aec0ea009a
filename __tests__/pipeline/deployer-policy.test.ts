import {
  arnContextOf,
  DEPLOYER_PERMISSIONS,
  MANAGED_POLICY_MAX_CHARS,
  MissingDeployerPermissionError,
  NO_RESOURCE_LEVEL_SID,
  pipelinePolicy,
  policyChars,
  SAVED_PLAN_PURPOSE,
  SynthesizedStack,
  type PolicyDocument,
  type PolicyStatement,
} from '../../lib/pipeline';
import { sealContext } from '../../scripts/pipeline/sealed-plan';
import { environment } from '../fixtures';
import { allVariants, environmentTerraform, FIXTURE_VARIANTS, READ_ONLY_ACTION } from './stack-variants';

const variants = allVariants().map(([label, config]) => ({ label, config, tf: environmentTerraform(config) }));

function statementsOf(documents: readonly PolicyDocument[]): PolicyStatement[] {
  return documents.flatMap((d) => d.Statement);
}

function resources(statement: PolicyStatement): string[] {
  return typeof statement.Resource === 'string' ? [statement.Resource] : [...statement.Resource];
}

function bySid(documents: readonly PolicyDocument[], sid: string): PolicyStatement {
  const found = statementsOf(documents).find((s) => s.Sid === sid);
  if (!found) throw new Error(`no statement ${sid}; the policy has ${statementsOf(documents).map((s) => s.Sid).join(', ')}`);
  return found;
}

describe('DEPLOYER_PERMISSIONS', () => {
  test('every resource and data-source type a shipped or fixture stack synthesizes has an entry', () => {
    // GIVEN every stack shape (REST, HTTP, legacy keys, custom domain, lambda and http backends, the shipped environments)
    const types = [...new Set(variants.flatMap((v) => new SynthesizedStack(v.tf).types()))].sort();
    // THEN the table knows each of them; a failure names the missing type
    expect(types.filter((type) => !(type in DEPLOYER_PERMISSIONS))).toEqual([]);
    expect(types.length).toBeGreaterThan(35);
  });

  test('every action is one IAM action, never a wildcard', () => {
    const actions = Object.values(DEPLOYER_PERMISSIONS).flatMap((grants) => grants.flatMap((g) => [...(g.read ?? []), ...(g.write ?? [])]));
    expect(actions.filter((action) => !/^[a-z0-9-]+:[A-Za-z0-9]+$/.test(action))).toEqual([]);
  });

  test('every read action only reads', () => {
    const reads = Object.values(DEPLOYER_PERMISSIONS).flatMap((grants) => grants.flatMap((g) => g.read ?? []));
    // kms:Decrypt is how Secrets Manager reads a secret's value for a refresh.
    expect(reads.filter((action) => !READ_ONLY_ACTION.test(action) && action !== 'kms:Decrypt')).toEqual([]);
  });

  test.each(variants.map((v) => [v.label, v] as const))('%s: a grant is on "*" exactly when it says the API has no resource-level permission', (_label, variant) => {
    const stack = new SynthesizedStack(variant.tf);
    const ctx = arnContextOf(variant.config);
    for (const type of stack.types()) {
      for (const grant of DEPLOYER_PERMISSIONS[type]) {
        const arns = grant.resources(ctx, stack);
        if (grant.noResourceLevelPermissions !== undefined) {
          expect([type, grant.sid, arns]).toEqual([type, NO_RESOURCE_LEVEL_SID, ['*']]);
          expect(grant.noResourceLevelPermissions.length).toBeGreaterThan(20);
        } else {
          expect([type, arns.filter((a) => a === '*' || !a.startsWith('arn:'))]).toEqual([type, []]);
        }
      }
    }
  });
});

describe('pipelinePolicy', () => {
  describe.each(variants.map((v) => [v.label, v] as const))('%s', (_label, variant) => {
    test.each(['deploy', 'read'] as const)('%s: valid JSON, each document within the managed-policy limit, no wildcard action, "*" only where the API allows nothing else', (access) => {
      const documents = pipelinePolicy(variant.config, variant.tf, access);
      expect(JSON.parse(JSON.stringify(documents))).toEqual(documents);
      for (const document of documents) {
        expect(policyChars(document)).toBeLessThanOrEqual(MANAGED_POLICY_MAX_CHARS);
        const sids = document.Statement.map((s) => s.Sid);
        expect(new Set(sids).size).toBe(sids.length);
        expect(sids.filter((sid) => !/^[A-Za-z0-9]+$/.test(sid))).toEqual([]);
      }
      const statements = statementsOf(documents);
      expect(statements.flatMap((s) => s.Action).filter((action) => action.includes('*'))).toEqual([]);
      expect(statements.filter((s) => resources(s).includes('*')).map((s) => [s.Sid, s.Resource])).toEqual(
        statements.filter((s) => s.Sid === NO_RESOURCE_LEVEL_SID).map(() => [NO_RESOURCE_LEVEL_SID, '*']),
      );
      expect(statements.every((s) => s.Effect === 'Allow')).toBe(true);
    });
  });

  test('fails naming a Terraform type the table does not know', () => {
    const tf = { resource: { aws_s3_bucket: { b: { bucket: 'x' } }, aws_sqs_queue: { q: {} } }, data: { aws_region: { r: {} } } };
    expect(() => pipelinePolicy(environment(), tf, 'deploy')).toThrow(MissingDeployerPermissionError);
    expect(() => pipelinePolicy(environment(), tf, 'deploy')).toThrow(
      'no deployer permissions for aws_s3_bucket, aws_sqs_queue, data.aws_region: add entries to DEPLOYER_PERMISSIONS in lib/pipeline/deployer-permissions.ts',
    );
  });

  describe('the fixture stack (REST, sample backend, account 123456789012)', () => {
    // Made in beforeAll: a table without an entry for a fixture type fails in the tests above, by name.
    let deploy: PolicyDocument[] = [];
    let read: PolicyDocument[] = [];
    beforeAll(() => {
      const config = environment(FIXTURE_VARIANTS.rest);
      const tf = environmentTerraform(config);
      deploy = pipelinePolicy(config, tf, 'deploy');
      read = pipelinePolicy(config, tf, 'read');
    });
    const roles = [
      'arn:aws:iam::123456789012:role/m2m-auth-dev-api',
      'arn:aws:iam::123456789012:role/m2m-auth-dev-apigateway-logs',
      'arn:aws:iam::123456789012:role/m2m-auth-dev-authorizer',
      'arn:aws:iam::123456789012:role/m2m-auth-dev-secret-rotation',
    ];

    test('IAM actions apply to exactly the roles the stack creates, by name', () => {
      expect(bySid(deploy, 'Roles').Resource).toEqual(roles);
    });

    test('attaching a policy is limited to the managed policies the stack attaches', () => {
      expect(bySid(deploy, 'RolePolicyAttachments')).toEqual({
        Sid: 'RolePolicyAttachments',
        Effect: 'Allow',
        Action: ['iam:AttachRolePolicy', 'iam:DetachRolePolicy'],
        Resource: roles,
        Condition: { ArnEquals: { 'iam:PolicyARN': ['arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs'] } },
      });
    });

    test('iam:PassRole only on the roles the stack hands to a service, and only to that service', () => {
      expect(statementsOf(deploy).filter((s) => s.Action.includes('iam:PassRole'))).toEqual([
        {
          Sid: 'PassRolesToLambda',
          Effect: 'Allow',
          Action: ['iam:PassRole'],
          Resource: ['arn:aws:iam::123456789012:role/m2m-auth-dev-api', 'arn:aws:iam::123456789012:role/m2m-auth-dev-authorizer', 'arn:aws:iam::123456789012:role/m2m-auth-dev-secret-rotation'],
          Condition: { StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' } },
        },
        {
          Sid: 'PassRolesToApigateway',
          Effect: 'Allow',
          Action: ['iam:PassRole'],
          Resource: 'arn:aws:iam::123456789012:role/m2m-auth-dev-apigateway-logs',
          Condition: { StringEquals: { 'iam:PassedToService': 'apigateway.amazonaws.com' } },
        },
      ]);
      expect(statementsOf(read).filter((s) => s.Action.includes('iam:PassRole'))).toEqual([]);
    });

    test("names follow the stack's naming: functions, log groups, secrets, parameters", () => {
      expect(bySid(deploy, 'Functions').Resource).toBe('arn:aws:lambda:eu-west-1:123456789012:function:m2m-auth-dev-*');
      expect(bySid(deploy, 'LogGroups').Resource).toEqual([
        'arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/m2m-auth-dev-*',
        'arn:aws:logs:eu-west-1:123456789012:log-group:/aws/apigateway/m2m-auth-dev-*',
      ]);
      expect(bySid(deploy, 'Secrets').Resource).toBe('arn:aws:secretsmanager:eu-west-1:123456789012:secret:m2m-auth/dev/*');
      expect(bySid(deploy, 'Parameters').Resource).toBe('arn:aws:ssm:eu-west-1:123456789012:parameter/m2m-auth/dev/*');
      expect(bySid(deploy, 'ApiGatewayRest').Resource).toBe('arn:aws:apigateway:eu-west-1::/restapis*');
    });

    test("the Contributor Insights rule: by the stack's name, listing on * only to read", () => {
      expect(bySid(deploy, 'InsightRules')).toEqual({
        Sid: 'InsightRules',
        Effect: 'Allow',
        Action: ['cloudwatch:DeleteInsightRules', 'cloudwatch:ListTagsForResource', 'cloudwatch:PutInsightRule', 'cloudwatch:TagResource', 'cloudwatch:UntagResource'],
        Resource: 'arn:aws:cloudwatch:eu-west-1:123456789012:insight-rule/m2m-auth-dev-*',
      });
      expect(bySid(read, 'InsightRules').Action).toEqual(['cloudwatch:ListTagsForResource']);
      expect(bySid(read, NO_RESOURCE_LEVEL_SID).Action).toContain('cloudwatch:DescribeInsightRules');
    });

    test('the S3 state: list with a prefix condition, the environment\'s object and lock file, the state key through S3', () => {
      const bucket = 'arn:aws:s3:::test-state-bucket';
      const key = `${bucket}/m2m-auth/dev/terraform.tfstate`;
      expect(statementsOf(deploy).filter((s) => s.Sid.startsWith('State'))).toEqual([
        { Sid: 'StateList', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: bucket, Condition: { StringEqualsIfExists: { 's3:prefix': ['env:/'] } } },
        { Sid: 'StateObject', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: key },
        { Sid: 'StateLock', Effect: 'Allow', Action: ['s3:DeleteObject', 's3:GetObject', 's3:PutObject'], Resource: `${key}.tflock` },
        {
          Sid: 'StateKey',
          Effect: 'Allow',
          Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          Resource: 'arn:aws:kms:eu-west-1:123456789012:key/*',
          Condition: { StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' }, 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': ['alias/test-state-bucket-state'] } },
        },
      ]);
      // A plan reads the state and takes the lock; it never writes the state.
      expect(bySid(read, 'StateObject').Action).toEqual(['s3:GetObject']);
      expect(bySid(read, 'StateLock').Action).toEqual(['s3:DeleteObject', 's3:GetObject', 's3:PutObject']);
    });

    test('a saved plan: the plan role seals it with the state key, the deploy role opens it, only for this environment', () => {
      const savedPlan = (action: string) => ({
        Sid: 'SavedPlanKey',
        Effect: 'Allow',
        Action: [action],
        Resource: 'arn:aws:kms:eu-west-1:123456789012:key/*',
        Condition: {
          StringEquals: { 'kms:EncryptionContext:purpose': 'm2m-auth-saved-plan', 'kms:EncryptionContext:environment': 'dev' },
          'ForAnyValue:StringEquals': { 'kms:ResourceAliases': ['alias/test-state-bucket-state'] },
        },
      });
      expect(bySid(read, 'SavedPlanKey')).toEqual(savedPlan('kms:GenerateDataKey'));
      expect(bySid(deploy, 'SavedPlanKey')).toEqual(savedPlan('kms:Decrypt'));
      // The context is the one scripts/sealed-plan.ts seals with.
      expect(sealContext('dev')).toEqual({ purpose: SAVED_PLAN_PURPOSE, environment: 'dev' });
    });

    test('a policy over the limit is split, in order, each document as full as the next statement allows', () => {
      const shipped = variants.find((v) => v.label === 'shipped dev')!;
      const documents = pipelinePolicy(shipped.config, shipped.tf, 'deploy');
      expect(documents.length).toBeGreaterThan(1);
      for (let i = 0; i < documents.length - 1; i++) {
        const fuller = { ...documents[i], Statement: [...documents[i].Statement, documents[i + 1].Statement[0]] };
        expect(policyChars(fuller)).toBeGreaterThan(MANAGED_POLICY_MAX_CHARS);
      }
    });
  });

  test('an environment without account matches any account in its ARNs', () => {
    const config = environment();
    expect(bySid(pipelinePolicy(config, environmentTerraform(config), 'deploy'), 'Functions').Resource).toBe('arn:aws:lambda:eu-west-1:*:function:m2m-auth-dev-*');
  });

  test('a state key given by ARN is named; a lock table gets the lock actions', () => {
    const variant = variants.find((v) => v.label === 'lock table and a state key ARN')!;
    const documents = pipelinePolicy(variant.config, variant.tf, 'read');
    expect(bySid(documents, 'StateKey')).toMatchObject({
      Resource: 'arn:aws:kms:eu-west-1:444455556666:key/0c5e1f8a-6b36-4a8e-9f61-2d7f3c9b1e11',
      Condition: { StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } },
    });
    expect(bySid(documents, 'StateLockTable')).toEqual({
      Sid: 'StateLockTable',
      Effect: 'Allow',
      Action: ['dynamodb:DeleteItem', 'dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:PutItem'],
      Resource: 'arn:aws:dynamodb:eu-west-1:*:table/tf-locks',
    });
  });

  test('Terraform Cloud keeps the state: nothing of it in AWS', () => {
    const variant = variants.find((v) => v.label === 'Terraform Cloud state')!;
    expect(statementsOf(pipelinePolicy(variant.config, variant.tf, 'deploy')).filter((s) => s.Sid.startsWith('State'))).toEqual([]);
  });

  test('an existing backend function given by ARN may be granted invocations; the custom domain may update CloudFront', () => {
    const lambda = variants.find((v) => v.label === 'lambda backend')!;
    expect(bySid(pipelinePolicy(lambda.config, lambda.tf, 'deploy'), 'FunctionPermissions').Resource).toEqual([
      'arn:aws:lambda:eu-west-1:*:function:m2m-auth-dev-*',
      'arn:aws:lambda:eu-west-1:444455556666:function:orders-api',
    ]);
    const custom = variants.find((v) => v.label === 'custom domain, user client, alarm e-mail')!;
    expect(bySid(pipelinePolicy(custom.config, custom.tf, 'deploy'), NO_RESOURCE_LEVEL_SID).Action).toContain('cloudfront:UpdateDistribution');
    const rest = variants.find((v) => v.label === 'rest')!;
    expect(bySid(pipelinePolicy(rest.config, rest.tf, 'deploy'), NO_RESOURCE_LEVEL_SID).Action).not.toContain('cloudfront:UpdateDistribution');
  });
});
