/*
 * AWS list prices for US East (N. Virginia), checked 2026-12-02.
 *
 * How the figures were found: with the `search` tool over stored copies of AWS pricing pages, AWS
 * documentation and third-party copies of the pricing pages (no live page was fetched). The stored
 * copies of most official pricing pages render their rate tables as unresolved tokens, so where only
 * the free tier or a worked example could be read there, the rate comes from a third-party copy or an
 * AWS docs/blog page and the price's `note` says so. Every figure was looked up; none is estimated.
 * See docs/scale.md ("Prices (us-east-1)") for the CloudWatch figures it already checked.
 */
import type { PriceTable } from '../price-table';

export const PRICES: PriceTable = {
  region: 'us-east-1',
  checked: '2026-12-02',
  currency: 'USD',
  sources: {
    cognitoPricing: {
      title: 'Amazon Cognito pricing (stored copies, de and jp: free-tier text only; rate tables not rendered)',
      url: 'https://aws.amazon.com/cognito/pricing/',
    },
    cognitoDefineResourceServers: {
      title: 'Amazon Cognito Developer Guide, "Scopes, M2M, and resource servers" (current revision, with GetClientToken)',
      url: 'https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-define-resource-servers.html',
    },
    cognitoCostDocs: {
      title: 'Amazon Cognito Developer Guide, "Monitoring and managing costs" (current revision)',
      url: 'https://docs.aws.amazon.com/hi_in/cognito/latest/developerguide/tracking-cost.md',
    },
    cognitoClassmethod: {
      title: 'Classmethod, "Cognito M2M (client credentials) becomes paid from 2024-07-09" (2024-05-13)',
      url: 'https://dev.classmethod.jp/articles/amazon-cognito-tiered-pricing-m2m-usage',
    },
    cognitoVantage: {
      title: 'Vantage, "What is AWS CUPM2MTokenRequestsFull?" (2025-04-27)',
      url: 'https://cur.vantage-api.com/aws/amazoncognito/user-pools-m2m/cupm2mtokenrequestsfull',
    },
    apiGatewayWhitepaper: {
      title: 'AWS whitepaper, Best Practices for API Gateway Private APIs, "Cost optimization", Table 4',
      url: 'https://docs.aws.amazon.com/pt_br/whitepapers/latest/best-practices-api-gateway-private-apis-integration/cost-optimization.html',
    },
    apiGatewayPricing: {
      title: 'Amazon API Gateway pricing (stored copies; free tier and the 2025-07-15 Free Tier credits text)',
      url: 'https://aws.amazon.com/api-gateway/pricing/',
    },
    lambdaPricing: {
      title: 'AWS Lambda pricing (stored copy; worked example: $0.20 per 1M requests, free tier)',
      url: 'https://aws.amazon.com/lambda/pricing/',
    },
    lambdaTieredBlog: {
      title: 'AWS Compute Blog, "Introducing tiered pricing for AWS Lambda"',
      url: 'https://aws.amazon.com/blogs/compute/introducing-tiered-pricing-for-aws-lambda/',
    },
    lambdaCloudchipr: {
      title: 'Cloudchipr, "AWS Lambda Pricing Breakdown" (us-east-1 duration tiers)',
      url: 'https://cloudchipr.com/blog/aws-lambda-pricing',
    },
    cloudwatchPricing: {
      title: 'Amazon CloudWatch pricing (stored copy: free-tier table read directly; paid tables not rendered)',
      url: 'https://aws.amazon.com/cloudwatch/pricing/',
    },
    cloudwatchRough: {
      title: 'nishinoshake/aws-rough issue #37, transcription of the CloudWatch pricing page (2022)',
      url: 'https://github.com/nishinoshake/aws-rough/issues/37',
    },
    cloudwatchEvangelist: {
      title: 'api-evangelist/cloudwatch plans/cloudwatch-plans-pricing.yml (2026, us-east-1, cites the pricing page)',
      url: 'https://raw.githubusercontent.com/api-evangelist/cloudwatch/refs/heads/main/plans/cloudwatch-plans-pricing.yml',
    },
    cloudwatchInfracost: {
      title: 'vreutova/infracost-idem-support PR #2 (Infracost output: standard alarm metric $0.10, logs $0.50/$0.03)',
      url: 'https://github.com/vreutova/infracost-idem-support/pull/2',
    },
    lambdaLogsDuckbill: {
      title: 'Duckbill Group, on AWS Lambda tiered pricing for CloudWatch Logs (from 2025-05-01)',
      url: 'https://www.duckbillgroup.com/?p=9080',
    },
    kmsPricing: {
      title: 'AWS Key Management Service pricing (stored copy: key storage, free tier)',
      url: 'https://aws.amazon.com/kms/pricing/',
    },
    kmsWring: {
      title: 'Wring, "AWS KMS pricing guide" (request price per 10,000)',
      url: 'https://www.wring.co/blog/aws-kms-pricing-guide',
    },
    secretsManagerPricing: {
      title: 'api-evangelist/amazon-secrets-manager plans pricing (2026-09-20 transcription of aws.amazon.com/secrets-manager/pricing/)',
      url: 'https://raw.githubusercontent.com/api-evangelist/amazon-secrets-manager/refs/heads/main/plans/amazon-secrets-manager-plans-pricing.yml',
    },
    ssmParameterTiers: {
      title: 'AWS Systems Manager User Guide, "Managing parameter tiers"',
      url: 'https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html',
    },
  },
  prices: {
    cognitoM2mAppClient: {
      unit: 'app client-month',
      tiers: [{ usd: 6, per: 1 }],
      source: 'cognitoDefineResourceServers',
      note:
        'The sources disagree, so the estimate keeps the charge (it errs high by $6 per client if it is gone). For it: the developer guide\'s current ' +
        '"Scopes, M2M, and resource servers" (it names GetClientToken, so it postdates 2026-08): "M2M billing reflects active M2M app clients, whether they use ' +
        'client credentials grants or the GetClientToken API operation, and total token-request volume"; $6 per app client-month (prorated by the second) from ' +
        '2024-07 (Classmethod: 6 USD for up to 100 app clients; billed as CUPM2MAppClientsFull as late as 2025-02). Against it: a 2026 third-party research ' +
        'note quotes the pricing page, "There is no additional charge for the number of app clients you have registered in your account", and one copy of the ' +
        'cost guide lists only request volume. No band above 100 clients was found. Set tiers to [{ usd: 0, per: 1 }] if your bill shows no app-client line.',
    },
    cognitoM2mTokenRequest: {
      unit: 'token request',
      tiers: [
        { upTo: 250_000, usd: 2.25, per: 1_000 },
        { upTo: 5_000_000, usd: 1.5, per: 1_000 },
        { usd: 1.125, per: 1_000 },
      ],
      source: 'cognitoPricing',
      note:
        'Successful token responses, graduated per account and Region per month. The official page copies read do not render the table: the band limits ' +
        '(1-250,000; 250,001-5,000,000; over 5,000,000) and $2.25 per 1,000 for the first band are corroborated by Vantage (CUPM2MTokenRequestsFull starts at ' +
        '$2.250 per 1,000, graduated), Classmethod (2.250 USD per 1,000 up to 250,000) and a 2026 note quoting the page ("$0.00225 x 5,000 token requests"); ' +
        '$1.50 and $1.125 for bands 2 and 3 come from one third-party decision record quoting aws.amazon.com/cognito/pricing (GitHub, found by text search; ' +
        'repository not reported). No free tier: the stored pricing-page copies say there is no free tier for app clients or token requests in the M2M use case.',
    },
    restApiRequest: {
      unit: 'request',
      tiers: [
        { upTo: 333_000_000, usd: 3.5, per: 1_000_000 },
        { upTo: 1_000_000_000, usd: 2.8, per: 1_000_000 },
        { upTo: 20_000_000_000, usd: 2.38, per: 1_000_000 },
        { usd: 1.51, per: 1_000_000 },
      ],
      free: {
        quantity: 1_000_000,
        kind: 'first 12 months',
        note: 'One million REST API calls a month for up to 12 months. Accounts created from 2025-07-15 get up to $200 of Free Tier credits instead (pricing page).',
      },
      source: 'apiGatewayWhitepaper',
      note: 'Tiers from the AWS whitepaper table (first 333M $3.50, next 667M $2.80, next 19B $2.38, over 20B $1.51 per million); caching is extra.',
    },
    httpApiRequest: {
      unit: 'request',
      tiers: [
        { upTo: 300_000_000, usd: 1.0, per: 1_000_000 },
        { usd: 0.9, per: 1_000_000 },
      ],
      free: {
        quantity: 1_000_000,
        kind: 'first 12 months',
        note: 'One million HTTP API calls a month for up to 12 months. Accounts created from 2025-07-15 get up to $200 of Free Tier credits instead (pricing page).',
      },
      source: 'apiGatewayWhitepaper',
      note: 'Whitepaper table, us-east-1. HTTP API requests are metered in 512 KB increments.',
    },
    lambdaRequest: {
      unit: 'request',
      tiers: [{ usd: 0.2, per: 1_000_000 }],
      free: { quantity: 1_000_000, kind: 'always free' },
      source: 'lambdaPricing',
      note: 'Same price for x86 and arm64.',
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
        'Bands from the AWS blog (0-7.5B same as before, 7.5B-18.75B 10% off, over 18.75B 20% off); the first two prices from Cloudchipr; the third ' +
        '($0.0000106667, i.e. 20% off) from third-party notes that quote the AWS Price List API (GitHub, found by text search). Bands are per account per Region per month.',
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
        'Bands from the AWS blog (0-6B, 6B-15B 10% off, over 15B 20% off); prices from Cloudchipr (it prints the third as $0.000013334; third-party notes quoting the ' +
        'Price List API give $0.0000133334).',
    },
    alarmMetric: {
      unit: 'alarm metric-month',
      tiers: [{ usd: 0.1, per: 1 }],
      free: {
        quantity: 10,
        kind: 'always free',
        note: 'Standard-resolution alarms that list metrics directly (no Metrics Insights query).',
      },
      source: 'cloudwatchInfracost',
      note: 'Standard resolution (60 s); high resolution is $0.30. Paid figure from Infracost output and third-party notes; free tier from the pricing page.',
    },
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
      note: 'Paid tiers as transcribed from the pricing page (2022) and in api-evangelist (2026); free tier from the pricing page. Prorated by the hour.',
    },
    dashboard: {
      unit: 'dashboard-month',
      tiers: [{ usd: 3, per: 1 }],
      free: { quantity: 3, kind: 'always free', note: 'Three custom dashboards of up to 50 metrics each; automatic dashboards are free.' },
      source: 'cloudwatchRough',
      note: 'Paid price from the transcription of the pricing page; free tier from the pricing page.',
    },
    contributorInsightsRule: {
      unit: 'rule-month',
      tiers: [{ usd: 0.5, per: 1 }],
      free: { quantity: 1, kind: 'always free' },
      source: 'cloudwatchEvangelist',
      note: 'Contributor Insights for CloudWatch Logs. Paid price from api-evangelist (cites the pricing page); free tier from the pricing page.',
    },
    contributorInsightsEvent: {
      unit: 'matched log event',
      tiers: [{ usd: 0.02, per: 1_000_000 }],
      free: { quantity: 1_000_000, kind: 'always free', note: 'The first 1 million log events that match the rule per month.' },
      source: 'cloudwatchEvangelist',
      note: 'Paid price from api-evangelist (cites the pricing page); free tier from the pricing page.',
    },
    logsIngestionGb: {
      unit: 'GB ingested',
      tiers: [
        { upTo: 10_240, usd: 0.5, per: 1 },
        { upTo: 30_720, usd: 0.25, per: 1 },
        { upTo: 51_200, usd: 0.1, per: 1 },
        { usd: 0.05, per: 1 },
      ],
      free: {
        quantity: 5,
        kind: 'always free',
        note: '5 GB a month shared by ingestion, archive storage and Logs Insights scanning; not repeated on logsStorageGbMonth.',
      },
      source: 'lambdaLogsDuckbill',
      note:
        'Standard class. Logs written by Lambda functions (the authorizer decision lines) have been billed since 2025-05-01 at these vended-log tiers: first 10 TB ' +
        '$0.50, next 20 TB $0.25, next 20 TB $0.10, over 50 TB $0.05 per GB (Duckbill; the same tiers in a third-party note citing the AWS Compute Blog). ' +
        'Logs not written by Lambda (custom logs) stay at a flat $0.50 per GB. TB taken as 1,024 GB for the band limits (the sources say only "TB").',
    },
    logsStorageGbMonth: {
      unit: 'GB-month archived',
      tiers: [{ usd: 0.03, per: 1 }],
      source: 'cloudwatchInfracost',
      note: 'Same figure in api-evangelist and c3x.dev (docs/scale.md [21b], [21c]). Free 5 GB is counted on logsIngestionGb.',
    },
    kmsKey: {
      unit: 'key-month',
      tiers: [{ usd: 1, per: 1 }],
      source: 'kmsPricing',
      note: 'Customer managed key, prorated hourly. With automatic rotation each newly generated backing key adds $1/month (pricing page; third-party notes say the May 2024 update caps this at the first two rotations).',
    },
    kmsRequest: {
      unit: 'request',
      tiers: [{ usd: 0.03, per: 10_000 }],
      free: { quantity: 20_000, kind: 'always free', note: '20,000 requests a month counted across all Regions together (pricing page).' },
      source: 'kmsWring',
      note: 'Symmetric key requests. Price from a third-party guide (the stored official copy shows the free tier but not the request table).',
    },
    secret: {
      unit: 'secret-month',
      tiers: [{ usd: 0.4, per: 1 }],
      source: 'secretsManagerPricing',
      note:
        'Prorated for secrets stored less than a month; each replica secret is billed as a separate secret. The 30-day free trial per secret was not in the ' +
        '2026-09-20 transcription, which lists only Free Tier credits (up to $200, new accounts); no free quantity is applied.',
    },
    secretsManagerApiCall: {
      unit: 'API call',
      tiers: [{ usd: 0.05, per: 10_000 }],
      source: 'secretsManagerPricing',
      note: 'Third-party transcription of the official page (its rate table renders as tokens; the figures are from its pricing examples).',
    },
    ssmStandardParameter: {
      unit: 'parameter-month',
      tiers: [{ usd: 0, per: 1 }],
      source: 'ssmParameterTiers',
      note: 'Standard tier: "No additional charge" (up to 10,000 per account and Region); standard throughput is free too.',
    },
  },
};
