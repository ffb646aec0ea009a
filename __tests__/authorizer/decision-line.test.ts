/**
 * The decision line: one JSON line per decision that is both the structured log record and the EMF
 * document of the `Decisions` metric. Checked on the real bundle against Powertools itself: the
 * Logger's own standard keys, and the EMF that Powertools Metrics would emit for the same metric.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { generateSigningKey, m2mAccessTokenClaims, signJwt, userIdTokenClaims, type SigningKey } from '../../sandbox/cognito-tokens';
import { DecisionLineFormat, DECISIONS_METRIC, METRICS_NAMESPACE, SERVICE_NAME, type DecisionRecord } from '../../lambdas/authorizer/decision-line';
import { environment } from '../fixtures';
import { captureOutput, loadAuthorizer, writeClientRegistry, type AuthorizerHandler } from '../support/authorizer-bundle';
import { restToken } from '../support/authorizer-harness';
import { JwksServer } from '../../sandbox/jwks-server';

const CLIENTS = { reporting: 'client0reporting0000000001', user: 'client0users00000000000003' };
const config = environment({ userClient: { callbackUrls: ['https://app.example.com/callback'], groupRoles: { readers: 'reader' }, scopes: [] } });
/** Units CloudWatch accepts in EMF (and Powertools Metrics' MetricUnit). */
const EMF_UNITS = new Set<string>(Object.values(MetricUnit));

let key: SigningKey;
let jwks: JwksServer;
let output: ReturnType<typeof captureOutput>;
let handler: AuthorizerHandler;

function settings(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    USER_POOL_ID: jwks.poolId,
    TOKEN_ISSUER: jwks.issuer,
    JWKS_URL: jwks.jwksUrl,
    CLIENT_REGISTRY_FILE: writeClientRegistry([{ id: CLIENTS.reporting, name: 'reporting' }], config),
    USER_CLIENT_ID: CLIENTS.user,
    REVOCATION_FILE: '/nonexistent/deny-list.json',
    REVOCATION_PARAMETER: undefined,
    ENVIRONMENT: 'test',
    POWERTOOLS_LOG_LEVEL: undefined,
    ...overrides,
  };
}

const m2mToken = (scopes: string[], claims: Record<string, unknown> = {}) =>
  `Bearer ${signJwt(key, { ...m2mAccessTokenClaims({ issuer: jwks.issuer, clientId: CLIENTS.reporting, scopes }), ...claims })}`;

/** The one line a call writes. */
async function lineOf(call: () => Promise<unknown>): Promise<Record<string, unknown>> {
  output.clear();
  await call();
  const lines = output.lines();
  expect(lines).toHaveLength(1);
  return lines[0];
}

/** What CloudWatch requires of an EMF document (the embedded metric format specification). */
function expectValidEmf(line: Record<string, unknown>): void {
  const aws = line._aws as { Timestamp: unknown; CloudWatchMetrics: Array<{ Namespace: unknown; Dimensions: unknown[][]; Metrics: Array<{ Name: unknown; Unit?: unknown }> }> };
  expect(Number.isInteger(aws.Timestamp)).toBe(true);
  expect(Math.abs((aws.Timestamp as number) - Date.now())).toBeLessThan(60_000);
  expect(aws.CloudWatchMetrics.length).toBeGreaterThan(0);
  for (const directive of aws.CloudWatchMetrics) {
    expect(typeof directive.Namespace === 'string' && directive.Namespace.length > 0).toBe(true);
    for (const set of directive.Dimensions) {
      expect(set.length).toBeGreaterThan(0);
      expect(set.length).toBeLessThanOrEqual(30);
      for (const dimension of set) expect(typeof line[dimension as string]).toBe('string');
    }
    for (const metric of directive.Metrics) {
      expect(typeof line[metric.Name as string]).toBe('number');
      if (metric.Unit !== undefined) expect(EMF_UNITS.has(metric.Unit as string)).toBe(true);
    }
  }
}

