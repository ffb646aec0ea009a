/**
 * What the client token flow function does, without the SDK clients: check Terraform's request, and
 * turn an app client as DescribeUserPoolClient shows it into the UpdateUserPoolClient request that
 * changes its explicit auth flows and nothing else.
 */
import type { UpdateUserPoolClientRequest, UserPoolClientType } from '@aws-sdk/client-cognito-identity-provider';
import { CLIENT_TOKEN_FLOW } from './token-paths';

// GetClientToken's flow. No AWS provider for Terraform accepts it yet (docs/client-token-api.md).
export { CLIENT_TOKEN_FLOW };

/** The flows this function sets: GetClientToken's alone, or back to refresh-token auth. */
const ALLOWED_FLOWS: readonly string[] = [CLIENT_TOKEN_FLOW, 'ALLOW_REFRESH_TOKEN_AUTH'];

/** What Terraform sends (`aws_lambda_invocation.input`). */
export interface FlowRequest {
  readonly userPoolId: string;
  readonly clientId: string;
  readonly explicitAuthFlows: readonly string[];
}

export class FlowRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlowRequestError';
  }
}

/**
 * The request, checked.
 *
 * @throws FlowRequestError naming the field and the rule
 * @example
 * parseFlowRequest({ userPoolId: 'eu-west-1_abc', clientId: '4tq3example', explicitAuthFlows: ['ALLOW_CLIENT_TOKEN_AUTH'] });
 */
export function parseFlowRequest(event: unknown): FlowRequest {
  const fields = (event && typeof event === 'object' ? event : {}) as Record<string, unknown>;
  for (const name of ['userPoolId', 'clientId'] as const) {
    if (typeof fields[name] !== 'string' || fields[name] === '') throw new FlowRequestError(`${name} must be a non-empty string`);
  }
  const flows = fields.explicitAuthFlows;
  if (!Array.isArray(flows) || flows.length !== 1 || !ALLOWED_FLOWS.includes(flows[0] as string)) {
    // GetClientToken's flow must be the client's only one; the other direction undoes it.
    throw new FlowRequestError(`explicitAuthFlows must be exactly one of ${ALLOWED_FLOWS.map((flow) => `["${flow}"]`).join(' or ')}`);
  }
  return { userPoolId: fields.userPoolId as string, clientId: fields.clientId as string, explicitAuthFlows: [flows[0] as string] };
}

/**
 * Every field UpdateUserPoolClient takes besides the ids and the flows. Typed as a complete record of
 * the bundled SDK's request, so a new field (which the update would otherwise reset to its default)
 * fails the type-check until it is listed here.
 */
const CARRIED_OVER: Record<Exclude<keyof UpdateUserPoolClientRequest, 'UserPoolId' | 'ClientId' | 'ExplicitAuthFlows'>, true> = {
  ClientName: true,
  RefreshTokenValidity: true,
  AccessTokenValidity: true,
  IdTokenValidity: true,
  TokenValidityUnits: true,
  ReadAttributes: true,
  WriteAttributes: true,
  SupportedIdentityProviders: true,
  CallbackURLs: true,
  LogoutURLs: true,
  DefaultRedirectURI: true,
  AllowedOAuthFlows: true,
  AllowedOAuthScopes: true,
  AllowedOAuthFlowsUserPoolClient: true,
  AnalyticsConfiguration: true,
  PreventUserExistenceErrors: true,
  EnableTokenRevocation: true,
  EnablePropagateAdditionalUserContextData: true,
  AuthSessionValidity: true,
  RefreshTokenRotation: true,
};

/** Whether the client already has exactly `flows` (in any order). */
export function hasFlows(client: UserPoolClientType, flows: readonly string[]): boolean {
  const current = client.ExplicitAuthFlows ?? [];
  return current.length === flows.length && flows.every((flow) => (current as string[]).includes(flow));
}

/**
 * The UpdateUserPoolClient request that gives `client` the requested flows and keeps every other
 * setting: UpdateUserPoolClient resets what it is not given.
 *
 * @example
 * updateRequestFor(described.UserPoolClient!, request).ExplicitAuthFlows; // ['ALLOW_CLIENT_TOKEN_AUTH']
 */
export function updateRequestFor(client: UserPoolClientType, request: FlowRequest): UpdateUserPoolClientRequest {
  const carried: Record<string, unknown> = {};
  for (const field of Object.keys(CARRIED_OVER) as Array<keyof typeof CARRIED_OVER>) {
    if (client[field as keyof UserPoolClientType] !== undefined) carried[field] = client[field as keyof UserPoolClientType];
  }
  return {
    ...(carried as Partial<UpdateUserPoolClientRequest>),
    UserPoolId: request.userPoolId,
    ClientId: request.clientId,
    // The SDK's enum predates the flow; the API takes the string.
    ExplicitAuthFlows: [...request.explicitAuthFlows] as UpdateUserPoolClientRequest['ExplicitAuthFlows'],
  };
}
