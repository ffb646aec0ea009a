/**
 * The client registry: its parts' format, the SSM and file sources, and when it is re-read.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import {
  ClientRegistry,
  ClientRegistryError,
  clientDirectoryOf,
  parseRegistryPart,
  registryFileSource,
  ssmParametersSource,
  type ClientRegistrySource,
} from '../../lambdas/authorizer/client-registry';
import { DecisionCache } from '../../lambdas/authorizer/decision-cache';

const ID_1 = '4kq1exampleclientid0000001';
const ID_2 = '4kq1exampleclientid0000002';

describe('parseRegistryPart', () => {
  test('reads [clientId, name, scopes] tuples', () => {
    expect(parseRegistryPart(`[["${ID_1}","billing-batch",["read","execute"]],["${ID_2}","audit",[]]]`, 'file x')).toEqual([
      [ID_1, 'billing-batch', ['read', 'execute']],
      [ID_2, 'audit', []],
    ]);
  });

  test('an empty array is a valid part', () => {
    expect(parseRegistryPart('[]', 'file x')).toEqual([]);
  });

  test.each([
    ['not JSON', '[["a","b",["read"]]', /^client registry SSM parameter \/p\/0: not JSON \(/],
    ['an object, not an array', '{"clients":[]}', 'client registry SSM parameter /p/0: must be a JSON array of [clientId, name, scopes]; received {"clients":[]}'],
    ['null', 'null', 'client registry SSM parameter /p/0: must be a JSON array of [clientId, name, scopes]; received null'],
    ['an entry that is an object', '[{"clientId":"a","name":"b","scopes":[]}]', 'client registry SSM parameter /p/0: entry 0 must be [clientId, name, scopes]; received {"clientId":"a","name":"b","scopes":[]}'],
    ['an entry of two items', '[["a","b"]]', 'client registry SSM parameter /p/0: entry 0 must be [clientId, name, scopes]; received ["a","b"]'],
    ['an entry of four items', '[["a","b",[],"x"]]', 'entry 0 must be [clientId, name, scopes]'],
    ['a client id that is a number', '[[42,"b",[]]]', 'client registry SSM parameter /p/0: entry 0 must have a non-empty client id; received [42,"b",[]]'],
    ['an empty client id', '[["","b",[]]]', 'entry 0 must have a non-empty client id'],
    ['an empty name', '[["a","",[]]]', 'entry 0 must have a non-empty client name'],
    ['scopes as a string', '[["a","b","read"]]', 'entry 0 must have an array of scopes; received ["a","b","read"]'],
    ['a scope that is not a string', '[["a","b",["read",7]]]', 'client registry SSM parameter /p/0: entry 0 must list bare scope names (read, not api/read); scope 7 is not one; received ["a","b",["read",7]]'],
    ['a full scope instead of a bare name', '[["a","b",["api/read"]]]', 'scope "api/read" is not one'],
    ['an empty scope', '[["a","b",[""]]]', 'scope "" is not one'],
  ])('fails when the part is %s', (_what, text, message) => {
    const parse = () => parseRegistryPart(text, 'SSM parameter /p/0');
    expect(parse).toThrow(ClientRegistryError);
    expect(parse).toThrow(message);
  });

  test('the second entry is named by its index', () => {
    expect(() => parseRegistryPart('[["a","b",[]],["c","d",null]]', 'file x')).toThrow('client registry file x: entry 1 must have an array of scopes; received ["c","d",null]');
  });
});

describe('clientDirectoryOf', () => {
  test('is the union of the parts', () => {
    const directory = clientDirectoryOf([
      { text: `[["${ID_1}","billing-batch",["read"]]]`, origin: 'SSM parameter /p/0' },
      { text: '[]', origin: 'SSM parameter /p/1' },
      { text: `[["${ID_2}","audit",["admin"]]]`, origin: 'SSM parameter /p/2' },
    ]);
    expect([...directory]).toEqual([
      [ID_1, { name: 'billing-batch', scopes: ['read'] }],
      [ID_2, { name: 'audit', scopes: ['admin'] }],
    ]);
  });

  test('fails when a client id is in two parts', () => {
    const parts = [
      { text: `[["${ID_1}","billing-batch",["read"]]]`, origin: 'SSM parameter /p/0' },
      { text: `[["${ID_1}","billing-batch",["read"]]]`, origin: 'SSM parameter /p/1' },
    ];
    expect(() => clientDirectoryOf(parts)).toThrow(`client registry SSM parameter /p/1: client id ${ID_1} is listed twice`);
  });

  test('fails when a client id is twice in one part', () => {
    expect(() => clientDirectoryOf([{ text: `[["${ID_1}","a",[]],["${ID_1}","b",[]]]`, origin: 'file x' }])).toThrow(`client registry file x: client id ${ID_1} is listed twice`);
  });
});

describe('ssmParametersSource (aws-sdk-client-mock)', () => {
  const ssm = mockClient(SSMClient);
  afterEach(() => ssm.reset());
  afterAll(() => ssm.restore());
  const names = Array.from({ length: 23 }, (_, i) => `/m2m-auth/test/clients/${i}`);
  const partOf = (name: string) => JSON.stringify([[`id-${name.split('/').pop()}`, `client-${name.split('/').pop()}`, ['read']]]);

  test('reads every part with GetParameters, at most 10 names per call, and keeps the order of the names', async () => {
    // SSM answers in its own order: the parts must still come back in the order of the names.
    ssm.on(GetParametersCommand).callsFake((input: { Names: string[] }) => ({ Parameters: [...input.Names].reverse().map((Name) => ({ Name, Value: partOf(Name) })), InvalidParameters: [] }));
    const parts = await ssmParametersSource(names).read();
    const calls = ssm.commandCalls(GetParametersCommand).map((call) => call.args[0].input.Names);
    expect(calls).toEqual([names.slice(0, 10), names.slice(10, 20), names.slice(20)]);
    expect(parts.map((part) => part.origin)).toEqual(names.map((name) => `SSM parameter ${name}`));
    expect(parts.map((part) => part.text)).toEqual(names.map(partOf));
    expect(clientDirectoryOf(parts).size).toBe(23);
  });

  test('one parameter, one call', async () => {
    ssm.on(GetParametersCommand).resolves({ Parameters: [{ Name: '/p/0', Value: '[]' }] });
    expect(await ssmParametersSource(['/p/0']).read()).toEqual([{ text: '[]', origin: 'SSM parameter /p/0' }]);
    expect(ssm.commandCalls(GetParametersCommand)).toHaveLength(1);
  });

  test('fails when SSM answers with InvalidParameters', async () => {
    ssm.on(GetParametersCommand).callsFake((input: { Names: string[] }) => ({
      Parameters: input.Names.filter((name) => name !== names[14]).map((Name) => ({ Name, Value: '[]' })),
      InvalidParameters: input.Names.filter((name) => name === names[14]),
    }));
    await expect(ssmParametersSource(names).read()).rejects.toThrow(new ClientRegistryError(`client registry: SSM has no parameter ${names[14]}`));
  });

  test('fails when a parameter is missing from the answer', async () => {
    ssm.on(GetParametersCommand).resolves({ Parameters: [{ Name: '/p/0', Value: '[]' }] });
    await expect(ssmParametersSource(['/p/0', '/p/1']).read()).rejects.toThrow('client registry: SSM parameter /p/1 has no value');
  });

  test('fails when a call fails', async () => {
    ssm.on(GetParametersCommand).rejects(new Error('AccessDeniedException'));
    await expect(ssmParametersSource(names).read()).rejects.toThrow('AccessDeniedException');
  });
});

describe('registryFileSource', () => {
  test('a missing file means no M2M clients', async () => {
    expect(clientDirectoryOf(await registryFileSource('/nonexistent/clients.json').read()).size).toBe(0);
  });

  test('reads the file as one part', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'm2m-registry-')), 'clients.json');
    fs.writeFileSync(file, `[["${ID_1}","billing-batch",["read"]]]`);
    expect(await registryFileSource(file).read()).toEqual([{ text: `[["${ID_1}","billing-batch",["read"]]]`, origin: `file ${file}` }]);
  });
});

describe('ClientRegistry', () => {
  /** A source whose text, failures and reads the test controls. */
  function controlledSource(initial: string) {
    const state = { text: initial, failing: false, reads: 0, delayMs: 0 };
    const source: ClientRegistrySource = {
      description: 'test source',
      read: async () => {
        state.reads++;
        if (state.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, state.delayMs));
        if (state.failing) throw new Error('unreachable');
        return [{ text: state.text, origin: 'test part' }];
      },
    };
    return { state, source };
  }
  const one = `[["${ID_1}","billing-batch",["read","execute"]]]`;
  const two = `[["${ID_1}","billing-batch",["read"]],["${ID_2}","audit",["admin"]]]`;

  test('is read once per refresh interval; fresh() answers without reading', async () => {
    let clock = 0;
    const { state, source } = controlledSource(one);
    const registry = new ClientRegistry(source, { refreshSeconds: 60, now: () => clock });
    expect(registry.fresh()).toBeUndefined();
    const first = await registry.current();
    expect(first?.get(ID_1)).toEqual({ name: 'billing-batch', scopes: ['read', 'execute'] });
    clock += 59_000;
    expect(registry.fresh()).toBe(first);
    expect(await registry.current()).toBe(first);
    expect(state.reads).toBe(1);
    clock += 2_000;
    expect(registry.fresh()).toBeUndefined();
    state.text = two;
    const second = await registry.current();
    expect(state.reads).toBe(2);
    expect(second).not.toBe(first);
    expect(second?.get(ID_1)?.scopes).toEqual(['read']);
  });

  test('a re-read of the same registry keeps the same object (cached decisions stay valid)', async () => {
    let clock = 0;
    const { state, source } = controlledSource(one);
    const registry = new ClientRegistry(source, { refreshSeconds: 60, now: () => clock });
    const first = await registry.current();
    clock += 61_000;
    expect(await registry.current()).toBe(first);
    expect(state.reads).toBe(2);
  });

  test('a failed refresh keeps the last registry in force, however old, and reports each failure', async () => {
    let clock = 0;
    const failures: number[] = [];
    const { state, source } = controlledSource(one);
    const registry = new ClientRegistry(source, { refreshSeconds: 60, now: () => clock, onReadError: (_error, age) => failures.push(age) });
    const first = await registry.current();
    state.failing = true;
    clock += 3_600_000;
    expect(await registry.current()).toBe(first);
    clock += 86_400_000;
    expect(await registry.current()).toBe(first);
    expect(failures).toEqual([3_600, 90_000]);
    state.failing = false;
    state.text = two;
    expect((await registry.current())?.size).toBe(2);
  });

  test('a registry part that breaks the contract is a failed read too: the last registry stays', async () => {
    let clock = 0;
    const errors: unknown[] = [];
    const { state, source } = controlledSource(one);
    const registry = new ClientRegistry(source, { refreshSeconds: 60, now: () => clock, onReadError: (error) => errors.push(error) });
    const first = await registry.current();
    state.text = `[["${ID_1}","a",[]],["${ID_1}","b",[]]]`;
    clock += 61_000;
    expect(await registry.current()).toBe(first);
    expect(errors[0]).toBeInstanceOf(ClientRegistryError);
  });

  test('never read: undefined, and each failure is reported with an infinite age', async () => {
    const failures: number[] = [];
    const { state, source } = controlledSource(one);
    state.failing = true;
    const registry = new ClientRegistry(source, { refreshSeconds: 60, onReadError: (_error, age) => failures.push(age) });
    expect(await registry.current()).toBeUndefined();
    expect(failures).toEqual([Infinity]);
  });

  test('concurrent reads share one', async () => {
    const { state, source } = controlledSource(one);
    state.delayMs = 20;
    const registry = new ClientRegistry(source, { refreshSeconds: 60 });
    const [a, b, c] = await Promise.all([registry.current(), registry.current(), registry.rereadForUnknownClient()]);
    expect(state.reads).toBe(1);
    expect(a).toBe(b);
    expect(b).toBe(c);
  });

  test('an unknown client forces one re-read, then a 10 s back-off', async () => {
    let clock = 0;
    const { state, source } = controlledSource(one);
    const registry = new ClientRegistry(source, { refreshSeconds: 60, now: () => clock });
    await registry.current();
    state.text = two;
    // A client added by a deploy is found at once, without waiting for the refresh interval.
    expect((await registry.rereadForUnknownClient())?.has(ID_2)).toBe(true);
    expect(state.reads).toBe(2);
    clock += 9_000;
    for (let i = 0; i < 5; i++) await registry.rereadForUnknownClient();
    expect(state.reads).toBe(2);
    clock += 1_000;
    await registry.rereadForUnknownClient();
    expect(state.reads).toBe(3);
  });

  test('the back-off is configurable', async () => {
    let clock = 0;
    const { state, source } = controlledSource(one);
    const registry = new ClientRegistry(source, { refreshSeconds: 60, now: () => clock, unknownClientBackoffSeconds: 30 });
    await registry.rereadForUnknownClient();
    clock += 29_000;
    await registry.rereadForUnknownClient();
    expect(state.reads).toBe(1);
    clock += 1_000;
    await registry.rereadForUnknownClient();
    expect(state.reads).toBe(2);
  });
});

describe('DecisionCache.clear', () => {
  test('forgets every entry, and the cache keeps working after', () => {
    const cache = new DecisionCache<{ expiresAtMs: number }>(2);
    cache.set('a', { expiresAtMs: Infinity });
    cache.set('b', { expiresAtMs: Infinity });
    cache.clear();
    expect(cache.size).toBe(0);
    expect(cache.get('a')).toBeUndefined();
    cache.set('c', { expiresAtMs: Infinity });
    cache.set('d', { expiresAtMs: Infinity });
    cache.set('e', { expiresAtMs: Infinity });
    expect(cache.size).toBe(2);
    expect(cache.get('e')).toBeDefined();
  });
});
