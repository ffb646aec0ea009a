import type { Construct } from 'constructs';
import { AssetType, TerraformAsset } from 'cdktf';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { DataAwsIamPolicyDocument, type DataAwsIamPolicyDocumentStatement } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import type { LambdaBundle } from './lambda-bundle';
import { fitDescription } from '../terraform/naming';

/** Lambda runtime and architecture of every function we deploy. */
export const LAMBDA_RUNTIME = { runtime: 'nodejs22.x', architecture: 'arm64' } as const;

export interface NodeLambdaProps {
  /** Physical function name; also names its role and log group. */
  readonly functionName: string;
  readonly description: string;
  readonly bundle: LambdaBundle;
  readonly environment: Readonly<Record<string, string>>;
  readonly logRetentionDays: number;
  /** What the function may do besides writing to its own log group. */
  readonly statements?: readonly DataAwsIamPolicyDocumentStatement[];
  /** @default 256 */
  readonly memoryMb?: number;
  /** @default 10 */
  readonly timeoutSeconds?: number;
}

export interface NodeLambda {
  readonly function: LambdaFunction;
  readonly logGroup: CloudwatchLogGroup;
  readonly role: IamRole;
}

/**
 * A bundled Node.js Lambda in `scope`: its own log group with retention, and a role that may write
 * to that log group and do `statements`, nothing else. Adds `log_group`, `assume_role`, `role`,
 * `permissions`, `policy`, `code` and `function` to `scope`.
 */
export function addNodeLambda(scope: Construct, props: NodeLambdaProps): NodeLambda {
  const logGroup = new CloudwatchLogGroup(scope, 'log_group', {
    name: `/aws/lambda/${props.functionName}`,
    retentionInDays: props.logRetentionDays,
  });
  const assumeRole = new DataAwsIamPolicyDocument(scope, 'assume_role', {
    statement: [{ actions: ['sts:AssumeRole'], principals: [{ type: 'Service', identifiers: ['lambda.amazonaws.com'] }] }],
  });
  const role = new IamRole(scope, 'role', { name: props.functionName, description: fitDescription('aws_iam_role', props.description), assumeRolePolicy: assumeRole.json });
  const permissions = new DataAwsIamPolicyDocument(scope, 'permissions', {
    statement: [
      { sid: 'OwnLogGroup', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [`${logGroup.arn}:*`] },
      ...(props.statements ?? []),
    ],
  });
  const policy = new IamRolePolicy(scope, 'policy', { name: props.functionName, role: role.id, policy: permissions.json });
  const asset = new TerraformAsset(scope, 'code', { path: props.bundle.zipPath, type: AssetType.FILE });
  const fn = new LambdaFunction(scope, 'function', {
    functionName: props.functionName,
    description: fitDescription('aws_lambda_function', props.description),
    role: role.arn,
    handler: 'index.handler',
    runtime: LAMBDA_RUNTIME.runtime,
    architectures: [LAMBDA_RUNTIME.architecture],
    memorySize: props.memoryMb ?? 256,
    timeout: props.timeoutSeconds ?? 10,
    filename: asset.path,
    sourceCodeHash: props.bundle.sourceCodeHash,
    environment: { variables: { ...props.environment } },
    loggingConfig: { logFormat: 'Text', logGroup: logGroup.name },
    dependsOn: [logGroup, policy],
  });
  return { function: fn, logGroup, role };
}
