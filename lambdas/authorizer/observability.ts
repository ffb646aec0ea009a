import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Principal } from './principal';
import type { Reason } from './reasons';

/** CloudWatch namespace and metric name of every decision; the alarms and dashboard read these. */
export const METRICS_NAMESPACE = 'M2MAuth';
export const DECISIONS_METRIC = 'Decisions';
/** The `service` of the log lines, and the `service` dimension of the metrics. */
export const SERVICE_NAME = 'm2m-auth-authorizer';

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
 * One structured JSON log line per decision (Powertools Logger) and one Embedded Metric Format
 * document (Powertools Metrics). Merging the two into one line was measured slower: Logger deep-merges
 * nested attributes such as `_aws`.
 *
 * Metric `Decisions` (Count) in namespace `M2MAuth`, under three dimension sets, each with `service`
 * and `environment`: `decision`+`reason` (every decision), `client` (allowed calls: usage per client;
 * configured client names and `user-client` only) and `scope` (the declared scope that granted the
 * route). Every dimension has a bounded set of values, and no key is in two sets.
 */
export class DecisionObserver {
  readonly logger: Logger;
  private readonly metrics: Metrics;

  constructor(environment: string) {
    this.logger = new Logger({ serviceName: SERVICE_NAME, persistentKeys: { environment } });
    this.metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME, defaultDimensions: { environment } });
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
      ignoredScopes: principal?.ignoredScopes,
      grantedBy: decision.grantedBy,
      route: decision.route,
      eventType: decision.eventType,
      cached: decision.cached,
      latencyMs: Math.round(decision.latencyMs * 1000) / 1000,
    });
    this.metrics.addDimensions({ decision: outcome, reason: decision.reason });
    if (decision.allowed && principal) this.metrics.addDimensions({ client: principal.clientName });
    if (decision.grantedBy) this.metrics.addDimensions({ scope: decision.grantedBy });
    this.metrics.addMetric(DECISIONS_METRIC, MetricUnit.Count, 1);
    this.metrics.publishStoredMetrics();
  }
}