/** The EMF document Powertools Metrics makes for these dimension sets, as the authorizer used to emit it. */
function powertoolsEmf(sets: Array<Record<string, string>>): Record<string, unknown> {
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME, defaultDimensions: { environment: 'test' } });
  for (const set of sets) metrics.addDimensions(set);
  metrics.addMetric(DECISIONS_METRIC, MetricUnit.Count, 1);
  return metrics.serializeMetrics() as unknown as Record<string, unknown>;
}

/** The metric part of a line: `_aws` without its timestamp, and the members it names. */
function metricPart(line: Record<string, unknown>): Record<string, unknown> {
  const aws = line._aws as { CloudWatchMetrics: Array<{ Dimensions: string[][]; Metrics: Array<{ Name: string }> }> };
  const members = aws.CloudWatchMetrics.flatMap((directive) => [...directive.Dimensions.flat(), ...directive.Metrics.map((metric) => metric.Name)]);
  return { CloudWatchMetrics: aws.CloudWatchMetrics, ...Object.fromEntries(members.map((member) => [member, line[member]])) };
}

beforeAll(async () => {
  key = generateSigningKey('key-1');
  jwks = await new JwksServer([key]).start();
  output = captureOutput();
  handler = loadAuthorizer(config, settings());
});

afterAll(async () => {
  output.restore();
  await jwks.stop();
});

