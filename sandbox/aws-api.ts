/**
 * The sandbox's Cognito client-secret and Secrets Manager APIs, in the AWS JSON 1.1 protocol that the
 * real SDK v3 clients speak, so that the real rotation Lambda and `npm run rotate --local` run against
 * them unchanged (endpoint override).
 */
import { createHash, randomUUID } from 'node:crypto';
import type { EnvironmentConfig } from '../lib/config/schema';
import { ResourceNaming } from '../lib/terraform/naming';
import { MAX_CLIENT_SECRETS, type SandboxClient, type SandboxState } from './state';

/** The account id in every local ARN. */
export const LOCAL_ACCOUNT = '000000000000';
export const COGNITO_TARGET_PREFIX = 'AWSCognitoIdentityProviderService';
export const SECRETS_MANAGER_TARGET_PREFIX = 'secretsmanager';

const AWSCURRENT = 'AWSCURRENT';
const AWSPREVIOUS = 'AWSPREVIOUS';
const AWSPENDING = 'AWSPENDING';

/** The steps Secrets Manager invokes a rotation function with, in order. */
export const ROTATION_STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;

/** What Secrets Manager sends the rotation function, once per step. */
export interface RotationEvent {
  readonly SecretId: string;
  readonly ClientRequestToken: string;
  readonly Step: (typeof ROTATION_STEPS)[number];
}

/** The rotation Lambda: resolves when the step is done, rejects when it failed. */
export type RotationFunction = (event: RotationEvent) => Promise<unknown>;

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

export interface SandboxAwsApiOptions {
  readonly config: EnvironmentConfig;
  readonly state: SandboxState;
  /** Written into each client's secret as `token_endpoint`. */
  readonly tokenEndpoint: string;
  /** Invoked for each step of a rotation, as Secrets Manager invokes the rotation Lambda. */
  readonly rotationFunction: RotationFunction;
  /** @default - one line to process.stderr */
  readonly log?: (line: string) => void;
}

interface SecretVersion {
  readonly id: string;
  /** Undefined while empty: RotateSecret creates the AWSPENDING version without a value. */
  value?: string;
  readonly stages: Set<string>;
  readonly createdDate: number;
}

interface LocalSecret {
  readonly clientName: string;
  readonly name: string;
  readonly arn: string;
  readonly createdDate: number;
  lastChangedDate: number;
  lastRotatedDate?: number;
  /** In creation order. */
  readonly versions: Map<string, SecretVersion>;
}

type Input = Record<string, unknown>;
type Operation = (input: Input) => object | Promise<object>;

const seconds = (millis: number) => millis / 1000;
const notFound = (message: string) => new AwsApiError('ResourceNotFoundException', message);
const invalidParameter = (message: string) => new AwsApiError('InvalidParameterException', message);

function requiredString(input: Input, name: string): string {
  const value = input[name];
  if (typeof value !== 'string' || value === '') throw invalidParameter(`${name} is required and must be a non-empty string`);
  return value;
}

function optionalString(input: Input, name: string): string | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value === '') throw invalidParameter(`${name} must be a non-empty string`);
  return value;
}

/** AWS's random ARN suffix, here derived from the name so that a restart keeps the ARN. */
function arnSuffix(name: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  return Array.from(createHash('sha256').update(name).digest().subarray(0, 6), (byte) => alphabet[byte % alphabet.length]).join('');
}

/**
 * Cognito's client-secret operations (AddUserPoolClientSecret, ListUserPoolClientSecrets,
 * DeleteUserPoolClientSecret) on the sandbox's clients, and a Secrets Manager holding one secret per
 * client, named as the stack names it (`<namePrefix>/<env>/m2m/<client>`), with versions, staging
 * labels and RotateSecret, which invokes the rotation function for each step in the background.
 * Rebuilt from state.json at start: AWSCURRENT holds the client's current secret, AWSPREVIOUS the
 * previous one if Cognito still has it; a change of either label is saved back into the state, so the
 * token endpoint and a restart agree with Secrets Manager. RotateSecret's RotationRules and
 * RotationLambdaARN are accepted and ignored: the schedule is the config's `secretRotationDays`.
 *
 * @example
 * const api = new SandboxAwsApi({ config, state, tokenEndpoint, rotationFunction: (event) => rotation.invoke(event) });
 * const reply = await api.handle({ target: 'secretsmanager.GetSecretValue', body: '{"SecretId":"m2m-auth/dev/m2m/reporting"}' });
 */
