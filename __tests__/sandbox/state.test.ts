import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadSandboxState } from '../../sandbox/state';
import { environment } from '../fixtures';

const config = environment();
let dir: string;
const stateFile = () => path.join(dir, 'state.json');
const stored = () => JSON.parse(fs.readFileSync(stateFile(), 'utf8')) as { clients: Record<string, Record<string, unknown>> };

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'm2m-sandbox-state-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('loadSandboxState', () => {
  test('default setup: one secret per client, current, in an owner-only file', () => {
    // WHEN
    const state = loadSandboxState(dir, config);
    // THEN
    expect(state.clients.map((c) => c.name)).toEqual(['reporting', 'partner-backend']);
    for (const client of state.clients) {
      expect(client.secrets).toHaveLength(1);
      const [only] = client.secrets;
      expect(only.id).toMatch(new RegExp(`^${client.clientId}--\\d+$`));
      expect(client.currentSecretId).toBe(only.id);
      expect(client.clientSecret).toBe(only.value);
      expect(client.previousSecretId).toBeUndefined();
    }
    expect(fs.statSync(stateFile()).mode & 0o777).toBe(0o600);
    expect(stored().clients.reporting.clientId).toBe(state.clients[0].clientId);
  });

  test('migrates a state.json of one clientSecret per client: it becomes the only secret, current', () => {
    // GIVEN
    const first = loadSandboxState(dir, config);
    const legacy = { poolId: first.poolId, key: JSON.parse(fs.readFileSync(stateFile(), 'utf8')).key, clients: { reporting: { clientId: 'legacyreportingid', clientSecret: 'legacy-secret' } } };
    fs.writeFileSync(stateFile(), JSON.stringify(legacy), { mode: 0o644 });
    fs.chmodSync(stateFile(), 0o644);
    // WHEN
    const state = loadSandboxState(dir, config);
    // THEN
    const reporting = state.client('reporting')!;
    expect(reporting).toMatchObject({ clientId: 'legacyreportingid', clientSecret: 'legacy-secret', secrets: [{ value: 'legacy-secret' }] });
    expect(reporting.currentSecretId).toBe(reporting.secrets[0].id);
    expect(state.signingKey.kid).toBe(first.signingKey.kid);
    // the file is rewritten in the new form, owner-only again; scripts/revoke still finds clientId
    expect(stored().clients.reporting).toEqual({ clientId: 'legacyreportingid', secrets: reporting.secrets, currentSecretId: reporting.currentSecretId });
    expect(fs.statSync(stateFile()).mode & 0o777).toBe(0o600);
    expect(state.client('partner-backend')!.secrets).toHaveLength(1);
  });

  test('added and deleted secrets and moved stages are saved: a reload sees them', () => {
    // GIVEN
    const state = loadSandboxState(dir, config);
    const old = state.client('reporting')!;
    // WHEN
    const added = state.addClientSecret('reporting');
    state.setSecretStages('reporting', { currentSecretId: added.id, previousSecretId: old.currentSecretId });
    // THEN
    const reloaded = loadSandboxState(dir, config).client('reporting')!;
    expect(reloaded).toEqual(state.client('reporting'));
    expect(reloaded).toMatchObject({ clientSecret: added.value, currentSecretId: added.id, previousSecretId: old.currentSecretId });
    expect(reloaded.secrets.map((s) => s.value)).toEqual([old.clientSecret, added.value]);

    state.deleteClientSecret('reporting', old.currentSecretId);
    expect(loadSandboxState(dir, config).client('reporting')).toMatchObject({ secrets: [added], currentSecretId: added.id });
    expect(loadSandboxState(dir, config).client('reporting')!.previousSecretId).toBeUndefined();
  });

  test('deleting the current secret makes the one left current', () => {
    const state = loadSandboxState(dir, config);
    const old = state.client('reporting')!;
    const added = state.addClientSecret('reporting', 'chosen-secret-value');
    state.deleteClientSecret('reporting', old.currentSecretId);
    expect(state.client('reporting')).toMatchObject({ clientSecret: 'chosen-secret-value', currentSecretId: added.id, secrets: [added] });
  });

  test('fails when a third secret is added or the last one deleted', () => {
    const state = loadSandboxState(dir, config);
    const only = state.client('reporting')!.currentSecretId;
    expect(() => state.deleteClientSecret('reporting', only)).toThrow('client reporting must keep one secret');
    state.addClientSecret('reporting');
    expect(() => state.addClientSecret('reporting')).toThrow('client reporting already has 2 secrets');
    expect(() => state.addClientSecret('unknown')).toThrow('no client unknown in the dev config');
  });
});
