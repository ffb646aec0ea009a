/**
 * The sandbox's AWS APIs in the AWS JSON 1.1 protocol that the real SDK v3 clients speak: Cognito
 * (client secrets and GetClientToken, sandbox/cognito-api.ts) and Secrets Manager, so that the real
 * rotation Lambda, `npm run rotate --local` and a service's SDK run against them unchanged (endpoint
 * override).
 */
import { createHash, randomUUID } from 'node:crypto';
import type { EnvironmentConfig } from '../lib/config/schema';
import { ResourceNaming } from '../lib/terraform/naming';
import {
  AwsApiError,
  invalidParameter,
  notFound,
  optionalString,
  requiredString,
  seconds,
  SECRETS_MANAGER_TARGET_PREFIX,
  type AwsApiReply,
  type AwsApiRequest,
  type AwsInput as Input,
  type AwsOperation as Operation,
} from './aws-json';
import { SandboxCognitoApi } from './cognito-api';
import type { SandboxClient, SandboxState } from './state';

export { AwsApiError, COGNITO_TARGET_PREFIX, SECRETS_MANAGER_TARGET_PREFIX, type AwsApiReply, type AwsApiRequest } from './aws-json';

/** The account id in every local ARN. */
export const LOCAL_ACCOUNT = '000000000000';

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

export interface SandboxAwsApiOptions {
  readonly config: EnvironmentConfig;
  readonly state: SandboxState;
  /** Written into the secret of each client with the `oauth2` token path as `token_endpoint`. */
  readonly tokenEndpoint: string;
  /** The `iss` of the tokens GetClientToken issues: the token endpoint's issuer. */
  readonly issuer: string;
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

/** AWS's random ARN suffix, here derived from the name so that a restart keeps the ARN. */
function arnSuffix(name: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  return Array.from(createHash('sha256').update(name).digest().subarray(0, 6), (byte) => alphabet[byte % alphabet.length]).join('');
}

/**
 * The sandbox's AWS endpoint: Cognito's operations (sandbox/cognito-api.ts: the client secrets and
 * GetClientToken) on the sandbox's clients, and a Secrets Manager holding one secret per client
 * (its value: {@link clientSecretString}), named as the stack names it (`<namePrefix>/<env>/m2m/<client>`), with versions, staging
 * labels and RotateSecret, which invokes the rotation function for each step in the background.
 * Rebuilt from state.json at start: AWSCURRENT holds the client's current secret, AWSPREVIOUS the
 * previous one if Cognito still has it; a change of either label is saved back into the state, so the
 * token endpoint and a restart agree with Secrets Manager. RotateSecret's RotationRules and
 * RotationLambdaARN are accepted and ignored: the schedule is the config's `secretRotationDays`.
 *
 * @example
 * const api = new SandboxAwsApi({ config, state, tokenEndpoint, issuer, rotationFunction: (event) => rotation.invoke(event) });
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

    const secretsManager = SECRETS_MANAGER_TARGET_PREFIX;
    this.operations = {
      ...new SandboxCognitoApi({ state, issuer: options.issuer }).operations,
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

  // --- Secrets Manager -------------------------------------------------------------------------

  private secretString(client: SandboxClient, secretId: string): string {
    return clientSecretString(client, secretId, { tokenEndpoint: this.options.tokenEndpoint, region: this.options.config.region });
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

/**
 * A client's credentials as the stack writes them into its secret, plus `client_secret_id` (which
 * Cognito secret it is, as the rotation Lambda writes it): `{client_id, client_secret, token_endpoint}`
 * for a client on the default path (`oauth2` only); for any other paths also `token_paths` and
 * `region`, and `token_endpoint` only when `oauth2` is among them. `region` is the config's region,
 * not "local": the SDK needs a real-looking one to sign with, and the sandbox answers for any.
 *
 * @example
 * const value = clientSecretString(client, client.currentSecretId, { tokenEndpoint, region: config.region });
 */
export function clientSecretString(client: SandboxClient, secretId: string, where: { readonly tokenEndpoint: string; readonly region: string }): string {
  const secret = client.secrets.find((s) => s.id === secretId)!;
  const oauth2 = client.tokenPaths.includes('oauth2');
  const onlyDefaultPath = oauth2 && client.tokenPaths.length === 1;
  return JSON.stringify({
    client_id: client.clientId,
    client_secret: secret.value,
    ...(oauth2 ? { token_endpoint: where.tokenEndpoint } : {}),
    ...(onlyDefaultPath ? {} : { token_paths: [...client.tokenPaths], region: where.region }),
    client_secret_id: secret.id,
  });
}
