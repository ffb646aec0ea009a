/**
 * The four steps of Secrets Manager's rotation protocol for an M2M client's Cognito app-client secret.
 * Every step is idempotent: Secrets Manager retries a failed step with the same token.
 *
 * createSecret reads the app client's token paths, deletes every Cognito secret but AWSCURRENT's (the
 * one AWSPREVIOUS held, valid until now, or a stray of a failed attempt), has Cognito generate a new one
 * and stores it as AWSPENDING, naming the client's token paths; setSecret confirms Cognito holds it;
 * testSecret gets a token with it on one of those paths; finishSecret makes it AWSCURRENT.
 */
import { addClientSecret, deleteClientSecret, listClientSecrets, type AppClientRef } from './cognito-secrets';
import { parseClientCredentials, pendingSecretString, type ParsedClientCredentials, type PendingTokenPaths, type TokenPath } from './client-credentials';
import { pendingTokenPaths, readClientTokenPaths } from './client-token-paths';
import type { SdkClient } from './aws-call';
import { RotationEventError, RotationStateError } from './errors';
import {
  AWSCURRENT,
  AWSPENDING,
  describeSecret,
  getSecretString,
  moveCurrentStage,
  pendingSecretStringIfSet,
  putPendingSecretString,
  versionWithStage,
  type SecretDescription,
} from './secret-versions';
import { checkClientCredentials } from './token-check';

export const ROTATION_STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
export type RotationStep = (typeof ROTATION_STEPS)[number];

/** The event Secrets Manager invokes the function with, once per step. */
export interface RotationEvent {
  readonly Step: RotationStep;
  /** The secret's ARN. */
  readonly SecretId: string;
  /** The id of the version being rotated in (AWSPENDING). */
  readonly ClientRequestToken: string;
  /** Present in newer events; not needed here. */
  readonly RotationToken?: string;
}

/** The logger's part the steps use (Powertools `Logger` fits). Attributes never hold a secret value. */
export interface RotationLogger {
  info(message: string, attributes: Record<string, unknown>): void;
  warn(message: string, attributes: Record<string, unknown>): void;
}

export interface RotationDependencies {
  readonly secretsManager: SdkClient;
  readonly cognito: SdkClient;
  /** The user pool every rotated client belongs to. */
  readonly userPoolId: string;
  /** The Lambda's (and the pool's) region: the `region` of a version that names token paths and had none. */
  readonly region: string;
  /** The environment's token endpoint (TOKEN_ENDPOINT), for a client that gained oauth2; none without a hosted domain. */
  readonly tokenEndpoint?: string;
  readonly fetch: typeof fetch;
  readonly sleep: (ms: number) => Promise<void>;
  readonly logger: RotationLogger;
}

/** What a step did: the handler's log line. Ids only, never a secret value. */
export interface StepOutcome {
  readonly step: RotationStep;
  readonly secretArn: string;
  readonly secretName: string;
  readonly versionId: string;
  readonly outcome:
    | 'already-current'
    | 'pending-created'
    | 'pending-already-set'
    | 'pending-confirmed-in-cognito'
    | 'pending-tested'
    | 'current-moved';
  readonly clientId?: string;
  /** Cognito's id of the pending (new) secret. */
  readonly pendingClientSecretId?: string;
  /** Cognito's id of AWSCURRENT's secret, before finishSecret. */
  readonly currentClientSecretId?: string;
  /** createSecret: the secrets it deleted from Cognito (AWSPREVIOUS's, or strays). */
  readonly deletedClientSecretIds?: readonly string[];
  /** createSecret: the token paths the pending version names. */
  readonly tokenPaths?: readonly TokenPath[];
  /** testSecret: the path it got a token on. */
  readonly tokenPath?: TokenPath;
  /** testSecret: token requests it took. */
  readonly attempts?: number;
  /** finishSecret: the version AWSCURRENT moved away from. */
  readonly previousVersionId?: string;
}

function nonEmptyString(event: Record<string, unknown>, field: string): string {
  const value = event[field];
  if (typeof value !== 'string' || value === '') throw new RotationEventError(`rotation event: ${field} must be a non-empty string; received ${value === undefined ? 'nothing' : JSON.stringify(value)}`);
  return value;
}

/**
 * Checks that `event` is a rotation event for one of the four steps.
 *
 * @throws RotationEventError naming the field.
 * @example
 * parseRotationEvent({ Step: 'createSecret', SecretId: arn, ClientRequestToken: token });
 */
export function parseRotationEvent(event: unknown): RotationEvent {
  if (typeof event !== 'object' || event === null) throw new RotationEventError('rotation event must be an object');
  const fields = event as Record<string, unknown>;
  const step = fields.Step;
  if (!ROTATION_STEPS.includes(step as RotationStep)) throw new RotationEventError(`rotation event: unknown Step ${JSON.stringify(step)}; expected one of ${ROTATION_STEPS.join(', ')}`);
  return { Step: step as RotationStep, SecretId: nonEmptyString(fields, 'SecretId'), ClientRequestToken: nonEmptyString(fields, 'ClientRequestToken') };
}

