/**
 * The sandbox as a process, the way scripts run it: `--port 0 --json` prints one JSON start line
 * (no secrets), SIGTERM stops it, the port is free afterwards and no process is left behind, also
 * under `npm run local`, where npm's `sh -c` stands between the signal and the sandbox.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { StartLine } from '../../sandbox/start-report';

const ROOT = path.resolve(__dirname, '..', '..');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let dir: string;
const started: ChildProcess[] = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'm2m-sandbox-process-'));
});

afterEach(() => {
  // Only what this test started, by its pid, if it is still there after a failure.
  for (const child of started.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

function start(command: string, args: string[]): { child: ChildProcess; stdout: () => string; stderr: () => string; exited: Promise<number | null> } {
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, PORT: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** The first stdout line that is a JSON object (npm prints its own lines before it). */
async function startLineOf(stdout: () => string, stderr: () => string): Promise<StartLine> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const line = stdout()
      .split('\n')
      .find((l) => l.startsWith('{') && stdout().includes(`${l}\n`));
    if (line) return JSON.parse(line) as StartLine;
    if (Date.now() > deadline) throw new Error(`no start line; stdout: ${stdout()}; stderr: ${stderr()}`);
    await sleep(50);
  }
}

/** Whether `pid` is gone (a zombie left to a parent that does not reap counts as gone: it holds nothing). */
function gone(pid: number): boolean {
  try {
    const state = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0];
    return state === 'Z' || state === 'X';
  } catch {
    return true;
  }
}

async function waitUntilGone(pid: number): Promise<boolean> {
  const deadline = Date.now() + 10_000;
  while (!gone(pid) && Date.now() < deadline) await sleep(50);
  return gone(pid);
}

/** Whether something can listen on `port` of 127.0.0.1 now. */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function secretsIn(stateDir: string): string[] {
  const state = JSON.parse(fs.readFileSync(path.join(stateDir, 'dev', 'state.json'), 'utf8')) as { clients: Record<string, { secrets: { value: string }[] }> };
  return Object.values(state.clients).flatMap((client) => client.secrets.map((secret) => secret.value));
}

describe('sandbox/main.ts as a process', () => {
  test('--port 0 --json: one JSON start line without secrets; SIGTERM stops it and frees the port', async () => {
    // GIVEN
    const sandbox = start(process.execPath, ['--import', 'tsx', 'sandbox/main.ts', '--port', '0', '--json', '--state-dir', dir]);
    // WHEN
    const line = await startLineOf(sandbox.stdout, sandbox.stderr);
    // THEN the first stdout line is the start line
    expect(sandbox.stdout().split('\n')[0]).toBe(JSON.stringify(line));
    const port = Number(new URL(line.origin).port);
    expect(port).toBeGreaterThan(0);
    expect(line).toMatchObject({
      pid: sandbox.child.pid,
      environment: 'dev',
      origin: `http://127.0.0.1:${port}`,
      issuer: expect.stringMatching(new RegExp(`^http://127\\.0\\.0\\.1:${port}/[a-z0-9-]+_Local[0-9a-f]+$`)),
      tokenEndpoint: `http://127.0.0.1:${port}/oauth2/token`,
      apiUrl: `http://127.0.0.1:${port}/dev`,
      awsEndpoint: `http://127.0.0.1:${port}`,
    });
    expect(line.jwksUri).toBe(`${line.issuer}/.well-known/jwks.json`);
    expect(line.discoveryUrl).toBe(`${line.issuer}/.well-known/openid-configuration`);
    expect(line.clients.length).toBeGreaterThan(0);
    for (const client of line.clients) expect(Object.keys(client).sort()).toEqual(['clientId', 'name', 'scopes', 'secretName', 'tokenPaths']);
    for (const secret of secretsIn(dir)) expect(sandbox.stdout()).not.toContain(secret);
    expect(((await (await fetch(line.discoveryUrl)).json()) as { issuer: string }).issuer).toBe(line.issuer);

    // WHEN
    sandbox.child.kill('SIGTERM');
    // THEN
    expect(await sandbox.exited).toBe(0);
    expect(await portIsFree(port)).toBe(true);
    expect(sandbox.stderr()).toContain(`SIGTERM: stopping the sandbox (pid ${line.pid})`);
  }, 90_000);

  test('without --json it prints its pid and base URL', async () => {
    const sandbox = start(process.execPath, ['--import', 'tsx', 'sandbox/main.ts', '--port', '0', '--state-dir', dir]);
    const deadline = Date.now() + 60_000;
    while (!/on (http:\/\/127\.0\.0\.1:\d+) \(pid (\d+)\)/.test(sandbox.stdout()) && Date.now() < deadline) await sleep(50);
    const [, origin, pid] = sandbox.stdout().match(/on (http:\/\/127\.0\.0\.1:\d+) \(pid (\d+)\)/) ?? [];
    expect(Number(pid)).toBe(sandbox.child.pid);
    expect(Number(new URL(origin).port)).toBeGreaterThan(0);
    sandbox.child.kill('SIGINT');
    expect(await sandbox.exited).toBe(0);
    expect(await portIsFree(Number(new URL(origin).port))).toBe(true);
  }, 90_000);

  test('npm run local -- --port 0 --json: SIGTERM to npm stops the sandbox behind its shell; no orphan holds the port', async () => {
    // GIVEN npm -> sh -c -> node
    const npm = start('npm', ['run', 'local', '--', '--port', '0', '--json', '--state-dir', dir]);
    const line = await startLineOf(npm.stdout, npm.stderr);
    expect(line.pid).not.toBe(npm.child.pid);
    const port = Number(new URL(line.origin).port);
    // WHEN
    npm.child.kill('SIGTERM');
    await npm.exited;
    // THEN the sandbox process is gone, and its port with it
    expect(await waitUntilGone(line.pid)).toBe(true);
    expect(await portIsFree(port)).toBe(true);
  }, 90_000);
});
