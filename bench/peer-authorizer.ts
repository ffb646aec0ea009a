/**
 * The naive peer of the authorizer bench: the Lambda authorizer a team would write the obvious way
 * with the same libraries, to answer "what does ours cost against what a user would otherwise write".
 * It verifies with `CognitoJwtVerifier` on every call (no token cache), checks the scope the route
 * needs, logs the decision with Powertools Logger, emits the same `Decisions` metric with Powertools
 * Metrics (`publishStoredMetrics` per call) and returns an IAM policy for the method ARN.
 *
 * It does less than ours (no deny-list, no per-client scope check, no header prechecks, no user
 * tokens) and is not deployed anywhere: bench/authorizer.ts bundles it with esbuild exactly as synth
 * bundles ours and runs both in one process.
 */
import { readFileSync } from 'node:fs';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { CognitoJwtVerifier } from 'aws-jwt-verify';
import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent } from 'aws-lambda';

/** `GET /orders/{id}` -> the scope it needs (`api/read`), compiled in at bundle time. */
declare const __PEER_ROUTE_SCOPES__: Record<string, string>;

const environment = process.env.ENVIRONMENT ?? 'unknown';
const logger = new Logger({ serviceName: 'm2m-auth-authorizer', persistentKeys: { environment } });
const metrics = new Metrics({ namespace: 'M2MAuth', serviceName: 'm2m-auth-authorizer', defaultDimensions: { environment } });

/** Client id -> name, from the client registry file (`[[clientId, name, scopes], ...]`) that ours reads too, read once at init. */
const clients = new Map((JSON.parse(readFileSync(process.env.CLIENT_REGISTRY_FILE!, 'utf8')) as Array<[string, string, string[]]>).map(([id, name]) => [id, name]));

/** Exported so that the bench can hand it the JWKS; deployed, it would fetch it from Cognito on first use. */
export const verifier = CognitoJwtVerifier.create({ userPoolId: process.env.USER_POOL_ID!, tokenUse: 'access', clientId: [...clients.keys()] });

const routes = Object.entries(__PEER_ROUTE_SCOPES__).map(([key, scope]) => {
  const [method, path] = key.split(' ');
  return { key, method, pattern: new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}$`), scope };
});

export async function handler(event: APIGatewayTokenAuthorizerEvent): Promise<APIGatewayAuthorizerResult> {
  const started = performance.now();
  // arn:aws:execute-api:<region>:<account>:<apiId>/<stage>/<METHOD>/<path>
  const [, , method, ...path] = event.methodArn.split(':')[5].split('/');
  const route = routes.find((candidate) => candidate.method === method && candidate.pattern.test(`/${path.join('/')}`));

  let payload;
  try {
    payload = await verifier.verify(event.authorizationToken.replace(/^Bearer /i, ''));
  } catch (error) {
    record({ decision: 'deny', reason: 'invalid_token', detail: (error as Error).name, route: route?.key, latencyMs: performance.now() - started });
    throw new Error('Unauthorized');
  }

  const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
  const allowed = route !== undefined && scopes.includes(route.scope);
  const clientName = clients.get(payload.client_id as string);
  record({
    decision: allowed ? 'allow' : 'deny',
    reason: allowed ? 'allowed' : 'insufficient_scope',
    principalId: payload.sub,
    clientId: payload.client_id,
    clientName,
    scopes,
    grantedBy: allowed ? route.scope : undefined,
    route: route?.key,
    latencyMs: performance.now() - started,
  });
  return {
    principalId: payload.sub,
    policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: allowed ? 'Allow' : 'Deny', Resource: event.methodArn }] },
    context: { clientId: payload.client_id as string, clientName: clientName ?? '', scopes: scopes.join(' ') },
  };
}

function record(fields: { decision: string; reason: string; clientName?: string; grantedBy?: string; [key: string]: unknown }): void {
  logger.info('authorization decision', fields);
  metrics.addDimensions({ decision: fields.decision, reason: fields.reason });
  if (fields.decision === 'allow' && fields.clientName) metrics.addDimensions({ client: fields.clientName });
  if (fields.grantedBy) metrics.addDimensions({ scope: fields.grantedBy });
  metrics.addMetric('Decisions', MetricUnit.Count, 1);
  metrics.publishStoredMetrics();
}