type PreCheck = { readonly done: StepOutcome } | { readonly secret: SecretDescription };

/** AWS's pre-check of every step: rotation on, the token a known version, pending, not yet current. */
async function preCheck(event: RotationEvent, deps: RotationDependencies): Promise<PreCheck> {
  const secret = await describeSecret(deps.secretsManager, event.SecretId);
  const token = event.ClientRequestToken;
  if (!secret.rotationEnabled) throw new RotationStateError('ROTATION_DISABLED', `secret ${secret.name}: rotation is not enabled`);
  const stages = secret.versions[token];
  if (!stages) throw new RotationStateError('UNKNOWN_VERSION', `secret ${secret.name} has no version ${token}`);
  if (stages.includes(AWSCURRENT)) {
    return { done: { step: event.Step, secretArn: secret.arn, secretName: secret.name, versionId: token, outcome: 'already-current' } };
  }
  if (!stages.includes(AWSPENDING)) throw new RotationStateError('VERSION_NOT_PENDING', `secret ${secret.name}: version ${token} is not ${AWSPENDING} (stages: ${stages.join(', ') || 'none'})`);
  return { secret };
}

async function readPending(event: RotationEvent, secret: SecretDescription, deps: RotationDependencies): Promise<ParsedClientCredentials> {
  const text = await getSecretString(deps.secretsManager, event.SecretId, { versionId: event.ClientRequestToken, stage: AWSPENDING });
  return parseClientCredentials(text, `secret ${secret.name} (${AWSPENDING} version ${event.ClientRequestToken})`);
}

function pendingSecretId(pending: ParsedClientCredentials, secret: SecretDescription): string {
  const id = pending.credentials.client_secret_id;
  if (!id) throw new RotationStateError('PENDING_SECRET_NOT_IN_COGNITO', `secret ${secret.name}: the ${AWSPENDING} version has no client_secret_id; createSecret writes one`);
  return id;
}

/** The token paths the pending version names, read from the app client before anything is changed; refuses a client no path of which the secret can name. */
async function tokenPathsFromClient(ref: AppClientRef, current: ParsedClientCredentials, secret: SecretDescription, deps: RotationDependencies): Promise<PendingTokenPaths | undefined> {
  const clientPaths = await readClientTokenPaths(ref);
  const { paths, omitted } = pendingTokenPaths(clientPaths, current, deps.region, deps.tokenEndpoint);
  if (paths?.token_paths.length === 0) {
    const serves = clientPaths.length === 0 ? 'serves no token path (neither client_credentials nor ALLOW_CLIENT_TOKEN_AUTH)' : `serves only oauth2, and ${AWSCURRENT} has no token_endpoint`;
    throw new RotationStateError('NO_TOKEN_PATH', `secret ${secret.name}: client ${ref.clientId} ${serves}; refusing to rotate to a secret that could get no token`);
  }
  if (omitted.length > 0) {
    deps.logger.warn('client token path left out of the secret', { secretName: secret.name, clientId: ref.clientId, omittedTokenPaths: omitted, reason: `${AWSCURRENT} has no token_endpoint and the environment has no hosted domain (TOKEN_ENDPOINT)` });
  }
  return paths;
}

async function createSecret(event: RotationEvent, secret: SecretDescription, deps: RotationDependencies): Promise<StepOutcome> {
  const base = { step: event.Step, secretArn: secret.arn, secretName: secret.name, versionId: event.ClientRequestToken } as const;
  const current = parseClientCredentials(await getSecretString(deps.secretsManager, event.SecretId, { stage: AWSCURRENT }), `secret ${secret.name} (${AWSCURRENT})`);
  const clientId = current.credentials.client_id;

  const already = await pendingSecretStringIfSet(deps.secretsManager, event.SecretId, event.ClientRequestToken);
  if (already !== undefined) {
    const pending = parseClientCredentials(already, `secret ${secret.name} (${AWSPENDING} version ${event.ClientRequestToken})`);
    return { ...base, outcome: 'pending-already-set', clientId, pendingClientSecretId: pending.credentials.client_secret_id };
  }

  const ref: AppClientRef = { cognito: deps.cognito, userPoolId: deps.userPoolId, clientId };
  const paths = await tokenPathsFromClient(ref, current, secret, deps);
  const listed = await listClientSecrets(ref);
  // Without client_secret_id, AWSCURRENT is Terraform's value: the secret Cognito generated with the client, the oldest.
  const currentId = current.credentials.client_secret_id ?? listed[0]?.id;
  if (currentId === undefined) throw new RotationStateError('NO_COGNITO_SECRET', `secret ${secret.name}: client ${clientId} has no secret in Cognito; nothing to rotate from`);
  if (!listed.some((listedSecret) => listedSecret.id === currentId)) {
    throw new RotationStateError(
      'CURRENT_SECRET_NOT_IN_COGNITO',
      `secret ${secret.name}: ${AWSCURRENT}'s client secret ${currentId} is not among client ${clientId}'s secrets in Cognito (${listed.map((s) => s.id).join(', ') || 'none'}); refusing to rotate`,
    );
  }

  const deleted: string[] = [];
  for (const other of listed.filter((listedSecret) => listedSecret.id !== currentId)) {
    await deleteClientSecret(ref, other.id);
    deleted.push(other.id);
    deps.logger.info('deleted client secret', { secretName: secret.name, clientId, clientSecretId: other.id, createdAt: other.createdAt?.toISOString(), currentClientSecretId: currentId });
  }

  const added = await addClientSecret(ref);
  deps.logger.info('added client secret', { secretName: secret.name, clientId, clientSecretId: added.id, createdAt: added.createdAt?.toISOString() });
  await putPendingSecretString(deps.secretsManager, event.SecretId, event.ClientRequestToken, pendingSecretString(current, added, paths));
  const tokenPaths = paths?.token_paths ?? current.credentials.token_paths;
  return { ...base, outcome: 'pending-created', clientId, pendingClientSecretId: added.id, currentClientSecretId: currentId, deletedClientSecretIds: deleted, tokenPaths };
}

