import { Logger, LogLevelThreshold } from '@aws-lambda-powertools/logger';
import { DECISION_MESSAGE, DecisionLineFormat, SERVICE_NAME, type DecisionLineOptions, type DecisionRecord } from './decision-line';

export { DECISION_MESSAGE, DECISIONS_METRIC, METRICS_NAMESPACE, SERVICE_NAME, type DecisionRecord } from './decision-line';

/** Powertools Logger, able to say which keys it puts on every line. */
class AuthorizerLogger extends Logger {
  /** The attributes of an INFO line with `message` and no extra keys, as this Logger would print it now. */
  standardKeys(message: string): Record<string, unknown> {
    const item = this.createAndPopulateLogItem(LogLevelThreshold.INFO, message, []);
    item.prepareForPrint();
    return item.getAttributes();
  }
}

/**
 * The authorizer's output. Each decision is one JSON line written to stdout once: the structured log
 * record (Powertools Logger's standard keys, taken from the Logger at start-up, plus the decision
 * fields) and the Embedded Metric Format document of the `Decisions` metric in one (see
 * {@link DecisionLineFormat}). That costs one `JSON.stringify` and one write per decision; Logger and
 * Metrics each serializing and writing their own line cost several times more (README, Benchmark).
 *
 * Everything else (start-up errors, deny-list warnings) goes through the Logger.
 */
export class DecisionObserver {
  readonly logger: Logger;
  private readonly lines: DecisionLineFormat;
  /** Whether decision lines carry the decision fields: the level is INFO or below. Above it, only the metric. */
  private readonly logFields: boolean;

  /** `options.perClientMetrics`: see {@link DecisionLineOptions}; @default false. */
  constructor(environment: string, options: DecisionLineOptions = {}) {
    const logger = new AuthorizerLogger({ serviceName: SERVICE_NAME, persistentKeys: { environment } });
    this.logger = logger;
    this.lines = new DecisionLineFormat(logger.standardKeys(DECISION_MESSAGE), environment, options);
    // Read once: the level comes from POWERTOOLS_LOG_LEVEL (or Lambda's log level) at start-up, and
    // reading it per decision goes through the environment.
    this.logFields = logger.level <= LogLevelThreshold.INFO;
  }

  record(decision: DecisionRecord): void {
    process.stdout.write(this.lines.format(decision, Date.now(), this.logFields, this.logFields ? xrayTraceId() : undefined));
  }
}

/** The X-Ray trace id of the current invocation, where Powertools Logger reads it from. */
function xrayTraceId(): string | undefined {
  const header = (globalThis as { awslambda?: { InvokeStore?: { getXRayTraceId(): string | undefined } } }).awslambda?.InvokeStore?.getXRayTraceId() ?? process.env._X_AMZN_TRACE_ID;
  if (!header) return undefined;
  if (!header.includes('=')) return header;
  for (const field of header.split(';')) if (field.startsWith('Root=')) return field.slice(5);
  return undefined;
}
