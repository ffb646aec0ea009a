/** The pure parts of the legacy-usage job, from source: settings, the window, the request, the sums. */
import { GetMetricDataError, LegacyUsageSettingsError } from '../../lambdas/legacy-usage/errors';
import { LEGACY_USAGE_ENV, MAX_CALLERS, readSettings } from '../../lambdas/legacy-usage/settings';
import { metricDataRequest, sumUses, usageWindow } from '../../lambdas/legacy-usage/usage';

describe('readSettings', () => {
  test('default setup', () => {
    expect(readSettings({ ENVIRONMENT: 'prod', LEGACY_CALLERS: 'billing-batch,partner-feed' })).toEqual({
      environment: 'prod',
      callers: ['billing-batch', 'partner-feed'],
      windowDays: 30,
      namespace: 'M2MAuth',
      authorizerService: 'm2m-auth-authorizer',
    });
  });

  test('reads every variable it names', () => {
    const env = { ENVIRONMENT: 'dev', LEGACY_CALLERS: ' a , b ', WINDOW_DAYS: '455', METRICS_NAMESPACE: 'Custom', AUTHORIZER_SERVICE: 'svc' };
    expect(Object.values(LEGACY_USAGE_ENV).sort()).toEqual(Object.keys(env).sort());
    expect(readSettings(env)).toEqual({ environment: 'dev', callers: ['a', 'b'], windowDays: 455, namespace: 'Custom', authorizerService: 'svc' });
  });

  test('an empty LEGACY_CALLERS means no callers', () => {
    expect(readSettings({ ENVIRONMENT: 'prod', LEGACY_CALLERS: '' }).callers).toEqual([]);
    expect(readSettings({ ENVIRONMENT: 'prod', LEGACY_CALLERS: '  ' }).callers).toEqual([]);
  });

  test.each([
    [{ LEGACY_CALLERS: 'a' }, 'Environment variable ENVIRONMENT is required'],
    [{ ENVIRONMENT: '', LEGACY_CALLERS: 'a' }, 'Environment variable ENVIRONMENT is required'],
    [{ ENVIRONMENT: 'prod' }, 'Environment variable LEGACY_CALLERS is required'],
    [{ ENVIRONMENT: 'prod', LEGACY_CALLERS: 'a,,b' }, 'LEGACY_CALLERS must be caller names separated by commas; entry 2 is empty'],
    [{ ENVIRONMENT: 'prod', LEGACY_CALLERS: 'a,' }, 'LEGACY_CALLERS must be caller names separated by commas; entry 2 is empty'],
    [{ ENVIRONMENT: 'prod', LEGACY_CALLERS: 'a,b,a' }, 'LEGACY_CALLERS lists "a" twice; list each caller once'],
    [{ ENVIRONMENT: 'prod', LEGACY_CALLERS: 'a', WINDOW_DAYS: '0' }, 'WINDOW_DAYS must be a positive integer; received "0"'],
    [{ ENVIRONMENT: 'prod', LEGACY_CALLERS: 'a', WINDOW_DAYS: '-3' }, 'WINDOW_DAYS must be a positive integer; received "-3"'],
    [{ ENVIRONMENT: 'prod', LEGACY_CALLERS: 'a', WINDOW_DAYS: '1.5' }, 'WINDOW_DAYS must be a positive integer; received "1.5"'],
    [{ ENVIRONMENT: 'prod', LEGACY_CALLERS: 'a', WINDOW_DAYS: '1e2' }, 'WINDOW_DAYS must be a positive integer; received "1e2"'],
    [{ ENVIRONMENT: 'prod', LEGACY_CALLERS: 'a', WINDOW_DAYS: '456' }, 'WINDOW_DAYS must be at most 455 (CloudWatch keeps metrics for 15 months); received "456"'],
  ])('fails when the environment is %j', (env, message) => {
    expect(() => readSettings(env)).toThrow(new LegacyUsageSettingsError(message));
    expect(() => readSettings(env)).toThrow(LegacyUsageSettingsError);
  });

  test('fails when there are more callers than one GetMetricData call can query', () => {
    const callers = Array.from({ length: MAX_CALLERS + 1 }, (_, i) => `caller-${i}`).join(',');
    expect(() => readSettings({ ENVIRONMENT: 'prod', LEGACY_CALLERS: callers })).toThrow('LEGACY_CALLERS must list at most 500 callers (one GetMetricData call); received 501');
  });
});

