/**
 * The real legacy-usage bundle (what synth deploys) against a mocked CloudWatch: the exact
 * GetMetricData request, pagination, sums, and the EMF and log lines it writes.
 */
import { CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandOutput } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { bundleLambda } from '../../lib/bundling/lambda-bundle';
import type { LegacyUsageReport } from '../../lambdas/legacy-usage/index';
import { LEGACY_USAGE_METRIC, LEGACY_USAGE_SERVICE } from '../../lambdas/legacy-usage/metrics';
import { loadBundledHandler } from '../../sandbox/bundles';
import { captureOutput } from '../support/authorizer-bundle';

type Handler = () => Promise<LegacyUsageReport>;

const NOW = new Date('2025-03-31T13:45:12.345Z');

/** Loads a fresh instance of the real bundle with exactly `env` (plus defaults) set while its module initializes. */
function loadHandler(env: Record<string, string | undefined>): Handler {
  const defaults = { ENVIRONMENT: 'prod', WINDOW_DAYS: undefined, METRICS_NAMESPACE: undefined, AUTHORIZER_SERVICE: undefined, POWERTOOLS_DEV: undefined, POWERTOOLS_METRICS_DISABLED: undefined };
  return loadBundledHandler<Handler>(bundleLambda({ entry: 'lambdas/legacy-usage/index.ts' }).code, { ...defaults, ...env });
}

function page(results: Array<[id: string, values: number[]]>, nextToken?: string): GetMetricDataCommandOutput {
  return {
    $metadata: {},
    NextToken: nextToken,
    MetricDataResults: results.map(([id, values]) => ({ Id: id, Label: id, StatusCode: nextToken ? 'PartialData' : 'Complete', Values: values, Timestamps: values.map(() => NOW) })),
  };
}

const cloudwatch = mockClient(CloudWatchClient);
let output: ReturnType<typeof captureOutput>;

/** Published `LegacyApiKeyUses30d` values by caller, checking each EMF document's shape on the way. */
function published(): Record<string, number> {
  const values: Record<string, number> = {};
  for (const doc of output.lines().filter((line) => line._aws !== undefined)) {
    expect(doc._aws).toEqual({
      Timestamp: NOW.getTime(),
      CloudWatchMetrics: [{ Namespace: 'M2MAuth', Dimensions: [['service', 'environment', 'caller']], Metrics: [{ Name: LEGACY_USAGE_METRIC, Unit: 'Count' }] }],
    });
    expect(doc).toMatchObject({ service: LEGACY_USAGE_SERVICE, environment: 'prod' });
    values[doc.caller as string] = doc[LEGACY_USAGE_METRIC] as number;
  }
  return values;
}

