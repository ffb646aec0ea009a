/**
 * The sandbox's Cognito API (AWS JSON 1.1, `AWSCognitoIdentityProviderService.<Operation>`): the
 * client-secret operations that secret rotation needs, and GetClientToken, the API path to an M2M
 * access token.
 */
import { CLIENT_TOKEN_FLOW } from '../lambdas/client-token-flow/token-paths';
import { CLIENT_TOKEN_REFUSALS, type ClientTokenRefusalKind } from './client-token-errors';
import { AwsApiError, COGNITO_TARGET_PREFIX, invalidParameter, notFound, optionalString, requiredString, seconds, type AwsInput, type AwsOperation } from './aws-json';
import { MAX_CLIENT_SECRETS, type SandboxClient, type SandboxState } from './state';
import { issueM2mAccessToken, matchesASecret } from './token-endpoint';

export interface SandboxCognitoApiOptions {
  readonly state: SandboxState;
  /** The `iss` of the tokens GetClientToken issues: the same as the token endpoint's. */
  readonly issuer: string;
}

/** A GetClientToken refusal from the table in sandbox/client-token-errors.ts, with Cognito-like words. */
function refusal(kind: ClientTokenRefusalKind, message: string): AwsApiError {
  return new AwsApiError(CLIENT_TOKEN_REFUSALS[kind].type, message);
}

/**
 * Cognito's AddUserPoolClientSecret, ListUserPoolClientSecrets, DeleteUserPoolClientSecret,
 * DescribeUserPoolClient (what the rotation Lambda reads of a client's flows) and GetClientToken on the
 * sandbox's clients. GetClientToken authenticates the client with either of its
 * secrets, needs `api` among its config's `tokenPaths` (ALLOW_CLIENT_TOKEN_AUTH on AWS), and issues the
 * token `/oauth2/token` would (same claims, key and validity). Requests are accepted signed (SigV4, as
 * the SDK sends them) or unsigned: Cognito evaluates no IAM for GetClientToken, and the sandbox for none.
 *
 * @example
 * const cognito = new SandboxCognitoApi({ state, issuer });
 * const output = await cognito.operations['AWSCognitoIdentityProviderService.GetClientToken']({ ClientId, Secret });
 */
export class SandboxCognitoApi {
  /** The operations, by `X-Amz-Target`. */
  readonly operations: Readonly<Record<string, AwsOperation>>;

  constructor(private readonly options: SandboxCognitoApiOptions) {
    const cognito = COGNITO_TARGET_PREFIX;
    this.operations = {
      [`${cognito}.AddUserPoolClientSecret`]: (input) => this.addUserPoolClientSecret(input),
      [`${cognito}.ListUserPoolClientSecrets`]: (input) => this.listUserPoolClientSecrets(input),
      [`${cognito}.DeleteUserPoolClientSecret`]: (input) => this.deleteUserPoolClientSecret(input),
      [`${cognito}.DescribeUserPoolClient`]: (input) => this.describeUserPoolClient(input),
      [`${cognito}.GetClientToken`]: (input) => this.getClientToken(input),
    };
  }

  private get state(): SandboxState {
    return this.options.state;
  }

  private poolClient(input: AwsInput): SandboxClient {
    const poolId = requiredString(input, 'UserPoolId');
    const clientId = requiredString(input, 'ClientId');
    if (poolId !== this.state.poolId) throw notFound(`User pool ${poolId} does not exist.`);
    const client = this.state.clients.find((c) => c.clientId === clientId);
    if (!client) throw notFound(`User pool client ${clientId} does not exist.`);
    return client;
  }

  private addUserPoolClientSecret(input: AwsInput): object {
    const client = this.poolClient(input);
    const chosen = optionalString(input, 'ClientSecret');
    if (client.secrets.length >= MAX_CLIENT_SECRETS) throw new AwsApiError('LimitExceededException', `app client ${client.clientId} already has ${MAX_CLIENT_SECRETS} secrets; delete one first`);
    const added = this.state.addClientSecret(client.name, chosen);
    return {
      ClientSecretDescriptor: {
        ClientSecretId: added.id,
        ...(chosen === undefined ? { ClientSecretValue: added.value } : {}),
        ClientSecretCreateDate: seconds(Date.parse(added.createdAt)),
      },
    };
  }

  private listUserPoolClientSecrets(input: AwsInput): object {
    const client = this.poolClient(input);
    return { ClientSecrets: client.secrets.map((secret) => ({ ClientSecretId: secret.id, ClientSecretCreateDate: seconds(Date.parse(secret.createdAt)) })) };
  }

