/**
 * README "Costs", generated: the estimate of every environment of the config and what each lever
 * changes, from the same inventory, prices and arithmetic as `npm run cost` (`npm run docs` writes it,
 * a test keeps it current).
 */
import { customMetricCount } from '../../lib/authorizer/custom-metrics';
import type { EnvironmentConfig } from '../../lib/config/schema';
import type { ReadmeRegion } from '../../lib/docs/readme-regions';
import { environmentTerraform } from '../environment-terraform';
import { DAYS_PER_MONTH, DEFAULT_TRAFFIC, estimate, type Estimate } from './estimate';
import { inventoryOf, type Inventory } from './inventory';
import { FALLBACK_REGION, PRICE_TABLES } from './prices';
import type { PriceTable } from './price-table';
import { formatUsd } from './tiers';

export const COST_README_REGION: ReadmeRegion = { marker: 'cost-estimate', render: costEstimateMarkdown };

/** The region's markdown for `environments`. */
export function costEstimateMarkdown(environments: readonly EnvironmentConfig[]): string {
  const traffic = DEFAULT_TRAFFIC;
  const rows = environments.map((config) => {
    const inventory = inventoryOf(environmentTerraform(config), config);
    const prices = PRICE_TABLES[config.region] ?? PRICE_TABLES[FALLBACK_REGION];
    return { config, inventory, prices, result: estimate(inventory, prices, traffic, { freeTier: false }) };
  });
  const names = rows.map((row) => row.config.name);
  const items = [...new Set(rows.flatMap((row) => row.result.items.map((item) => item.item)))];
  const usdOf = (result: Estimate, item: string) => result.items.find((candidate) => candidate.item === item)?.usd;
  const cell = (usd: number | undefined) => (usd === undefined ? '—' : formatUsd(usd));
  const tables = [...new Set(rows.map((row) => `${row.prices.region} prices checked ${row.prices.checked}`))].join('; ');

  const lines = [
    `The shipped config at ${traffic.callsPerDay.toLocaleString('en-US')} calls per M2M client per day from ${traffic.instancesPerClient} instances per client (each caching its token), ${DAYS_PER_MONTH}-day month, free tiers not applied (${tables}); \`npm run cost\` prints each quantity and unit price.`,
    '',
    `| item | ${names.join(' | ')} |`,
    `|---|${names.map(() => '---:').join('|')}|`,
    ...items.map((item) => `| \`${item}\` | ${rows.map((row) => cell(usdOf(row.result, item))).join(' | ')} |`),
    `| **total, USD per month** | ${rows.map((row) => `**${formatUsd(row.result.totalUsd)}**`).join(' | ')} |`,
    `| token requests without a token cache (a token per call), instead of \`cognito-token-requests\` | ${rows.map((row) => formatUsd(row.result.naiveTokenRequests.usd)).join(' | ')} |`,
  ];

  const first = rows[0];
  if (first) {
    lines.push('', `What each lever changes in ${first.config.name}, USD per month (the same traffic):`, '', '| lever | change | effect |', '|---|---|---:|');
    for (const lever of levers(first.config, first.inventory, first.prices)) lines.push(`| ${lever.lever} | ${lever.change} | ${signed(lever.usd)} |`);
  }
  return lines.join('\n');
}

interface Lever {
  readonly lever: string;
  readonly change: string;
  readonly usd: number;
}

/** Each lever as the difference of two estimates that differ in it alone. */
function levers(config: EnvironmentConfig, inventory: Inventory, prices: PriceTable): Lever[] {
  const total = (changed: Inventory) => estimate(changed, prices, DEFAULT_TRAFFIC, { freeTier: false }).totalUsd;
  const base = total(inventory);
  const withClients = (seconds: number): Inventory => ({ ...inventory, m2mClients: inventory.m2mClients.map((client) => ({ ...client, accessTokenSeconds: seconds })) });
  const withRetention = (days: number): Inventory => ({
    ...inventory,
    functions: inventory.functions.map((fn) => ({ ...fn, logRetentionDays: days })),
    api: inventory.api && { ...inventory.api, accessLogRetentionDays: days },
  });
  const result = estimate(inventory, prices, DEFAULT_TRAFFIC, { freeTier: false });
  const tokens = result.items.find((item) => item.item === 'cognito-token-requests')?.usd ?? 0;
  const perClient = customMetricCount(config, { perClientMetrics: true }) - customMetricCount(config, { perClientMetrics: false });
  const list: Lever[] = [
    { lever: 'token lifetime (`accessTokenValidityMinutes`)', change: 'every client 60 minutes instead of 15', usd: total(withClients(3600)) - total(withClients(900)) },
    { lever: 'token cache (the token client)', change: 'a token per call instead of a cached one', usd: result.naiveTokenRequests.usd - tokens },
    { lever: 'metric dimensions (`monitoring.perClientMetrics`)', change: `on: ${perClient} more custom metrics (one per client)`, usd: total({ ...inventory, customMetrics: inventory.customMetrics + perClient }) - base },
    { lever: 'alarms (`monitoring`)', change: 'one more alarm on one metric', usd: total({ ...inventory, alarmMetrics: inventory.alarmMetrics + 1 }) - base },
    { lever: 'log retention (`logRetentionDays`)', change: `30 days instead of ${config.logRetentionDays}`, usd: total(withRetention(30)) - total(withRetention(config.logRetentionDays)) },
  ];
  if (inventory.api && inventory.api.authorizerCacheSeconds > 0) {
    list.push({
      lever: 'authorizer cache (`gateway.resultCacheTtlSeconds`)',
      change: `0 (every call invokes the authorizer) instead of ${inventory.api.authorizerCacheSeconds} s`,
      usd: total({ ...inventory, api: { ...inventory.api, authorizerCacheSeconds: 0 } }) - base,
    });
  }
  return list;
}

function signed(usd: number): string {
  if (Math.abs(usd) < 0.005) return '±0.00';
  return `${usd > 0 ? '+' : '−'}${formatUsd(Math.abs(usd))}`;
}
