/**
 * The pull request's cost section: cost.sh as the `cost` job runs it, and the before/after table the
 * comment renders from two real estimates (a change that adds a client).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { EnvironmentConfigInput } from '../../lib/config/schema';
import type { CostReport } from '../../scripts/cost/cli';
import { DEFAULT_TRAFFIC, DAYS_PER_MONTH, estimate } from '../../scripts/cost/estimate';
import { inventoryOf } from '../../scripts/cost/inventory';
import { PRICE_TABLES } from '../../scripts/cost/prices';
import { environmentTerraform } from '../../scripts/environment-terraform';
import { costSection, parseCostReport } from '../../scripts/pipeline/cost-comment';
import { main as prComment } from '../../scripts/pipeline/pr-comment-cli';
import { renderPrComment } from '../../scripts/pipeline/pr-comment';
import { environment } from '../fixtures';

const ROOT = path.resolve(__dirname, '..', '..');

/** What `npm run cost -- --json` prints for one environment named dev with `overrides`. */
function reportOf(overrides: Partial<EnvironmentConfigInput>): CostReport {
  const config = environment(overrides);
  const prices = PRICE_TABLES[config.region];
  const result = estimate(inventoryOf(environmentTerraform(config), config), prices, DEFAULT_TRAFFIC, { freeTier: false });
  return {
    assumptions: { ...DEFAULT_TRAFFIC, daysPerMonth: DAYS_PER_MONTH },
    freeTierApplied: false,
    environments: [{ ...result, prices: { region: prices.region, checked: prices.checked }, warnings: [] }],
    grandTotalUsd: result.totalUsd,
  };
}

describe('cost section of the pull request comment', () => {
  const before = reportOf({ m2mClients: [{ name: 'reporting', scopes: ['read'] }] });
  const after = reportOf({ m2mClients: [{ name: 'reporting', scopes: ['read'] }, { name: 'billing', scopes: ['read'] }] });

  test('a change that adds a client: the totals before and after, their difference, and the items that moved', () => {
    const lines = costSection({ before, after }, ['dev']);
    const [was, is] = [before.environments[0].totalUsd, after.environments[0].totalUsd];
    expect(lines).toContain(`| dev | ${was.toFixed(2)} USD | ${is.toFixed(2)} USD | +${(is - was).toFixed(2)} |`);
    const moved = lines.filter((line) => line.startsWith('| dev | `'));
    expect(moved.map((line) => /`([a-z0-9-]+)`/.exec(line)![1])).toEqual(expect.arrayContaining(['cognito-token-requests', 'secrets', 'api-gateway-rest-requests']));
    expect(moved.some((line) => line.includes('`cloudwatch-alarms`'))).toBe(false);
    expect(lines.join('\n')).toContain('10,000 calls per client per day');
  });

  test('a base without an estimate says so; no estimates at all, no section', () => {
    const lines = costSection({ after }, ['dev']);
    expect(lines).toContain(`| dev | — | ${after.environments[0].totalUsd.toFixed(2)} USD | — |`);
    expect(lines.join('\n')).toContain('no estimate of the base branch');
    expect(costSection({}, ['dev'])).toEqual([]);
  });

  test('the comment carries the section under the plans\' summary', () => {
    const body = renderPrComment([{ environment: 'dev' }], { costs: { before, after } });
    expect(body.indexOf('### Monthly cost (estimate)')).toBeGreaterThan(body.indexOf('| environment | to add |'));
    expect(body.indexOf('### Monthly cost (estimate)')).toBeLessThan(body.indexOf('### dev'));
  });

  test('pr-comment --cost-before/--cost-after read the files; a missing or broken one is "no estimate"', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'm2m-cost-comment-'));
    try {
      fs.writeFileSync(path.join(dir, 'after.json'), JSON.stringify(after));
      fs.writeFileSync(path.join(dir, 'broken.json'), '{"environments": 3}');
      const out: string[] = [];
      const io = { out: (text: string) => out.push(text), err: () => undefined };
      expect(await prComment(['--env', `dev=${dir}/none`, '--cost-before', path.join(dir, 'broken.json'), '--cost-after', path.join(dir, 'after.json')], io, {})).toBe(0);
      expect(out.join('\n')).toContain(`| dev | — | ${after.environments[0].totalUsd.toFixed(2)} USD | — |`);
      expect(parseCostReport('{"environments": 3}')).toBeUndefined();
      expect(parseCostReport('not json')).toBeUndefined();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('scripts/pipeline/cost.sh', () => {
  const script = path.join(ROOT, 'scripts', 'pipeline', 'cost.sh');
  const env = { PATH: process.env.PATH ?? '', HOME: os.tmpdir() };

  test('writes `npm run cost -- --json` of a checkout (this one) for the comment', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'm2m-cost-sh-'));
    try {
      const out = path.join(dir, 'cost', 'after.json');
      const run = spawnSync('bash', [script, ROOT, out], { env, encoding: 'utf8', timeout: 120_000 });
      expect(run.status).toBe(0);
      const report = parseCostReport(fs.readFileSync(out, 'utf8'));
      expect(report?.environments.map((e) => e.environment)).toEqual(['dev', 'staging', 'prod']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a checkout that predates npm run cost gets a notice and no file; bad arguments exit 2', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'm2m-cost-sh-old-'));
    try {
      fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'old', scripts: { test: 'jest' } }));
      const out = path.join(dir, 'before.json');
      const run = spawnSync('bash', [script, dir, out], { env, encoding: 'utf8' });
      expect(run.status).toBe(0);
      expect(run.stdout).toContain('::notice title=no cost estimate::');
      expect(fs.existsSync(out)).toBe(false);
      expect(spawnSync('bash', [script, dir], { env, encoding: 'utf8' }).status).toBe(2);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
