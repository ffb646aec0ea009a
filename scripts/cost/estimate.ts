/**
 * An environment's monthly cost: what its synthesized stack holds ({@link Inventory}) times the prices
 * of its region ({@link PriceTable}), with the traffic it serves stated as assumptions. Pure
 * arithmetic: every figure it prints can be worked by hand from the lines it prints.
 */
import { TOKEN_REUSE } from '../../token-client/token-client';
import type { Inventory } from './inventory';
import type { PriceKey, PriceTable } from './price-table';
import { priceOf, unitPriceText } from './tiers';

/** A month, for traffic: 30 days. Resources priced per month are a whole month. */
export const DAYS_PER_MONTH = 30;
const SECONDS_PER_DAY = 86_400;
const GB = 1e9;

/** What the estimate assumes about the traffic; every field is printed with the result. */
export interface Traffic {
  /** Calls to the API per M2M client per day. */
  readonly callsPerDay: number;
  /** Processes per client, each with its own token cache (the token client). */
  readonly instancesPerClient: number;
  /** Times a day each instance reads its credentials from Secrets Manager (starts, cold starts, a rotation). */
  readonly credentialReadsPerInstancePerDay: number;
  /** Billed milliseconds of one authorizer invocation, cold starts averaged in. */
  readonly authorizerMs: number;
  /** Billed milliseconds of one backend invocation (the sample backend, when the stack has it). */
  readonly backendMs: number;
  /** Billed milliseconds of one run of a scheduled function (the legacy usage check, daily). */
  readonly scheduledMs: number;
  /** Billed milliseconds of one rotation step (four steps per rotation; the test step waits for Cognito). */
  readonly rotationStepMs: number;
  /** Bytes Lambda writes per invocation on its own (START, END, REPORT lines). */
  readonly platformLogBytes: number;
  /** Secrets Manager API calls per rotation (describe, get, put, stage moves). */
  readonly apiCallsPerRotation: number;
}

export const DEFAULT_TRAFFIC: Traffic = {
  callsPerDay: 10_000,
  instancesPerClient: 2,
  credentialReadsPerInstancePerDay: 24,
  authorizerMs: 10,
  backendMs: 20,
  scheduledMs: 2_000,
  rotationStepMs: 3_000,
  platformLogBytes: 330,
  apiCallsPerRotation: 10,
};

export interface CostItem {
  /** `cognito-token-requests` */
  readonly item: string;
  readonly usd: number;
  readonly quantity: number;
  readonly unit: string;
  /** `2.25 USD per 1,000 token requests` */
  readonly unitPrice: string;
  readonly price: PriceKey;
  /** Units the free tier took off (0 when it was not applied or there is none). */
  readonly freeUnits: number;
  /** How the quantity was arrived at. */
  readonly basis: string;
}

export interface Estimate {
  readonly environment: string;
  readonly region: string;
  readonly items: readonly CostItem[];
  readonly totalUsd: number;
  /** Token requests, and their cost, of clients that fetch a token per call instead of caching one. */
  readonly naiveTokenRequests: { readonly quantity: number; readonly usd: number };
  readonly freeTierApplied: boolean;
}

/** Token requests a day of one client: each instance gets a new token when its token is due for refresh, at most once per call. */
export function tokenRequestsPerDay(accessTokenSeconds: number, traffic: Pick<Traffic, 'callsPerDay' | 'instancesPerClient'>): number {
  const reuseSeconds = Math.max(1, accessTokenSeconds - TOKEN_REUSE.expiryMarginSeconds - TOKEN_REUSE.refreshAheadSeconds);
  const perInstance = Math.min(traffic.callsPerDay / traffic.instancesPerClient, Math.ceil(SECONDS_PER_DAY / reuseSeconds));
  return perInstance * traffic.instancesPerClient;
}

/**
 * Authorizer invocations a day of one client: with a result cache of `cacheSeconds` (keyed by the
 * token), a miss per cache period and per new token, at most one per call; without one, every call.
 */
export function authorizerInvocationsPerDay(cacheSeconds: number, tokensPerDay: number, traffic: Pick<Traffic, 'callsPerDay' | 'instancesPerClient'>): number {
  if (cacheSeconds <= 0) return traffic.callsPerDay;
  return Math.min(traffic.callsPerDay, traffic.instancesPerClient * Math.ceil(SECONDS_PER_DAY / cacheSeconds) + tokensPerDay);
}

