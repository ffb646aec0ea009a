import { DecisionCache } from '../../lambdas/authorizer/decision-cache';
import { DenyList, fileSource, parseRevocations, type RevocationSource } from '../../lambdas/authorizer/deny-list';
import { AuthorizationDenied } from '../../lambdas/authorizer/reasons';
import { RouteTable } from '../../lambdas/authorizer/routes';
import { readSettings } from '../../lambdas/authorizer/settings';
import { bearerToken, precheckJwt } from '../../lambdas/authorizer/token';
import { ROLES, rolesAllow, type Route } from '../../lambdas/authorizer/permission-model';
import { ARN_PREFIX, methodArn, policyAllows } from '../support/iam';

async function reasonOf(promise: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    expect(error).toBeInstanceOf(AuthorizationDenied);
    return (error as AuthorizationDenied).reason;
  }
  throw new Error('expected a denial');
}

describe('DenyList', () => {
  let clock = 0;
  let reads = 0;
  let failing = false;
  let content = '{"clientIds":["c-1"],"jtis":[]}';
  const source: RevocationSource = {
    description: 'test source',
    read: async () => {
      reads++;
      if (failing) throw new Error('unreachable');
      return content;
    },
  };
  const errors: number[] = [];
  const list = new DenyList(source, { refreshSeconds: 60, maxStaleSeconds: 300, now: () => clock, onReadError: (_e, age) => errors.push(age) });

  test('is read once per refresh interval', async () => {
    expect((await list.current()).clientIds.has('c-1')).toBe(true);
    clock += 59_000;
    await list.current();
    expect(reads).toBe(1);
    content = '{"clientIds":["c-2"]}';
    clock += 2_000;
    expect([...(await list.current()).clientIds]).toEqual(['c-2']);
    expect(reads).toBe(2);
  });

  test('keeps the last list while the source is down, up to maxStaleSeconds, then denies everything', async () => {
    failing = true;
    clock += 120_000; // 120 s since the last good read
    expect([...(await list.current()).clientIds]).toEqual(['c-2']);
    expect(errors[errors.length - 1]).toBe(120);
    clock += 181_000; // 301 s
    expect(await reasonOf(list.current())).toBe('revocation_unavailable');
    failing = false;
    expect([...(await list.current()).clientIds]).toEqual(['c-2']);
  });

  test('concurrent requests share one read', async () => {
    clock += 61_000;
    const before = reads;
    await Promise.all([list.current(), list.current(), list.current()]);
    expect(reads).toBe(before + 1);
  });

  test('a source that has never been read denies everything', async () => {
    const never = new DenyList({ description: 'down', read: () => Promise.reject(new Error('x')) }, { refreshSeconds: 60, maxStaleSeconds: 300 });
    expect(await reasonOf(never.current())).toBe('revocation_unavailable');
  });

  test('checks client ids and jtis', () => {
    const revocations = parseRevocations('{"clientIds":["c-1"],"jtis":["j-1"]}');
    expect(() => DenyList.check(revocations, 'c-1', undefined)).toThrow('revoked');
    expect(() => DenyList.check(revocations, 'c-2', 'j-1')).toThrow('revoked');
    expect(() => DenyList.check(revocations, 'c-2', 'j-2')).not.toThrow();
  });

  test.each(['[]', '{"clientIds":"c-1"}', '{"clientIds":[1]}', 'not json', 'null'])('fails when the document is invalid: %s', (text) => {
    expect(() => parseRevocations(text)).toThrow();
  });

  test('a missing file means nothing is revoked', async () => {
    expect(parseRevocations(await fileSource('/nonexistent/deny-list.json').read()).clientIds.size).toBe(0);
  });
});

