/**
 * In-memory Secrets Manager secret and Cognito app client behind aws-sdk-client-mock, behaving as the
 * services do for the calls the rotation makes: versions and staging labels (an empty AWSPENDING
 * version before createSecret, ResourceNotFoundException while it has no value), at most two client
 * secrets, generated values and ids, the client's flows, and GetClientToken accepting exactly the
 * secrets the client holds. Every call is recorded in one ordered list.
 */
import {
  AddUserPoolClientSecretCommand,
  CognitoIdentityProviderClient,
  DeleteUserPoolClientSecretCommand,
  DescribeUserPoolClientCommand,
  GetClientTokenCommand,
  LimitExceededException,
  ListUserPoolClientSecretsCommand,
  NotAuthorizedException,
  ResourceNotFoundException as CognitoResourceNotFoundException,
} from '@aws-sdk/client-cognito-identity-provider';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  InvalidParameterException,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import type { RotationLogger } from '../../lambdas/secret-rotation/rotation';

export const USER_POOL_ID = 'eu-west-1_AbC123';
export const CLIENT_ID = '4tq3example0client0id00000';
export const SECRET_NAME = 'm2m/dev/billing-batch';
export const SECRET_ARN = `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${SECRET_NAME}-AbCdEf`;
/** The secret Cognito generated with the client, which Terraform wrote into the first version. */
export const ORIGINAL_SECRET = 'original0secret0VALUE0from0terraform0000000000';
export const TERRAFORM_VERSION = 'terraform-version-0000';
export const T0 = new Date('2026-01-01T00:00:00.000Z');

const metadata = { $metadata: {} };

/** The ordered record of every SDK call both fakes answered: `Service.Operation`. */
export type CallLog = string[];

interface Version {
  stages: string[];
  value?: string;
}

/** A Secrets Manager secret with versions, as DescribeSecret, GetSecretValue, PutSecretValue and UpdateSecretVersionStage see it. */
export class FakeSecret {
  readonly mock = mockClient(SecretsManagerClient);
  readonly client = new SecretsManagerClient({ region: 'eu-west-1' });
  rotationEnabled = true;
  readonly versions = new Map<string, Version>();

  constructor(
    private readonly calls: CallLog,
    tokenEndpoint: string,
    currentValue: Record<string, unknown> = { client_id: CLIENT_ID, client_secret: ORIGINAL_SECRET, token_endpoint: tokenEndpoint },
  ) {
    this.versions.set(TERRAFORM_VERSION, { stages: ['AWSCURRENT'], value: JSON.stringify(currentValue) });
    this.mock.on(DescribeSecretCommand).callsFake((input: { SecretId: string }) => {
      this.record('DescribeSecret', input.SecretId);
      return { ...metadata, ARN: SECRET_ARN, Name: SECRET_NAME, RotationEnabled: this.rotationEnabled, VersionIdsToStages: Object.fromEntries([...this.versions].map(([id, v]) => [id, [...v.stages]])) };
    });
    this.mock.on(GetSecretValueCommand).callsFake((input: { SecretId: string; VersionId?: string; VersionStage?: string }) => {
      this.record('GetSecretValue', input.SecretId);
      const found = input.VersionId !== undefined ? [input.VersionId, this.versions.get(input.VersionId)] as const : [...this.versions].find(([, v]) => v.stages.includes(input.VersionStage ?? 'AWSCURRENT'));
      const [id, version] = found ?? [];
      if (!id || !version || (input.VersionStage && !version.stages.includes(input.VersionStage)) || version.value === undefined) {
        throw new ResourceNotFoundException({ ...metadata, message: "Secrets Manager can't find the specified secret value for VersionId or staging label" });
      }
      return { ...metadata, ARN: SECRET_ARN, Name: SECRET_NAME, VersionId: id, SecretString: version.value, VersionStages: [...version.stages] };
    });
    this.mock.on(PutSecretValueCommand).callsFake((input: { SecretId: string; ClientRequestToken: string; SecretString: string; VersionStages: string[] }) => {
      this.record('PutSecretValue', input.SecretId);
      const existing = this.versions.get(input.ClientRequestToken);
      if (existing?.value !== undefined && existing.value !== input.SecretString) throw new ResourceExistsException({ ...metadata, message: 'A resource with the ID you requested already exists.' });
      for (const stage of input.VersionStages) this.moveStage(stage, input.ClientRequestToken);
      this.versions.get(input.ClientRequestToken)!.value = input.SecretString;
      return { ...metadata, ARN: SECRET_ARN, Name: SECRET_NAME, VersionId: input.ClientRequestToken, VersionStages: input.VersionStages };
    });
    this.mock.on(UpdateSecretVersionStageCommand).callsFake((input: { SecretId: string; VersionStage: string; MoveToVersionId: string; RemoveFromVersionId: string }) => {
      this.record('UpdateSecretVersionStage', input.SecretId);
      if (!this.versions.get(input.RemoveFromVersionId)?.stages.includes(input.VersionStage)) throw new InvalidParameterException({ ...metadata, message: `The staging label ${input.VersionStage} is currently attached to a different version` });
      if (input.VersionStage === 'AWSCURRENT') this.moveStage('AWSPREVIOUS', input.RemoveFromVersionId);
      this.moveStage(input.VersionStage, input.MoveToVersionId);
      return { ...metadata, ARN: SECRET_ARN, Name: SECRET_NAME };
    });
  }

