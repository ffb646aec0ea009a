/**
 * Sandbox throughput: 50 concurrent connections (autocannon) calling `GET /dev/orders` with a valid
 * bearer token through the sandbox's gateway (real authorizer with REST cache semantics, real backend).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import autocannon from 'autocannon';
import { TokenClient } from '../token-client';
import type { Report } from './report';
import { countFromEnv, progressOf } from './support';

const progress = progressOf('local');

interface SandboxInfo {
  apiUrl: string;
  tokenEndpoint: string;
  client: { clientId: string; clientSecret: string };
}

export async function run(report: Report): Promise<void> {
  const seconds = countFromEnv('BENCH_LOCAL_SECONDS', 10);
  const infoFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'm2m-bench-local-')), 'sandbox.json');
  const worker = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'sandbox-worker.ts'), infoFile], {
    cwd: path.resolve(__dirname, '..'),
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    const info = await waitForFile(infoFile, 30_000, worker);
    const tokens = new TokenClient({ credentials: { ...info.client, tokenEndpoint: info.tokenEndpoint } });
    const authorization = `Bearer ${await tokens.getToken()}`;
    const url = `${info.apiUrl}/orders`;
    const check = await fetch(url, { headers: { authorization } });
    if (check.status !== 200) throw new Error(`GET ${url} answered ${check.status}, not 200: the load would measure errors`);

    progress(`autocannon: 50 connections, ${seconds} s, GET ${url}`);
    const result = await autocannon({ url, connections: 50, duration: seconds, headers: { authorization } });
    if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
      throw new Error(`${result.non2xx} non-2xx answers, ${result.errors} errors, ${result.timeouts} timeouts under load`);
    }
    progress(`${result.requests.total} requests, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms`);
    report('local.e2e_rps', result.requests.average, 'req/s');
    report('local.e2e_p99_ms', result.latency.p99, 'ms');
  } finally {
    worker.kill('SIGTERM');
  }
}

async function waitForFile(file: string, timeoutMs: number, worker: ReturnType<typeof spawn>): Promise<SandboxInfo> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (worker.exitCode !== null) throw new Error(`the sandbox exited with code ${worker.exitCode}`);
    if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8')) as SandboxInfo;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the sandbox did not start within ${timeoutMs} ms`);
}
