/**
 * The token paths an app client serves, read from Cognito, and the ones createSecret writes into the
 * pending version: the secret follows the app client, so a client whose `tokenPaths` changed in config
 * gets a secret that says so at its next rotation (`npm run rotate`), without Terraform rewriting it.
 */
import { DescribeUserPoolClientCommand, type DescribeUserPoolClientCommandOutput } from '@aws-sdk/client-cognito-identity-provider';
import { tokenPathsOf } from '../client-token-flow/token-paths';
import { awsCall } from './aws-call';
import { DEFAULT_TOKEN_PATHS, type ParsedClientCredentials, type PendingTokenPaths, type TokenPath } from './client-credentials';
import type { AppClientRef } from './cognito-secrets';
import { AwsCallError } from './errors';

/**
 * The paths the app client serves (lambdas/client-token-flow/token-paths.ts `tokenPathsOf`).
 * Reads only the flows: DescribeUserPoolClient's answer also holds a client secret, which goes no further.
 *
 * @example
 * await readClientTokenPaths({ cognito, userPoolId: 'eu-west-1_AbC123', clientId: '4tq3example' }); // => ['oauth2', 'api']
 */
export async function readClientTokenPaths(ref: AppClientRef): Promise<TokenPath[]> {
  const target = `client ${ref.clientId} of user pool ${ref.userPoolId}`;
  const output = await awsCall<DescribeUserPoolClientCommandOutput>(ref.cognito, new DescribeUserPoolClientCommand({ UserPoolId: ref.userPoolId, ClientId: ref.clientId }), 'DescribeUserPoolClient', target);
  const client = output.UserPoolClient;
  if (!client) throw new AwsCallError('DescribeUserPoolClient', 'InvalidResponse', `DescribeUserPoolClient for ${target} returned no UserPoolClient`);
  return tokenPathsOf(client);
}

/** What createSecret writes about the paths: `paths` (none: carry the current version's fields as they are), and what it left out. */
export interface PendingTokenPathsDecision {
  readonly paths?: PendingTokenPaths;
  /** Paths the client serves that the pending version cannot name: oauth2 when no token_endpoint is known. */
  readonly omitted: readonly TokenPath[];
}

const sameSet = (a: readonly TokenPath[], b: readonly TokenPath[]) => a.length === b.length && a.every((path) => b.includes(path));

/**
 * The paths the pending version names: the client's, minus oauth2 when neither the current version
 * nor the environment (`knownTokenEndpoint`, TOKEN_ENDPOINT) gives a token_endpoint. Nothing is written
 * for a client on the default path whose version never had `token_paths`, so those values keep the
 * shape Terraform writes. `region` is the current version's, else the Lambda's. `paths` with no entry
 * means the client serves no path this version can name; the caller refuses.
 *
 * @example
 * pendingTokenPaths(['oauth2', 'api'], current, 'eu-west-1', 'https://auth.example.com/oauth2/token');
 * // { paths: { token_paths: ['oauth2', 'api'], region: 'eu-west-1' }, omitted: [] }
 */
export function pendingTokenPaths(clientPaths: readonly TokenPath[], current: ParsedClientCredentials, lambdaRegion: string, knownTokenEndpoint?: string): PendingTokenPathsDecision {
  const { token_endpoint: tokenEndpoint, region } = current.credentials;
  const endpoint = tokenEndpoint ?? knownTokenEndpoint;
  const omitted = clientPaths.filter((path) => path === 'oauth2' && endpoint === undefined);
  const paths = clientPaths.filter((path) => !omitted.includes(path));
  if (current.fields.token_paths === undefined && sameSet(paths, DEFAULT_TOKEN_PATHS)) return { omitted };
  const gained = paths.includes('oauth2') && tokenEndpoint === undefined ? { token_endpoint: endpoint } : {};
  return { paths: { token_paths: paths, region: region ?? lambdaRegion, ...gained }, omitted };
}
