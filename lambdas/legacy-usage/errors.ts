/** A missing or invalid environment variable: the job fails every run until the configuration is fixed. */
export class LegacyUsageSettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LegacyUsageSettingsError';
  }
}

/**
 * CloudWatch `GetMetricData` failed, or answered with an error status. Nothing is published then: a
 * wrong 0 would tell the alarm that a caller in use can be removed.
 */
export class GetMetricDataError extends Error {
  constructor(message: string, options?: { readonly cause?: unknown }) {
    super(message, options);
    this.name = 'GetMetricDataError';
  }
}