  /** What Secrets Manager does before it invokes createSecret: an empty version `token` staged AWSPENDING. */
  startRotation(token: string): void {
    this.versions.set(token, { stages: [] });
    this.moveStage('AWSPENDING', token);
  }

  valueOf(stage: string): Record<string, unknown> {
    const version = [...this.versions.values()].find((v) => v.stages.includes(stage));
    return JSON.parse(version?.value ?? 'null') as Record<string, unknown>;
  }

  stagesOf(versionId: string): string[] | undefined {
    return this.versions.get(versionId)?.stages;
  }

  private moveStage(stage: string, versionId: string): void {
    for (const version of this.versions.values()) version.stages = version.stages.filter((s) => s !== stage);
    const target = this.versions.get(versionId) ?? { stages: [] };
    target.stages.push(stage);
    this.versions.set(versionId, target);
  }

  private record(operation: string, secretId: string): void {
    expect(secretId).toBe(SECRET_ARN);
    this.calls.push(`SecretsManager.${operation}`);
  }
}

/** One client secret Cognito holds. */
export interface HeldSecret {
  readonly id: string;
  readonly value: string;
  readonly createdAt: Date;
}

/** A Cognito app client's secrets (at most two) and flows, as the client-secret API, DescribeUserPoolClient and GetClientToken see them. */
export class FakeAppClient {
  readonly mock = mockClient(CognitoIdentityProviderClient);
  readonly client = new CognitoIdentityProviderClient({ region: 'eu-west-1' });
  secrets: HeldSecret[] = [{ id: `${CLIENT_ID}--${T0.getTime()}`, value: ORIGINAL_SECRET, createdAt: T0 }];
  /** Every value this client ever held: none may appear in a log line or an error message. */
  readonly everyValue: string[] = [ORIGINAL_SECRET];
  /** As Terraform configures a client on the default path: the token endpoint only. */
  allowedOAuthFlows: string[] = ['client_credentials'];
  explicitAuthFlows: string[] = ['ALLOW_REFRESH_TOKEN_AUTH'];
  /** GetClientToken refuses a secret for this many requests with it (Cognito catching up after AddUserPoolClientSecret). */
  getClientTokenLag = 0;
  /** Every access token GetClientToken issued, and the id of the secret each answer (or refusal) was for. */
  readonly issuedTokens: string[] = [];
  readonly getClientTokenAnswers: Array<{ accepted: boolean; clientSecretId?: string }> = [];
  private readonly seen = new Map<string, number>();
  private clock = T0.getTime();