  private deleteUserPoolClientSecret(input: AwsInput): object {
    const client = this.poolClient(input);
    const secretId = requiredString(input, 'ClientSecretId');
    if (!client.secrets.some((secret) => secret.id === secretId)) throw notFound(`Client secret ${secretId} does not exist.`);
    if (client.secrets.length === 1) throw invalidParameter(`Client secret ${secretId} is the only secret of app client ${client.clientId}; add another before deleting it.`);
    this.state.deleteClientSecret(client.name, secretId);
    return {};
  }

  /**
   * The app client as the stack configures it: `client_credentials` among AllowedOAuthFlows for the
   * `oauth2` path, ExplicitAuthFlows `[ALLOW_CLIENT_TOKEN_AUTH]` (it must be the only one) for `api`,
   * else `[ALLOW_REFRESH_TOKEN_AUTH]`. ClientSecret is the current one, as Cognito answers with one.
   */
  private describeUserPoolClient(input: AwsInput): object {
    const client = this.poolClient(input);
    const oauth2 = client.tokenPaths.includes('oauth2');
    const created = seconds(Date.parse(client.secrets[0].createdAt));
    return {
      UserPoolClient: {
        UserPoolId: this.state.poolId,
        ClientName: client.name,
        ClientId: client.clientId,
        ClientSecret: client.clientSecret,
        LastModifiedDate: created,
        CreationDate: created,
        AccessTokenValidity: client.accessTokenValidityMinutes,
        TokenValidityUnits: { AccessToken: 'minutes' },
        ExplicitAuthFlows: client.tokenPaths.includes('api') ? [CLIENT_TOKEN_FLOW] : ['ALLOW_REFRESH_TOKEN_AUTH'],
        ...(oauth2 ? { SupportedIdentityProviders: ['COGNITO'], AllowedOAuthFlows: ['client_credentials'] } : {}),
        AllowedOAuthScopes: [...client.scopes],
        AllowedOAuthFlowsUserPoolClient: oauth2,
        EnableTokenRevocation: true,
      },
    };
  }

  /**
   * `{ClientId, Secret, Scopes?, ClientMetadata?}` -> `{ClientAuthenticationResult: {AccessToken, ExpiresIn, TokenType}}`.
   * Refusals: sandbox/client-token-errors.ts. Without `Scopes` (or with an empty list, as `/oauth2/token`
   * without `scope`) the token has all the client's scopes. ClientMetadata is checked and ignored: the
   * sandbox runs no pre token generation trigger.
   */
  private getClientToken(input: AwsInput): object {
    const required = (name: string) => {
      const value = input[name];
      if (typeof value !== 'string' || value === '') throw refusal('missingParameter', `Missing required parameter ${name}`);
      return value;
    };
    const clientId = required('ClientId');
    const secret = required('Secret');
    const scopes = input.Scopes;
    if (scopes !== undefined && scopes !== null && (!Array.isArray(scopes) || scopes.some((scope) => typeof scope !== 'string' || scope === ''))) {
      throw refusal('malformedParameter', 'Scopes must be a list of non-empty strings');
    }
    const metadata = input.ClientMetadata;
    if (metadata !== undefined && metadata !== null && (typeof metadata !== 'object' || Array.isArray(metadata) || Object.values(metadata).some((value) => typeof value !== 'string'))) {
      throw refusal('malformedParameter', 'ClientMetadata must be a map of strings to strings');
    }
    const client = this.state.clients.find((c) => c.clientId === clientId);
    if (!client || !matchesASecret(client, secret)) throw refusal('clientAuthenticationFailed', 'Invalid client or secret');
    if (!client.tokenPaths.includes('api')) {
      throw refusal('clientTokenAuthNotEnabled', `Client ${clientId} is not enabled for GetClientToken (ALLOW_CLIENT_TOKEN_AUTH; in the config: tokenPaths lacks "api")`);
    }
    const requested = (scopes as string[] | undefined | null) ?? [];
    const granted = requested.length > 0 ? requested : [...client.scopes];
    const unknown = granted.find((scope) => !client.scopes.includes(scope));
    if (unknown !== undefined) throw refusal('scopeNotAllowed', `Invalid scope requested: ${unknown.replace(/[^\x20-\x7e]/g, '?').slice(0, 200)}`);
    const { accessToken, expiresInSeconds } = issueM2mAccessToken(client, granted, { issuer: this.options.issuer, key: this.state.signingKey });
    return { ClientAuthenticationResult: { AccessToken: accessToken, ExpiresIn: expiresInSeconds, TokenType: 'Bearer' } };
  }
}
