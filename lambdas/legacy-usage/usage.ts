import type { GetMetricDataCommandInput, MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { DECISIONS_METRIC } from '../authorizer/observability';
import { GetMetricDataError } from './errors';

export const DAY_SECONDS = 86_400;
const DAY_MS = DAY_SECONDS * 1000;
// Query ids must match ^[a-z][a-zA-Z0-9_]*$; caller names have hyphens, so ids are positional.
const QUERY_ID_PREFIX = 'caller';

/** The days summed: `end` is the start of the current UTC day, `start` is `days` days before it. */
export interface UsageWindow {
  readonly start: Date;
  readonly end: Date;
  readonly days: number;
}

/** Where the authorizer counts each legacy caller's allowed calls. */
export interface UsageQuery {
  readonly namespace: string;
  /** The `service` dimension of `Decisions`. */
  readonly authorizerService: string;
  readonly environment: string;
  readonly callers: readonly string[];
  readonly window: UsageWindow;
}

/**
 * The window ending at the start of the UTC day of `now`: whole days only, so every run sums complete
 * days and the start is aligned as CloudWatch requires for data older than 15 (minute) or 63 days (hour).
 *
 * @example
 * usageWindow(new Date('2025-03-31T13:45:00Z'), 30);
 * // { start: 2025-03-01T00:00:00Z, end: 2025-03-31T00:00:00Z, days: 30 }
 */
export function usageWindow(now: Date, days: number): UsageWindow {
  const end = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  return { start: new Date(end - days * DAY_MS), end: new Date(end), days };
}

/**
 * One `GetMetricData` request for every caller: per caller, the daily `Sum` of `Decisions` with the
 * dimensions `{ service, environment, client: <caller> }` (the set the authorizer emits allowed calls under).
 *
 * @example
 * const input = metricDataRequest({ namespace: 'M2MAuth', authorizerService: 'm2m-auth-authorizer', environment: 'prod', callers: ['billing-batch'], window });
 * await cloudwatch.send(new GetMetricDataCommand(input));
 */
export function metricDataRequest(query: UsageQuery): GetMetricDataCommandInput {
  return {
    StartTime: query.window.start,
    EndTime: query.window.end,
    MetricDataQueries: query.callers.map((caller, i) => ({
      Id: `${QUERY_ID_PREFIX}${i}`,
      Label: caller,
      ReturnData: true,
      MetricStat: {
        Metric: {
          Namespace: query.namespace,
          MetricName: DECISIONS_METRIC,
          Dimensions: [
            { Name: 'service', Value: query.authorizerService },
            { Name: 'environment', Value: query.environment },
            { Name: 'client', Value: caller },
          ],
        },
        Stat: 'Sum',
        Period: DAY_SECONDS,
      },
    })),
  };
}

/**
 * Sums the values of every page of results per caller (in the order of `callers`); a caller without
 * datapoints has 0.
 *
 * @throws GetMetricDataError when a result has an error status or an id the request did not send: a
 * wrong 0 would say that a caller in use can be removed.
 * @example
 * sumUses(['billing-batch', 'partner-feed'], [{ Id: 'caller0', Values: [3, 4] }, { Id: 'caller1', Values: [] }]);
 * // Map { 'billing-batch' => 7, 'partner-feed' => 0 }
 */
export function sumUses(callers: readonly string[], results: readonly MetricDataResult[]): ReadonlyMap<string, number> {
  const totals = new Map(callers.map((caller) => [caller, 0]));
  const byId = new Map(callers.map((caller, i) => [`${QUERY_ID_PREFIX}${i}`, caller]));
  for (const result of results) {
    const caller = result.Id === undefined ? undefined : byId.get(result.Id);
    if (caller === undefined) throw new GetMetricDataError(`GetMetricData returned a result for query id ${JSON.stringify(result.Id)}, which was not requested`);
    if (result.StatusCode === 'InternalError' || result.StatusCode === 'Forbidden') {
      const messages = (result.Messages ?? []).map((message) => `${message.Code}: ${message.Value}`).join('; ');
      throw new GetMetricDataError(`GetMetricData returned ${result.StatusCode} for caller ${caller}${messages ? ` (${messages})` : ''}`);
    }
    totals.set(caller, (result.Values ?? []).reduce((sum, value) => sum + value, totals.get(caller)!));
  }
  return totals;
}
