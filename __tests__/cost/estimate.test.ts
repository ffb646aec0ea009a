/**
 * The cost estimate's arithmetic against figures worked by hand on a small synthesized stack, its
 * counting against the real synthesized JSON, and graduated prices at their band boundaries.
 */
import type { EnvironmentConfigInput } from '../../lib/config/schema';
import { DEFAULT_TRAFFIC, estimate, type Estimate, type Traffic } from '../../scripts/cost/estimate';
import { DETAILED_METRICS_PER_METHOD, inventoryOf, type Inventory } from '../../scripts/cost/inventory';
import type { Price, PriceTable } from '../../scripts/cost/price-table';
import { graduatedCost, priceOf } from '../../scripts/cost/tiers';
import { environmentTerraform } from '../../scripts/environment-terraform';
import { environment } from '../fixtures';

const flat = (unit: string, usd: number, per = 1): Price => ({ unit, tiers: [{ usd, per }], source: 'hand' });

/** Round prices, one band each, so that every figure below can be worked by hand. */
const HAND_PRICES: PriceTable = {
  region: 'eu-west-1',
  checked: '2026-12-02',
  currency: 'USD',
  sources: { hand: { title: 'test figures', url: 'https://example.com' } },
  prices: {
    cognitoM2mAppClient: flat('app client-month', 6),
    cognitoM2mTokenRequest: flat('token request', 2.25, 1_000),
    restApiRequest: flat('request', 3.5, 1_000_000),
    httpApiRequest: flat('request', 1, 1_000_000),
    lambdaRequest: flat('request', 0.2, 1_000_000),
    lambdaArmGbSecond: flat('GB-second', 1, 100_000),
    lambdaX86GbSecond: flat('GB-second', 2, 100_000),
    alarmMetric: flat('alarm metric-month', 0.1),
    customMetric: flat('metric-month', 0.3),
    dashboard: flat('dashboard-month', 3),
    contributorInsightsRule: flat('rule-month', 0.5),
    contributorInsightsEvent: flat('matched log event', 0.02, 1_000_000),
    logsIngestionGb: flat('GB', 0.5),
    logsStorageGbMonth: flat('GB-month', 0.03),
    kmsKey: flat('key-month', 1),
    kmsRequest: flat('request', 0.03, 10_000),
    secret: flat('secret-month', 0.4),
    secretsManagerApiCall: flat('API call', 0.05, 10_000),
    ssmStandardParameter: flat('parameter-month', 0),
  },
};

/** 1,000 calls a day from one instance per client; the rest of the defaults as shipped. */
const TRAFFIC: Traffic = { ...DEFAULT_TRAFFIC, callsPerDay: 1_000, instancesPerClient: 1 };

const ONE_CLIENT: Partial<EnvironmentConfigInput> = { m2mClients: [{ name: 'reporting', scopes: ['read'] }] };

function inventoryFor(overrides: Partial<EnvironmentConfigInput>): Inventory {
  const config = environment(overrides);
  return inventoryOf(environmentTerraform(config), config);
}

function usdOf(result: Estimate, item: string): number {
  const found = result.items.find((candidate) => candidate.item === item);
  if (!found) throw new Error(`no item ${item} in ${result.items.map((i) => i.item).join(', ')}`);
  return found.usd;
}

function quantityOf(result: Estimate, item: string): number {
  return result.items.find((candidate) => candidate.item === item)?.quantity ?? 0;
}

