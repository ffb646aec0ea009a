import type { Price, PriceTier } from './price-table';

/**
 * What `quantity` units cost a month under graduated `tiers`: each band's units at that band's price,
 * so the price of the 333,000,001st request is the second band's.
 *
 * @example
 * graduatedCost(400e6, [{ upTo: 333e6, usd: 3.5, per: 1e6 }, { usd: 2.8, per: 1e6 }]); // 1165.5 + 187.6
 */
export function graduatedCost(quantity: number, tiers: readonly PriceTier[]): number {
  if (!(quantity >= 0)) throw new RangeError(`quantity must be a number >= 0; received ${quantity}`);
  let cost = 0;
  let from = 0;
  for (const tier of tiers) {
    const to = tier.upTo ?? Infinity;
    if (quantity > from) cost += ((Math.min(quantity, to) - from) * tier.usd) / tier.per;
    from = to;
    if (quantity <= from) break;
  }
  return cost;
}

/** What `quantity` costs at `price`, with its free quantity taken off first when `applyFreeTier`. */
export function priceOf(quantity: number, price: Price, applyFreeTier: boolean): { usd: number; billed: number } {
  const billed = applyFreeTier && price.free ? Math.max(0, quantity - price.free.quantity) : quantity;
  // The free units are the first ones, so the bands start counting after them.
  const free = quantity - billed;
  return { usd: graduatedCost(quantity, price.tiers) - graduatedCost(free, price.tiers), billed };
}

/**
 * `2.25 USD per 1,000 token requests`: the first band's price, marked `graduated from` when `quantity`
 * reaches a later band.
 */
export function unitPriceText(price: Price, quantity = 0): string {
  const first = price.tiers[0];
  const per = first.per === 1 ? price.unit : `${first.per.toLocaleString('en-US')} ${plural(price.unit)}`;
  const graduated = first.upTo !== undefined && quantity > first.upTo;
  return `${graduated ? 'graduated from ' : ''}${formatUsd(first.usd)} USD per ${per}`;
}

function plural(unit: string): string {
  return /s$/.test(unit) ? unit : `${unit}s`;
}

/** Dollars with at least 2 decimals and enough to show a price below a cent: 0.0000166667 -> `0.0000166667`. */
export function formatUsd(usd: number): string {
  if (usd === 0) return '0.00';
  if (Math.abs(usd) >= 0.01) return usd.toFixed(2);
  return usd.toPrecision(3).replace(/0+$/, '');
}
