import { isSafeTokenEndpoint } from './client-credentials';
import { SecretRotationSettingsError } from './errors';

/** The environment variables the rotation Lambda reads; the infrastructure sets them, but for AWS_REGION. */
export const SECRET_ROTATION_ENV = {
  /** Required: the environment name, a persistent key of every log line. */
  environment: 'ENVIRONMENT',
  /** Required: the Cognito user pool whose app clients' secrets this function rotates: `eu-west-1_AbC123`. */
  userPoolId: 'USER_POOL_ID',
  /** Required, set by the Lambda runtime: the region of the function and its pool, written into secrets that name token paths. */
  region: 'AWS_REGION',
  /** Optional: the environment's token endpoint, when it has a hosted domain; written into a version whose client gained oauth2. */
  tokenEndpoint: 'TOKEN_ENDPOINT',
} as const;

/** Cognito's user pool id pattern (`CreateUserPool` output, `UserPoolId` of every client-secret API). */
const USER_POOL_ID_PATTERN = /^[\w-]+_[0-9a-zA-Z]+$/;
const USER_POOL_ID_MAX_LENGTH = 55;

export interface SecretRotationSettings {
  readonly environment: string;
  readonly userPoolId: string;
  readonly region: string;
  /** @default - none: the environment has no hosted domain */
  readonly tokenEndpoint?: string;
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

function tokenEndpoint(env: Env): { tokenEndpoint?: string } {
  const name = SECRET_ROTATION_ENV.tokenEndpoint;
  const value = env[name];
  if (value === undefined || value === '') return {};
  if (!URL.canParse(value) || !isSafeTokenEndpoint(new URL(value))) {
    throw new SecretRotationSettingsError(`${name} must be an https URL (http only on loopback); received ${JSON.stringify(value)}`);
  }
  return { tokenEndpoint: value };
}

/**
 * Reads and checks the rotation Lambda's settings, once, at module load.
 *
 * @throws SecretRotationSettingsError naming the variable and the rule, for a missing or bad variable.
 * @example
 * const settings = readSettings({ ENVIRONMENT: 'prod', USER_POOL_ID: 'eu-west-1_AbC123', AWS_REGION: 'eu-west-1' });
 * // { environment: 'prod', userPoolId: 'eu-west-1_AbC123', region: 'eu-west-1' }
 */
export function readSettings(env: Env = process.env): SecretRotationSettings {
  return {
    environment: required(env, SECRET_ROTATION_ENV.environment),
    userPoolId: userPoolId(env),
    region: required(env, SECRET_ROTATION_ENV.region),
    ...tokenEndpoint(env),
  };
}
