/**
 * What on-call sees: alarms on faults (never on ordinary 401/403) to an encrypted SNS topic, the
 * dashboard, and the daily usage check of the API-key migration.
 */
export * from './client-calls-rule';
export * from './legacy-usage-check';
export * from './monitoring';