describe('usageWindow', () => {
  test.each([
    ['2025-03-31T13:45:12.345Z', 30, '2025-03-01T00:00:00.000Z', '2025-03-31T00:00:00.000Z'],
    ['2025-03-31T00:00:00.000Z', 30, '2025-03-01T00:00:00.000Z', '2025-03-31T00:00:00.000Z'],
    ['2025-03-30T23:59:59.999Z', 30, '2025-02-28T00:00:00.000Z', '2025-03-30T00:00:00.000Z'],
    ['2024-03-01T08:00:00.000Z', 1, '2024-02-29T00:00:00.000Z', '2024-03-01T00:00:00.000Z'],
    ['2025-01-10T12:00:00.000Z', 455, '2023-10-13T00:00:00.000Z', '2025-01-10T00:00:00.000Z'],
  ])('at %s, %d days: %s to %s', (now, days, start, end) => {
    expect(usageWindow(new Date(now), days)).toEqual({ start: new Date(start), end: new Date(end), days });
  });
});

describe('metricDataRequest', () => {
  const window = usageWindow(new Date('2025-03-31T13:45:00Z'), 30);

  test('one query per caller, with an id CloudWatch accepts and the caller as label', () => {
    const callers = Array.from({ length: MAX_CALLERS }, (_, i) => `caller-${i}-name`);
    const request = metricDataRequest({ namespace: 'M2MAuth', authorizerService: 'm2m-auth-authorizer', environment: 'prod', callers, window });

    const queries = request.MetricDataQueries ?? [];
    expect(queries.map((query) => query.Label)).toEqual(callers);
    expect(new Set(queries.map((query) => query.Id)).size).toBe(MAX_CALLERS);
    for (const query of queries) expect(query.Id).toMatch(/^[a-z][a-zA-Z0-9_]{0,254}$/);
    expect(request).toMatchObject({ StartTime: window.start, EndTime: window.end });
  });

  test('no callers, no queries', () => {
    expect(metricDataRequest({ namespace: 'M2MAuth', authorizerService: 's', environment: 'prod', callers: [], window }).MetricDataQueries).toEqual([]);
  });
});

describe('sumUses', () => {
  const callers = ['billing-batch', 'partner-feed', 'old-cron'];

  test('sums every result of a caller; callers without datapoints have 0', () => {
    const uses = sumUses(callers, [
      { Id: 'caller0', Values: [3, 4], StatusCode: 'PartialData' },
      { Id: 'caller1', Values: [] },
      { Id: 'caller0', Values: [5], StatusCode: 'Complete' },
      { Id: 'caller1' },
    ]);
    expect([...uses]).toEqual([
      ['billing-batch', 12],
      ['partner-feed', 0],
      ['old-cron', 0],
    ]);
  });

  test.each(['InternalError', 'Forbidden'] as const)('fails when a result has status %s', (status) => {
    const results = [{ Id: 'caller2', StatusCode: status, Messages: [{ Code: status, Value: 'try later' }] }];
    expect(() => sumUses(callers, results)).toThrow(new GetMetricDataError(`GetMetricData returned ${status} for caller old-cron (${status}: try later)`));
  });

  test('fails when a result answers a query that was not sent', () => {
    expect(() => sumUses(callers, [{ Id: 'caller3', Values: [1] }])).toThrow(new GetMetricDataError('GetMetricData returned a result for query id "caller3", which was not requested'));
    expect(() => sumUses(callers, [{ Values: [1] }])).toThrow(GetMetricDataError);
  });
});
