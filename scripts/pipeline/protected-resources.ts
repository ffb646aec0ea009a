/**
 * The resource types the plan guard protects: a plan that would delete or replace one of them is
 * blocked unless the allow-list or the pull request's label says it is meant. One line each says
 * what is lost, so that the reviewer of a blocked plan sees the cost, not only the rule.
 */

import { CLIENT_REGISTRY_PART_ID_PREFIX } from '../../lib/authorizer/client-registry-parameters';

/** Protected resource type -> what its replacement or deletion costs. */
export const PROTECTED_RESOURCE_TYPES: Readonly<Record<string, string>> = {
  aws_cognito_user_pool:
    'every user, password and group membership lives in it; a new pool has a new id, issuer and JWKS, so every token, client id and secret changes',
  aws_cognito_user_pool_domain: 'it serves /oauth2/token; while it is deleted and recreated no caller gets a token, and a custom domain needs its DNS moved',
  aws_cognito_resource_server: 'it declares the scopes the clients are granted; while it is recreated token requests for its scopes fail',
  aws_cognito_user_pool_client: 'a new client has a new id and secret: its caller gets invalid_client until it reads the new secret',
  aws_kms_key: 'it encrypts the client secrets (or the state); once deleted, everything encrypted with it is unreadable for good',
  aws_secretsmanager_secret: "callers read their credentials from its ARN; deleting it breaks them, and a rotated value that Terraform never wrote is lost",
  aws_s3_bucket: "the Terraform state bucket: its object versions are every environment's state and its only history",
  // Replacing the deny-list parameter recreates it empty (Terraform writes only the initial value):
  // every revoked client and token would be let in again.
  aws_ssm_parameter: 'the revocation deny-list: a new parameter starts empty, so every revoked client and token is let in again',
  aws_dynamodb_table: "the state lock table (stateBackend.lockTable): removing it while anyone still locks with it breaks their plans; remove it on purpose, through the allow-list",
};

/** Resource types that are replaced as a consequence and are deliberately not protected, with the reason (for the docs and the tests). */
export const UNPROTECTED_ON_PURPOSE: Readonly<Record<string, string>> = {
  aws_secretsmanager_secret_version: 'replaced when its client is replaced, to hold the new credentials; the client is what the guard reports',
  terraform_data: 'the trigger that makes a secret value follow its client',
  aws_lambda_function: 'code and configuration updates are the normal business of a deploy',
};

/**
 * Resources of a protected type that are not protected, by address, with the reason: the client
 * registry's SSM parameters, whose whole value Terraform writes from the app clients on every apply
 * (a part disappears when the client count shrinks; nothing is lost).
 */
export const UNPROTECTED_ADDRESSES: ReadonlyArray<{ readonly type: string; readonly pattern: RegExp; readonly why: string }> = [
  {
    type: 'aws_ssm_parameter',
    pattern: new RegExp(`${CLIENT_REGISTRY_PART_ID_PREFIX}\\d+$`),
    why: 'a part of the client registry: Terraform writes its whole value from the app clients on every apply',
  },
];

/**
 * True when deleting or replacing the resource at `address` (of `type`) needs an explicit override.
 *
 * @example
 * isProtected('aws_ssm_parameter', 'aws_ssm_parameter.authorizer_deny_list'); // true
 * isProtected('aws_ssm_parameter', 'aws_ssm_parameter.authorizer_client_registry_3'); // false
 */
export function isProtected(type: string, address: string): boolean {
  return isProtectedType(type) && !UNPROTECTED_ADDRESSES.some((rule) => rule.type === type && rule.pattern.test(address));
}

/**
 * True when deleting or replacing a resource of `type` needs an explicit override (unless its address
 * is one of {@link UNPROTECTED_ADDRESSES}).
 *
 * @example
 * isProtectedType('aws_cognito_user_pool'); // true
 * isProtectedType('aws_secretsmanager_secret_version'); // false
 */
export function isProtectedType(type: string): boolean {
  return Object.prototype.hasOwnProperty.call(PROTECTED_RESOURCE_TYPES, type);
}
