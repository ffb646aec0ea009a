import type { EnvironmentConfig, StateBackendConfig } from '../config/schema';
import { stateKey } from '../state/state-backend';
import { arn, arnContextOf, type ArnContext } from './arn-context';
import { DEPLOYER_PERMISSIONS, NO_RESOURCE_LEVEL_SID, PASSED_ROLES, type Grant, type IamCondition } from './deployer-permissions';
import { SynthesizedStack, type TerraformConfig } from './synthesized-stack';

/** One statement of an IAM policy document. */
export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: 'Allow';
  readonly Action: readonly string[];
  readonly Resource: string | readonly string[];
  readonly Condition?: IamCondition;
}

export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly PolicyStatement[];
}

/**
 * The encryption context `purpose` of a saved plan sealed with the state key between a plan job and
 * its apply job (scripts/pipeline/sealed-plan.ts): the plan role may seal, the deploy role may open,
 * only under this context and the environment's name.
 */
export const SAVED_PLAN_PURPOSE = 'm2m-auth-saved-plan';

/** IAM's limit for a customer-managed policy, in characters without white space. */
export const MANAGED_POLICY_MAX_CHARS = 6144;

/** `deploy`: everything a deploy needs; `read`: what a plan needs (reads, state read, state lock). */
export type PolicyAccess = 'deploy' | 'read';

/** The synthesized stack has a Terraform type that lib/pipeline/deployer-permissions.ts does not know. */
export class MissingDeployerPermissionError extends Error {
  constructor(readonly types: readonly string[]) {
    super(
      `no deployer permissions for ${types.join(', ')}: add ${types.length === 1 ? 'an entry' : 'entries'} to DEPLOYER_PERMISSIONS in lib/pipeline/deployer-permissions.ts (the IAM actions the AWS provider calls for the type, and its ARN pattern)`,
    );
    this.name = 'MissingDeployerPermissionError';
  }
}

/**
 * The IAM policy a pipeline needs for one environment's stack, generated from the Terraform types
 * the synthesized stack holds (`stack.toTerraform()`), the state backend of the config, and the
 * roles the stack hands to services. Split into documents that each fit a managed policy (6,144
 * characters); one document for every stack this project synthesizes today.
 *
 * Throws {@link MissingDeployerPermissionError} when the stack holds a type without an entry.
 *
 * @example
 * const [policy] = pipelinePolicy(config, new M2mAuthStack(app, { config }).toTerraform(), 'deploy');
 */
export function pipelinePolicy(config: EnvironmentConfig, tf: TerraformConfig, access: PolicyAccess): PolicyDocument[] {
  const stack = new SynthesizedStack(tf);
  const missing = stack.types().filter((type) => !(type in DEPLOYER_PERMISSIONS));
  if (missing.length > 0) throw new MissingDeployerPermissionError(missing);
  const ctx = arnContextOf(config);
  const statements = [
    ...resourceStatements(ctx, stack, access),
    ...(access === 'deploy' ? passRoleStatements(ctx, stack) : []),
    ...stateStatements(ctx, config.name, config.stateBackend, access),
  ];
  return splitIntoDocuments(statements);
}

