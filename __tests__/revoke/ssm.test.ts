/**
 * `npm run revoke` against the SSM parameter (aws-sdk-client-mock): add, undo, list, jti, prune, two
 * concurrent revocations both kept, the 4 KB limit, unknown clients and bad arguments.
 */
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { parseRevocations } from '../../lambdas/authorizer/deny-list';
import { loadEnvironments } from '../../lib/config/load';
import { effectSeconds, main, resolveClient, USAGE } from '../../scripts/revoke/cli';
import { parseDocument } from '../../scripts/revoke/document';

const dev = loadEnvironments({}).find((e) => e.name === 'dev')!;
const PARAMETER = `/${dev.namePrefix}/dev/revocations`;
const ID_A = 'a'.repeat(26);
const ID_B = 'b'.repeat(26);

/** An in-memory SSM parameter with versions, like the real one: every PutParameter is a new version. */
class FakeParameter {
  versions: string[] = ['{"clientIds":[],"jtis":[]}'];
  /** Runs before a GetParameter of the latest version answers (tests hold reads there). */
  onLatestRead?: () => Promise<void>;
  readonly mock = mockClient(SSMClient);
  readonly client = new SSMClient({ region: 'eu-west-1' });

  constructor() {
    this.mock.on(GetParameterCommand).callsFake(async (input: { Name: string }) => {
      const [name, selector] = input.Name.split(/:(?=\d+$)/);
      if (name !== PARAMETER) throw Object.assign(new Error('not found'), { name: 'ParameterNotFound' });
      if (selector === undefined) await this.onLatestRead?.();
      const version = selector === undefined ? this.versions.length : Number(selector);
      return { Parameter: { Name: name, Value: this.versions[version - 1], Version: version } };
    });
    this.mock.on(PutParameterCommand).callsFake(async (input: { Name: string; Value: string; Overwrite: boolean }) => {
      expect(input.Overwrite).toBe(true);
      this.versions.push(input.Value);
      return { Version: this.versions.length, Tier: 'Standard' };
    });
  }

  get latest() {
    return parseDocument(this.versions[this.versions.length - 1]);
  }
}

let ssm: FakeParameter;
let out: string[];
let err: string[];
const io = { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) };
const NOW = new Date('2026-12-01T10:00:00Z');
const run = (...argv: string[]) => main(argv, io, { env: {}, ssm: ssm.client, now: () => NOW, settleMs: 10 });

beforeEach(() => {
  ssm = new FakeParameter();
  out = [];
  err = [];
});
afterEach(() => ssm.mock.restore());

test('revokes a client by id, with a reason, and says when it is in force', async () => {
  expect(await run('dev', ID_A, '--reason', 'leaked secret')).toBe(0);
  const text = ssm.versions[1];
  expect(parseRevocations(text).clientIds).toEqual(new Set([ID_A])); // the authorizer's own parser accepts it
  expect(ssm.latest.notes[ID_A]).toEqual({ at: NOW.toISOString(), reason: 'leaked secret' });
  const { total } = effectSeconds(dev);
  expect(total).toBe(dev.authorizer.revocationRefreshSeconds + dev.gateway.resultCacheTtlSeconds);
  expect(out.join('\n')).toContain(`in force everywhere within ${total} s`);
  expect(out.join('\n')).toContain('(version 2)');
});

test('a client name resolves through --client-ids (npx cdktf output --json); unknown names are refused with the known ones', async () => {
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'revoke-')), 'outputs.json');
  fs.writeFileSync(file, JSON.stringify({ dev: { m2m_client_ids: { 'billing-batch': ID_A, 'inventory-sync': ID_B } } }));
  expect(await run('dev', 'inventory-sync', '--client-ids', file)).toBe(0);
  expect(ssm.latest.clientIds).toEqual([ID_B]);

  expect(await run('dev', 'no-such-client', '--client-ids', file)).toBe(2);
  expect(err.join('\n')).toMatch(/unknown client "no-such-client" in dev; known clients: billing-batch \(a+\), inventory-sync \(b+\), retention-job/);
  err = [];
  expect(await run('dev', 'no-such-client')).toBe(2);
  expect(err.join('\n')).toContain('known clients: billing-batch, inventory-sync, retention-job');
  err = [];
  expect(await run('dev', 'billing-batch')).toBe(2); // a name without a name -> id map
  expect(err.join('\n')).toContain('pass its id');
  expect(ssm.versions).toHaveLength(2);
});