export class SandboxAwsApi {
  /** Secret names, by client name. */
  readonly secretNames: Readonly<Record<string, string>>;
  private readonly secrets: readonly LocalSecret[];
  private readonly rotations = new Set<Promise<void>>();
  private readonly rotationLambdaArn: string;
  private readonly log: (line: string) => void;
  private readonly operations: Readonly<Record<string, Operation>>;

  constructor(private readonly options: SandboxAwsApiOptions) {
    const { config, state } = options;
    const naming = new ResourceNaming(config.namePrefix, config.name);
    this.log = options.log ?? ((line) => void process.stderr.write(`${line}\n`));
    this.rotationLambdaArn = `arn:aws:lambda:${config.region}:${LOCAL_ACCOUNT}:function:${naming.name('secret-rotation')}`;
    const now = Date.now();
    this.secrets = state.clients.map((client) => {
      const name = naming.path('m2m', client.name);
      const secret: LocalSecret = {
        clientName: client.name,
        name,
        arn: `arn:aws:secretsmanager:${config.region}:${LOCAL_ACCOUNT}:secret:${name}-${arnSuffix(`${state.poolId}/${name}`)}`,
        createdDate: now,
        lastChangedDate: now,
        versions: new Map(),
      };
      const add = (secretId: string | undefined, stage: string) => {
        const held = client.secrets.find((s) => s.id === secretId);
        const id = randomUUID();
        if (held) secret.versions.set(id, { id, value: this.secretString(client, held.id), stages: new Set([stage]), createdDate: now });
      };
      add(client.previousSecretId, AWSPREVIOUS);
      add(client.currentSecretId, AWSCURRENT);
      return secret;
    });
    this.secretNames = Object.fromEntries(this.secrets.map((secret) => [secret.clientName, secret.name]));

    const cognito = COGNITO_TARGET_PREFIX;
    const secretsManager = SECRETS_MANAGER_TARGET_PREFIX;
    this.operations = {
      [`${cognito}.AddUserPoolClientSecret`]: (input) => this.addUserPoolClientSecret(input),
      [`${cognito}.ListUserPoolClientSecrets`]: (input) => this.listUserPoolClientSecrets(input),
      [`${cognito}.DeleteUserPoolClientSecret`]: (input) => this.deleteUserPoolClientSecret(input),
      [`${secretsManager}.GetSecretValue`]: (input) => this.getSecretValue(input),
      [`${secretsManager}.DescribeSecret`]: (input) => this.describeSecret(input),
      [`${secretsManager}.PutSecretValue`]: (input) => this.putSecretValue(input),
      [`${secretsManager}.UpdateSecretVersionStage`]: (input) => this.updateSecretVersionStage(input),
      [`${secretsManager}.ListSecretVersionIds`]: (input) => this.listSecretVersionIds(input),
      [`${secretsManager}.RotateSecret`]: (input) => this.rotateSecret(input),
    };
  }

  /**
   * Answers one request: 200 with the output, or 400 with the error as the SDK parses it
   * (`x-amzn-ErrorType` and `{"__type", "message"}`). Anything else thrown is a bug and propagates.
   */
  async handle(request: AwsApiRequest): Promise<AwsApiReply> {
    const headers = { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() };
    try {
      const operation = this.operations[request.target ?? ''];
      if (!operation) throw new AwsApiError('UnknownOperationException', `the sandbox does not implement ${request.target ?? '(no X-Amz-Target)'}`);
      let input: unknown;
      try {
        input = request.body.trim() === '' ? {} : JSON.parse(request.body);
      } catch {
        throw new AwsApiError('SerializationException', 'the body is not JSON');
      }
      if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new AwsApiError('SerializationException', 'the body must be a JSON object');
      return { status: 200, headers, body: JSON.stringify(await operation(input as Input)) };
    } catch (error) {
      if (!(error instanceof AwsApiError)) throw error;
      return { status: 400, headers: { ...headers, 'x-amzn-errortype': error.type }, body: JSON.stringify({ __type: error.type, message: error.message }) };
    }
  }