/** The error `promise` rejects with (failing the test if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<Error & { cause?: unknown }> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

const logs = (message: string) => output.lines().filter((line) => line.message === message);

beforeEach(() => {
  cloudwatch.reset();
  jest.useFakeTimers({ now: NOW, doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'queueMicrotask', 'hrtime', 'performance'] });
  output = captureOutput();
});

afterEach(() => {
  output.restore();
  jest.useRealTimers();
});

afterAll(() => {
  cloudwatch.restore();
});

describe('legacy usage check (bundled)', () => {
  test('one GetMetricData request: daily Sum of Decisions per caller over the last 30 whole UTC days', async () => {
    // GIVEN
    cloudwatch.on(GetMetricDataCommand).resolves(page([]));
    const handler = loadHandler({ LEGACY_CALLERS: 'billing-batch,partner-feed' });

    // WHEN
    await handler();

    // THEN
    const calls = cloudwatch.commandCalls(GetMetricDataCommand);
    expect(calls).toHaveLength(1);
    const query = (id: string, client: string) => ({
      Id: id,
      Label: client,
      ReturnData: true,
      MetricStat: {
        Metric: {
          Namespace: 'M2MAuth',
          MetricName: 'Decisions',
          Dimensions: [
            { Name: 'service', Value: 'm2m-auth-authorizer' },
            { Name: 'environment', Value: 'prod' },
            { Name: 'client', Value: client },
          ],
        },
        Stat: 'Sum',
        Period: 86400,
      },
    });
    expect(calls[0].args[0].input).toEqual({
      StartTime: new Date('2025-03-01T00:00:00.000Z'),
      EndTime: new Date('2025-03-31T00:00:00.000Z'),
      MetricDataQueries: [query('caller0', 'billing-batch'), query('caller1', 'partner-feed')],
    });
  });

  test('WINDOW_DAYS, METRICS_NAMESPACE and AUTHORIZER_SERVICE change the request', async () => {
    cloudwatch.on(GetMetricDataCommand).resolves(page([]));
    const handler = loadHandler({ LEGACY_CALLERS: 'billing-batch', WINDOW_DAYS: '7', METRICS_NAMESPACE: 'Custom', AUTHORIZER_SERVICE: 'other-authorizer' });

    const report = await handler();

    const input = cloudwatch.commandCalls(GetMetricDataCommand)[0].args[0].input;
    expect(input.StartTime).toEqual(new Date('2025-03-24T00:00:00.000Z'));
    expect(input.EndTime).toEqual(new Date('2025-03-31T00:00:00.000Z'));
    expect(input.MetricDataQueries?.[0].MetricStat?.Metric).toMatchObject({ Namespace: 'Custom', Dimensions: expect.arrayContaining([{ Name: 'service', Value: 'other-authorizer' }]) });
    expect(report.windowDays).toBe(7);
    expect(output.lines().find((line) => line._aws !== undefined)?._aws).toMatchObject({ CloudWatchMetrics: [{ Namespace: 'Custom' }] });
  });

  test('follows NextToken and sums every value of every page, per caller', async () => {
    // GIVEN: billing-batch spread over two pages, partner-feed on the second only
    cloudwatch
      .on(GetMetricDataCommand)
      .resolvesOnce(page([['caller0', [3, 4]]], 'token-2'))
      .resolvesOnce(page([['caller0', [5]], ['caller1', [1]]]));
    const handler = loadHandler({ LEGACY_CALLERS: 'billing-batch,partner-feed' });

    // WHEN
    const report = await handler();

    // THEN
    const calls = cloudwatch.commandCalls(GetMetricDataCommand);
    expect(calls.map((call) => call.args[0].input.NextToken)).toEqual([undefined, 'token-2']);
    expect(calls[1].args[0].input.MetricDataQueries).toEqual(calls[0].args[0].input.MetricDataQueries);
    expect(report.uses).toEqual({ 'billing-batch': 12, 'partner-feed': 1 });
    expect(published()).toEqual({ 'billing-batch': 12, 'partner-feed': 1 });
    expect(logs('legacy caller usage').map(({ caller, uses, windowDays }) => ({ caller, uses, windowDays }))).toEqual([
      { caller: 'billing-batch', uses: 12, windowDays: 30 },
      { caller: 'partner-feed', uses: 1, windowDays: 30 },
    ]);
  });

  test('a caller without datapoints gets 0 published, whether its result is empty or absent', async () => {
    cloudwatch.on(GetMetricDataCommand).resolves(page([['caller0', [2]], ['caller1', []]]));
    const handler = loadHandler({ LEGACY_CALLERS: 'billing-batch,partner-feed,old-cron' });

    await handler();

    expect(published()).toEqual({ 'billing-batch': 2, 'partner-feed': 0, 'old-cron': 0 });
    expect(logs('legacy usage checked')).toEqual([
      expect.objectContaining({
        service: LEGACY_USAGE_SERVICE,
        environment: 'prod',
        callers: 3,
        unused: ['partner-feed', 'old-cron'],
        windowDays: 30,
        windowStart: '2025-03-01T00:00:00.000Z',
        windowEnd: '2025-03-31T00:00:00.000Z',
      }),
    ]);
  });

  test('empty LEGACY_CALLERS: nothing is queried or published', async () => {
    const handler = loadHandler({ LEGACY_CALLERS: '' });

    await expect(handler()).resolves.toMatchObject({ uses: {} });

    expect(cloudwatch.commandCalls(GetMetricDataCommand)).toHaveLength(0);
    expect(published()).toEqual({});
    expect(logs('no legacy callers configured; nothing to check')).toHaveLength(1);
  });

  test('fails when GetMetricData fails: the error is wrapped with its cause and nothing is published', async () => {
    const cause = Object.assign(new Error('User is not authorized to perform cloudwatch:GetMetricData'), { name: 'AccessDenied' });
    cloudwatch.on(GetMetricDataCommand).rejects(cause);
    const handler = loadHandler({ LEGACY_CALLERS: 'billing-batch,partner-feed' });

    const error = await rejection(handler());

    expect(error).toMatchObject({ name: 'GetMetricDataError', message: 'GetMetricData failed for 2 legacy callers' });
    expect(error.cause).toBe(cause);

    expect(published()).toEqual({});
  });

  test('fails when a page of results fails after an earlier page succeeded, publishing nothing', async () => {
    const cause = new Error('Rate exceeded');
    cloudwatch.on(GetMetricDataCommand).resolvesOnce(page([['caller0', [3]]], 'token-2')).rejectsOnce(cause);
    const handler = loadHandler({ LEGACY_CALLERS: 'billing-batch' });

    const error = await rejection(handler());

    expect(error.name).toBe('GetMetricDataError');
    expect(error.cause).toBe(cause);
    expect(cloudwatch.commandCalls(GetMetricDataCommand)).toHaveLength(2);

    expect(published()).toEqual({});
  });

  test('fails when a result has an error status instead of publishing a false 0', async () => {
    cloudwatch.on(GetMetricDataCommand).resolves({
      $metadata: {},
      MetricDataResults: [{ Id: 'caller0', StatusCode: 'Forbidden', Values: [], Messages: [{ Code: 'Forbidden', Value: 'Insufficient permissions' }] }],
    });
    const handler = loadHandler({ LEGACY_CALLERS: 'billing-batch' });

    await expect(handler()).rejects.toMatchObject({
      name: 'GetMetricDataError',
      message: 'GetMetricData returned Forbidden for caller billing-batch (Forbidden: Insufficient permissions)',
    });
    expect(published()).toEqual({});
  });

  test('fails when ENVIRONMENT is missing: every run throws the message, without calling CloudWatch', async () => {
    const handler = loadHandler({ ENVIRONMENT: undefined, LEGACY_CALLERS: 'billing-batch' });

    await expect(handler()).rejects.toMatchObject({ name: 'LegacyUsageSettingsError', message: 'Environment variable ENVIRONMENT is required' });
    await expect(handler()).rejects.toThrow('Environment variable ENVIRONMENT is required');

    expect(cloudwatch.commandCalls(GetMetricDataCommand)).toHaveLength(0);
    expect(logs('legacy usage check is misconfigured; every run fails until it is fixed')).toEqual([
      expect.objectContaining({ level: 'ERROR', error: 'Environment variable ENVIRONMENT is required' }),
    ]);
  });

  test('fails when WINDOW_DAYS is not a positive integer', async () => {
    const handler = loadHandler({ LEGACY_CALLERS: 'billing-batch', WINDOW_DAYS: 'thirty' });

    await expect(handler()).rejects.toThrow('WINDOW_DAYS must be a positive integer; received "thirty"');
    expect(cloudwatch.commandCalls(GetMetricDataCommand)).toHaveLength(0);
  });
});
