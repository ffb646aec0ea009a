/**
 * The price tables, one per region, and how one is chosen: the region's own, or us-east-1's with a
 * warning when the region has none; a warning too when the table was checked too long ago.
 */
import { PRICE_KEYS, type PriceTable } from '../price-table';
import { PRICES as EU_WEST_1 } from './eu-west-1';
import { PRICES as US_EAST_1 } from './us-east-1';

export const PRICE_TABLES: Readonly<Record<string, PriceTable>> = { 'eu-west-1': EU_WEST_1, 'us-east-1': US_EAST_1 };

/** A table checked longer ago than this is reported as stale. */
export const PRICE_MAX_AGE_DAYS = 180;

/** The table used where a region has none. */
export const FALLBACK_REGION = 'us-east-1';

export interface ChosenPrices {
  readonly table: PriceTable;
  /** What the reader must know before trusting the figures; empty when nothing. */
  readonly warnings: readonly string[];
}

/**
 * The prices for `region` on `today`.
 *
 * @example
 * pricesFor('eu-west-1', new Date()).table.checked; // '2026-12-02'
 */
export function pricesFor(region: string, today: Date, tables: Readonly<Record<string, PriceTable>> = PRICE_TABLES): ChosenPrices {
  const warnings: string[] = [];
  let table = tables[region];
  if (!table) {
    table = tables[FALLBACK_REGION];
    warnings.push(`no price table for ${region}: using ${FALLBACK_REGION}'s; add scripts/cost/prices/${region}.ts from the AWS pricing pages`);
  }
  const ageDays = Math.floor((today.getTime() - Date.parse(`${table.checked}T00:00:00Z`)) / 86_400_000);
  if (!(ageDays <= PRICE_MAX_AGE_DAYS)) {
    warnings.push(`the ${table.region} price table was checked on ${table.checked}, ${ageDays} days ago (more than ${PRICE_MAX_AGE_DAYS}): check its sources and update it`);
  }
  return { table, warnings };
}

/** What is wrong with a table's shape: a missing price, tiers out of order, a source not listed. */
export function tableProblems(table: PriceTable): string[] {
  const problems: string[] = [];
  if (!/^\d{4}-\d{2}-\d{2}$/.test(table.checked)) problems.push(`checked must be YYYY-MM-DD; is ${table.checked}`);
  for (const key of PRICE_KEYS) {
    const price = table.prices[key];
    if (!price) {
      problems.push(`${key}: missing`);
      continue;
    }
    if (!table.sources[price.source]) problems.push(`${key}: source "${price.source}" is not in sources`);
    if (price.tiers.length === 0) problems.push(`${key}: no tiers`);
    price.tiers.forEach((tier, i) => {
      const last = i === price.tiers.length - 1;
      if (last !== (tier.upTo === undefined)) problems.push(`${key}: only the last tier has no upTo`);
      if (i > 0 && tier.upTo !== undefined && !(tier.upTo > (price.tiers[i - 1].upTo ?? Infinity))) problems.push(`${key}: tier ${i} ends before tier ${i - 1}`);
      if (!(tier.usd >= 0) || !(tier.per > 0)) problems.push(`${key}: tier ${i} needs usd >= 0 and per > 0`);
    });
  }
  return problems;
}
