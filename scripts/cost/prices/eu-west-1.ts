/*
 * AWS list prices for Europe (Ireland), checked 2026-12-02.
 *
 * How the figures were found: with the `search` tool over stored copies of AWS pricing pages, AWS
 * documentation and third-party copies (no live page was fetched). The stored official pricing pages
 * do not render their regional rate tables, and few copies give Ireland figures, so eu-west-1 figures
 * come from third-party notes that quote the AWS Price List offer files for eu-west-1 or from Infracost
 * output; each says so in its `note`. Where no source gave the eu-west-1 figure, the us-east-1 figure
 * (./us-east-1.ts) is used and the `note` says exactly that. Free tiers are account-wide and the same
 * as in us-east-1. Every figure was looked up; none is estimated.
 */
import type { Price, PriceKey, PriceTable } from '../price-table';
import { PRICES as US_EAST_1 } from './us-east-1';

const FALLBACK = 'eu-west-1 not found in any source read; us-east-1 figure';

/** us-east-1's price of `key`, for a price no source gave for eu-west-1; `more` is added to the note. */
function usEast1(key: PriceKey, more = ''): Price {
  return { ...US_EAST_1.prices[key], note: `${FALLBACK}${more}` };
}

export const PRICES: PriceTable = {
  region: 'eu-west-1',
  checked: '2026-12-02',
  currency: 'USD',
  sources: {
    // us-east-1's sources, for the prices taken from it and the pages both regions share.
    ...US_EAST_1.sources,
    apiGatewayWhitepaper: {
      title: 'AWS whitepaper, Best Practices for API Gateway Private APIs, "Cost optimization", Table 4 (us-east-1 figures)',
      url: 'https://docs.aws.amazon.com/pt_br/whitepapers/latest/best-practices-api-gateway-private-apis-integration/cost-optimization.html',
    },
    apiGatewayPricing: {
      title:
        'Amazon API Gateway pricing (stored copies: free tier only; eu-west-1 HTTP API rates as quoted, with the AmazonApiGateway eu-west-1 offer SKU, in a third-party decision record found by text search)',
      url: 'https://aws.amazon.com/api-gateway/pricing/',
    },
    lambdaPricing: {
      title: 'AWS Lambda pricing (stored copy: $0.20 per 1M requests, free tier)',
      url: 'https://aws.amazon.com/lambda/pricing/',
    },
    cloudwatchPricing: {
      title: 'Amazon CloudWatch pricing (stored copy: free-tier table read directly; "Pricing varies by Region"; paid tables not rendered)',
      url: 'https://aws.amazon.com/cloudwatch/pricing/',
    },
    cloudwatchRough: {
      title: 'nishinoshake/aws-rough issue #37, transcription of the CloudWatch pricing page (2022, us-east-1)',
      url: 'https://github.com/nishinoshake/aws-rough/issues/37',
    },
    cloudwatchInfracost: {
      title: 'vreutova/infracost-idem-support PR #2 (Infracost output, us-east-1: standard alarm metric $0.10)',
      url: 'https://github.com/vreutova/infracost-idem-support/pull/2',
    },
    cloudwatchInfracostIreland: {
      title: 'gordonmurray/terraform_aws_ec2_cloudwatch_logs README (Infracost output: data ingested $0.57 per GB, archival storage $0.03 per GB)',
      url: 'https://github.com/gordonmurray/terraform_aws_ec2_cloudwatch_logs',
    },
    kmsWring: {
      title: 'Wring, "AWS KMS pricing guide" (request price per 10,000, us-east-1)',
      url: 'https://www.wring.co/blog/aws-kms-pricing-guide',
    },
    secretsManagerPricing: {
      title: 'api-evangelist/amazon-secrets-manager plans pricing (2026-09-20 transcription of aws.amazon.com/secrets-manager/pricing/, US examples)',
      url: 'https://raw.githubusercontent.com/api-evangelist/amazon-secrets-manager/refs/heads/main/plans/amazon-secrets-manager-plans-pricing.yml',
    },
  },
  prices: {
    cognitoM2mAppClient: usEast1('cognitoM2mAppClient', ' (the question is not regional; see ./us-east-1.ts for the conflicting sources).'),
    cognitoM2mTokenRequest: usEast1('cognitoM2mTokenRequest', '. Bands 1-250,000 / 250,001-5,000,000 / over; $2.25 for band 1 is corroborated by several copies (Tokyo gives the same), $1.50 and ' +
        '$1.125 by one third-party copy of the page. No free tier for M2M token requests (stored pricing-page copies). See ./us-east-1.ts.'),
    restApiRequest: usEast1('restApiRequest', ' (all four bands; one Ireland cost guide showed its tables only as images).'),
    httpApiRequest: {
      unit: 'request',
      tiers: [
        { upTo: 300_000_000, usd: 1.11, per: 1_000_000 },
        { usd: 1.0, per: 1_000_000 },
      ],
      free: {
        quantity: 1_000_000,
        kind: 'first 12 months',
        note: 'One million HTTP API calls a month for up to 12 months. Accounts created from 2025-07-15 get up to $200 of Free Tier credits instead (pricing page).',
      },
      source: 'apiGatewayPricing',
      note:
        'Third-party: a decision record (GitHub, found by text search; repository not reported) quotes the AmazonApiGateway offer for eu-west-1 (publication ' +
        '2026-07-24, SKU WPZ6JK7P27W4K4QK): $1.11 per million for the first 300 million, $1.00 above. Metered in 512 KB increments.',
    },
    lambdaRequest: {
      unit: 'request',
      tiers: [{ usd: 0.2, per: 1_000_000 }],
      free: { quantity: 1_000_000, kind: 'always free' },
      source: 'lambdaPricing',
      note: 'Third-party notes quoting the AWSLambda offer (publication 2026-07-17) say the request price is identical in eu-west-1 and us-east-1.',
    },
    lambdaArmGbSecond: {
      unit: 'GB-second',
      tiers: [
        { upTo: 7_500_000_000, usd: 0.0000133334, per: 1 },
        { upTo: 18_750_000_000, usd: 0.0000120001, per: 1 },
        { usd: 0.0000106667, per: 1 },
      ],
      free: { quantity: 400_000, kind: 'always free', note: 'One 400,000 GB-s allowance per month shared by x86 and arm64 together.' },
      source: 'lambdaTieredBlog',
      note:
        'First band: third-party price tables (GitHub, found by text search) give one base arm64 rate, $0.0000133334, for every Region except af-south-1, ' +
        `ap-east-1, eu-south-1, me-south-1 and me-central-1, so eu-west-1 included. Bands 2 and 3: ${FALLBACK}.`,
    },
    lambdaX86GbSecond: {
      unit: 'GB-second',
      tiers: [
        { upTo: 6_000_000_000, usd: 0.0000166667, per: 1 },
        { upTo: 15_000_000_000, usd: 0.000015, per: 1 },
        { usd: 0.0000133334, per: 1 },
      ],
      free: { quantity: 400_000, kind: 'always free', note: 'One 400,000 GB-s allowance per month shared by x86 and arm64 together.' },
      source: 'lambdaTieredBlog',
      note:
        'First band: third-party notes quoting the AWSLambda offer say $0.0000166667 is identical in eu-west-1 and us-east-1 (and a 2026 Price List summary lists ' +
        `eu-west-1 at the same tier-1 rate). Bands 2 and 3: ${FALLBACK}.`,
    },
    alarmMetric: usEast1('alarmMetric', '. Standard resolution.'),
    customMetric: {
      unit: 'metric-month',
      tiers: [
        { upTo: 10_000, usd: 0.3, per: 1 },
        { upTo: 250_000, usd: 0.1, per: 1 },
        { upTo: 1_000_000, usd: 0.05, per: 1 },
        { usd: 0.02, per: 1 },
      ],
      free: { quantity: 10, kind: 'always free', note: 'Shared by custom metrics and detailed-monitoring metrics.' },
      source: 'cloudwatchRough',
      note:
        'First band: a third-party eu-west-1 cost note (GitHub, found by text search) gives $0.30 per metric-month, the same as us-east-1. ' +
        `Bands 2-4: ${FALLBACK}.`,
    },
    dashboard: usEast1('dashboard', '.'),
    contributorInsightsRule: usEast1('contributorInsightsRule', '.'),
    contributorInsightsEvent: usEast1('contributorInsightsEvent', '.'),
    logsIngestionGb: {
      unit: 'GB ingested',
      tiers: [{ usd: 0.57, per: 1 }],
      free: {
        quantity: 5,
        kind: 'always free',
        note: '5 GB a month shared by ingestion, archive storage and Logs Insights scanning; not repeated on logsStorageGbMonth.',
      },
      source: 'cloudwatchInfracostIreland',
      note:
        'Standard class, custom logs: $0.57 per GB (Infracost output; the same figure with the eu-west-1 offer SKU KJBTQPDHW2H92B8Y in third-party notes). ' +
        'Logs written by Lambda are billed at vended-log volume tiers since 2025-05-01 (us-east-1: $0.50 / $0.25 / $0.10 / $0.05 per GB at 10 / 30 / 50 TB); ' +
        'the eu-west-1 bands were not found in any reliable source (one generated audit gave $0.50 / $0.285 / $0.114 / $0.057, inconsistent with itself), ' +
        'so the flat custom-log rate is used: exact or an upper bound below 10 TB a month.',
    },
    logsStorageGbMonth: {
      unit: 'GB-month archived',
      tiers: [{ usd: 0.03, per: 1 }],
      source: 'cloudwatchInfracostIreland',
      note: 'Infracost output that prices ingestion at the eu-west-1 $0.57 gives archival storage $0.03 per GB. Free 5 GB is counted on logsIngestionGb.',
    },
    kmsKey: {
      unit: 'key-month',
      tiers: [{ usd: 1, per: 1 }],
      source: 'kmsPricing',
      note:
        'The pricing page states "Each AWS KMS key that you create in KMS costs $1/month" with no Region qualifier; no eu-west-1 table was read. Each rotated ' +
        'backing key adds $1/month.',
    },
    kmsRequest: usEast1('kmsRequest', '. Symmetric key requests.'),
    secret: usEast1('secret', '. The 30-day free trial per secret was not in the 2026-09-20 transcription (only Free Tier credits for new accounts); no free quantity ' +
        'is applied. Each replica secret is billed as a separate secret.'),
    secretsManagerApiCall: usEast1('secretsManagerApiCall', '.'),
    ssmStandardParameter: {
      unit: 'parameter-month',
      tiers: [{ usd: 0, per: 1 }],
      source: 'ssmParameterTiers',
      note: 'Standard tier: "No additional charge" (up to 10,000 per account and Region); standard throughput is free too.',
    },
  },
};
