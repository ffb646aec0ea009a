import { bundleLambda, type LambdaBundle } from '../bundling/lambda-bundle';

export const SECRET_ROTATION_ENTRY = 'lambdas/secret-rotation/index.ts';

/**
 * Only Secrets Manager comes from the runtime: the runtime's copy of the SDK may predate Cognito's
 * client-secret API (AddUserPoolClientSecret, ListUserPoolClientSecrets, DeleteUserPoolClientSecret)
 * and GetClientToken, so the Cognito client and everything it imports are bundled with the function.
 */
export const SECRET_ROTATION_RUNTIME_SDK: readonly string[] = ['@aws-sdk/client-secrets-manager'];

/**
 * The rotation Lambda's bundle: the same for every environment (the user pool comes from `USER_POOL_ID`).
 *
 * @example
 * const bundle = bundleSecretRotation();
 * new NodeLambda(this, 'rotation', { bundle, ... });
 */
export function bundleSecretRotation(): LambdaBundle {
  return bundleLambda({ entry: SECRET_ROTATION_ENTRY, runtimeSdkPackages: SECRET_ROTATION_RUNTIME_SDK });
}