describe('inventory of a synthesized stack', () => {
  const inventory = inventoryFor(ONE_CLIENT);

  test('counts what the JSON holds: one M2M client (the user client has no client_credentials), its secret, the key, the functions by what invokes them', () => {
    expect(inventory.m2mClients).toEqual([{ name: 'm2m_clients_reporting_client', accessTokenSeconds: 3600 }]);
    expect(inventory.secrets).toBe(1);
    expect(inventory.kmsKeys).toBe(1);
    expect(inventory.functions.map((fn) => [fn.role, fn.memoryMb, fn.architecture, fn.logRetentionDays]).sort()).toEqual([
      ['authorizer', 256, 'arm64', 90],
      ['backend', 256, 'arm64', 90],
      ['rotation', 256, 'arm64', 90],
    ]);
    expect(inventory.api).toMatchObject({ type: 'rest', authorizerCacheSeconds: 300, accessLogRetentionDays: 90 });
    // 4 routes, each a REST method with detailed metrics on.
    expect(inventory.api?.detailedMetrics).toBe(4 * DETAILED_METRICS_PER_METHOD);
    expect(inventory.secretRotationDays).toBe(90);
    expect(inventory.dashboards).toBe(1);
    expect(inventory.contributorInsightsRules).toBe(1);
  });

  test('an alarm on metric math pays for each metric in it: the 5xx-rate alarm watches two', () => {
    // Every alarm watches one metric except the 5xx rate (errors / requests).
    expect(inventory.alarmMetrics).toBe(inventory.alarms + 1);
  });

  test('an HTTP API and a user client are read as such; the user client is not an M2M client', () => {
    const http = inventoryFor({ ...ONE_CLIENT, gateway: { type: 'http' }, userClient: { callbackUrls: ['https://app.example.com/cb'] } });
    expect(http.api?.type).toBe('http');
    expect(http.m2mClients).toHaveLength(1);
  });

  test('a client on GetClientToken alone is an M2M client too (its flow is set by an invocation)', () => {
    const api = inventoryFor({ domain: undefined, m2mClients: [{ name: 'reporting', scopes: ['read'], tokenPaths: ['api'] }, { name: 'other', scopes: ['read'], tokenPaths: ['api'] }] });
    expect(api.m2mClients.map((client) => client.name).sort()).toEqual(['m2m_clients_other_client', 'm2m_clients_reporting_client']);
    expect(api.functions.map((fn) => fn.role)).toContain('other');
  });

  test('token lifetimes come from the app client: a 30-minute client is 1,800 s', () => {
    const two = inventoryFor({ m2mClients: [{ name: 'a', scopes: ['read'] }, { name: 'b', scopes: ['read'], accessTokenValidityMinutes: 30 }] });
    expect(two.m2mClients.map((client) => client.accessTokenSeconds).sort()).toEqual([1800, 3600]);
  });

  test('per-client metrics, when configured, are counted: one more metric per client', () => {
    const on = inventoryFor({ ...ONE_CLIENT, monitoring: { perClientMetrics: true } });
    expect(on.customMetrics).toBe(inventory.customMetrics + 1);
  });
});

describe('estimate, worked by hand (one client, 60-minute tokens, 1,000 calls a day, one instance, 30 days)', () => {
  const inventory = inventoryFor(ONE_CLIENT);
  const result = estimate(inventory, HAND_PRICES, TRAFFIC, { freeTier: false });
  const calls = 1_000 * 30;
  // A token is reused for 3600 - 10 (margin) - 60 (refresh ahead) = 3530 s: ceil(86400 / 3530) = 25 a day.
  const tokens = 25 * 30;
  // REST cache of 300 s: ceil(86400 / 300) = 288 misses a day, plus one per new token (25).
  const authorizerCalls = (288 + 25) * 30;
  // Four steps per rotation, one rotation per 90 days.
  const rotationCalls = (4 * 30) / 90;

  test.each([
    ['cognito-app-clients', 1 * 6],
    ['cognito-token-requests', (tokens * 2.25) / 1_000],
    ['api-gateway-rest-requests', (calls * 3.5) / 1e6],
    ['lambda-requests', ((authorizerCalls + calls + rotationCalls) * 0.2) / 1e6],
    // GB-s: invocations x seconds x 0.25 GB, at 1 USD per 100,000.
    ['lambda-compute-arm64', ((authorizerCalls * 0.01 * 0.25 + calls * 0.02 * 0.25 + rotationCalls * 3 * 0.25) * 1) / 100_000],
    ['cloudwatch-alarms', 11 * 0.1],
    // The authorizer's 25 Decisions metrics (lib/authorizer/custom-metrics.ts) + 4 methods x 5 detailed metrics.
    ['cloudwatch-custom-metrics', (25 + 20) * 0.3],
    ['cloudwatch-dashboards', 3],
    ['contributor-insights-rules', 0.5],
    ['contributor-insights-events', (authorizerCalls * 0.02) / 1e6],
    ['kms-keys', 1],
    ['kms-requests', ((24 * 30 + (30 / 90) * 10) * 0.03) / 10_000],
    ['secrets', 0.4],
    ['secrets-manager-api-calls', ((24 * 30 + (30 / 90) * 10) * 0.05) / 10_000],
    ['ssm-parameters', 0],
  ])('%s: %d USD', (item, usd) => {
    expect(usdOf(result, item)).toBeCloseTo(usd, 10);
  });

  test('logs: decision line and Lambda lines per authorizer call, Lambda lines per backend call, an access log line per call; kept 90 days', () => {
    const line = inventory.decisionLineBytes;
    expect(line).toBeGreaterThan(400);
    expect(line).toBeLessThan(1200);
    const accessLine = inventory.api!.accessLogBytes!;
    const bytes = authorizerCalls * (330 + line) + calls * 330 + rotationCalls * 330 + calls * accessLine;
    expect(usdOf(result, 'logs-ingestion')).toBeCloseTo((bytes / 1e9) * 0.5, 12);
    expect(usdOf(result, 'logs-storage')).toBeCloseTo((bytes / 1e9) * 3 * 0.03, 12);
  });

  test('the total is the sum of the lines, and a client without a token cache pays a token per call', () => {
    expect(result.totalUsd).toBeCloseTo(result.items.reduce((total, item) => total + item.usd, 0), 12);
    expect(result.naiveTokenRequests).toEqual({ quantity: calls, usd: (calls * 2.25) / 1_000 });
    expect(quantityOf(result, 'cognito-token-requests')).toBe(tokens);
  });

  test('a 15-minute token is reused 900 - 70 = 830 s: ceil(86400 / 830) = 105 a day per instance', () => {
    const short = estimate(inventoryFor({ m2mClients: [{ name: 'reporting', scopes: ['read'], accessTokenValidityMinutes: 15 }] }), HAND_PRICES, { ...TRAFFIC, instancesPerClient: 2 }, { freeTier: false });
    expect(quantityOf(short, 'cognito-token-requests')).toBe(2 * 105 * 30);
  });

  test('a client calling less often than its token lasts needs a token per call at most', () => {
    const rare = estimate(inventory, HAND_PRICES, { ...TRAFFIC, callsPerDay: 10 }, { freeTier: false });
    expect(quantityOf(rare, 'cognito-token-requests')).toBe(10 * 30);
  });
});