/** The statements of the table's grants for the stack's types, grants with equal resources and condition merged. */
function resourceStatements(ctx: ArnContext, stack: SynthesizedStack, access: PolicyAccess): PolicyStatement[] {
  const present = new Set(stack.types());
  const merged = new Map<string, { sid: string; actions: Set<string>; resources: readonly string[]; condition?: IamCondition }>();
  const grants: Grant[] = Object.entries(DEPLOYER_PERMISSIONS)
    .filter(([type]) => present.has(type))
    .flatMap(([, entry]) => entry)
    .filter((grant) => grant.when?.(stack) ?? true);
  for (const grant of grants) {
    const actions = access === 'deploy' ? [...(grant.read ?? []), ...(grant.write ?? [])] : [...(grant.read ?? [])];
    if (actions.length === 0) continue;
    const resources = [...new Set(grant.resources(ctx, stack))];
    const condition = grant.condition?.(ctx, stack);
    const key = JSON.stringify([resources, condition ?? null]);
    const statement = merged.get(key) ?? { sid: grant.sid, actions: new Set<string>(), resources, condition };
    actions.forEach((action) => statement.actions.add(action));
    merged.set(key, statement);
  }
  const statements = [...merged.values()].map((s) => statement(s.sid, [...s.actions], s.resources, s.condition));
  // The one statement on "*" goes last, where a reviewer finds it at once.
  return [...statements.filter((s) => s.Sid !== NO_RESOURCE_LEVEL_SID), ...statements.filter((s) => s.Sid === NO_RESOURCE_LEVEL_SID)];
}

/** iam:PassRole on exactly the roles the stack hands to a service, each only to that service. */
function passRoleStatements(ctx: ArnContext, stack: SynthesizedStack): PolicyStatement[] {
  const byService = new Map<string, Set<string>>();
  for (const { type, attribute, service } of PASSED_ROLES) {
    for (const value of stack.values(type, attribute)) {
      const role = stack.referenced(value);
      const name = role?.type === 'aws_iam_role' ? role.block.name : undefined;
      if (typeof name !== 'string' || name.includes('${')) throw new Error(`${type}.${attribute}: "${String(value)}" is not a role of this stack with a literal name; the deployer policy cannot name it`);
      byService.set(service, (byService.get(service) ?? new Set()).add(arn(ctx, 'iam', `role/${name}`, { region: '' })));
    }
  }
  return [...byService].map(([service, roles]) =>
    statement(`PassRolesTo${serviceName(service)}`, ['iam:PassRole'], [...roles].sort(), { StringEquals: { 'iam:PassedToService': service } }),
  );
}

/**
 * The state backend: S3 object and lock file, the key that encrypts them, the optional DynamoDB lock
 * table. Terraform Cloud keeps the state itself: nothing in AWS.
 */
function stateStatements(ctx: ArnContext, environment: string, backend: StateBackendConfig, access: PolicyAccess): PolicyStatement[] {
  if (backend.type !== 's3') return [];
  const bucket = `arn:${ctx.partition}:s3:::${backend.bucket}`;
  const key = `${bucket}/${stateKey(backend.keyPrefix, environment)}`;
  const statements = [
    // Terraform lists "env:/" to find workspaces. IfExists: S3 answers a GetObject of a missing key (the first
    // plan has no state yet) with 404, not 403, only to callers that may list the bucket, a check without s3:prefix.
    statement('StateList', ['s3:ListBucket'], [bucket], { StringEqualsIfExists: { 's3:prefix': ['env:/'] } }),
    statement('StateObject', access === 'deploy' ? ['s3:GetObject', 's3:PutObject'] : ['s3:GetObject'], [key]),
    // S3-native locking (use_lockfile): a plan takes the lock too.
    statement('StateLock', ['s3:DeleteObject', 's3:GetObject', 's3:PutObject'], [`${key}.tflock`]),
    ...stateKeyStatements(ctx, environment, backend, access),
  ];
  if (backend.lockTable) {
    const table = arn(ctx, 'dynamodb', `table/${backend.lockTable}`, { region: backend.region });
    statements.push(statement('StateLockTable', ['dynamodb:DeleteItem', 'dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:PutItem'], [table]));
  }
  return statements;
}

/**
 * The state key: Decrypt and GenerateDataKey through S3 (state and lock file); and, directly, sealing
 * a saved plan (plan role: GenerateDataKey) and opening it (deploy role: Decrypt), each only under the
 * environment's saved-plan encryption context.
 */