describe('DecisionLine on the real bundle', () => {
  test("carries the Logger's standard keys and every decision field, never the token", async () => {
    const token = m2mToken(['api/read', 'api/admin']);
    const line = await lineOf(() => restToken(handler, token, 'GET', '/orders'));
    // What Powertools Logger, configured as the authorizer configures it, puts on an INFO line.
    output.clear();
    new Logger({ serviceName: SERVICE_NAME, persistentKeys: { environment: 'test' } }).info('authorization decision');
    const [loggerLine] = output.lines();
    const { timestamp, ...standard } = loggerLine;
    expect(line).toMatchObject(standard);
    expect(line.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Math.abs(Date.parse(line.timestamp as string) - Date.parse(timestamp as string))).toBeLessThan(60_000);
    expect(line).toMatchObject({
      decision: 'allow',
      reason: 'allowed',
      principalType: 'service',
      principalId: CLIENTS.reporting,
      clientId: CLIENTS.reporting,
      clientName: 'reporting',
      tokenUse: 'access',
      roles: ['reader'],
      scopes: ['api/read'],
      ignoredScopes: ['api/admin'],
      grantedBy: 'api/read',
      route: 'GET /orders',
      eventType: 'rest-token',
      cached: false,
    });
    expect(typeof line.latencyMs).toBe('number');
    expect(JSON.stringify(line)).not.toContain(token.slice('Bearer '.length).split('.')[2]);

    const denial = await lineOf(() => restToken(handler, token, 'DELETE', '/orders/1'));
    expect(denial).toMatchObject({ decision: 'deny', reason: 'insufficient_scope', detail: 'DELETE /orders/{id} needs delete', cached: true });
    const invalid = await lineOf(() => restToken(handler, m2mToken(['api/read'], { exp: Math.floor(Date.now() / 1000) - 60 }), 'GET', '/orders'));
    expect(invalid).toMatchObject({ decision: 'deny', reason: 'expired', clientId: CLIENTS.reporting, route: 'GET /orders' });
    expect(invalid).not.toHaveProperty('principalType');
  });

  const userToken = () => `Bearer ${signJwt(key, userIdTokenClaims({ issuer: jwks.issuer, clientId: CLIENTS.user, username: 'ana', email: 'ana@example.com', groups: ['readers'] }))}`;

  test.each<[string, () => Promise<unknown>, Array<Record<string, string>>]>([
    ['an M2M call granted by a scope', () => restToken(handler, m2mToken(['api/read']), 'GET', '/orders'), [{ decision: 'allow', reason: 'allowed' }, { scope: 'api/read' }]],
    ['a user call granted by a group (no scope)', () => restToken(handler, userToken(), 'GET', '/orders'), [{ decision: 'allow', reason: 'allowed' }]],
    ['a denial', () => restToken(handler, 'Bearer x.y.z', 'GET', '/orders'), [{ decision: 'deny', reason: 'malformed' }]],
  ])('default (PER_CLIENT_METRICS unset), %s: a valid EMF document without the client dimension set, the one Powertools Metrics would emit', async (_what, call, sets) => {
    const line = await lineOf(call);
    expectValidEmf(line);
    const expected = powertoolsEmf(sets);
    expectValidEmf(expected);
    expect(metricPart(line)).toEqual(metricPart(expected));
    expect(line).not.toHaveProperty('client');
  });

  test.each<[string, () => string, string, Array<Record<string, string>>]>([
    ['an M2M call granted by a scope', () => m2mToken(['api/read']), 'reporting', [{ decision: 'allow', reason: 'allowed' }, { client: 'reporting' }, { scope: 'api/read' }]],
    ['a user call granted by a group (no scope)', () => userToken(), 'user-client', [{ decision: 'allow', reason: 'allowed' }, { client: 'user-client' }]],
  ])('PER_CLIENT_METRICS=true, %s: the client dimension set, as Powertools Metrics would emit it', async (_what, token, clientName, sets) => {
    const perClient = loadAuthorizer(config, settings({ PER_CLIENT_METRICS: 'true' }));
    const line = await lineOf(() => restToken(perClient, token(), 'GET', '/orders'));
    expectValidEmf(line);
    expect(metricPart(line)).toEqual(metricPart(powertoolsEmf(sets)));
    expect(line).toMatchObject({ client: clientName, clientName });
  });

  test('fails closed when PER_CLIENT_METRICS is neither true nor false: every request is denied as misconfigured', async () => {
    const broken = loadAuthorizer(config, settings({ PER_CLIENT_METRICS: 'yes' }));
    const line = await lineOf(() => restToken(broken, m2mToken(['api/read']), 'GET', '/orders'));
    expect(line).toMatchObject({ decision: 'deny', reason: 'misconfigured' });
  });

  test('the X-Ray trace id of the invocation, as the Logger reads it', async () => {
    process.env._X_AMZN_TRACE_ID = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=557abcec3ee5a047;Sampled=1';
    try {
      expect(await lineOf(() => restToken(handler, m2mToken(['api/read']), 'GET', '/orders'))).toMatchObject({ xray_trace_id: '1-5759e988-bd862e3fe1be46a994272793' });
    } finally {
      delete process.env._X_AMZN_TRACE_ID;
    }
  });

  test('above INFO (POWERTOOLS_LOG_LEVEL=WARN) the decision fields are left out, never the metric nor what the Contributor Insights rule reads', async () => {
    const quiet = loadAuthorizer(config, settings({ POWERTOOLS_LOG_LEVEL: 'WARN' }));
    const line = await lineOf(() => restToken(quiet, m2mToken(['api/read']), 'GET', '/orders'));
    expectValidEmf(line);
    expect(metricPart(line)).toEqual(metricPart(powertoolsEmf([{ decision: 'allow', reason: 'allowed' }, { scope: 'api/read' }])));
    expect(line).toMatchObject({ message: 'authorization decision', decision: 'allow', clientName: 'reporting' });
    expect(line).not.toHaveProperty('principalId');
    expect(line).not.toHaveProperty('client');
    const denial = await lineOf(() => restToken(quiet, 'Bearer x.y.z', 'GET', '/orders'));
    expect(denial).not.toHaveProperty('message');

    const quietPerClient = loadAuthorizer(config, settings({ POWERTOOLS_LOG_LEVEL: 'WARN', PER_CLIENT_METRICS: 'true' }));
    const counted = await lineOf(() => restToken(quietPerClient, m2mToken(['api/read']), 'GET', '/orders'));
    expect(metricPart(counted)).toEqual(metricPart(powertoolsEmf([{ decision: 'allow', reason: 'allowed' }, { client: 'reporting' }, { scope: 'api/read' }])));
    expect(counted).not.toHaveProperty('message');
    expect(counted).not.toHaveProperty('clientName');
  });
});