async function setSecret(event: RotationEvent, secret: SecretDescription, deps: RotationDependencies): Promise<StepOutcome> {
  const pending = await readPending(event, secret, deps);
  const clientId = pending.credentials.client_id;
  const id = pendingSecretId(pending, secret);
  const listed = await listClientSecrets({ cognito: deps.cognito, userPoolId: deps.userPoolId, clientId });
  if (!listed.some((listedSecret) => listedSecret.id === id)) {
    throw new RotationStateError('PENDING_SECRET_NOT_IN_COGNITO', `secret ${secret.name}: ${AWSPENDING}'s client secret ${id} is not among client ${clientId}'s secrets in Cognito (${listed.map((s) => s.id).join(', ') || 'none'})`);
  }
  return { step: event.Step, secretArn: secret.arn, secretName: secret.name, versionId: event.ClientRequestToken, outcome: 'pending-confirmed-in-cognito', clientId, pendingClientSecretId: id };
}

async function testSecret(event: RotationEvent, secret: SecretDescription, deps: RotationDependencies): Promise<StepOutcome> {
  const pending = await readPending(event, secret, deps);
  const clientId = pending.credentials.client_id;
  const { tokenPath, attempts } = await checkClientCredentials(pending.credentials, {
    fetch: deps.fetch,
    cognito: deps.cognito,
    sleep: deps.sleep,
    onRetry: (attempt) => deps.logger.warn('pending secret not accepted yet; retrying', { secretName: secret.name, clientId, clientSecretId: pending.credentials.client_secret_id, ...attempt }),
  });
  return { step: event.Step, secretArn: secret.arn, secretName: secret.name, versionId: event.ClientRequestToken, outcome: 'pending-tested', clientId, pendingClientSecretId: pending.credentials.client_secret_id, tokenPath, attempts };
}

async function finishSecret(event: RotationEvent, secret: SecretDescription, deps: RotationDependencies): Promise<StepOutcome> {
  const base = { step: event.Step, secretArn: secret.arn, secretName: secret.name, versionId: event.ClientRequestToken } as const;
  const currentVersionId = versionWithStage(secret, AWSCURRENT);
  if (currentVersionId === event.ClientRequestToken) return { ...base, outcome: 'already-current' };
  if (currentVersionId === undefined) throw new RotationStateError('NO_CURRENT_VERSION', `secret ${secret.name} has no ${AWSCURRENT} version`);
  const pending = await readPending(event, secret, deps);
  await moveCurrentStage(deps.secretsManager, event.SecretId, { fromVersionId: currentVersionId, toVersionId: event.ClientRequestToken });
  return { ...base, outcome: 'current-moved', clientId: pending.credentials.client_id, pendingClientSecretId: pending.credentials.client_secret_id, previousVersionId: currentVersionId };
}

const STEPS: Readonly<Record<RotationStep, (event: RotationEvent, secret: SecretDescription, deps: RotationDependencies) => Promise<StepOutcome>>> = {
  createSecret,
  setSecret,
  testSecret,
  finishSecret,
};

/**
 * Runs one rotation step after the pre-check every step shares.
 *
 * @throws RotationEventError, RotationStateError, ClientCredentialsValueError, AwsCallError, PendingSecretTestError.
 * @example
 * const outcome = await rotate(parseRotationEvent(event), { secretsManager, cognito, userPoolId, region, fetch, sleep, logger });
 * // { step: 'createSecret', outcome: 'pending-created', clientId: '4tq3example', pendingClientSecretId: '4tq3example--1769904000000', ... }
 */
export async function rotate(event: RotationEvent, deps: RotationDependencies): Promise<StepOutcome> {
  const checked = await preCheck(event, deps);
  if ('done' in checked) return checked.done;
  return STEPS[event.Step](event, checked.secret, deps);
}