  constructor(private readonly calls: CallLog) {
    const check = (input: { UserPoolId: string; ClientId: string }, operation: string) => {
      this.calls.push(`Cognito.${operation}`);
      expect(input.UserPoolId).toBe(USER_POOL_ID);
      if (input.ClientId !== CLIENT_ID) throw new CognitoResourceNotFoundException({ ...metadata, message: 'User pool client does not exist.' });
    };
    this.mock.on(ListUserPoolClientSecretsCommand).callsFake((input: { UserPoolId: string; ClientId: string }) => {
      check(input, 'ListUserPoolClientSecrets');
      return { ...metadata, ClientSecrets: this.secrets.map((s) => ({ ClientSecretId: s.id, ClientSecretCreateDate: s.createdAt })) };
    });
    this.mock.on(AddUserPoolClientSecretCommand).callsFake((input: { UserPoolId: string; ClientId: string; ClientSecret?: string }) => {
      check(input, 'AddUserPoolClientSecret');
      expect(input.ClientSecret).toBeUndefined();
      if (this.secrets.length >= 2) throw new LimitExceededException({ ...metadata, message: 'Client secret limit exceeded.' });
      const added = this.generate();
      this.secrets.push(added);
      return { ...metadata, ClientSecretDescriptor: { ClientSecretId: added.id, ClientSecretValue: added.value, ClientSecretCreateDate: added.createdAt } };
    });
    this.mock.on(DeleteUserPoolClientSecretCommand).callsFake((input: { UserPoolId: string; ClientId: string; ClientSecretId: string }) => {
      check(input, 'DeleteUserPoolClientSecret');
      if (!this.secrets.some((s) => s.id === input.ClientSecretId)) throw new CognitoResourceNotFoundException({ ...metadata, message: 'Client secret does not exist.' });
      this.secrets = this.secrets.filter((s) => s.id !== input.ClientSecretId);
      return metadata;
    });
    this.mock.on(DescribeUserPoolClientCommand).callsFake((input: { UserPoolId: string; ClientId: string }) => {
      check(input, 'DescribeUserPoolClient');
      // Like Cognito, the answer holds the secret generated with the client while it exists.
      return {
        ...metadata,
        UserPoolClient: {
          UserPoolId: USER_POOL_ID,
          ClientId: CLIENT_ID,
          ClientSecret: this.secrets.find((s) => s.value === ORIGINAL_SECRET)?.value,
          AllowedOAuthFlows: [...this.allowedOAuthFlows],
          AllowedOAuthFlowsUserPoolClient: this.allowedOAuthFlows.length > 0,
          AllowedOAuthScopes: ['api/read'],
          ExplicitAuthFlows: [...this.explicitAuthFlows],
        },
      };
    });
    this.mock.on(GetClientTokenCommand).callsFake((input: { ClientId: string; Secret: string; Scopes?: string[] }) => {
      this.calls.push('Cognito.GetClientToken');
      const held = this.secrets.find((s) => input.ClientId === CLIENT_ID && s.value === input.Secret);
      const age = held ? (this.seen.get(held.id) ?? 0) : 0;
      if (held) this.seen.set(held.id, age + 1);
      const accepted = held !== undefined && age >= this.getClientTokenLag && this.explicitAuthFlows.includes('ALLOW_CLIENT_TOKEN_AUTH');
      this.getClientTokenAnswers.push({ accepted, clientSecretId: held?.id });
      if (!accepted) throw new NotAuthorizedException({ ...metadata, message: 'Incorrect client secret.' });
      const token = jwt({ sub: CLIENT_ID, client_id: CLIENT_ID, token_use: 'access', scope: 'api/read' });
      this.issuedTokens.push(token);
      return { ...metadata, ClientAuthenticationResult: { AccessToken: token, ExpiresIn: 3600, TokenType: 'Bearer' } };
    });
  }

  /** Configures the client's flows as Terraform does for `tokenPaths`. */
  serve(paths: ReadonlyArray<'oauth2' | 'api'>): void {
    this.allowedOAuthFlows = paths.includes('oauth2') ? ['client_credentials'] : [];
    this.explicitAuthFlows = paths.includes('api') ? ['ALLOW_CLIENT_TOKEN_AUTH'] : ['ALLOW_REFRESH_TOKEN_AUTH'];
  }

  /** A secret as Cognito would generate it, one day after the last, not yet held. */
  generate(): HeldSecret {
    this.clock += 86_400_000;
    const value = `generated${this.everyValue.length}secret`.padEnd(51, 'X');
    this.everyValue.push(value);
    return { id: `${CLIENT_ID}--${this.clock}`, value, createdAt: new Date(this.clock) };
  }

  get ids(): string[] {
    return this.secrets.map((s) => s.id);
  }
}

/** A logger that keeps its lines, for checking what was (and was not) logged. */
export class RecordingLogger implements RotationLogger {
  readonly lines: Array<Record<string, unknown>> = [];
  info(message: string, attributes: Record<string, unknown>): void {
    this.lines.push({ level: 'INFO', message, ...attributes });
  }
  warn(message: string, attributes: Record<string, unknown>): void {
    this.lines.push({ level: 'WARN', message, ...attributes });
  }
}

/** An unsigned JWT with `claims` (the rotation decodes, it does not verify). */
export function jwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', kid: 'test' })}.${part(claims)}.${Buffer.from('signature').toString('base64url')}`;
}

/** The error `promise` rejects with (failing the test if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string; cause?: unknown }> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error & { code?: string };
}

/** Fails if any of `values` appears anywhere in `text`. */
export function expectNoSecretIn(text: string, values: readonly string[]): void {
  for (const value of values) expect(text).not.toContain(value);
}
