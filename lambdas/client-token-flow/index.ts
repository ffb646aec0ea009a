/**
 * Lambda entry of the client token flow: gives an app client `ALLOW_CLIENT_TOKEN_AUTH` as its only
 * explicit auth flow, which Cognito's `GetClientToken` needs and which no AWS provider for Terraform
 * accepts yet (the provider checks the list against an AWS SDK enum that lacks it). Terraform invokes
 * it once per client with `tokenPaths` "api" (`aws_lambda_invocation`, again when the client is
 * replaced), and leaves the flows alone afterwards (`ignore_changes`). It reads the client, and
 * updates it with every setting as read and the new flows; it returns the flows, never the secret.
 * Any failure throws, which fails the apply with the reason.
 */
import { CognitoIdentityProviderClient, DescribeUserPoolClientCommand, UpdateUserPoolClientCommand } from '@aws-sdk/client-cognito-identity-provider';
import { Logger } from '@aws-lambda-powertools/logger';
import { hasFlows, parseFlowRequest, updateRequestFor } from './flows';

export const CLIENT_TOKEN_FLOW_SERVICE = 'm2m-auth-client-token-flow';

const cognito = new CognitoIdentityProviderClient({});
const logger = new Logger({ serviceName: CLIENT_TOKEN_FLOW_SERVICE, persistentKeys: { environment: process.env.ENVIRONMENT || 'unknown' } });

/** What Terraform keeps in state (`aws_lambda_invocation.result`). */
export interface FlowResult {
  readonly clientId: string;
  readonly explicitAuthFlows: readonly string[];
  /** False when the client had the flows already. */
  readonly changed: boolean;
}

export async function handler(event: unknown): Promise<FlowResult> {
  const request = parseFlowRequest(event);
  const described = await cognito.send(new DescribeUserPoolClientCommand({ UserPoolId: request.userPoolId, ClientId: request.clientId }));
  const client = described.UserPoolClient;
  if (!client) throw new Error(`app client ${request.clientId} of ${request.userPoolId}: DescribeUserPoolClient returned no client`);
  if (hasFlows(client, request.explicitAuthFlows)) {
    logger.info('app client already has the flows', { clientId: request.clientId, explicitAuthFlows: request.explicitAuthFlows });
    return { clientId: request.clientId, explicitAuthFlows: request.explicitAuthFlows, changed: false };
  }
  const updated = await cognito.send(new UpdateUserPoolClientCommand(updateRequestFor(client, request)));
  const flows = (updated.UserPoolClient?.ExplicitAuthFlows ?? []) as string[];
  if (!hasFlows({ ExplicitAuthFlows: flows as never }, request.explicitAuthFlows)) {
    throw new Error(`app client ${request.clientId}: UpdateUserPoolClient left the flows ${JSON.stringify(flows)}, not ${JSON.stringify(request.explicitAuthFlows)}`);
  }
  logger.info('app client flows set', { clientId: request.clientId, from: client.ExplicitAuthFlows ?? [], explicitAuthFlows: flows });
  return { clientId: request.clientId, explicitAuthFlows: flows, changed: true };
}