describe('bearer token and structural checks', () => {
  test.each([
    [undefined, 'missing_token'],
    ['', 'missing_token'],
    ['   ', 'missing_token'],
    ['Token abc', 'malformed'],
    ['Bearer', 'malformed'],
    ['Bearer a b', 'malformed'],
    [`Bearer ${'a'.repeat(9000)}`, 'oversized'],
  ])('%j -> %s', async (header, reason) => {
    expect(await reasonOf(() => bearerToken(header))).toBe(reason);
  });

  const encode = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
  test.each([
    ['not three parts', 'abc.def', 'malformed'],
    ['header not JSON', `${encode('{oops')}.${encode({})}.sig`, 'malformed'],
    ['header an array', `${encode([1])}.${encode({})}.sig`, 'malformed'],
    ['alg missing', `${encode({ kid: 'k' })}.${encode({})}.sig`, 'unsupported_alg'],
    ['alg lower case', `${encode({ alg: 'rs256', kid: 'k' })}.${encode({})}.sig`, 'unsupported_alg'],
    ['crit header', `${encode({ alg: 'RS256', kid: 'k', crit: ['b64'] })}.${encode({})}.sig`, 'malformed'],
    ['empty kid', `${encode({ alg: 'RS256', kid: '' })}.${encode({})}.sig`, 'malformed'],
    ['non-base64url characters', `${encode({ alg: 'RS256', kid: 'k' })}.e+/=.sig`, 'malformed'],
    ['a non-canonical signature spelling (trailing bits set)', `${encode({ alg: 'RS256', kid: 'k' })}.${encode({})}.AB`, 'malformed'],
    ['a signature of impossible length', `${encode({ alg: 'RS256', kid: 'k' })}.${encode({})}.ABCDE`, 'malformed'],
  ])('%s', async (_what, token, reason) => {
    expect(await reasonOf(() => precheckJwt(token))).toBe(reason);
  });
});

describe('RouteTable', () => {
  const routes: Route[] = [
    { method: 'GET', path: '/', permission: 'read' },
    { method: 'GET', path: '/orders', permission: 'read' },
    { method: 'GET', path: '/orders/{id}', permission: 'read' },
    { method: 'GET', path: '/orders/{id}/audit', permission: 'admin' },
    { method: 'POST', path: '/orders/{id}/fulfil', permission: 'execute' },
    { method: 'DELETE', path: '/orders/{id}', permission: 'delete' },
    { method: 'GET', path: '/files/{path+}', permission: 'read' },
  ];
  const table = new RouteTable(routes);
  const sample = (path: string) => path.replace(/\{[^}]+\+\}/g, 'a/b/c').replace(/\{[^}]+\}/g, '42');

  test('matches concrete paths to the most specific route', () => {
    expect(table.match('GET', '/orders/42')?.path).toBe('/orders/{id}');
    expect(table.match('GET', '/orders/42/audit')?.path).toBe('/orders/{id}/audit');
    expect(table.match('GET', '/')?.path).toBe('/');
    expect(table.match('GET', '/files/a/b')?.path).toBe('/files/{path+}');
    expect(table.match('GET', '/orders/42/unknown')).toBeUndefined();
    expect(table.match('PUT', '/orders/42')).toBeUndefined();
    expect(table.match('GET', '/orders/')).toBeUndefined();
  });

  test.each(ROLES.map((role) => [role]))('the %s policy allows exactly the routes the role permits, wildcards included', (role) => {
    const policy = table.policyFor(ARN_PREFIX, [role]);
    for (const route of routes) {
      expect([route.method, route.path, policyAllows(policy, methodArn(route.method, sample(route.path)))]).toEqual([route.method, route.path, rolesAllow([role], route.permission)]);
    }
  });

  test('a reader may not reach /orders/{id}/audit through the /orders/* wildcard', () => {
    const policy = table.policyFor(ARN_PREFIX, ['reader']);
    expect(policyAllows(policy, methodArn('GET', '/orders/42'))).toBe(true);
    expect(policyAllows(policy, methodArn('GET', '/orders/42/audit'))).toBe(false);
  });

  test('policies are memoized per stage and role set', () => {
    expect(table.policyFor(ARN_PREFIX, ['reader'])).toBe(table.policyFor(ARN_PREFIX, ['reader']));
    expect(table.policyFor(ARN_PREFIX, ['reader'])).not.toBe(table.policyFor(ARN_PREFIX, ['writer']));
  });
});

