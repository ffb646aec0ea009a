import { AwsCallError } from './errors';

/**
 * What the rotation needs of an SDK v3 client: `send`. Loose on purpose, so one type takes the real
 * clients, the ones aws-sdk-client-mock stubs, and two SDK versions (Cognito is bundled, Secrets Manager is not).
 */
export interface SdkClient {
  send(command: unknown, options?: { readonly abortSignal?: AbortSignal }): Promise<unknown>;
}

// One line each on what to do next, for the failures an operator can fix: by `operation error`, then by `error`.
const HINTS: Readonly<Record<string, string>> = {
  'AddUserPoolClientSecret LimitExceededException': 'Cognito keeps at most two secrets per app client; something else added one since the list was read',
  AccessDeniedException: "the rotation function's role lacks this permission",
  TooManyRequestsException: 'throttled; Secrets Manager retries the step',
};

/** The SDK error's name (`LimitExceededException`), or `Error` for anything else thrown. */
export function awsErrorName(error: unknown): string {
  const name = (error as { name?: unknown } | null | undefined)?.name;
  return typeof name === 'string' && name !== '' ? name : 'Error';
}

/**
 * Sends `command` and returns its output, wrapping any failure in an {@link AwsCallError} that names the
 * operation, what it was for and the SDK error (SDK messages never hold our request's SecretString).
 *
 * @example
 * const output = await awsCall<DescribeSecretCommandOutput>(secretsManager, new DescribeSecretCommand({ SecretId }), 'DescribeSecret', `secret ${SecretId}`);
 */
export async function awsCall<T>(client: SdkClient, command: unknown, operation: string, target: string): Promise<T> {
  try {
    return (await client.send(command)) as T;
  } catch (error) {
    const name = awsErrorName(error);
    const message = (error as { message?: unknown } | null | undefined)?.message;
    const detail = typeof message === 'string' && message !== '' && message !== name ? `: ${message}` : '';
    const hint = HINTS[`${operation} ${name}`] ?? HINTS[name];
    const suffix = hint ? ` (${hint})` : '';
    throw new AwsCallError(operation, name, `${operation} failed for ${target}: ${name}${detail}${suffix}`, { cause: error });
  }
}
