/**
 * `npm run cost`: its lines against its own JSON, the options, the warnings for a stale or missing
 * price table, and the shipped price tables' shape.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { main, type CostReport, USAGE } from '../../scripts/cost/cli';
import { PRICE_KEYS, type PriceTable } from '../../scripts/cost/price-table';
import { FALLBACK_REGION, PRICE_MAX_AGE_DAYS, PRICE_TABLES, pricesFor, tableProblems } from '../../scripts/cost/prices';
import { loadEnvironments } from '../../lib/config/load';
import { graduatedCost } from '../../scripts/cost/tiers';

const ROOT = path.resolve(__dirname, '..', '..');
const TODAY = new Date('2026-12-02T12:00:00Z');

function run(argv: string[], today = TODAY): { status: number; out: string; err: string } {
  const out: string[] = [];
  const err: string[] = [];
  const status = main(argv, { out: (text) => out.push(text), err: (text) => err.push(text) }, {}, today);
  return { status, out: out.join('\n'), err: err.join('\n') };
}

describe('npm run cost', () => {
  const json = run(['--json']);
  const report = JSON.parse(json.out) as CostReport;

  test('every environment of the config, with a grand total that is the sum of their totals', () => {
    expect(json.status).toBe(0);
    expect(report.environments.map((e) => e.environment)).toEqual(loadEnvironments({}).map((e) => e.name));
    expect(report.grandTotalUsd).toBeCloseTo(report.environments.reduce((sum, e) => sum + e.totalUsd, 0), 9);
    expect(report.freeTierApplied).toBe(false);
  });

  test('one line per item, "<item>: <usd> USD/month  (<quantity> x <unit price>)", agreeing with the JSON, then the total', () => {
    const text = run(['dev']);
    expect(text.status).toBe(0);
    const dev = report.environments.find((e) => e.environment === 'dev')!;
    const lines = text.out.split('\n');
    for (const item of dev.items) {
      const line = lines.find((candidate) => candidate.startsWith(`${item.item}: `));
      expect(line).toMatch(/^[a-z0-9-]+: \d+\.\d+ USD\/month {2}\([\d,.]+ x .+ USD per .+\)$/);
      expect(Number(/: ([\d.]+) USD/.exec(line!)![1])).toBeCloseTo(item.usd, item.usd >= 0.01 ? 2 : 5);
    }
    expect(lines).toContain(`total: ${dev.totalUsd.toFixed(2)} USD/month`);
    expect(text.out).toContain('token requests without a token cache');
    expect(text.out).not.toContain('grand total');
  });

  test('--calls-per-day scales the per-call items and leaves fixed ones alone', () => {
    const double = JSON.parse(run(['dev', '--json', '--calls-per-day', '20000']).out) as CostReport;
    const base = report.environments.find((e) => e.environment === 'dev')!;
    const item = (r: CostReport['environments'][number], name: string) => r.items.find((i) => i.item === name)!;
    expect(item(double.environments[0], 'api-gateway-rest-requests').quantity).toBe(2 * item(base, 'api-gateway-rest-requests').quantity);
    expect(item(double.environments[0], 'cloudwatch-alarms').usd).toBe(item(base, 'cloudwatch-alarms').usd);
    // The token client fetches a token per refresh, not per call: more calls, the same tokens.
    expect(item(double.environments[0], 'cognito-token-requests').quantity).toBe(item(base, 'cognito-token-requests').quantity);
    expect(double.environments[0].naiveTokenRequests.quantity).toBe(2 * base.naiveTokenRequests.quantity);
  });

  test('--free-tier takes the free quantities off and says so', () => {
    const free = JSON.parse(run(['dev', '--json', '--free-tier']).out) as CostReport;
    expect(free.freeTierApplied).toBe(true);
    const dashboards = free.environments[0].items.find((i) => i.item === 'cloudwatch-dashboards')!;
    expect(dashboards).toMatchObject({ usd: 0, freeUnits: 1 });
    expect(run(['dev']).out).toContain('free tiers not applied');
  });

  test.each([
    [['--calls-per-day', 'many'], /--calls-per-day must be a whole number/],
    [['--instances', '0'], /--instances must be a whole number >= 1/],
    [['qa'], /no environment "qa"; the config declares dev, staging, prod/],
    [['dev', 'prod'], /one environment at most/],
    [['--bogus'], /Unknown option '--bogus'/],
  ])('%j is a usage error (exit 2) saying why', (argv, message) => {
    const result = run(argv);
    expect(result.status).toBe(2);
    expect(result.err).toMatch(message);
    expect(result.out).toBe('');
  });

  test('--help prints the usage', () => {
    expect(run(['--help'])).toEqual({ status: 0, out: USAGE, err: '' });
  });

  test('an invalid config is exit 1 with its problems, through npm run cost', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/cost.ts', 'dev'], {
      cwd: ROOT,
      env: { ...process.env, M2M_AUTH_CONFIG: path.join(ROOT, '__tests__', 'cost', 'no-such-config.ts') },
      encoding: 'utf8',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('no-such-config');
  });

  test('a table older than the limit warns on stderr and in the JSON', () => {
    const later = new Date(Date.parse(`${PRICE_TABLES['eu-west-1'].checked}T00:00:00Z`) + (PRICE_MAX_AGE_DAYS + 1) * 86_400_000);
    const stale = run(['dev', '--json'], later);
    expect(stale.status).toBe(0);
    expect(stale.err).toMatch(/^WARNING: the eu-west-1 price table was checked on \d{4}-\d{2}-\d{2}, 181 days ago/);
    expect((JSON.parse(stale.out) as CostReport).environments[0].warnings).toHaveLength(1);
    expect(run(['dev']).err).toBe('');
  });
});

describe('price tables', () => {
  test.each(Object.entries(PRICE_TABLES))('%s has every price, tiers in order, each source listed', (region, table) => {
    expect(table.region).toBe(region);
    expect(tableProblems(table)).toEqual([]);
    expect(Object.keys(table.prices).sort()).toEqual([...PRICE_KEYS].sort());
  });

  test.each([
    [250_000, 562.5],
    [250_001, 562.5 + 0.0015],
    [5_000_000, 562.5 + 4_750_000 * 0.0015],
    [5_000_001, 562.5 + 4_750_000 * 0.0015 + 0.001125],
  ])('Cognito token requests in us-east-1: %d cost %d USD (2.25, 1.50 and 1.125 per 1,000 at 250,000 and 5 million)', (quantity, usd) => {
    expect(graduatedCost(quantity, PRICE_TABLES['us-east-1'].prices.cognitoM2mTokenRequest.tiers)).toBeCloseTo(usd, 9);
  });

  test('every region the shipped config deploys to has a table of its own', () => {
    for (const config of loadEnvironments({})) expect(Object.keys(PRICE_TABLES)).toContain(config.region);
  });

  test('a region without a table gets the fallback with a warning naming the file to add', () => {
    const chosen = pricesFor('ap-south-2', TODAY);
    expect(chosen.table.region).toBe(FALLBACK_REGION);
    expect(chosen.warnings).toEqual([expect.stringContaining('no price table for ap-south-2: using us-east-1\'s; add scripts/cost/prices/ap-south-2.ts')]);
  });

  test('tableProblems finds a missing price, tiers out of order and an unknown source', () => {
    const broken = JSON.parse(JSON.stringify(PRICE_TABLES['us-east-1'])) as { -readonly [K in keyof PriceTable]: any };
    delete broken.prices.secret;
    broken.prices.kmsKey.source = 'nowhere';
    broken.prices.restApiRequest.tiers = [{ upTo: 10, usd: 1, per: 1 }, { upTo: 5, usd: 1, per: 1 }, { usd: 1, per: 1 }];
    expect(tableProblems(broken as PriceTable).sort()).toEqual(['kmsKey: source "nowhere" is not in sources', 'restApiRequest: tier 1 ends before tier 0', 'secret: missing']);
  });
});
