/** The Secrets Manager side: the secret's versions and stages, and reading and writing one version. */
import {
  DescribeSecretCommand,
  type DescribeSecretCommandOutput,
  GetSecretValueCommand,
  type GetSecretValueCommandOutput,
  PutSecretValueCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { awsCall, awsErrorName, type SdkClient } from './aws-call';
import { AwsCallError } from './errors';

export const AWSCURRENT = 'AWSCURRENT';
export const AWSPENDING = 'AWSPENDING';

/** What DescribeSecret says of the secret. */
export interface SecretDescription {
  readonly arn: string;
  readonly name: string;
  readonly rotationEnabled: boolean;
  /** Version id -> its staging labels. */
  readonly versions: Readonly<Record<string, readonly string[]>>;
}

/**
 * The secret's name, rotation flag and versions with their stages.
 *
 * @example
 * const secret = await describeSecret(secretsManager, 'arn:aws:secretsmanager:...:secret:m2m/prod/billing-batch-AbCdEf');
 * secret.versions // => { 'v1': ['AWSCURRENT'], 'token': ['AWSPENDING'] }
 */
export async function describeSecret(client: SdkClient, secretId: string): Promise<SecretDescription> {
  const output = await awsCall<DescribeSecretCommandOutput>(client, new DescribeSecretCommand({ SecretId: secretId }), 'DescribeSecret', `secret ${secretId}`);
  return {
    arn: output.ARN ?? secretId,
    name: output.Name ?? secretId,
    rotationEnabled: output.RotationEnabled === true,
    versions: output.VersionIdsToStages ?? {},
  };
}

/**
 * The version that holds `stage`, if any.
 *
 * @example
 * versionWithStage(secret, AWSCURRENT) // => 'v1'
 */
export function versionWithStage(secret: SecretDescription, stage: string): string | undefined {
  return Object.entries(secret.versions).find(([, stages]) => stages.includes(stage))?.[0];
}

/**
 * The SecretString of the version with `stage` (and `versionId`, when given).
 *
 * @example
 * const text = await getSecretString(secretsManager, secretId, { stage: AWSCURRENT });
 */
export async function getSecretString(client: SdkClient, secretId: string, version: { readonly stage?: string; readonly versionId?: string }): Promise<string | undefined> {
  const output = await awsCall<GetSecretValueCommandOutput>(
    client,
    new GetSecretValueCommand({ SecretId: secretId, VersionId: version.versionId, VersionStage: version.stage }),
    'GetSecretValue',
    `secret ${secretId} (${[version.stage, version.versionId && `version ${version.versionId}`].filter(Boolean).join(', ')})`,
  );
  return output.SecretString;
}

/**
 * The pending version's SecretString, or `undefined` while it has none: Secrets Manager creates the
 * AWSPENDING version empty before createSecret, and reading it fails with ResourceNotFoundException.
 *
 * @example
 * if ((await pendingSecretStringIfSet(secretsManager, secretId, token)) !== undefined) return; // done before
 */
export async function pendingSecretStringIfSet(client: SdkClient, secretId: string, token: string): Promise<string | undefined> {
  try {
    return await getSecretString(client, secretId, { versionId: token, stage: AWSPENDING });
  } catch (error) {
    if (error instanceof AwsCallError && awsErrorName(error.cause) === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}

/**
 * Writes the pending value into the version `token` with the stage AWSPENDING.
 *
 * @example
 * await putPendingSecretString(secretsManager, secretId, token, JSON.stringify(value));
 */
export async function putPendingSecretString(client: SdkClient, secretId: string, token: string, secretString: string): Promise<void> {
  await awsCall(client, new PutSecretValueCommand({ SecretId: secretId, ClientRequestToken: token, SecretString: secretString, VersionStages: [AWSPENDING] }), 'PutSecretValue', `secret ${secretId} (version ${token})`);
}

/**
 * Moves AWSCURRENT from `fromVersionId` to `toVersionId` (Secrets Manager moves AWSPREVIOUS itself).
 *
 * @example
 * await moveCurrentStage(secretsManager, secretId, { fromVersionId: 'v1', toVersionId: token });
 */
export async function moveCurrentStage(client: SdkClient, secretId: string, move: { readonly fromVersionId: string; readonly toVersionId: string }): Promise<void> {
  await awsCall(
    client,
    new UpdateSecretVersionStageCommand({ SecretId: secretId, VersionStage: AWSCURRENT, MoveToVersionId: move.toVersionId, RemoveFromVersionId: move.fromVersionId }),
    'UpdateSecretVersionStage',
    `secret ${secretId} (version ${move.fromVersionId} -> ${move.toVersionId})`,
  );
}
