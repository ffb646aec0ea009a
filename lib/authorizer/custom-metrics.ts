/**
 * How many custom metrics an environment's authorizer can publish: CloudWatch bills each distinct
 * combination of namespace, metric name and dimension values. Counted from the real decision line
 * (lambdas/authorizer/decision-line.ts): every reason, every declared scope and every principal of the
 * config is formatted, and the distinct dimension sets with their values in the EMF directives are
 * counted, so the figure follows the code rather than a description of it.
 */
import { DecisionLineFormat, SERVICE_NAME, type DecisionLineOptions, type DecisionRecord } from '../../lambdas/authorizer/decision-line';
import type { Principal } from '../../lambdas/authorizer/principal';
import { REASONS, type Reason } from '../../lambdas/authorizer/reasons';
import { authorizerPolicyOf } from './authorizer-bundle';
import type { EnvironmentConfig } from '../config/schema';

interface EmfLine {
  readonly _aws: { readonly CloudWatchMetrics: ReadonlyArray<{ readonly Namespace: string; readonly Dimensions: ReadonlyArray<readonly string[]>; readonly Metrics: ReadonlyArray<{ readonly Name: string }> }> };
  readonly [dimension: string]: unknown;
}

/**
 * The distinct metrics (namespace, name, dimension values) the decision lines of `config`'s authorizer
 * can carry with `options`: each reason, each allowed principal (M2M clients, the user client, legacy
 * callers) with each scope that can grant a route, and without one.
 *
 * @example
 * customMetricCount(scaleConfig(1000), { perClientMetrics: true }); // 1025
 */
export function customMetricCount(config: EnvironmentConfig, options: DecisionLineOptions): number {
  const environment = config.name;
  const lines = new DecisionLineFormat({ level: 'INFO', message: 'authorization decision', service: SERVICE_NAME, environment }, environment, options);
  const scopes = [undefined, ...Object.keys(authorizerPolicyOf(config).scopeRoles).map((name) => `${config.resourceServer.identifier}/${name}`)];
  const principals = principalsOf(config);
  const metrics = new Set<string>();
  const count = (record: DecisionRecord) => {
    const line = JSON.parse(lines.format(record, 0, false)) as EmfLine;
    for (const directive of line._aws.CloudWatchMetrics) {
      for (const metric of directive.Metrics) {
        for (const dimensions of directive.Dimensions) metrics.add(JSON.stringify([directive.Namespace, metric.Name, dimensions.map((name) => [name, line[name]])]));
      }
    }
  };
  const base = { route: 'GET /orders', eventType: 'rest-token', cached: false, latencyMs: 1 } as const;
  for (const reason of Object.keys(REASONS) as Reason[]) {
    if (reason === 'allowed') continue;
    count({ ...base, allowed: false, reason });
    count({ ...base, allowed: false, reason, principal: principals[0] });
  }
  for (const principal of principals) {
    for (const grantedBy of scopes) count({ ...base, allowed: true, reason: 'allowed', principal, grantedBy });
  }
  return metrics.size;
}

/** One principal per caller the config names, as the authorizer would build it. */
function principalsOf(config: EnvironmentConfig): Principal[] {
  const principal = (type: Principal['type'], clientName: string): Principal => ({
    type,
    id: clientName,
    clientId: type === 'legacy-api-key' ? `legacy:${clientName}` : clientName,
    clientName,
    tokenUse: type === 'legacy-api-key' ? 'api-key' : 'access',
    scopes: [],
    roles: [],
    expiresAtMs: 0,
  });
  return [
    ...config.m2mClients.map((client) => principal('service', client.name)),
    ...(config.userClient ? [principal('user', 'user-client')] : []),
    ...(config.legacyApiKeys.enabled ? config.legacyApiKeys.callers.map((caller) => principal('legacy-api-key', caller.name)) : []),
  ];
}
