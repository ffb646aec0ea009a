import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Principal } from './principal';
import type { Reason } from './reasons';

/** CloudWatch namespace and metric name of every decision; the alarms and dashboard read these. */
export const METRICS_NAMESPACE = 'M2MAuth';
export const DECISIONS_METRIC = 'Decisions';
export const METRICS_SERVICE = 'authorizer';

/** One authorization decision, as logged and counted. */
export interface DecisionRecord {
  readonly allowed: boolean;
  readonly reason: Reason;
  readonly detail?: string;
  readonly principal?: Principal;
  /** Client id read from a token that failed verification after its signature checked out (e.g. expired). */
  readonly unverifiedClientId?: string;
  /** The scope that granted the route, when one did. */
  readonly grantedBy?: string;
  /** `GET /orders/{id}`, or what the request named when no route matched. */
  readonly route: string;
  readonly eventType: 'rest-token' | 'rest-request' | 'http';
  readonly cached: boolean;
  readonly latencyMs: number;
}

/**
 * Structured logs (Powertools Logger) and EMF metrics (Powertools Metrics) for decisions.
 *
 * Metric `Decisions` (Count) in namespace `M2MAuth`, published under three dimension sets, all with
 * `service` and `environment`: `decision`+`reason`, `client`+`decision` (configured client names and
 * `user-client` only) and `scope` (declared scopes only): every dimension has a bounded set of values.
 */
export class DecisionObserver {
  readonly logger: Logger;
  private readonly metrics: Metrics;

  constructor(environment: string) {
    this.logger = new Logger({ serviceName: 'm2m-auth-authorizer', persistentKeys: { environment } });
    this.metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: METRICS_SERVICE, defaultDimensions: { environment } });
  }

  record(decision: DecisionRecord): void {
    const { principal } = decision;
    const outcome = decision.allowed ? 'allow' : 'deny';
    this.logger.info('authorization decision', {
      decision: outcome,
      reason: decision.reason,
      detail: decision.detail,
      principalType: principal?.type,
      principalId: principal?.id,
      clientId: principal?.clientId ?? decision.unverifiedClientId,
      clientName: principal?.clientName,
      tokenUse: principal?.tokenUse,
      roles: principal?.roles,
      scopes: principal?.scopes,
      grantedBy: decision.grantedBy,
      route: decision.route,
      eventType: decision.eventType,
      cached: decision.cached,
      latencyMs: Math.round(decision.latencyMs * 1000) / 1000,
    });
    this.metrics.addDimensions({ decision: outcome, reason: decision.reason });
    if (principal) this.metrics.addDimensions({ client: principal.clientName, decision: outcome });
    if (decision.grantedBy) this.metrics.addDimensions({ scope: decision.grantedBy });
    this.metrics.addMetric(DECISIONS_METRIC, MetricUnit.Count, 1);
    this.metrics.publishStoredMetrics();
  }
}
