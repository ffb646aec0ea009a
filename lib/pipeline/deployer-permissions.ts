/**
 * One fact in one place: for every Terraform type an environment stack synthesizes, the IAM actions
 * Terraform's AWS provider calls to read it (plan, refresh) and to create, update, tag and delete it,
 * and the ARNs they apply to, as tight as the stack's naming allows (lib/terraform/naming.ts:
 * `<namePrefix>-<env>-*`, `<namePrefix>/<env>/*`). The deployer policy (`npm run deployer-policy`)
 * and the pipeline roles are generated from it; a type without an entry fails the generation.
 *
 * Sources: the provider's resource code (internal/service/<service>/<resource>.go in
 * hashicorp/terraform-provider-aws) and AWS's service authorization reference ("Actions, resources,
 * and condition keys for ..."). IAM cannot be asked offline: the first deploy with a new entry is its
 * test (CloudTrail names any action that was denied).
 */
import { arn, type ArnContext } from './arn-context';
import type { SynthesizedStack } from './synthesized-stack';

/** An IAM condition block: operator -> key -> values. */
export type IamCondition = Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;

/** Actions on resources, read (plan) and write (deploy) separately. */
export interface Grant {
  /** The statement's Sid; grants with equal resources and condition share a statement. */
  readonly sid: string;
  /** What `terraform plan` (refresh) needs: Get, Describe, List. */
  readonly read?: readonly string[];
  /** What create, update, tag and delete need on top of `read`. */
  readonly write?: readonly string[];
  readonly resources: (ctx: ArnContext, stack: SynthesizedStack) => readonly string[];
  readonly condition?: (ctx: ArnContext, stack: SynthesizedStack) => IamCondition;
  /** Why the grant cannot name a resource; set exactly when `resources` is `*`. */
  readonly noResourceLevelPermissions?: string;
  /** Only when the stack needs it (for example a custom domain). */
  readonly when?: (stack: SynthesizedStack) => boolean;
}

/** The Sid of every statement whose resource is `*`. */
export const NO_RESOURCE_LEVEL_SID = 'NoResourceLevelPermissions';

/** Actions whose API has no resource-level permission: the only possible resource is `*`. `why` says so. */
function anyResource(why: string, actions: { read?: readonly string[]; write?: readonly string[] }): Grant {
  return { sid: NO_RESOURCE_LEVEL_SID, ...actions, resources: () => ['*'], noResourceLevelPermissions: why };
}

// ARN patterns, one per kind of name the stack gives.
const restApis = (ctx: ArnContext) => [arn(ctx, 'apigateway', '/restapis*', { account: '' })];
const httpApis = (ctx: ArnContext) => [arn(ctx, 'apigateway', '/apis*', { account: '' })];
// API Gateway tags live under /tags/<resource ARN>: the API id is AWS's, so the API's ARN cannot be named.
const gatewayTags = (ctx: ArnContext) => [arn(ctx, 'apigateway', '/tags/*', { account: '' })];
const userPools = (ctx: ArnContext) => [arn(ctx, 'cognito-idp', 'userpool/*')];
const kmsKeys = (ctx: ArnContext) => [arn(ctx, 'kms', 'key/*')];
const lambdaFunctions = (ctx: ArnContext) => [arn(ctx, 'lambda', `function:${ctx.stem}-*`)];
const logGroups = (ctx: ArnContext) => [arn(ctx, 'logs', `log-group:/aws/lambda/${ctx.stem}-*`), arn(ctx, 'logs', `log-group:/aws/apigateway/${ctx.stem}-*`)];
const secrets = (ctx: ArnContext) => [arn(ctx, 'secretsmanager', `secret:${ctx.path}/*`)];

/** The roles the stack creates, by exact name: a wildcard would let the deployer create, and then assume, any role of its prefix. */
export function roleArns(ctx: ArnContext, stack: SynthesizedStack): string[] {
  const names = stack.literals('aws_iam_role', 'name');
  if (names.length !== stack.resources('aws_iam_role').length) throw new Error('aws_iam_role: every role needs a literal name for the deployer policy to name it');
  return [...new Set(names)].sort().map((name) => arn(ctx, 'iam', `role/${name}`, { region: '' }));
}