  /** Resolves once every rotation started so far has finished or failed. */
  async settled(): Promise<void> {
    while (this.rotations.size > 0) await Promise.all([...this.rotations]);
  }

  // --- Cognito ---------------------------------------------------------------------------------

  private cognitoClient(input: Input): SandboxClient {
    const poolId = requiredString(input, 'UserPoolId');
    const clientId = requiredString(input, 'ClientId');
    if (poolId !== this.options.state.poolId) throw notFound(`User pool ${poolId} does not exist.`);
    const client = this.options.state.clients.find((c) => c.clientId === clientId);
    if (!client) throw notFound(`User pool client ${clientId} does not exist.`);
    return client;
  }

  private addUserPoolClientSecret(input: Input): object {
    const client = this.cognitoClient(input);
    const chosen = optionalString(input, 'ClientSecret');
    if (client.secrets.length >= MAX_CLIENT_SECRETS) throw new AwsApiError('LimitExceededException', `app client ${client.clientId} already has ${MAX_CLIENT_SECRETS} secrets; delete one first`);
    const added = this.options.state.addClientSecret(client.name, chosen);
    return {
      ClientSecretDescriptor: {
        ClientSecretId: added.id,
        ...(chosen === undefined ? { ClientSecretValue: added.value } : {}),
        ClientSecretCreateDate: seconds(Date.parse(added.createdAt)),
      },
    };
  }

  private listUserPoolClientSecrets(input: Input): object {
    const client = this.cognitoClient(input);
    return { ClientSecrets: client.secrets.map((secret) => ({ ClientSecretId: secret.id, ClientSecretCreateDate: seconds(Date.parse(secret.createdAt)) })) };
  }

  private deleteUserPoolClientSecret(input: Input): object {
    const client = this.cognitoClient(input);
    const secretId = requiredString(input, 'ClientSecretId');
    if (!client.secrets.some((secret) => secret.id === secretId)) throw notFound(`Client secret ${secretId} does not exist.`);
    if (client.secrets.length === 1) throw invalidParameter(`Client secret ${secretId} is the only secret of app client ${client.clientId}; add another before deleting it.`);
    this.options.state.deleteClientSecret(client.name, secretId);
    return {};
  }

  // --- Secrets Manager -------------------------------------------------------------------------

  private secretString(client: SandboxClient, secretId: string): string {
    const secret = client.secrets.find((s) => s.id === secretId)!;
    return JSON.stringify({ client_id: client.clientId, client_secret: secret.value, token_endpoint: this.options.tokenEndpoint, client_secret_id: secret.id });
  }

  private secretOf(input: Input): LocalSecret {
    const secretId = requiredString(input, 'SecretId');
    const secret = this.secrets.find((s) => s.name === secretId || s.arn === secretId);
    if (!secret) throw notFound("Secrets Manager can't find the specified secret.");
    return secret;
  }

  private holderOf(secret: LocalSecret, stage: string): SecretVersion | undefined {
    return [...secret.versions.values()].find((version) => version.stages.has(stage));
  }

  /** Attaches `stage` to `target` alone; moving AWSCURRENT gives AWSPREVIOUS to the version it leaves. */
  private moveStage(secret: LocalSecret, stage: string, target: SecretVersion): void {
    const holder = this.holderOf(secret, stage);
    if (holder === target) return;
    holder?.stages.delete(stage);
    target.stages.add(stage);
    if (stage === AWSCURRENT && holder) this.moveStage(secret, AWSPREVIOUS, holder);
    secret.lastChangedDate = Date.now();
    if (stage === AWSCURRENT || stage === AWSPREVIOUS) this.saveStages(secret);
  }