function stateKeyStatements(ctx: ArnContext, environment: string, backend: Extract<StateBackendConfig, { type: 's3' }>, access: PolicyAccess): PolicyStatement[] {
  const { resource, byAlias } = stateKeyResource(ctx, backend);
  const viaS3 = { StringEquals: { 'kms:ViaService': `s3.${backend.region}.amazonaws.com` }, ...byAlias };
  const savedPlan = { StringEquals: { 'kms:EncryptionContext:purpose': SAVED_PLAN_PURPOSE, 'kms:EncryptionContext:environment': environment }, ...byAlias };
  return [
    statement('StateKey', ['kms:Decrypt', 'kms:GenerateDataKey'], [resource], viaS3),
    statement('SavedPlanKey', [access === 'deploy' ? 'kms:Decrypt' : 'kms:GenerateDataKey'], [resource], savedPlan),
  ];
}

/** The state key's ARN, or for an alias every key of its account and region with a condition on the alias (IAM names keys by ARN). */
function stateKeyResource(ctx: ArnContext, backend: Extract<StateBackendConfig, { type: 's3' }>): { resource: string; byAlias: IamCondition } {
  if (/:key\//.test(backend.kmsKeyId)) return { resource: backend.kmsKeyId, byAlias: {} };
  const aliasArn = /^arn:([^:]+):kms:([^:]+):(\d{12}):(alias\/.+)$/.exec(backend.kmsKeyId);
  return {
    resource: aliasArn ? `arn:${aliasArn[1]}:kms:${aliasArn[2]}:${aliasArn[3]}:key/*` : arn(ctx, 'kms', 'key/*', { region: backend.region }),
    byAlias: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': [aliasArn ? aliasArn[4] : backend.kmsKeyId] } },
  };
}

function statement(sid: string, actions: readonly string[], resources: readonly string[], condition?: IamCondition): PolicyStatement {
  return {
    Sid: sid,
    Effect: 'Allow',
    Action: [...new Set(actions)].sort(),
    Resource: resources.length === 1 ? resources[0] : [...resources],
    ...(condition ? { Condition: condition } : {}),
  };
}

/** `lambda.amazonaws.com` -> `Lambda`, `apigateway.amazonaws.com` -> `Apigateway` (a Sid is alphanumeric). */
function serviceName(service: string): string {
  const name = service.split('.')[0].replace(/[^A-Za-z0-9]/g, '');
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/**
 * The statements in as few documents as fit IAM's managed-policy limit, in order, Sids unique within
 * each document.
 */
function splitIntoDocuments(statements: readonly PolicyStatement[]): PolicyDocument[] {
  const documents: PolicyStatement[][] = [];
  for (const next of uniqueSids(statements)) {
    const current = documents.at(-1);
    if (current && policyChars({ Version: '2012-10-17', Statement: [...current, next] }) <= MANAGED_POLICY_MAX_CHARS) {
      current.push(next);
      continue;
    }
    if (policyChars({ Version: '2012-10-17', Statement: [next] }) > MANAGED_POLICY_MAX_CHARS) {
      throw new Error(`statement ${next.Sid} alone is over IAM's ${MANAGED_POLICY_MAX_CHARS}-character managed-policy limit; split its grants in lib/pipeline/deployer-permissions.ts`);
    }
    documents.push([next]);
  }
  return documents.map((Statement) => ({ Version: '2012-10-17', Statement }));
}

function uniqueSids(statements: readonly PolicyStatement[]): PolicyStatement[] {
  const seen = new Map<string, number>();
  return statements.map((s) => {
    const count = (seen.get(s.Sid) ?? 0) + 1;
    seen.set(s.Sid, count);
    return count === 1 ? s : { ...s, Sid: `${s.Sid}${count}` };
  });
}

/**
 * The characters IAM counts against its policy size limits: the JSON without white space.
 *
 * @example
 * policyChars(document) <= MANAGED_POLICY_MAX_CHARS;
 */
export function policyChars(document: PolicyDocument): number {
  return JSON.stringify(document).length;
}
