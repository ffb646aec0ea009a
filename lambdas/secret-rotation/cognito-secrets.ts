/** The app client's secrets in Cognito (at most two): list, add, delete. Values appear only in what `add` returns. */
import {
  AddUserPoolClientSecretCommand,
  type AddUserPoolClientSecretCommandOutput,
  DeleteUserPoolClientSecretCommand,
  ListUserPoolClientSecretsCommand,
  type ListUserPoolClientSecretsCommandOutput,
} from '@aws-sdk/client-cognito-identity-provider';
import { awsCall, type SdkClient } from './aws-call';
import { AwsCallError } from './errors';

/** One of the client's secrets, as listed: its id and when Cognito created it. */
export interface ClientSecretInfo {
  readonly id: string;
  readonly createdAt?: Date;
}

/** The app client whose secrets are read or changed. */
export interface AppClientRef {
  readonly cognito: SdkClient;
  readonly userPoolId: string;
  readonly clientId: string;
}

const target = (ref: AppClientRef) => `client ${ref.clientId} of user pool ${ref.userPoolId}`;

/**
 * Every secret the client holds, oldest first (by `ClientSecretCreateDate`).
 *
 * @example
 * await listClientSecrets({ cognito, userPoolId: 'eu-west-1_AbC123', clientId: '4tq3example' });
 * // [{ id: '4tq3example--1767225600000', createdAt: 2026-01-01T00:00:00.000Z }]
 */
export async function listClientSecrets(ref: AppClientRef): Promise<ClientSecretInfo[]> {
  const secrets: ClientSecretInfo[] = [];
  let nextToken: string | undefined;
  do {
    const page = await awsCall<ListUserPoolClientSecretsCommandOutput>(
      ref.cognito,
      new ListUserPoolClientSecretsCommand({ UserPoolId: ref.userPoolId, ClientId: ref.clientId, NextToken: nextToken }),
      'ListUserPoolClientSecrets',
      target(ref),
    );
    for (const secret of page.ClientSecrets ?? []) {
      if (!secret.ClientSecretId) throw new AwsCallError('ListUserPoolClientSecrets', 'InvalidResponse', `ListUserPoolClientSecrets for ${target(ref)} listed a secret without ClientSecretId`);
      secrets.push({ id: secret.ClientSecretId, createdAt: secret.ClientSecretCreateDate });
    }
    nextToken = page.NextToken;
  } while (nextToken);
  // An unknown date sorts last: it is never taken for the secret Cognito generated with the client.
  const time = (secret: ClientSecretInfo) => secret.createdAt?.getTime() ?? Number.POSITIVE_INFINITY;
  return secrets.sort((a, b) => time(a) - time(b));
}

/**
 * Deletes one of the client's secrets; tokens already issued with it stay valid until they expire.
 *
 * @example
 * await deleteClientSecret(ref, '4tq3example--1767225600000');
 */
export async function deleteClientSecret(ref: AppClientRef, secretId: string): Promise<void> {
  await awsCall(ref.cognito, new DeleteUserPoolClientSecretCommand({ UserPoolId: ref.userPoolId, ClientId: ref.clientId, ClientSecretId: secretId }), 'DeleteUserPoolClientSecret', target(ref));
}

/**
 * Has Cognito generate a new secret for the client (no `ClientSecret` sent) and returns it: the only
 * time Cognito reveals a value.
 *
 * @example
 * const added = await addClientSecret(ref);
 * // { id: '4tq3example--1769904000000', value: '<generated>', createdAt: 2026-02-01T00:00:00.000Z }
 */
export async function addClientSecret(ref: AppClientRef): Promise<ClientSecretInfo & { readonly value: string }> {
  const output = await awsCall<AddUserPoolClientSecretCommandOutput>(ref.cognito, new AddUserPoolClientSecretCommand({ UserPoolId: ref.userPoolId, ClientId: ref.clientId }), 'AddUserPoolClientSecret', target(ref));
  const descriptor = output.ClientSecretDescriptor;
  if (!descriptor?.ClientSecretId || !descriptor.ClientSecretValue) {
    // Whatever was added is a stray now: the step's retry deletes it (it is not the current secret).
    throw new AwsCallError('AddUserPoolClientSecret', 'InvalidResponse', `AddUserPoolClientSecret for ${target(ref)} returned no ClientSecretId or no ClientSecretValue`);
  }
  return { id: descriptor.ClientSecretId, value: descriptor.ClientSecretValue, createdAt: descriptor.ClientSecretCreateDate };
}