  /** Records in the state which Cognito secrets AWSCURRENT and AWSPREVIOUS hold, when they hold one of the client's. */
  private saveStages(secret: LocalSecret): void {
    const client = this.options.state.client(secret.clientName)!;
    const heldBy = (stage: string): string | undefined => {
      const value = this.holderOf(secret, stage)?.value;
      if (value === undefined) return undefined;
      let parsed: { client_secret?: unknown; client_secret_id?: unknown };
      try {
        parsed = JSON.parse(value) as typeof parsed;
      } catch {
        return undefined;
      }
      return client.secrets.find((s) => s.id === parsed.client_secret_id || s.value === parsed.client_secret)?.id;
    };
    const currentSecretId = heldBy(AWSCURRENT);
    if (currentSecretId !== undefined) this.options.state.setSecretStages(client.name, { currentSecretId, previousSecretId: heldBy(AWSPREVIOUS) });
  }

  private getSecretValue(input: Input): object {
    const secret = this.secretOf(input);
    const versionId = optionalString(input, 'VersionId');
    const stage = optionalString(input, 'VersionStage') ?? (versionId === undefined ? AWSCURRENT : undefined);
    const version = versionId !== undefined ? secret.versions.get(versionId) : this.holderOf(secret, stage!);
    if (!version || (stage !== undefined && !version.stages.has(stage)) || version.value === undefined) {
      throw notFound(`Secrets Manager can't find the specified secret value for ${versionId !== undefined ? `VersionId: ${versionId}` : `staging label: ${stage}`}`);
    }
    return { ARN: secret.arn, Name: secret.name, VersionId: version.id, SecretString: version.value, VersionStages: [...version.stages], CreatedDate: seconds(version.createdDate) };
  }

  private describeSecret(input: Input): object {
    const secret = this.secretOf(input);
    const days = this.options.config.secretRotationDays;
    return {
      ARN: secret.arn,
      Name: secret.name,
      Description: `OAuth client credentials of ${secret.clientName} (local sandbox)`,
      RotationEnabled: true,
      RotationLambdaARN: this.rotationLambdaArn,
      RotationRules: { AutomaticallyAfterDays: days },
      ...(secret.lastRotatedDate !== undefined ? { LastRotatedDate: seconds(secret.lastRotatedDate) } : {}),
      LastChangedDate: seconds(secret.lastChangedDate),
      NextRotationDate: seconds((secret.lastRotatedDate ?? secret.createdDate) + days * 86_400_000),
      CreatedDate: seconds(secret.createdDate),
      VersionIdsToStages: Object.fromEntries([...secret.versions.values()].filter((v) => v.stages.size > 0).map((v) => [v.id, [...v.stages]])),
    };
  }

  private putSecretValue(input: Input): object {
    const secret = this.secretOf(input);
    if (input.SecretBinary !== undefined) throw invalidParameter('the sandbox stores SecretString only');
    const value = requiredString(input, 'SecretString');
    const token = optionalString(input, 'ClientRequestToken') ?? randomUUID();
    const stages = input.VersionStages === undefined ? [AWSCURRENT] : input.VersionStages;
    if (!Array.isArray(stages) || stages.some((stage) => typeof stage !== 'string' || stage === '')) throw invalidParameter('VersionStages must be a list of non-empty strings');
    const existing = secret.versions.get(token);
    const answer = (version: SecretVersion) => ({ ARN: secret.arn, Name: secret.name, VersionId: version.id, VersionStages: [...version.stages] });
    if (existing?.value !== undefined) {
      if (existing.value === value) return answer(existing);
      throw new AwsApiError('ResourceExistsException', "You can't modify an existing version, you can only create a new version.");
    }
    const version = existing ?? { id: token, stages: new Set<string>(), createdDate: Date.now() };
    version.value = value;
    secret.versions.set(token, version);
    secret.lastChangedDate = Date.now();
    for (const stage of stages as string[]) this.moveStage(secret, stage, version);
    return answer(version);
  }