/**
 * The estimate of one environment.
 *
 * @example
 * estimate(inventoryOf(tf, config), PRICES, DEFAULT_TRAFFIC, { freeTier: false }).totalUsd;
 */
export function estimate(inventory: Inventory, prices: PriceTable, traffic: Traffic, options: { freeTier: boolean }): Estimate {
  const items: CostItem[] = [];
  const add = (item: string, key: PriceKey, quantity: number, basis: string) => {
    const price = prices.prices[key];
    const { usd, billed } = priceOf(quantity, price, options.freeTier);
    items.push({ item, usd, quantity, unit: price.unit, unitPrice: unitPriceText(price, quantity), price: key, freeUnits: quantity - billed, basis });
  };
  const clients = inventory.m2mClients;
  const calls = clients.length * traffic.callsPerDay * DAYS_PER_MONTH;
  const tokensPerDay = clients.map((client) => tokenRequestsPerDay(client.accessTokenSeconds, traffic));
  const tokens = sum(tokensPerDay) * DAYS_PER_MONTH;

  add('cognito-app-clients', 'cognitoM2mAppClient', clients.length, `${clients.length} app clients with client_credentials`);
  add('cognito-token-requests', 'cognitoM2mTokenRequest', tokens, `${clients.length} clients x ${traffic.instancesPerClient} instances, a token per ${reuseText(clients)} of use (token lifetime less ${TOKEN_REUSE.expiryMarginSeconds + TOKEN_REUSE.refreshAheadSeconds} s), at most one per call, ${DAYS_PER_MONTH} days`);

  const api = inventory.api;
  let authorizerInvocations = 0;
  if (api) {
    add(api.type === 'rest' ? 'api-gateway-rest-requests' : 'api-gateway-http-requests', api.type === 'rest' ? 'restApiRequest' : 'httpApiRequest', calls, `${clients.length} clients x ${traffic.callsPerDay} calls a day x ${DAYS_PER_MONTH} days`);
    authorizerInvocations = sum(tokensPerDay.map((perDay) => authorizerInvocationsPerDay(api.authorizerCacheSeconds, perDay, traffic))) * DAYS_PER_MONTH;
  }

  const invocations = inventory.functions.map((fn) => ({ fn, count: invocationsOf(fn.role, { calls, authorizerInvocations, clients: clients.length, rotationDays: inventory.secretRotationDays }), ms: durationOf(fn.role, traffic) }));
  add('lambda-requests', 'lambdaRequest', sum(invocations.map((i) => i.count)), invocations.map((i) => `${i.fn.role} ${Math.round(i.count)}`).join(', '));
  for (const architecture of ['arm64', 'x86_64'] as const) {
    const mine = invocations.filter((i) => i.fn.architecture === architecture);
    if (mine.length === 0) continue;
    const gbSeconds = sum(mine.map((i) => (i.count * i.ms * i.fn.memoryMb) / 1000 / 1024));
    add(`lambda-compute-${architecture}`, architecture === 'arm64' ? 'lambdaArmGbSecond' : 'lambdaX86GbSecond', gbSeconds, mine.map((i) => `${i.fn.role} ${i.fn.memoryMb} MB x ${i.ms} ms`).join(', '));
  }

  add('cloudwatch-alarms', 'alarmMetric', inventory.alarmMetrics, `${inventory.alarms} alarms watching ${inventory.alarmMetrics} metrics`);
  const detailed = api?.detailedMetrics ?? 0;
  add('cloudwatch-custom-metrics', 'customMetric', inventory.customMetrics + detailed, `${inventory.customMetrics} decision and usage metrics (each dimension set, as if each published every hour) + ${detailed} API Gateway detailed metrics`);
  if (inventory.dashboards > 0) add('cloudwatch-dashboards', 'dashboard', inventory.dashboards, `${inventory.dashboards} dashboards`);
  if (inventory.contributorInsightsRules > 0) {
    add('contributor-insights-rules', 'contributorInsightsRule', inventory.contributorInsightsRules, `${inventory.contributorInsightsRules} rules`);
    add('contributor-insights-events', 'contributorInsightsEvent', authorizerInvocations, 'one decision line per authorizer invocation');
  }

  const logs = logVolumes(inventory, invocations, calls, traffic);
  add('logs-ingestion', 'logsIngestionGb', logs.ingestedGb, logs.basis);
  add('logs-storage', 'logsStorageGbMonth', logs.storedGb, 'a month of lines kept for each log group\'s retention, as ingested (CloudWatch compresses: an upper bound)');

  const rotationsPerMonth = inventory.secretRotationDays ? (clients.length * DAYS_PER_MONTH) / inventory.secretRotationDays : 0;
  const secretReads = clients.length * traffic.instancesPerClient * traffic.credentialReadsPerInstancePerDay * DAYS_PER_MONTH;
  const secretCalls = secretReads + rotationsPerMonth * traffic.apiCallsPerRotation;
  add('kms-keys', 'kmsKey', inventory.kmsKeys, `${inventory.kmsKeys} customer managed keys`);
  add('kms-requests', 'kmsRequest', secretCalls, 'one per Secrets Manager read or write of a secret under the environment key');
  add('secrets', 'secret', inventory.secrets, `${inventory.secrets} secrets`);
  add('secrets-manager-api-calls', 'secretsManagerApiCall', secretCalls, `${clients.length} clients x ${traffic.instancesPerClient} instances x ${traffic.credentialReadsPerInstancePerDay} reads a day, + ${traffic.apiCallsPerRotation} calls per rotation (${round(rotationsPerMonth, 2)} a month)`);
  add('ssm-parameters', 'ssmStandardParameter', inventory.ssmParameters, 'Standard parameters (deny-list, client registry), standard throughput');

  const naiveQuantity = calls;
  const naive = priceOf(naiveQuantity, prices.prices.cognitoM2mTokenRequest, options.freeTier);
  return {
    environment: inventory.environment,
    region: inventory.region,
    items,
    totalUsd: sum(items.map((item) => item.usd)),
    naiveTokenRequests: { quantity: naiveQuantity, usd: naive.usd },
    freeTierApplied: options.freeTier,
  };
}

