/**
 * The AWS JSON 1.1 protocol as the sandbox speaks it: `POST /` with `X-Amz-Target: <prefix>.<Operation>`,
 * errors as `{"__type", "message"}` that the SDK v3 raises with `error.name === __type`, and the
 * input checks every operation shares.
 */

/** The `X-Amz-Target` prefixes of the services the sandbox speaks. */
export const COGNITO_TARGET_PREFIX = 'AWSCognitoIdentityProviderService';
export const SECRETS_MANAGER_TARGET_PREFIX = 'secretsmanager';

/** An AWS service error: the SDK raises it with `error.name === type`. */
export class AwsApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = 'AwsApiError';
  }
}

/** A request of the AWS JSON protocol: `POST /` with `X-Amz-Target: <prefix>.<Operation>`. */
export interface AwsApiRequest {
  readonly target: string | undefined;
  readonly body: string;
}

export interface AwsApiReply {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** An operation's parsed JSON input. */
export type AwsInput = Record<string, unknown>;
/** One operation: its output, or an {@link AwsApiError} thrown. */
export type AwsOperation = (input: AwsInput) => object | Promise<object>;

export const notFound = (message: string) => new AwsApiError('ResourceNotFoundException', message);
export const invalidParameter = (message: string) => new AwsApiError('InvalidParameterException', message);

/** Epoch seconds, as the protocol sends timestamps. */
export const seconds = (millis: number) => millis / 1000;

/** `input[name]` as a non-empty string, or InvalidParameterException. */
export function requiredString(input: AwsInput, name: string): string {
  const value = input[name];
  if (typeof value !== 'string' || value === '') throw invalidParameter(`${name} is required and must be a non-empty string`);
  return value;
}

/** `input[name]` as a non-empty string when present, or InvalidParameterException. */
export function optionalString(input: AwsInput, name: string): string | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value === '') throw invalidParameter(`${name} must be a non-empty string`);
  return value;
}