/** The managed policies the stack attaches, with the partition filled in (the stack reads it from data.aws_partition). */
function attachedPolicyArns(ctx: ArnContext, stack: SynthesizedStack): string[] {
  const arns = stack
    .values('aws_iam_role_policy_attachment', 'policy_arn')
    .map((value) => String(value).replace(/\$\{data\.aws_partition\.[\w-]+\.partition\}/g, ctx.partition))
    .map((value) => {
      if (value.includes('${')) throw new Error(`aws_iam_role_policy_attachment: policy_arn "${value}" is not known before apply; the deployer policy must name it`);
      return value;
    });
  return [...new Set(arns)].sort();
}

/** Functions the stack may grant invocations on: its own, and an existing backend named by ARN in the config. */
function permittedFunctions(ctx: ArnContext, stack: SynthesizedStack): string[] {
  const external = stack.literals('aws_lambda_permission', 'function_name').filter((name) => name.startsWith('arn:'));
  return [...lambdaFunctions(ctx), ...new Set(external)];
}

/**
 * Terraform type (`aws_x`, `data.aws_x`, `terraform_data`) -> what the deployer needs for it.
 * An empty list: Terraform computes the type without calling AWS.
 */
export const DEPLOYER_PERMISSIONS: Readonly<Record<string, readonly Grant[]>> = {
  // --- computed locally, no AWS call ---
  'data.aws_caller_identity': [], // sts:GetCallerIdentity needs no permission
  'data.aws_iam_policy_document': [], // rendered by the provider
  'data.aws_partition': [], // derived from the region by the provider
  terraform_data: [], // Terraform's built-in resource

  // --- API Gateway REST API: authorized by path; the API's id is AWS's, so /restapis* is the tightest ---
  ...Object.fromEntries(
    [
      'aws_api_gateway_rest_api',
      'aws_api_gateway_resource',
      'aws_api_gateway_method',
      'aws_api_gateway_integration',
      'aws_api_gateway_authorizer',
      'aws_api_gateway_deployment',
      'aws_api_gateway_stage',
      'aws_api_gateway_method_settings',
      'aws_api_gateway_gateway_response',
    ].map((type): [string, Grant[]] => [
      type,
      [
        { sid: 'ApiGatewayRest', read: ['apigateway:GET'], write: ['apigateway:DELETE', 'apigateway:PATCH', 'apigateway:POST', 'apigateway:PUT'], resources: restApis },
        { sid: 'ApiGatewayTags', read: ['apigateway:GET'], write: ['apigateway:DELETE', 'apigateway:PUT'], resources: gatewayTags },
      ],
    ]),
  ),
  // The account-wide CloudWatch role setting (GetAccount, UpdateAccount); iam:PassRole comes from the role table below.
  aws_api_gateway_account: [{ sid: 'ApiGatewayAccount', read: ['apigateway:GET'], write: ['apigateway:PATCH'], resources: (ctx) => [arn(ctx, 'apigateway', '/account', { account: '' })] }],

  // --- API Gateway HTTP API (v2): authorized by path, /apis* ---
  ...Object.fromEntries(
    ['aws_apigatewayv2_api', 'aws_apigatewayv2_authorizer', 'aws_apigatewayv2_integration', 'aws_apigatewayv2_route'].map((type): [string, Grant[]] => [
      type,
      [
        { sid: 'ApiGatewayHttp', read: ['apigateway:GET'], write: ['apigateway:DELETE', 'apigateway:PATCH', 'apigateway:POST', 'apigateway:PUT'], resources: httpApis },
        { sid: 'ApiGatewayTags', read: ['apigateway:GET'], write: ['apigateway:DELETE', 'apigateway:PUT'], resources: gatewayTags },
      ],
    ]),
  ),
  aws_apigatewayv2_stage: [
    { sid: 'ApiGatewayHttp', read: ['apigateway:GET'], write: ['apigateway:DELETE', 'apigateway:PATCH', 'apigateway:POST', 'apigateway:PUT'], resources: httpApis },
    { sid: 'ApiGatewayTags', read: ['apigateway:GET'], write: ['apigateway:DELETE', 'apigateway:PUT'], resources: gatewayTags },
    // HTTP API access logs are vended logs: API Gateway's "Permissions to activate logging" (http-api-logging.html).
    { sid: 'LogGroupsList', write: ['logs:DescribeLogGroups'], resources: (ctx) => [arn(ctx, 'logs', 'log-group:*')] },
    anyResource('CloudWatch Logs log deliveries and the account\'s logs resource policy have no resource-level permissions', {
      write: [
        'logs:CreateLogDelivery',
        'logs:DeleteLogDelivery',
        'logs:DescribeResourcePolicies',
        'logs:GetLogDelivery',
        'logs:ListLogDeliveries',
        'logs:PutResourcePolicy',
        'logs:UpdateLogDelivery',
      ],
    }),
  ],

  // --- CloudWatch: dashboard (global, no region), alarms; EventBridge schedule ---
  aws_cloudwatch_dashboard: [
    { sid: 'Dashboards', read: ['cloudwatch:GetDashboard'], write: ['cloudwatch:DeleteDashboards', 'cloudwatch:PutDashboard'], resources: (ctx) => [arn(ctx, 'cloudwatch', `dashboard/${ctx.stem}-*`, { region: '' })] },
  ],
  aws_cloudwatch_metric_alarm: [
    {
      sid: 'Alarms',
      read: ['cloudwatch:DescribeAlarms', 'cloudwatch:ListTagsForResource'],
      write: ['cloudwatch:DeleteAlarms', 'cloudwatch:PutMetricAlarm', 'cloudwatch:TagResource', 'cloudwatch:UntagResource'],
      resources: (ctx) => [arn(ctx, 'cloudwatch', `alarm:${ctx.stem}-*`)],
    },
  ],
  // Contributor Insights (internal/service/cloudwatch/contributor_insight_rule.go): read is a listing, DescribeInsightRules.
  aws_cloudwatch_contributor_insight_rule: [
    anyResource('cloudwatch:DescribeInsightRules lists every rule of the account and region: no resource-level permissions', { read: ['cloudwatch:DescribeInsightRules'] }),
    {
      sid: 'InsightRules',
      read: ['cloudwatch:ListTagsForResource'],
      write: ['cloudwatch:DeleteInsightRules', 'cloudwatch:PutInsightRule', 'cloudwatch:TagResource', 'cloudwatch:UntagResource'],
      resources: (ctx) => [arn(ctx, 'cloudwatch', `insight-rule/${ctx.stem}-*`)],
    },
  ],
  aws_cloudwatch_event_rule: [
    {
      sid: 'Schedules',
      read: ['events:DescribeRule', 'events:ListTagsForResource', 'events:ListTargetsByRule'],
      write: ['events:DeleteRule', 'events:DisableRule', 'events:EnableRule', 'events:PutRule', 'events:TagResource', 'events:UntagResource'],
      resources: (ctx) => [arn(ctx, 'events', `rule/${ctx.stem}-*`)],
    },
  ],
  aws_cloudwatch_event_target: [
    { sid: 'Schedules', read: ['events:ListTargetsByRule'], write: ['events:PutTargets', 'events:RemoveTargets'], resources: (ctx) => [arn(ctx, 'events', `rule/${ctx.stem}-*`)] },
  ],

  // --- CloudWatch Logs: the stack's log groups by name ---
  aws_cloudwatch_log_group: [
    // DescribeLogGroups is a listing of the account's log groups: log-group:* is its resource.
    { sid: 'LogGroupsList', read: ['logs:DescribeLogGroups'], resources: (ctx) => [arn(ctx, 'logs', 'log-group:*')] },
    {
      sid: 'LogGroups',
      read: ['logs:ListTagsForResource'],
      write: ['logs:CreateLogGroup', 'logs:DeleteLogGroup', 'logs:DeleteRetentionPolicy', 'logs:PutRetentionPolicy', 'logs:TagResource', 'logs:UntagResource'],
      resources: logGroups,
    },
  ],
  aws_cloudwatch_log_metric_filter: [{ sid: 'LogGroups', read: ['logs:DescribeMetricFilters'], write: ['logs:DeleteMetricFilter', 'logs:PutMetricFilter'], resources: logGroups }],

  // --- Cognito: pool ids are AWS's, so userpool/* in the account and region ---
  aws_cognito_user_pool: [
    anyResource('cognito-idp:CreateUserPool has no resource-level permissions (the pool id does not exist yet)', { write: ['cognito-idp:CreateUserPool'] }),
    {
      sid: 'CognitoUserPools',
      read: ['cognito-idp:DescribeUserPool', 'cognito-idp:GetUserPoolMfaConfig', 'cognito-idp:ListTagsForResource'],
      write: ['cognito-idp:DeleteUserPool', 'cognito-idp:SetUserPoolMfaConfig', 'cognito-idp:TagResource', 'cognito-idp:UntagResource', 'cognito-idp:UpdateUserPool'],
      resources: userPools,
    },
  ],
  aws_cognito_user_pool_domain: [
    anyResource('cognito-idp:DescribeUserPoolDomain takes a domain name, not a pool: no resource-level permissions', { read: ['cognito-idp:DescribeUserPoolDomain'] }),
    { sid: 'CognitoUserPools', write: ['cognito-idp:CreateUserPoolDomain', 'cognito-idp:DeleteUserPoolDomain', 'cognito-idp:UpdateUserPoolDomain'], resources: userPools },
    {
      ...anyResource("a custom domain updates Cognito's own CloudFront distribution (Cognito's guide: \"Using your own domain\"), whose ARN is not the account's", {
        write: ['cloudfront:UpdateDistribution'],
      }),
      when: (stack) => stack.resources('aws_cognito_user_pool_domain').some((domain) => domain.certificate_arn !== undefined),
    },
  ],
  aws_cognito_resource_server: [
    { sid: 'CognitoUserPools', read: ['cognito-idp:DescribeResourceServer'], write: ['cognito-idp:CreateResourceServer', 'cognito-idp:DeleteResourceServer', 'cognito-idp:UpdateResourceServer'], resources: userPools },
  ],
  aws_cognito_user_pool_client: [
    { sid: 'CognitoUserPools', read: ['cognito-idp:DescribeUserPoolClient'], write: ['cognito-idp:CreateUserPoolClient', 'cognito-idp:DeleteUserPoolClient', 'cognito-idp:UpdateUserPoolClient'], resources: userPools },
  ],
  aws_cognito_user_group: [
    { sid: 'CognitoUserPools', read: ['cognito-idp:GetGroup'], write: ['cognito-idp:CreateGroup', 'cognito-idp:DeleteGroup', 'cognito-idp:UpdateGroup'], resources: userPools },
  ],

  // --- IAM: exactly the roles the stack names (see roleArns) ---
  aws_iam_role: [
    {
      sid: 'Roles',
      read: ['iam:GetRole', 'iam:ListAttachedRolePolicies', 'iam:ListRolePolicies'],
      write: ['iam:CreateRole', 'iam:DeleteRole', 'iam:ListInstanceProfilesForRole', 'iam:TagRole', 'iam:UntagRole', 'iam:UpdateAssumeRolePolicy', 'iam:UpdateRole'],
      resources: roleArns,
    },
  ],
  aws_iam_role_policy: [{ sid: 'Roles', read: ['iam:GetRolePolicy'], write: ['iam:DeleteRolePolicy', 'iam:PutRolePolicy'], resources: roleArns }],
  aws_iam_role_policy_attachment: [
    { sid: 'Roles', read: ['iam:ListAttachedRolePolicies'], resources: roleArns },
    // Only the managed policies the stack attaches: AttachRolePolicy with any policy would be administrator access.
    {
      sid: 'RolePolicyAttachments',
      write: ['iam:AttachRolePolicy', 'iam:DetachRolePolicy'],
      resources: roleArns,
      condition: (ctx, stack) => ({ ArnEquals: { 'iam:PolicyARN': attachedPolicyArns(ctx, stack) } }),
    },
  ],

  // --- KMS: key ids are AWS's (key/*); aliases carry the stack's names ---
  aws_kms_key: [
    anyResource('kms:CreateKey has no resource-level permissions (the key does not exist yet)', { write: ['kms:CreateKey'] }),
    {
      sid: 'KmsKeys',
      read: ['kms:DescribeKey', 'kms:GetKeyPolicy', 'kms:GetKeyRotationStatus', 'kms:ListResourceTags'],
      // kms:TagResource on key/*: tagging a key in CreateKey needs it on every key of the account and region (KMS guide).
      write: ['kms:EnableKeyRotation', 'kms:PutKeyPolicy', 'kms:ScheduleKeyDeletion', 'kms:TagResource', 'kms:UntagResource', 'kms:UpdateKeyDescription'],
      resources: kmsKeys,
    },
  ],
  aws_kms_alias: [
    anyResource('kms:ListAliases has no resource-level permissions', { read: ['kms:ListAliases'] }),
    // CreateAlias, UpdateAlias and DeleteAlias are authorized on the alias and on the key.
    { sid: 'KmsAliases', write: ['kms:CreateAlias', 'kms:DeleteAlias', 'kms:UpdateAlias'], resources: (ctx) => [arn(ctx, 'kms', `alias/${ctx.stem}-*`), ...kmsKeys(ctx)] },
  ],

  // --- Lambda: the stack's functions by name ---
  aws_lambda_function: [
    {
      sid: 'Functions',
      read: ['lambda:GetFunction', 'lambda:GetFunctionCodeSigningConfig', 'lambda:ListTags', 'lambda:ListVersionsByFunction'],
      write: ['lambda:CreateFunction', 'lambda:DeleteFunction', 'lambda:TagResource', 'lambda:UntagResource', 'lambda:UpdateFunctionCode', 'lambda:UpdateFunctionConfiguration'],
      resources: lambdaFunctions,
    },
  ],
  // GetClientToken's flow (lib/client-token-flow): invoked at apply, never read on refresh.
  aws_lambda_invocation: [{ sid: 'FunctionInvocations', write: ['lambda:InvokeFunction'], resources: lambdaFunctions }],
  aws_lambda_permission: [{ sid: 'FunctionPermissions', read: ['lambda:GetPolicy'], write: ['lambda:AddPermission', 'lambda:RemovePermission'], resources: permittedFunctions }],

  // --- Secrets Manager: <namePrefix>/<env>/* ---
  aws_secretsmanager_secret: [
    {
      sid: 'Secrets',
      read: ['secretsmanager:DescribeSecret', 'secretsmanager:GetResourcePolicy'],
      write: ['secretsmanager:CreateSecret', 'secretsmanager:DeleteSecret', 'secretsmanager:TagResource', 'secretsmanager:UntagResource', 'secretsmanager:UpdateSecret'],
      resources: secrets,
    },
  ],
  aws_secretsmanager_secret_version: [
    // Refreshing a secret version reads its value: a plan can read the client secrets (the state holds them too).
    { sid: 'Secrets', read: ['secretsmanager:GetSecretValue'], write: ['secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'], resources: secrets },
    // The secrets are encrypted with the environment key; only through Secrets Manager.
    {
      sid: 'SecretsKey',
      read: ['kms:Decrypt'],
      write: ['kms:GenerateDataKey'],
      resources: kmsKeys,
      condition: (ctx) => ({ StringEquals: { 'kms:ViaService': `secretsmanager.${ctx.region}.amazonaws.com` } }),
    },
  ],

  aws_secretsmanager_secret_rotation: [
    { sid: 'Secrets', read: ['secretsmanager:DescribeSecret'], write: ['secretsmanager:RotateSecret', 'secretsmanager:CancelRotateSecret'], resources: secrets },
    // RotateSecret "also needs lambda:InvokeFunction on the rotation function" (Secrets Manager API reference).
    { sid: 'RotationFunction', write: ['lambda:InvokeFunction'], resources: lambdaFunctions },
  ],

  // --- SNS: the alarm topic by name ---
  aws_sns_topic: [
    {
      sid: 'Topics',
      read: ['sns:GetTopicAttributes', 'sns:ListTagsForResource'],
      write: ['sns:CreateTopic', 'sns:DeleteTopic', 'sns:SetTopicAttributes', 'sns:TagResource', 'sns:UntagResource'],
      resources: (ctx) => [arn(ctx, 'sns', `${ctx.stem}-*`)],
    },
  ],
  aws_sns_topic_subscription: [
    { sid: 'Topics', write: ['sns:Subscribe'], resources: (ctx) => [arn(ctx, 'sns', `${ctx.stem}-*`)] },
    anyResource('SNS subscription actions are authorized without a resource (a subscription ARN is not an IAM resource type)', {
      read: ['sns:GetSubscriptionAttributes'],
      write: ['sns:SetSubscriptionAttributes', 'sns:Unsubscribe'],
    }),
  ],

  // --- SSM: /<namePrefix>/<env>/* ---
  aws_ssm_parameter: [
    anyResource('ssm:DescribeParameters has no resource-level permissions', { read: ['ssm:DescribeParameters'] }),
    {
      sid: 'Parameters',
      read: ['ssm:GetParameter', 'ssm:ListTagsForResource'],
      write: ['ssm:AddTagsToResource', 'ssm:DeleteParameter', 'ssm:PutParameter', 'ssm:RemoveTagsFromResource'],
      resources: (ctx) => [arn(ctx, 'ssm', `parameter/${ctx.path}/*`)],
    },
  ],
};

/** Where a role the stack creates is handed to a service (iam:PassRole, condition iam:PassedToService). */
export const PASSED_ROLES: ReadonlyArray<{ readonly type: string; readonly attribute: string; readonly service: string }> = [
  { type: 'aws_lambda_function', attribute: 'role', service: 'lambda.amazonaws.com' },
  { type: 'aws_api_gateway_account', attribute: 'cloudwatch_role_arn', service: 'apigateway.amazonaws.com' },
];
