/**
 * Lambda entry of the daily legacy API-key usage check (EventBridge schedule). Per configured legacy
 * caller it sums the authorizer's allowed `Decisions` over the last `WINDOW_DAYS` whole UTC days and
 * publishes the total as `LegacyApiKeyUses30d`, so an alarm can say "unused: it can be removed" (alarms
 * themselves look back 7 days at most). Any failure throws: the function's Errors alarm is the signal.
 */
import { CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandInput, type MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { GetMetricDataError } from './errors';
import { LEGACY_USAGE_CALLER_DIMENSION, LEGACY_USAGE_METRIC, LEGACY_USAGE_SERVICE } from './metrics';
import { readSettings, type LegacyUsageSettings } from './settings';
import { metricDataRequest, sumUses, usageWindow } from './usage';

/** What one run found, also returned to whoever invoked it. */
export interface LegacyUsageReport {
  readonly windowStart: string;
  readonly windowEnd: string;
  readonly windowDays: number;
  /** Caller name -> allowed calls in the window. */
  readonly uses: Readonly<Record<string, number>>;
}

const cloudwatch = new CloudWatchClient({});
const logger = new Logger({ serviceName: LEGACY_USAGE_SERVICE, persistentKeys: { environment: process.env.ENVIRONMENT || 'unknown' } });

function load(): { settings: LegacyUsageSettings; metrics: Metrics } | Error {
  try {
    const settings = readSettings();
    const metrics = new Metrics({ namespace: settings.namespace, serviceName: LEGACY_USAGE_SERVICE, defaultDimensions: { environment: settings.environment } });
    return { settings, metrics };
  } catch (error) {
    const failure = error instanceof Error ? error : new Error(String(error));
    logger.error('legacy usage check is misconfigured; every run fails until it is fixed', { error: failure.message });
    return failure;
  }
}

const loaded = load();

async function readResults(request: GetMetricDataCommandInput): Promise<MetricDataResult[]> {
  const results: MetricDataResult[] = [];
  let nextToken: string | undefined;
  do {
    try {
      const page = await cloudwatch.send(new GetMetricDataCommand({ ...request, NextToken: nextToken }));
      results.push(...(page.MetricDataResults ?? []));
      nextToken = page.NextToken;
    } catch (error) {
      throw new GetMetricDataError(`GetMetricData failed for ${request.MetricDataQueries?.length} legacy callers`, { cause: error });
    }
  } while (nextToken);
  return results;
}

/**
 * Sums and publishes each legacy caller's uses; throws on a bad configuration or a CloudWatch failure,
 * publishing nothing then.
 *
 * @example
 * // EventBridge: rate(1 day) -> handler()
 * const report = await handler();
 * // { windowDays: 30, uses: { 'billing-batch': 1234, 'partner-feed': 0 }, ... }
 */
export async function handler(): Promise<LegacyUsageReport> {
  if (loaded instanceof Error) throw loaded;
  const { settings, metrics } = loaded;
  const window = usageWindow(new Date(), settings.windowDays);
  const report = { windowStart: window.start.toISOString(), windowEnd: window.end.toISOString(), windowDays: window.days };
  if (settings.callers.length === 0) {
    logger.info('no legacy callers configured; nothing to check', report);
    return { ...report, uses: {} };
  }

  const results = await readResults(metricDataRequest({ ...settings, window }));
  const uses = sumUses(settings.callers, results);
  for (const [caller, count] of uses) {
    metrics.addDimension(LEGACY_USAGE_CALLER_DIMENSION, caller);
    metrics.addMetric(LEGACY_USAGE_METRIC, MetricUnit.Count, count);
    metrics.publishStoredMetrics();
    logger.info('legacy caller usage', { caller, uses: count, windowDays: window.days });
  }
  const unused = [...uses].filter(([, count]) => count === 0).map(([caller]) => caller);
  logger.info('legacy usage checked', { ...report, callers: uses.size, unused });
  return { ...report, uses: Object.fromEntries(uses) };
}