test('undo takes a client off; revoking twice or undoing an absent entry writes nothing', async () => {
  expect(await run('dev', ID_A)).toBe(0);
  expect(await run('dev', ID_A)).toBe(0);
  expect(out.at(-1)).toContain('already on the list');
  expect(ssm.versions).toHaveLength(2);
  expect(await run('dev', '--undo', ID_A)).toBe(0);
  expect(ssm.latest.clientIds).toEqual([]);
  expect(ssm.latest.notes).toEqual({});
  expect(await run('dev', '--undo', ID_A)).toBe(0);
  expect(out.at(-1)).toContain('not on the list');
  expect(ssm.versions).toHaveLength(3);
});

test('--jti revokes one token until the longest access token validity; --prune drops it after that', async () => {
  expect(await run('dev', '--jti', 'jti-1')).toBe(0);
  const longest = Math.max(...dev.m2mClients.map((c) => c.accessTokenValidityMinutes));
  expect(ssm.latest.notes['jti-1'].expiresAt).toBe(new Date(NOW.getTime() + longest * 60_000).toISOString());
  // A hand-made entry without a note is kept by --prune (its age is unknown).
  ssm.versions.push(JSON.stringify({ ...JSON.parse(ssm.versions.at(-1)!), jtis: ['jti-1', 'by-hand'], clientIds: [ID_A] }));
  const later = new Date(NOW.getTime() + (longest + 1) * 60_000);
  expect(await main(['dev', '--prune'], io, { env: {}, ssm: ssm.client, now: () => NOW })).toBe(0);
  expect(ssm.latest.jtis).toEqual(['jti-1', 'by-hand']); // not expired yet
  expect(await main(['dev', '--prune'], io, { env: {}, ssm: ssm.client, now: () => later })).toBe(0);
  expect(ssm.latest.jtis).toEqual(['by-hand']);
  expect(ssm.latest.clientIds).toEqual([ID_A]); // client entries leave only with --undo
  expect(err.join('\n')).toContain('by-hand');
  expect(await run('dev', '--undo', '--jti', 'by-hand')).toBe(0);
  expect(ssm.latest.jtis).toEqual([]);
});

test('--list prints entries with reasons and the size', async () => {
  await run('dev', ID_A, '--reason', 'incident 42');
  await run('dev', '--jti', 'jti-9');
  out = [];
  expect(await run('dev', '--list')).toBe(0);
  const text = out.join('\n');
  expect(text).toContain(`of 4096 bytes`);
  expect(text).toMatch(new RegExp(`${ID_A}.*reason: incident 42`));
  expect(text).toMatch(/tokens \(1\):\n {2}jti-9 .*until/);
});

test('two concurrent revocations are both kept (both read the same version before either writes)', async () => {
  let waiting: (() => void)[] = [];
  let held = 0;
  ssm.onLatestRead = () =>
    held++ < 2
      ? new Promise<void>((resolve) => {
          waiting.push(resolve);
          if (waiting.length === 2) waiting.forEach((r) => r()), (waiting = []);
        })
      : Promise.resolve();
  const [a, b] = await Promise.all([run('dev', ID_A), run('dev', ID_B)]);
  expect([a, b]).toEqual([0, 0]);
  expect(new Set(ssm.latest.clientIds)).toEqual(new Set([ID_A, ID_B]));
  // One of the two writes was made on a stale version, noticed and repeated on top of the other one
  // (how many writes it takes depends on the interleaving of the confirmation reads).
  expect(ssm.versions.length).toBeGreaterThanOrEqual(4);
  for (const text of ssm.versions) parseRevocations(text);
  expect(out.join('\n')).toContain('a concurrent change was merged');
});