describe('adding a client adds exactly one client\'s cost', () => {
  const client = (name: string) => ({ name, scopes: ['read'] });
  const [one, two, three] = [1, 2, 3].map((n) =>
    estimate(inventoryFor({ m2mClients: ['a', 'b', 'c'].slice(0, n).map(client) }), HAND_PRICES, TRAFFIC, { freeTier: false }),
  );
  const delta = (after: Estimate, before: Estimate, item: string) => (after.items.find((i) => i.item === item)?.usd ?? 0) - (before.items.find((i) => i.item === item)?.usd ?? 0);

  test('one app client, one secret, one client\'s tokens and calls; nothing shared moves', () => {
    expect(delta(two, one, 'cognito-app-clients')).toBeCloseTo(6, 12);
    expect(delta(two, one, 'secrets')).toBeCloseTo(0.4, 12);
    expect(quantityOf(two, 'cognito-token-requests') - quantityOf(one, 'cognito-token-requests')).toBe(25 * 30);
    expect(quantityOf(two, 'api-gateway-rest-requests') - quantityOf(one, 'api-gateway-rest-requests')).toBe(1_000 * 30);
    for (const shared of ['cloudwatch-alarms', 'cloudwatch-custom-metrics', 'cloudwatch-dashboards', 'contributor-insights-rules', 'kms-keys']) {
      expect([shared, delta(two, one, shared)]).toEqual([shared, 0]);
    }
  });

  test('the second client costs what the third does (linear), and the whole of it is the per-client lines', () => {
    expect(two.totalUsd - one.totalUsd).toBeCloseTo(three.totalUsd - two.totalUsd, 9);
    const perClient = ['cognito-app-clients', 'cognito-token-requests', 'api-gateway-rest-requests', 'lambda-requests', 'lambda-compute-arm64', 'contributor-insights-events', 'logs-ingestion', 'logs-storage', 'kms-requests', 'secrets', 'secrets-manager-api-calls'];
    expect(two.totalUsd - one.totalUsd).toBeCloseTo(perClient.reduce((total, item) => total + delta(two, one, item), 0), 12);
  });
});

describe('graduated prices at their band boundaries', () => {
  // Cognito-like bands: 2.25 per 1,000 up to 1,000; 1.50 up to 3,000; 0.75 beyond.
  const tiers = [
    { upTo: 1_000, usd: 2.25, per: 1_000 },
    { upTo: 3_000, usd: 1.5, per: 1_000 },
    { usd: 0.75, per: 1_000 },
  ];

  test.each([
    [0, 0],
    [999, (999 * 2.25) / 1_000],
    [1_000, 2.25],
    [1_001, 2.25 + 1.5 / 1_000],
    [3_000, 2.25 + 2 * 1.5],
    [3_001, 2.25 + 3 + 0.75 / 1_000],
    [10_000, 2.25 + 3 + 7 * 0.75],
  ])('%d units cost %d USD', (quantity, usd) => {
    expect(graduatedCost(quantity, tiers)).toBeCloseTo(usd, 12);
  });

  test('a free tier takes the first units, so the bands count on after it', () => {
    const price: Price = { unit: 'request', tiers, free: { quantity: 500, kind: 'always free' }, source: 'hand' };
    // 1,500 units, 500 free: the 1,000 billed are units 501..1,500: 500 at 2.25 and 500 at 1.50 per 1,000.
    expect(priceOf(1_500, price, true)).toEqual({ usd: expect.closeTo(0.5 * 2.25 + 0.5 * 1.5, 12), billed: 1_000 });
    expect(priceOf(1_500, price, false).usd).toBeCloseTo(2.25 + 0.75, 12);
    expect(priceOf(400, price, true)).toEqual({ usd: 0, billed: 0 });
  });

  test('a negative or missing quantity is refused', () => {
    expect(() => graduatedCost(-1, tiers)).toThrow(RangeError);
    expect(() => graduatedCost(Number.NaN, tiers)).toThrow(RangeError);
  });
});
