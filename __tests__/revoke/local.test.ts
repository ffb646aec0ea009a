/**
 * `npm run revoke -- --local` against the sandbox's files: names from state.json, the file written
 * atomically, a change made between read and rename kept; and against a running sandbox (started
 * in-process like __tests__/e2e): a revoked client's token gets 401 `revoked` after the refresh.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadEnvironments } from '../../lib/config/load';
import { main } from '../../scripts/revoke/cli';
import { parseDocument } from '../../scripts/revoke/document';
import { startSandbox, type Sandbox } from '../../sandbox/server';
import { captureOutput } from '../support/authorizer-bundle';

const dev = loadEnvironments({}).find((e) => e.name === 'dev')!;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let root: string;
let out: string[];
let err: string[];
const io = { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) };

function writeState(clients: Record<string, string>): void {
  fs.mkdirSync(path.join(root, 'dev'), { recursive: true });
  const stored = { poolId: 'x', key: { kid: 'k', pem: '' }, clients: Object.fromEntries(Object.entries(clients).map(([name, clientId]) => [name, { clientId, clientSecret: 's' }])) };
  fs.writeFileSync(path.join(root, 'dev', 'state.json'), JSON.stringify(stored));
}
const listFile = () => path.join(root, 'dev', 'revocations.json');
const readList = () => parseDocument(fs.readFileSync(listFile(), 'utf8'));

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'revoke-local-'));
  out = [];
  err = [];
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

describe('against a temp state dir', () => {
  const run = (argv: string[], beforeRename?: (attempt: number) => void) => main([...argv, '--local', '--state-dir', root], io, { env: {}, beforeRename });

  test('a client name resolves from state.json; undo; unknown names list the known ones', async () => {
    writeState({ 'billing-batch': 'id1billingbatch', 'inventory-sync': 'id2inventorysync' });
    expect(await run(['dev', 'billing-batch', '--reason', 'test'])).toBe(0);
    expect(readList().clientIds).toEqual(['id1billingbatch']);
    expect(out.join('\n')).toContain('revoked client billing-batch (id1billingbatch)');
    expect(out.join('\n')).toContain('If its secret leaked, retire it: npm run rotate -- dev billing-batch --local --retire-previous');
    expect(await run(['dev', 'id2inventorysync'])).toBe(0); // by id
    expect(out.join('\n')).toContain('npm run rotate -- dev <client name> --local --retire-previous');
    expect(readList().clientIds).toEqual(['id1billingbatch', 'id2inventorysync']);
    expect(await run(['dev', '--undo', 'billing-batch'])).toBe(0);
    expect(readList().clientIds).toEqual(['id2inventorysync']);
    expect(await run(['dev', 'nobody'])).toBe(2);
    expect(err.join('\n')).toContain('unknown client "nobody" in dev; known clients: billing-batch (id1billingbatch), inventory-sync (id2inventorysync), retention-job');
    expect(fs.readdirSync(path.join(root, 'dev')).sort()).toEqual(['revocations.json', 'state.json']); // no temp or lock file left
  });

  test('a change made between our read and our rename is kept, and so is ours', async () => {
    writeState({ 'billing-batch': 'id1billingbatch' });
    const other = JSON.stringify({ clientIds: [], jtis: ['someone-else'] });
    expect(await run(['dev', 'billing-batch'], (attempt) => (attempt === 1 ? fs.writeFileSync(listFile(), other) : undefined))).toBe(0);
    expect(readList().clientIds).toEqual(['id1billingbatch']);
    expect(readList().jtis).toEqual(['someone-else']);
  });

  test('two concurrent runs are both kept (the lock file serialises them)', async () => {
    writeState({ 'billing-batch': 'id1billingbatch', 'inventory-sync': 'id2inventorysync' });
    const results = await Promise.all([run(['dev', 'billing-batch']), run(['dev', 'inventory-sync']), run(['dev', '--jti', 'j1'])]);
    expect(results).toEqual([0, 0, 0]);
    expect(new Set(readList().clientIds)).toEqual(new Set(['id1billingbatch', 'id2inventorysync']));
    expect(readList().jtis).toEqual(['j1']);
  });

  test('without sandbox state it says to run npm run local first', async () => {
    expect(await run(['dev', 'billing-batch'])).toBe(1);
    expect(err.join('\n')).toContain('npm run local -- --env dev');
    expect(err.join('\n')).not.toContain('Usage:');
  });
});

describe('against a running sandbox', () => {
  let sandbox: Sandbox;
  let sandboxRoot: string;
  let output: ReturnType<typeof captureOutput>;
  // The sandbox runs the shipped dev config with a 1-second refresh and no gateway cache, so the test is quick.
  const config = { ...dev, gateway: { ...dev.gateway, resultCacheTtlSeconds: 0 }, authorizer: { ...dev.authorizer, revocationRefreshSeconds: 1, revocationMaxStaleSeconds: 5 } };

  beforeAll(async () => {
    sandboxRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'revoke-sandbox-'));
    output = captureOutput();
    sandbox = await startSandbox({ config, stateDir: path.join(sandboxRoot, 'dev'), port: 0 });
  });
  afterAll(async () => {
    await sandbox.stop();
    output.restore();
    fs.rmSync(sandboxRoot, { recursive: true, force: true });
  });

  test("a revoked client's token gets 401 revoked after the refresh; --undo lets it in again", async () => {
    const client = sandbox.clients.find((c) => c.name === 'billing-batch')!;
    const route = config.routes.find((r) => r.method === 'GET' && !r.path.includes('{') && r.permission === 'read') ?? config.routes.find((r) => r.method === 'GET')!;
    const tokenResponse = await fetch(sandbox.tokenEndpoint, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    const token = ((await tokenResponse.json()) as { access_token: string }).access_token;
    const url = `${sandbox.apiUrl}${route.path.replace(/\{[^}]+\}/g, '1')}`;
    const call = () => fetch(url, { headers: { authorization: `Bearer ${token}` } });
    expect((await call()).status).toBe(200);

    const args = ['--local', '--state-dir', sandboxRoot];
    expect(await main(['dev', 'billing-batch', ...args, '--reason', 'e2e'], io, { env: {} })).toBe(0);
    await sleep(1100);
    output.clear();
    expect((await call()).status).toBe(401);
    expect(output.lines().some((line) => line.decision === 'deny' && line.reason === 'revoked')).toBe(true);

    expect(await main(['dev', '--undo', 'billing-batch', ...args], io, { env: {} })).toBe(0);
    await sleep(1100);
    expect((await call()).status).toBe(200);
  });
});
