/**
 * What the daily legacy-usage job publishes; the "unused legacy caller" alarms and the dashboard read
 * these constants, so the infrastructure and the job cannot drift apart.
 */

/**
 * Gauge (Count) per legacy caller: the caller's allowed calls over the window (`WINDOW_DAYS`, 30 unless
 * configured otherwise). The name stays fixed so the alarms need not change with the window.
 */
export const LEGACY_USAGE_METRIC = 'LegacyApiKeyUses30d';
/** The job's `service`: its log lines and the `service` dimension of {@link LEGACY_USAGE_METRIC}. */
export const LEGACY_USAGE_SERVICE = 'm2m-auth-legacy-usage';
/** The dimension holding the caller's configured name, next to `service` and `environment`. */
export const LEGACY_USAGE_CALLER_DIMENSION = 'caller';