describe('settings', () => {
  const base = { USER_POOL_ID: 'eu-west-1_AbC123', REVOCATION_PARAMETER: '/x/revocations', CLIENT_REGISTRY_PARAMETERS: '/x/clients/0,/x/clients/1' };

  test('derive issuer and JWKS URL from the pool id', () => {
    const settings = readSettings(base);
    expect(settings.issuer).toBe('https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123');
    expect(settings.jwksUrl).toBe('https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123/.well-known/jwks.json');
    expect(settings.clientRegistry).toEqual({ parameterNames: ['/x/clients/0', '/x/clients/1'] });
    expect(settings.revocation).toEqual({ parameterName: '/x/revocations', file: undefined, refreshSeconds: 60, maxStaleSeconds: 300 });
  });

  test('the client registry from a file (the sandbox)', () => {
    expect(readSettings({ USER_POOL_ID: 'eu-west-1_AbC123', REVOCATION_FILE: '/tmp/r.json', CLIENT_REGISTRY_FILE: '/tmp/clients.json' }).clientRegistry).toEqual({ file: '/tmp/clients.json' });
  });

  test.each([
    [{ REVOCATION_PARAMETER: 'x' }, 'Environment variable USER_POOL_ID is required'],
    [{ USER_POOL_ID: 'pool' }, 'Environment variable USER_POOL_ID must look like eu-west-1_AbCdEf123; received "pool"'],
    [{ USER_POOL_ID: 'eu-west-1_A' }, 'Environment variable REVOCATION_PARAMETER (or REVOCATION_FILE) is required'],
    [{ ...base, REVOCATION_REFRESH_SECONDS: 'soon' }, 'Environment variable REVOCATION_REFRESH_SECONDS must be a positive integer; received "soon"'],
    [{ ...base, CLIENT_REGISTRY_PARAMETERS: undefined }, 'Environment variable CLIENT_REGISTRY_PARAMETERS (or CLIENT_REGISTRY_FILE) is required'],
    [{ ...base, CLIENT_REGISTRY_FILE: '/tmp/clients.json' }, 'Environment variables CLIENT_REGISTRY_PARAMETERS and CLIENT_REGISTRY_FILE: set only one'],
    [{ ...base, CLIENT_REGISTRY_PARAMETERS: '/x/clients/0,,/x/clients/1' }, 'Environment variable CLIENT_REGISTRY_PARAMETERS must be distinct SSM parameter names separated by commas; received "/x/clients/0,,/x/clients/1"'],
    [{ ...base, CLIENT_REGISTRY_PARAMETERS: '/x/c,/x/c' }, 'Environment variable CLIENT_REGISTRY_PARAMETERS must be distinct SSM parameter names separated by commas; received "/x/c,/x/c"'],
    [{ ...base, M2M_CLIENTS: 'a=id1' }, 'Environment variable M2M_CLIENTS is no longer read: the M2M clients come from the client registry (CLIENT_REGISTRY_PARAMETERS or CLIENT_REGISTRY_FILE); deploy the current stack'],
    [{ ...base, M2M_CLIENTS: '' }, 'Environment variable M2M_CLIENTS is no longer read'],
    [{ ...base, REVOCATION_REFRESH_SECONDS: '60', REVOCATION_MAX_STALE_SECONDS: '30' }, 'REVOCATION_MAX_STALE_SECONDS must be at least REVOCATION_REFRESH_SECONDS'],
  ])('fails when %j', (env, message) => {
    expect(() => readSettings(env)).toThrow(message);
  });
});

describe('DecisionCache', () => {
  test('never past exp, and bounded', () => {
    let now = 0;
    const cache = new DecisionCache<{ expiresAtMs: number }>(2, () => now);
    cache.set('a', { expiresAtMs: 100 });
    cache.set('b', { expiresAtMs: 1000 });
    cache.set('c', { expiresAtMs: 1000 });
    expect(cache.size).toBe(2);
    expect(cache.get('a')).toBeUndefined();
    now = 1000;
    expect(cache.get('b')).toBeUndefined();
    cache.set('d', { expiresAtMs: 500 });
    expect(cache.get('d')).toBeUndefined();
  });

  const token = (body: string, ending: string) => `eyJhbGciOiJSUzI1NiJ9.${body}.${'s'.repeat(300)}${ending}`;

  test('a lookup needs the whole token: another token with the same ending is a miss', () => {
    const cache = new DecisionCache<{ expiresAtMs: number; who: string }>(10);
    const cached = token('eyJzdWIiOiJhIn0', 'END-OF-A-SIGNATURE-32-CHARACTERS');
    cache.set(cached, { expiresAtMs: Infinity, who: 'a' });
    expect(cache.get(`${cached}`)?.who).toBe('a');
    expect(cache.get(token('eyJzdWIiOiJiIn0', 'END-OF-A-SIGNATURE-32-CHARACTERS'))).toBeUndefined();
    expect(cache.get(cached.slice(1))).toBeUndefined();
  });

  test('stays bounded with many tokens and evicts the oldest first', () => {
    const cache = new DecisionCache<{ expiresAtMs: number }>(100);
    const tokens = Array.from({ length: 1000 }, (_, i) => token(`body${i}`, String(i).padStart(40, '0')));
    tokens.forEach((t) => cache.set(t, { expiresAtMs: Infinity }));
    expect(cache.size).toBe(100);
    expect(tokens.filter((t) => cache.get(t) !== undefined)).toEqual(tokens.slice(900));
  });
});
