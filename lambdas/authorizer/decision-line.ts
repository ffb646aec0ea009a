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
 * The dimension sets of the `Decisions` metric, each with `service` and `environment`:
 * `decision`+`reason` (every decision), `client` (allowed calls of legacy API-key callers always, of
 * every client only with per-client metrics: see {@link DecisionLineOptions}) and `scope` (the declared
 * scope that granted the route). Every dimension has a bounded set of values, and no key but `service`
 * and `environment` is in two sets.
 */
export const DIMENSION_SETS = {
  reason: ['service', 'environment', 'decision', 'reason'],
  client: ['service', 'environment', 'client'],
  scope: ['service', 'environment', 'scope'],
} as const;

/**
 * The `CloudWatchMetrics` directive of each shape a decision can take, indexed by
 * `(client ? 1 : 0) | (scope ? 2 : 0)`: the same four strings for the life of the process.
 */
const DIRECTIVES = [0, 1, 2, 3].map((shape) =>
  JSON.stringify([
    {
      Namespace: METRICS_NAMESPACE,
      Dimensions: [DIMENSION_SETS.reason, ...(shape & 1 ? [DIMENSION_SETS.client] : []), ...(shape & 2 ? [DIMENSION_SETS.scope] : [])],
      Metrics: [{ Name: DECISIONS_METRIC, Unit: 'Count' }],
    },
  ]),
);

/** How decision lines are counted. */
export interface DecisionLineOptions {
  /**
   * Whether every allowed call carries the `client` dimension set: one billed custom metric per client
   * (M2M clients and `user-client`). Legacy API-key callers always carry it (a small, bounded set that
   * the legacy usage check reads). Without it, calls per client are counted from the log line
   * (`message`, `decision`, `clientName`) by a Contributor Insights rule.
   * @default false
   */
  readonly perClientMetrics?: boolean;
}

/** The `message` of every decision line; the Contributor Insights rule filters on it. */
export const DECISION_MESSAGE = 'authorization decision';

/**
 * Formats each decision as one JSON line that is both the structured log record (the Logger's
 * standard keys plus the decision fields) and an Embedded Metric Format document (`_aws` plus the
 * dimension values at the top level): CloudWatch extracts the metric, Logs Insights reads the fields.
 *
 * Per decision it makes one `JSON.stringify` of the decision's fields; the standard keys and the
 * metric directives are serialized once, at start-up.
 *
 * @example
 * const lines = new DecisionLineFormat({ level: 'INFO', message: DECISION_MESSAGE, service: SERVICE_NAME, environment: 'dev' }, 'dev', { perClientMetrics: false });
 * process.stdout.write(lines.format(record, Date.now(), true));
 */
export class DecisionLineFormat {
  /** `{"level":"INFO",...,` : the standard log keys, without `timestamp` and `xray_trace_id`. */
  private readonly logHead: string;
  /** `{"service":"...","environment":"...",` : the dimension values every decision shares. */
  private readonly metricHead: string;
  private readonly perClientMetrics: boolean;

  /**
   * @param standardKeys the keys every log line carries (level, message, service, persistent keys):
   *   what the Logger would print on an INFO line, less `timestamp` and `xray_trace_id`, which vary.
   * @param environment the `environment` dimension.
   */
  constructor(standardKeys: Readonly<Record<string, unknown>>, environment: string, options: DecisionLineOptions = {}) {
    this.perClientMetrics = options.perClientMetrics ?? false;
    const { timestamp: _timestamp, xray_trace_id: _xray, ...keys } = standardKeys;
    if (keys.service !== SERVICE_NAME || keys.environment !== environment) {
      throw new Error(`decision lines need service ${SERVICE_NAME} and environment ${environment} among the standard log keys`);
    }
    this.logHead = `${JSON.stringify(keys).slice(0, -1)},`;
    this.metricHead = `${JSON.stringify({ service: SERVICE_NAME, environment }).slice(0, -1)},`;
  }

  /**
   * The newline-terminated line for one decision. `logFields: false` (log level above INFO) leaves
   * only what the metric needs, plus, for an allowed call counted without the `client` dimension,
   * what the Contributor Insights rule reads (`message`, `clientName`); the metric is never dropped.
   */
  format(record: DecisionRecord, nowMs: number, logFields: boolean, xrayTraceId?: string): string {
    const { principal } = record;
    const perClient = record.allowed && principal !== undefined && (this.perClientMetrics || principal.type === 'legacy-api-key');
    const client = perClient ? principal.clientName : undefined;
    const scope = record.grantedBy;
    const decision = record.allowed ? 'allow' : 'deny';
    const directive = DIRECTIVES[(client === undefined ? 0 : 1) | (scope === undefined ? 0 : 2)];
    const metric = `"Decisions":1,"_aws":{"Timestamp":${nowMs},"CloudWatchMetrics":${directive}}}\n`;
    if (!logFields) {
      const counted = record.allowed && !perClient ? { message: DECISION_MESSAGE, clientName: principal?.clientName } : {};
      return `${this.metricHead}${JSON.stringify({ ...counted, decision, reason: record.reason, client, scope }).slice(1, -1)},${metric}`;
    }

    // Undefined fields are left out, as the Logger leaves them out (and empty strings: `detail`).
    const fields = JSON.stringify({
      timestamp: new Date(nowMs).toISOString(),
      xray_trace_id: xrayTraceId,
      decision,
      reason: record.reason,
      detail: record.detail || undefined,
      principalType: principal?.type,
      principalId: principal?.id,
      clientId: principal ? principal.clientId : record.unverifiedClientId,
      clientName: principal?.clientName,
      tokenUse: principal?.tokenUse,
      roles: principal?.roles,
      scopes: principal?.scopes,
      ignoredScopes: principal?.ignoredScopes,
      grantedBy: scope,
      route: record.route,
      eventType: record.eventType,
      cached: record.cached,
      latencyMs: Math.round(record.latencyMs * 1000) / 1000,
      client,
      scope,
    });
    return `${this.logHead}${fields.slice(1, -1)},${metric}`;
  }
}
