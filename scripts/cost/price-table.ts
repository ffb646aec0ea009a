/**
 * The shape of a region's price table (`scripts/cost/prices/<region>.ts`): every price the cost
 * estimate multiplies by, in USD, with the page it was read from and the day it was checked.
 */

/** Every price the estimate uses. A table must give each one. */
export const PRICE_KEYS = [
  'cognitoM2mAppClient',
  'cognitoM2mTokenRequest',
  'restApiRequest',
  'httpApiRequest',
  'lambdaRequest',
  'lambdaArmGbSecond',
  'lambdaX86GbSecond',
  'alarmMetric',
  'customMetric',
  'dashboard',
  'contributorInsightsRule',
  'contributorInsightsEvent',
  'logsIngestionGb',
  'logsStorageGbMonth',
  'kmsKey',
  'kmsRequest',
  'secret',
  'secretsManagerApiCall',
  'ssmStandardParameter',
] as const;

export type PriceKey = (typeof PRICE_KEYS)[number];

/**
 * One band of a graduated price: `usd` per `per` units for the monthly quantity up to `upTo` (units,
 * cumulative from 0); the last band has no `upTo`.
 */
export interface PriceTier {
  readonly upTo?: number;
  readonly usd: number;
  readonly per: number;
}

export interface Price {
  /** What one unit is, singular: `app client-month`, `token request`, `GB-second`. */
  readonly unit: string;
  /** In order of `upTo`; a flat price is one tier. */
  readonly tiers: readonly PriceTier[];
  /**
   * The free tier, per account per month, if AWS offers one: the quantity it covers and what it is
   * (`always free` or `first 12 months`).
   */
  readonly free?: { readonly quantity: number; readonly kind: 'always free' | 'first 12 months'; readonly note?: string };
  /** Key into {@link PriceTable.sources}. */
  readonly source: string;
  /** Anything a reader must know: a figure read from a third-party copy, a region fallback. */
  readonly note?: string;
}

export interface PriceTable {
  readonly region: string;
  /** The day the prices were last checked against their sources, `YYYY-MM-DD`. */
  readonly checked: string;
  readonly currency: 'USD';
  /** Source id -> the page a price was read from. */
  readonly sources: Readonly<Record<string, { readonly title: string; readonly url: string }>>;
  readonly prices: Readonly<Record<PriceKey, Price>>;
}