  private updateSecretVersionStage(input: Input): object {
    const secret = this.secretOf(input);
    const stage = requiredString(input, 'VersionStage');
    const moveTo = optionalString(input, 'MoveToVersionId');
    const removeFrom = optionalString(input, 'RemoveFromVersionId');
    if (moveTo === undefined && removeFrom === undefined) throw invalidParameter('Specify MoveToVersionId, RemoveFromVersionId or both.');
    const versionOf = (id: string) => {
      const version = secret.versions.get(id);
      if (!version) throw notFound(`Secrets Manager can't find the specified secret version: ${id}`);
      return version;
    };
    const source = removeFrom === undefined ? undefined : versionOf(removeFrom);
    if (source && !source.stages.has(stage)) throw invalidParameter(`The staging label ${stage} is not attached to version ${removeFrom}, so it can't be removed from it.`);
    if (moveTo === undefined) {
      if (stage === AWSCURRENT) throw invalidParameter("You can't remove the staging label AWSCURRENT from a version; move it to another version with MoveToVersionId.");
      source!.stages.delete(stage);
      secret.lastChangedDate = Date.now();
      if (stage === AWSPREVIOUS) this.saveStages(secret);
      return { ARN: secret.arn, Name: secret.name };
    }
    const target = versionOf(moveTo);
    const holder = this.holderOf(secret, stage);
    if (holder && holder !== target && holder !== source) {
      throw invalidParameter(`The parameter RemoveFromVersionId can't be empty. Staging label ${stage} is currently attached to version ${holder.id}, so you must explicitly reference that version in RemoveFromVersionId.`);
    }
    this.moveStage(secret, stage, target);
    return { ARN: secret.arn, Name: secret.name };
  }

  private listSecretVersionIds(input: Input): object {
    const secret = this.secretOf(input);
    const all = input.IncludeDeprecated === true;
    const versions = [...secret.versions.values()].filter((v) => all || v.stages.size > 0);
    return { ARN: secret.arn, Name: secret.name, Versions: versions.map((v) => ({ VersionId: v.id, VersionStages: [...v.stages], CreatedDate: seconds(v.createdDate) })) };
  }

  private rotateSecret(input: Input): object {
    const secret = this.secretOf(input);
    if (input.RotateImmediately === false) return { ARN: secret.arn, Name: secret.name };
    if ([...secret.versions.values()].some((v) => v.stages.has(AWSPENDING) && !v.stages.has(AWSCURRENT))) {
      throw new AwsApiError('InvalidRequestException', "A previous rotation isn't complete. That rotation will be reattempted.");
    }
    const token = optionalString(input, 'ClientRequestToken') ?? randomUUID();
    if (secret.versions.has(token)) throw new AwsApiError('ResourceExistsException', `a version ${token} exists already; use a new ClientRequestToken`);
    const pending: SecretVersion = { id: token, stages: new Set(), createdDate: Date.now() };
    secret.versions.set(token, pending);
    this.moveStage(secret, AWSPENDING, pending);
    const rotation = this.rotate(secret, token).finally(() => this.rotations.delete(rotation));
    this.rotations.add(rotation);
    return { ARN: secret.arn, Name: secret.name, VersionId: token };
  }

  /** The four steps, in the background; a failed step stops the rotation and leaves AWSPENDING where it is, as AWS does. */
  private async rotate(secret: LocalSecret, token: string): Promise<void> {
    await Promise.resolve(); // RotateSecret answers before the first step starts
    for (const step of ROTATION_STEPS) {
      try {
        await this.options.rotationFunction({ SecretId: secret.arn, ClientRequestToken: token, Step: step });
      } catch (error) {
        this.log(`rotation of ${secret.name} failed at ${step} (version ${token} keeps AWSPENDING): ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
        return;
      }
    }
    if (!secret.versions.get(token)?.stages.has(AWSCURRENT)) {
      this.log(`rotation of ${secret.name} failed: finishSecret returned, but AWSCURRENT is not on version ${token}`);
      return;
    }
    secret.lastRotatedDate = Date.now();
    this.saveStages(secret);
  }
}
