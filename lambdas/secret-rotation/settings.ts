import { SecretRotationSettingsError } from './errors';

/** The environment variables the rotation Lambda reads; the infrastructure sets them. */
export const SECRET_ROTATION_ENV = {
  /** Required: the environment name, a persistent key of every log line. */
  environment: 'ENVIRONMENT',
  /** Required: the Cognito user pool whose app clients' secrets this function rotates: `eu-west-1_AbC123`. */
  userPoolId: 'USER_POOL_ID',
} as const;

/** Cognito's user pool id pattern (`CreateUserPool` output, `UserPoolId` of every client-secret API). */
const USER_POOL_ID_PATTERN = /^[\w-]+_[0-9a-zA-Z]+$/;
const USER_POOL_ID_MAX_LENGTH = 55;

export interface SecretRotationSettings {
  readonly environment: string;
  readonly userPoolId: string;
}

type Env = Readonly<Record<string, string | undefined>>;

function required(env: Env, name: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') throw new SecretRotationSettingsError(`Environment variable ${name} is required`);
  return value;
}

function userPoolId(env: Env): string {
  const name = SECRET_ROTATION_ENV.userPoolId;
  const value = required(env, name);
  if (!USER_POOL_ID_PATTERN.test(value) || value.length > USER_POOL_ID_MAX_LENGTH) {
    throw new SecretRotationSettingsError(`${name} must be a Cognito user pool id (<region>_<id>, at most ${USER_POOL_ID_MAX_LENGTH} characters); received ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * Reads and checks the rotation Lambda's settings, once, at module load.
 *
 * @throws SecretRotationSettingsError naming the variable and the rule, for a missing or bad variable.
 * @example
 * const settings = readSettings({ ENVIRONMENT: 'prod', USER_POOL_ID: 'eu-west-1_AbC123' });
 * // { environment: 'prod', userPoolId: 'eu-west-1_AbC123' }
 */
export function readSettings(env: Env = process.env): SecretRotationSettings {
  return {
    environment: required(env, SECRET_ROTATION_ENV.environment),
    userPoolId: userPoolId(env),
  };
}
