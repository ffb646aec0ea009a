/**
 * `npm run cost -- [<env>] [options]`: what each environment costs per month, from its stack as this
 * checkout synthesizes it (inventory.ts), its region's price table (prices/) and stated traffic
 * (estimate.ts). `--json` is what the pull request's comment compares before and after a change.
 */
import { consoleIo, type CliIo, environmentNamed, parseCommandLine, validEnvironments } from '../cli-io';
import { environmentTerraform } from '../environment-terraform';
import { DAYS_PER_MONTH, DEFAULT_TRAFFIC, estimate, type Estimate, type Traffic } from './estimate';
import { inventoryOf } from './inventory';
import { pricesFor } from './prices';
import { formatUsd } from './tiers';

export const USAGE = `Usage: npm run cost -- [<environment>] [--calls-per-day <n>] [--instances <n>] [--free-tier] [--json]

Estimates what each environment costs per month in USD: the stack this checkout synthesizes (app
clients, alarms, secrets, keys, functions with their memory and architecture, metrics, dashboards,
log groups) at its region's prices (scripts/cost/prices/<region>.ts, each price with its source),
with the traffic below. One line per item, "<item>: <usd> USD/month  (<quantity> x <unit price>)",
then the total; every environment and a grand total when none is named.

  <environment>          one environment of the config (default: all)
  --calls-per-day <n>    API calls per M2M client per day; default ${DEFAULT_TRAFFIC.callsPerDay}
  --instances <n>        processes per client, each caching its own token; default ${DEFAULT_TRAFFIC.instancesPerClient}
  --free-tier            take each always-free tier off, as if this environment were the account's only
                         user of it (default: not applied; the output says which)
  --json                 the estimate as JSON (items, totals, assumptions, warnings)
  --help                 print this message

Token requests assume the token client (@m2m-auth/token-client): a new token per instance when the
cached one is due for refresh (its lifetime less the refresh-ahead and margin), at most one per call.
Beside them the output shows what clients without a cache (a token per call) would pay.
Other assumptions (printed with the result): ${DEFAULT_TRAFFIC.credentialReadsPerInstancePerDay} credential reads per instance a day,
authorizer ${DEFAULT_TRAFFIC.authorizerMs} ms and backend ${DEFAULT_TRAFFIC.backendMs} ms billed per invocation, ${DAYS_PER_MONTH}-day month.
Not estimated: data transfer, SNS notifications, user sign-ins (MAU), the state bucket and pipeline
roles (stacks state-bootstrap and pipeline-access-*), taxes.

A price table checked more than 180 days ago, or a region without one (us-east-1's is used), prints
a WARNING on stderr and in the JSON.
Exit status: 0 done; 1 the config is invalid; 2 bad arguments.`;

/** What `--json` prints: the pull request's comment compares two of these (scripts/pipeline/cost-comment.ts). */
export interface CostReport {
  readonly assumptions: Traffic & { readonly daysPerMonth: number };
  readonly freeTierApplied: boolean;
  readonly environments: ReadonlyArray<Estimate & { readonly prices: { readonly region: string; readonly checked: string }; readonly warnings: readonly string[] }>;
  readonly grandTotalUsd: number;
}

/**
 * Runs the command with `argv`; returns the exit status.
 *
 * @example
 * process.exitCode = main(['dev', '--calls-per-day', '1000']);
 */
export function main(argv: readonly string[], io: CliIo = consoleIo, env: NodeJS.ProcessEnv = process.env, today = new Date()): number {
  const usageError = (message: string) => {
    io.err(`cost: ${message}\n\n${USAGE}`);
    return 2;
  };
  const parsed = parseCommandLine(
    io,
    argv,
    { 'calls-per-day': { type: 'string' }, instances: { type: 'string' }, 'free-tier': { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    USAGE,
    usageError,
  );
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  if (positionals.length > 1) return usageError(`one environment at most; received ${positionals.join(' ')}`);
  const callsPerDay = countOption(values['calls-per-day'], DEFAULT_TRAFFIC.callsPerDay, 0);
  if (typeof callsPerDay === 'string') return usageError(`--calls-per-day ${callsPerDay}`);
  const instances = countOption(values.instances, DEFAULT_TRAFFIC.instancesPerClient, 1);
  if (typeof instances === 'string') return usageError(`--instances ${instances}`);

  const environments = positionals[0] ? environmentNamed(io, env, positionals[0], usageError) : validEnvironments(io, env);
  if (typeof environments === 'number') return environments;

  const traffic: Traffic = { ...DEFAULT_TRAFFIC, callsPerDay, instancesPerClient: instances };
  const freeTier = values['free-tier'] === true;
  const results = [environments].flat().map((config) => {
    const prices = pricesFor(config.region, today);
    const result = estimate(inventoryOf(environmentTerraform(config), config), prices.table, traffic, { freeTier });
    return { ...result, prices: { region: prices.table.region, checked: prices.table.checked }, warnings: prices.warnings };
  });
  for (const warning of new Set(results.flatMap((result) => result.warnings))) io.err(`WARNING: ${warning}`);
  const grandTotalUsd = results.reduce((total, result) => total + result.totalUsd, 0);

  if (values.json) {
    const report: CostReport = { assumptions: { ...traffic, daysPerMonth: DAYS_PER_MONTH }, freeTierApplied: freeTier, environments: results, grandTotalUsd };
    io.out(JSON.stringify(report, null, 2));
    return 0;
  }
  for (const result of results) io.out(renderEstimate(result, result.prices));
  io.out(`assumptions: ${traffic.callsPerDay} calls per client per day, ${traffic.instancesPerClient} instances per client, ${DAYS_PER_MONTH}-day month; free tiers ${freeTier ? 'applied (each as if this environment were the account\'s only user)' : 'not applied'}`);
  if (results.length > 1) io.out(`grand total: ${formatUsd(grandTotalUsd)} USD/month (${results.length} environments)`);
  return 0;
}

/** One environment's lines. */
export function renderEstimate(result: Estimate, prices: { region: string; checked: string }): string {
  const lines = [`== ${result.environment} (${result.region}; ${prices.region} prices checked ${prices.checked}) ==`];
  for (const item of result.items) {
    const free = item.freeUnits > 0 ? `, ${formatQuantity(item.freeUnits)} free` : '';
    lines.push(`${item.item}: ${formatUsd(item.usd)} USD/month  (${formatQuantity(item.quantity)} x ${item.unitPrice}${free})`);
  }
  lines.push(`total: ${formatUsd(result.totalUsd)} USD/month`);
  const tokens = result.items.find((item) => item.price === 'cognitoM2mTokenRequest');
  if (tokens) {
    lines.push(`  token requests without a token cache (a token per call): ${formatUsd(result.naiveTokenRequests.usd)} USD/month (${formatQuantity(result.naiveTokenRequests.quantity)} requests) instead of ${formatUsd(tokens.usd)}`);
  }
  return lines.join('\n');
}

/** `1,234,567`, or `0.0123` below 1000 with decimals. */
export function formatQuantity(quantity: number): string {
  if (Number.isInteger(quantity) || quantity >= 1000) return Math.round(quantity).toLocaleString('en-US');
  return Number(quantity.toPrecision(3)).toString();
}

function countOption(value: string | undefined, fallback: number, min: number): number | string {
  if (value === undefined) return fallback;
  const n = Number(value);
  return Number.isInteger(n) && n >= min && /^\d+$/.test(value) ? n : `must be a whole number >= ${min}; received "${value}"`;
}
