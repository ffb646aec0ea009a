/**
 * Lambda entry of the Secrets Manager rotation of M2M clients' Cognito app-client secrets, one function
 * per environment. Secrets Manager invokes it once per step (createSecret, setSecret, testSecret,
 * finishSecret); see rotation.ts. Each step logs one line with the secret, the client and Cognito's
 * secret ids, never a secret value. Any failure throws: Secrets Manager retries the step, and the
 * rotation stays pending (AWSCURRENT keeps working) until it succeeds.
 */
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Logger } from '@aws-lambda-powertools/logger';
import { parseRotationEvent, rotate, type StepOutcome } from './rotation';
import { readSettings, type SecretRotationSettings } from './settings';

/** The function's `service` in every log line. */
export const SECRET_ROTATION_SERVICE = 'm2m-auth-secret-rotation';

const secretsManager = new SecretsManagerClient({});
const cognito = new CognitoIdentityProviderClient({});
const logger = new Logger({ serviceName: SECRET_ROTATION_SERVICE, persistentKeys: { environment: process.env.ENVIRONMENT || 'unknown' } });
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function load(): SecretRotationSettings | Error {
  try {
    return readSettings();
  } catch (error) {
    const failure = error instanceof Error ? error : new Error(String(error));
    logger.error('secret rotation is misconfigured; every rotation fails until it is fixed', { error: failure.message });
    return failure;
  }
}

const loaded = load();

/** The parts of an error that are safe to log: our errors' messages never hold a secret value. */
function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { errorName: typeof error };
  return { errorName: error.name, code: (error as { code?: unknown }).code, error: error.message };
}

/**
 * Runs the rotation step the event names and logs its outcome; throws when the step fails.
 *
 * @example
 * // Secrets Manager, once per step:
 * await handler({ Step: 'createSecret', SecretId: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:m2m/prod/billing-batch-AbCdEf', ClientRequestToken: '7f1c...' });
 * // log: { message: 'rotation step done', step: 'createSecret', outcome: 'pending-created', clientId: '4tq3example', pendingClientSecretId: '4tq3example--1769904000000', ... }
 */
export async function handler(event: unknown): Promise<StepOutcome> {
  const step = (event as { Step?: unknown } | null)?.Step;
  const secretId = (event as { SecretId?: unknown } | null)?.SecretId;
  try {
    if (loaded instanceof Error) throw loaded;
    const outcome = await rotate(parseRotationEvent(event), { secretsManager, cognito, userPoolId: loaded.userPoolId, region: loaded.region, tokenEndpoint: loaded.tokenEndpoint, fetch, sleep, logger });
    logger.info('rotation step done', { ...outcome });
    return outcome;
  } catch (error) {
    logger.error('rotation step failed', { step, secretId, ...describeError(error) });
    throw error;
  }
}