function invocationsOf(role: string, context: { calls: number; authorizerInvocations: number; clients: number; rotationDays?: number }): number {
  switch (role) {
    case 'authorizer':
      return context.authorizerInvocations;
    case 'backend':
      return context.calls;
    case 'schedule':
      return DAYS_PER_MONTH;
    case 'rotation':
      return context.rotationDays ? (4 * context.clients * DAYS_PER_MONTH) / context.rotationDays : 0;
    default:
      return 0;
  }
}

function durationOf(role: string, traffic: Traffic): number {
  return role === 'authorizer' ? traffic.authorizerMs : role === 'backend' ? traffic.backendMs : role === 'schedule' ? traffic.scheduledMs : traffic.rotationStepMs;
}

function logVolumes(inventory: Inventory, invocations: ReadonlyArray<{ fn: Inventory['functions'][number]; count: number }>, calls: number, traffic: Traffic): { ingestedGb: number; storedGb: number; basis: string } {
  const parts: Array<{ what: string; bytes: number; retentionDays?: number }> = [];
  for (const { fn, count } of invocations) {
    const lineBytes = fn.role === 'authorizer' ? inventory.decisionLineBytes : 0;
    parts.push({ what: fn.role, bytes: count * (traffic.platformLogBytes + lineBytes), retentionDays: fn.logRetentionDays });
  }
  const api = inventory.api;
  if (api?.accessLogBytes) parts.push({ what: 'access logs', bytes: calls * api.accessLogBytes, retentionDays: api.accessLogRetentionDays });
  const ingestedGb = sum(parts.map((part) => part.bytes)) / GB;
  // Kept for its retention (in months of 30 days); a group that never expires is counted as a year.
  const storedGb = sum(parts.map((part) => (part.bytes / GB) * ((part.retentionDays ?? 365) / DAYS_PER_MONTH)));
  const basis = `${inventory.decisionLineBytes}-byte decision line + ${traffic.platformLogBytes} bytes of Lambda's own lines per authorizer invocation${api?.accessLogBytes ? `, ~${api.accessLogBytes}-byte access log line per call` : ''}, ${traffic.platformLogBytes} bytes per other invocation`;
  return { ingestedGb, storedGb, basis };
}

function reuseText(clients: Inventory['m2mClients']): string {
  const lifetimes = [...new Set(clients.map((client) => client.accessTokenSeconds / 60))].sort((a, b) => a - b);
  return lifetimes.length === 0 ? 'token' : `${lifetimes.join('/')}-minute token`;
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
