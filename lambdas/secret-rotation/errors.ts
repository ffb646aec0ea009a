/**
 * Errors of the rotation Lambda. Each has a stable `code`. None ever carries a client secret or a
 * token, in its message or its `cause`: the message names the secret, the client and the field instead.
 */

/** A missing or invalid environment variable: every rotation fails until the configuration is fixed. */
export class SecretRotationSettingsError extends Error {
  readonly code = 'ERR_ROTATION_SETTINGS';
  constructor(message: string) {
    super(message);
    this.name = 'SecretRotationSettingsError';
  }
}

/** The invocation is not a Secrets Manager rotation event: an unknown `Step`, a missing `SecretId`. */
export class RotationEventError extends Error {
  readonly code = 'ERR_ROTATION_EVENT';
  constructor(message: string) {
    super(message);
    this.name = 'RotationEventError';
  }
}

/** Why the secret or the Cognito app client is in a state this step must not act on. */
export type RotationStateCode =
  | 'ROTATION_DISABLED'
  | 'UNKNOWN_VERSION'
  | 'VERSION_NOT_PENDING'
  | 'NO_CURRENT_VERSION'
  | 'NO_COGNITO_SECRET'
  | 'CURRENT_SECRET_NOT_IN_COGNITO'
  | 'PENDING_SECRET_NOT_IN_COGNITO'
  | 'NO_TOKEN_PATH';

/** The secret's versions or the client's Cognito secrets are not what the step requires; nothing was changed. */
export class RotationStateError extends Error {
  constructor(
    readonly code: RotationStateCode,
    message: string,
  ) {
    super(message);
    this.name = 'RotationStateError';
  }
}

/**
 * A version's SecretString is not the client-credentials JSON (`client_id`, `client_secret`,
 * `token_endpoint` when oauth2 is a path, `token_paths` and `region`, optional `client_secret_id`). The message names the field, never its value, and
 * there is no `cause`: JSON.parse errors quote the text they could not parse.
 */
export class ClientCredentialsValueError extends Error {
  readonly code = 'ERR_CLIENT_CREDENTIALS_VALUE';
  constructor(message: string) {
    super(message);
    this.name = 'ClientCredentialsValueError';
  }
}

/** A Secrets Manager or Cognito call failed; `cause` is the SDK error. */
export class AwsCallError extends Error {
  readonly code = 'ERR_AWS_CALL';
  constructor(
    /** The API operation: `AddUserPoolClientSecret`, `PutSecretValue`, ... */
    readonly operation: string,
    /** The SDK error's name: `LimitExceededException`, `AccessDeniedException`, ... */
    readonly awsErrorName: string,
    message: string,
    options?: { readonly cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AwsCallError';
  }
}

/** What a token request got last: the token endpoint's HTTP status and OAuth `error`, or GetClientToken's error name. */
export interface TokenAnswer {
  readonly status?: number;
  readonly oauthError?: string;
  readonly awsErrorName?: string;
}

/**
 * testSecret: the token path it tried (the token endpoint or GetClientToken) did not issue a valid access
 * token for the pending secret. `status` and `oauthError` (token endpoint) or `awsErrorName`
 * (GetClientToken) say what it answered last; all are `undefined` when no answer came.
 */
export class PendingSecretTestError extends Error {
  readonly code = 'ERR_PENDING_SECRET_TEST';
  readonly status?: number;
  readonly oauthError?: string;
  readonly awsErrorName?: string;
  constructor(
    message: string,
    readonly attempts: number,
    answer: TokenAnswer,
    options?: { readonly cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PendingSecretTestError';
    this.status = answer.status;
    this.oauthError = answer.oauthError;
    this.awsErrorName = answer.awsErrorName;
  }
}