test('a write landing between our read and our write: its revocations are kept with ours; a removal in it fails closed', async () => {
  ssm.versions.push(JSON.stringify({ clientIds: [ID_B, 'c'.repeat(26)], jtis: [] }));
  let first = true;
  ssm.mock.on(PutParameterCommand).callsFake(async (input: { Value: string }) => {
    if (first) {
      first = false;
      ssm.versions.push(JSON.stringify({ clientIds: [ID_B], jtis: ['x'] })); // someone else's write, after our read
    }
    ssm.versions.push(input.Value);
    return { Version: ssm.versions.length };
  });
  expect(await run('dev', ID_A)).toBe(0);
  // Their jti is kept; their removal of c... is not (the merge is a union: a race can undo an undo, never a revocation).
  expect([...ssm.latest.clientIds].sort()).toEqual([ID_A, ID_B, 'c'.repeat(26)].sort());
  expect(ssm.latest.jtis).toEqual(['x']);
});

test('refuses before the list exceeds 4 KB of a Standard parameter', async () => {
  const ids = Array.from({ length: 140 }, (_, i) => `${String(i).padStart(4, '0')}${'z'.repeat(22)}`);
  ssm.versions.push(JSON.stringify({ clientIds: ids, jtis: [] }));
  expect(Buffer.byteLength(ssm.versions.at(-1)!)).toBeLessThan(4096);
  expect(await run('dev', '--jti', 'one-more-token-id-that-does-not-fit', '--reason', 'x'.repeat(100))).toBe(1);
  expect(err.join('\n')).toMatch(/over the 4096-byte limit of a Standard SSM parameter.*nothing was written.*--prune/s);
  expect(ssm.versions).toHaveLength(2);
});

test('a missing parameter says to deploy first; --parameter overrides the name', async () => {
  expect(await run('dev', ID_A, '--parameter', '/other/name')).toBe(1);
  expect(err.join('\n')).toContain('does not exist: deploy dev first');
});

test('legacy API-key callers are revoked as legacy:<caller>', () => {
  const legacy = { ...dev, legacyApiKeys: { ...dev.legacyApiKeys, enabled: true, callers: [{ name: 'old-partner', role: 'reader', keySha256: '0'.repeat(64) }] } } as typeof dev;
  expect(resolveClient('old-partner', legacy, undefined)).toEqual({ id: 'legacy:old-partner', label: 'legacy caller old-partner' });
  expect(resolveClient('legacy:old-partner', legacy, undefined).id).toBe('legacy:old-partner');
  expect(() => resolveClient('legacy:nobody', legacy, undefined)).toThrow(/no legacy API-key caller "nobody".*legacy:old-partner/);
  expect(effectSeconds(legacy).cache).toBe(0); // the legacy mode runs the gateway uncached
});

describe('arguments', () => {
  test('--help prints the usage, exit 0', async () => {
    expect(await run('--help')).toBe(0);
    expect(out).toEqual([USAGE]);
  });
  test.each([
    [['dev', '--bogus']],
    [[]],
    [['dev']],
    [['dev', ID_A, ID_B]],
    [['dev', ID_A, '--jti', 'x']],
    [['dev', '--list', ID_A]],
    [['dev', '--list', '--prune']],
    [['dev', '--undo', '--reason', 'x', ID_A]],
    [['dev', ID_A, '--state-dir', 'x']],
    [['nowhere', ID_A]],
  ])('%j: exit 2 with the usage', async (argv) => {
    expect(await run(...argv)).toBe(2);
    expect(err.join('\n')).toContain('Usage: npm run revoke');
    expect(ssm.mock.calls()).toHaveLength(0);
  });
});

test('three concurrent revocations that read the same version are all kept', async () => {
  const ID_C = 'c'.repeat(26);
  let waiting: (() => void)[] = [];
  let held = 0;
  ssm.onLatestRead = () =>
    held++ < 3
      ? new Promise<void>((resolve) => {
          waiting.push(resolve);
          if (waiting.length === 3) waiting.forEach((r) => r()), (waiting = []);
        })
      : Promise.resolve();
  const slow = (...argv: string[]) => main(argv, io, { env: {}, ssm: ssm.client, now: () => NOW, settleMs: 2000 });
  expect(await Promise.all([slow('dev', ID_A), slow('dev', ID_B), slow('dev', ID_C)])).toEqual([0, 0, 0]);
  expect(new Set(ssm.latest.clientIds)).toEqual(new Set([ID_A, ID_B, ID_C]));
});