describe('DecisionLineFormat', () => {
  const standard = { level: 'INFO', message: 'authorization decision', service: SERVICE_NAME, sampling_rate: 0, environment: 'dev' };
  const record: DecisionRecord = { allowed: false, reason: 'internal_error', detail: '', route: 'GET /x', eventType: 'http', cached: false, latencyMs: 0.12345, unverifiedClientId: 'c-1' };

  test('leaves out what the Logger leaves out: undefined fields and an empty detail', () => {
    const line = JSON.parse(new DecisionLineFormat(standard, 'dev').format(record, 1_700_000_000_000, true)) as Record<string, unknown>;
    expect(line).toEqual({
      ...standard,
      timestamp: '2023-11-14T22:13:20.000Z',
      decision: 'deny',
      reason: 'internal_error',
      clientId: 'c-1',
      route: 'GET /x',
      eventType: 'http',
      cached: false,
      latencyMs: 0.123,
      Decisions: 1,
      _aws: { Timestamp: 1_700_000_000_000, CloudWatchMetrics: [{ Namespace: 'M2MAuth', Dimensions: [['service', 'environment', 'decision', 'reason']], Metrics: [{ Name: 'Decisions', Unit: 'Count' }] }] },
    });
  });

  describe('the client dimension set', () => {
    const principal = (type: 'service' | 'user' | 'legacy-api-key', clientName: string) =>
      ({ type, id: clientName, clientId: type === 'legacy-api-key' ? `legacy:${clientName}` : 'c-1', clientName, tokenUse: type === 'legacy-api-key' ? 'api-key' : 'access', scopes: [], roles: ['reader'], expiresAtMs: 0 }) as const;
    const allowed = (p: ReturnType<typeof principal>): DecisionRecord => ({ allowed: true, reason: 'allowed', principal: p, route: 'GET /orders', eventType: 'rest-request', cached: false, latencyMs: 1 });
    const dimensionSets = (text: string) => (JSON.parse(text) as { _aws: { CloudWatchMetrics: Array<{ Dimensions: string[][] }> } })._aws.CloudWatchMetrics[0].Dimensions;
    const CLIENT_SET = ['service', 'environment', 'client'];

    test.each([true, false])('a legacy API-key caller keeps it (perClientMetrics %s): the legacy usage check reads it', (perClientMetrics) => {
      const lines = new DecisionLineFormat(standard, 'dev', { perClientMetrics });
      for (const logFields of [true, false]) {
        const text = lines.format(allowed(principal('legacy-api-key', 'old-reporting')), Date.now(), logFields);
        expect(dimensionSets(text)).toContainEqual(CLIENT_SET);
        expect(JSON.parse(text)).toMatchObject({ client: 'old-reporting' });
      }
    });

    test.each(['service', 'user'] as const)('a %s principal carries it only with perClientMetrics', (type) => {
      const record = allowed(principal(type, type === 'user' ? 'user-client' : 'reporting'));
      expect(dimensionSets(new DecisionLineFormat(standard, 'dev', { perClientMetrics: true }).format(record, Date.now(), true))).toContainEqual(CLIENT_SET);
      const without = new DecisionLineFormat(standard, 'dev', { perClientMetrics: false }).format(record, Date.now(), true);
      expect(dimensionSets(without)).not.toContainEqual(CLIENT_SET);
      expect(JSON.parse(without)).not.toHaveProperty('client');
      expect(dimensionSets(new DecisionLineFormat(standard, 'dev').format(record, Date.now(), true))).not.toContainEqual(CLIENT_SET);
    });
  });

  test('one line, newline-terminated, whatever the request named', () => {
    const text = new DecisionLineFormat(standard, 'dev').format({ ...record, route: 'GET /a\n{"level":"ERROR"}', detail: 'x\ny' }, Date.now(), true);
    expect(text.endsWith('\n')).toBe(true);
    expect(text.slice(0, -1)).not.toContain('\n');
    expect(JSON.parse(text)).toMatchObject({ route: 'GET /a\n{"level":"ERROR"}', detail: 'x\ny' });
  });

  test('fails when the standard keys do not name the service and environment of the metric', () => {
    expect(() => new DecisionLineFormat({ ...standard, environment: 'prod' }, 'dev')).toThrow('decision lines need service m2m-auth-authorizer and environment dev among the standard log keys');
  });
});
