/**
 * The two token paths (README "Two token paths") against the sandbox, for one client that has both:
 * - latency of one token request through `/oauth2/token` (fetch, as any HTTP client) and through
 *   `GetClientToken` (the real AWS SDK's `GetClientTokenCommand`), alternated in one process, and the
 *   same through the token client (a new client per request, so each is a real request);
 * - what each transport costs a service: the bytes esbuild bundles for a service that gets one token
 *   with the token client, the AWS SDK left to the runtime as Lambda services do (and the size with the
 *   Cognito client bundled in), and its cold start (a fresh process loads the bundle and gets its first
 *   token).
 * The sandbox answers both paths with the same signer, so the ratios are the transports' own cost.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { CognitoIdentityProviderClient, GetClientTokenCommand } from '@aws-sdk/client-cognito-identity-provider';
import { buildSync } from 'esbuild';
import { loadEnvironments } from '../lib/config/load';
import { startSandbox, type Sandbox } from '../sandbox/server';
import { TokenClient } from '../token-client';
import type { Report } from './report';
import { countFromEnv, median, progressOf } from './support';

const progress = progressOf('token-paths');
const REPO_ROOT = path.resolve(__dirname, '..');
/** Placeholder AWS credentials: the SDK signs GetClientToken, Cognito (and the sandbox) ignore the signature. */
const SIGNING_CREDENTIALS = { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench' };

export async function run(report: Report): Promise<void> {
  const rounds = countFromEnv('BENCH_TOKEN_PATHS_REQUESTS', 200);
  const coldRuns = countFromEnv('BENCH_TOKEN_PATHS_COLD_RUNS', 7);
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'm2m-bench-token-paths-'));
  const dev = loadEnvironments({}).find((environment) => environment.name === 'dev');
  if (!dev || dev.m2mClients.length === 0) throw new Error('config/environments has no "dev" environment with an M2M client');
  // The first dev client, with both paths: the same client, secret and signer behind both.
  const config = { ...dev, m2mClients: dev.m2mClients.map((client, i) => (i === 0 ? { ...client, tokenPaths: ['oauth2', 'api'] as const } : client)) };
  const sandbox = await startSandbox({ config: config as typeof dev, stateDir, port: 0 });
  try {
    const client = sandbox.clients[0];
    const raw = await rawLatency(sandbox, client, rounds);
    report('token_paths.oauth2_request_ms', raw.oauth2, 'ms');
    report('token_paths.api_request_ms', raw.api, 'ms');
    report('token_paths.api_vs_oauth2_request', raw.ratio, 'x');

    const viaClient = await tokenClientLatency(sandbox, client, Math.max(20, Math.round(rounds / 4)));
    report('token_paths.client_oauth2_ms', viaClient.oauth2, 'ms');
    report('token_paths.client_api_ms', viaClient.api, 'ms');
    report('token_paths.client_api_vs_oauth2', viaClient.ratio, 'x');

    const bundles = serviceBundles();
    report('token_paths.service_bundle_oauth2_kb', bundles.oauth2.bytes / 1024, 'KiB');
    report('token_paths.service_bundle_api_kb', bundles.api.bytes / 1024, 'KiB');
    report('token_paths.service_bundle_api_sdk_bundled_kb', bundles.apiSdkBundled.bytes / 1024, 'KiB');
    report('token_paths.service_bundle_api_sdk_bundled_vs_oauth2', bundles.apiSdkBundled.bytes / bundles.oauth2.bytes, 'x');
    const cold = await coldStarts(sandbox, client, bundles, coldRuns);
    report('token_paths.service_cold_oauth2_ms', cold.oauth2, 'ms');
    report('token_paths.service_cold_api_ms', cold.api, 'ms');
    report('token_paths.service_cold_api_vs_oauth2', cold.ratio, 'x');
  } finally {
    await sandbox.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

type Client = Sandbox['clients'][number];

/** One token request each way per round, alternating which goes first; medians and the median of per-round ratios. */
async function rawLatency(sandbox: Sandbox, client: Client, rounds: number): Promise<{ oauth2: number; api: number; ratio: number }> {
  const cognito = new CognitoIdentityProviderClient({ region: 'eu-west-1', endpoint: sandbox.awsEndpoint, credentials: SIGNING_CREDENTIALS, maxAttempts: 1 });
  const basic = `Basic ${Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`).toString('base64')}`;
  const oauth2 = async () => {
    const response = await fetch(sandbox.tokenEndpoint, { method: 'POST', headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });
    const body = (await response.json()) as { access_token?: string };
    if (!body.access_token) throw new Error(`/oauth2/token answered ${response.status} without a token`);
  };
  const api = async () => {
    const answer = await cognito.send(new GetClientTokenCommand({ ClientId: client.clientId, Secret: client.clientSecret }));
    if (!answer.ClientAuthenticationResult?.AccessToken) throw new Error('GetClientToken answered without a token');
  };
  const time = async (request: () => Promise<void>) => {
    const started = performance.now();
    await request();
    return performance.now() - started;
  };
  for (let i = 0; i < 50; i++) {
    await oauth2();
    await api();
  }
  const samples: Array<{ oauth2: number; api: number }> = [];
  for (let i = 0; i < rounds; i++) {
    if (i % 2 === 0) samples.push({ oauth2: await time(oauth2), api: await time(api) });
    else {
      const apiMs = await time(api);
      samples.push({ oauth2: await time(oauth2), api: apiMs });
    }
  }
  cognito.destroy();
  const result = { oauth2: median(samples.map((s) => s.oauth2)), api: median(samples.map((s) => s.api)), ratio: median(samples.map((s) => s.api / s.oauth2)) };
  progress(`raw, ${rounds} rounds: /oauth2/token ${result.oauth2.toFixed(2)} ms, GetClientToken ${result.api.toFixed(2)} ms (median ratio ${result.ratio.toFixed(2)}x)`);
  return result;
}

/** `getToken()` of a new TokenClient per request, each path, alternating. */
async function tokenClientLatency(sandbox: Sandbox, client: Client, rounds: number): Promise<{ oauth2: number; api: number; ratio: number }> {
  const cognitoClient = new CognitoIdentityProviderClient({ region: 'eu-west-1', endpoint: sandbox.awsEndpoint, credentials: SIGNING_CREDENTIALS, maxAttempts: 1 });
  const credentials = { clientId: client.clientId, clientSecret: client.clientSecret, tokenEndpoint: sandbox.tokenEndpoint, tokenPaths: ['oauth2', 'api'] as const, region: 'eu-west-1' };
  const once = async (tokenPath: 'oauth2' | 'api') => {
    const started = performance.now();
    await new TokenClient({ credentials, tokenPath, ...(tokenPath === 'api' ? { cognitoClient } : {}) }).getToken();
    return performance.now() - started;
  };
  for (let i = 0; i < 10; i++) {
    await once('oauth2');
    await once('api');
  }
  const samples: Array<{ oauth2: number; api: number }> = [];
  for (let i = 0; i < rounds; i++) samples.push({ oauth2: await once('oauth2'), api: await once('api') });
  cognitoClient.destroy();
  const result = { oauth2: median(samples.map((s) => s.oauth2)), api: median(samples.map((s) => s.api)), ratio: median(samples.map((s) => s.api / s.oauth2)) };
  progress(`token client, ${rounds} rounds: oauth2 ${result.oauth2.toFixed(2)} ms, api ${result.api.toFixed(2)} ms`);
  return result;
}

interface ServiceBundle {
  readonly file: string;
  readonly bytes: number;
}

/** Where the service bundles go: under node_modules, so that a bundle finds the SDK there as a Lambda function finds the runtime's. */
const CACHE_DIR = path.join(REPO_ROOT, 'node_modules', '.cache', 'm2m-auth-bench');

/**
 * A service that gets one token and exits, bundled as a Lambda service is bundled (esbuild, Node.js,
 * minified, the AWS SDK left to the runtime): with `tokenPath` "oauth2", and with "api", where the
 * token client loads the Cognito SDK at run time. `api_sdk_bundled` is the same "api" service with the
 * SDK's Cognito client bundled in (for a runtime without it), measured for its size only: the token
 * client loads the SDK by name at run time, so this bundle would load it twice. Each prints the ms from
 * its process's start to its first token.
 */
function serviceBundles(): { oauth2: ServiceBundle; api: ServiceBundle; apiSdkBundled: ServiceBundle } {
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  const entry = (tokenPath: 'oauth2' | 'api', sdkBundled: boolean) => `
const { TokenClient } = require(${JSON.stringify(path.join(REPO_ROOT, 'token-client', 'index.ts'))});
${sdkBundled ? "require('@aws-sdk/client-cognito-identity-provider');" : ''}
const [clientId, clientSecret, tokenEndpoint, awsEndpoint] = process.argv.slice(2);
const credentials = { clientId, clientSecret, tokenEndpoint, tokenPaths: ['oauth2', 'api'], region: 'eu-west-1' };
process.env.AWS_ACCESS_KEY_ID = 'AKIDBENCH';
process.env.AWS_SECRET_ACCESS_KEY = 'bench';
const client = new TokenClient({ credentials, tokenPath: '${tokenPath}'${tokenPath === 'api' ? ', cognitoEndpoint: awsEndpoint' : ''} });
// performance.now() counts from the process's start: Node's own start-up, the bundle's compile and load, the first token.
client.getToken().then(() => { process.stdout.write(String(performance.now())); process.exit(0); }, (error) => { process.stderr.write(String(error)); process.exit(1); });
`;
  const build = (name: string, tokenPath: 'oauth2' | 'api', sdkBundled: boolean): ServiceBundle => {
    const source = path.join(CACHE_DIR, `service-${name}.js`);
    const file = path.join(CACHE_DIR, `service-${name}.bundle.js`);
    fs.writeFileSync(source, entry(tokenPath, sdkBundled));
    buildSync({
      entryPoints: [source],
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      minify: true,
      outfile: file,
      logLevel: 'silent',
      absWorkingDir: REPO_ROOT,
      mainFields: ['module', 'main'],
      external: sdkBundled ? ['@aws-sdk/client-secrets-manager'] : ['@aws-sdk/*'],
    });
    const bytes = fs.statSync(file).size;
    progress(`service bundle (${name}): ${bytes} bytes`);
    return { file, bytes };
  };
  return { oauth2: build('oauth2', 'oauth2', false), api: build('api', 'api', false), apiSdkBundled: build('api-sdk-bundled', 'api', true) };
}

/**
 * Median time from process start of the bundle to its first token, fresh processes, alternating. The
 * children run asynchronously: the sandbox answering them lives in this process.
 */
async function coldStarts(sandbox: Sandbox, client: Client, bundles: { oauth2: ServiceBundle; api: ServiceBundle; apiSdkBundled: ServiceBundle }, runs: number): Promise<{ oauth2: number; api: number; ratio: number }> {
  const run = promisify(execFile);
  const once = async (bundle: ServiceBundle) => {
    try {
      const { stdout } = await run(process.execPath, [bundle.file, client.clientId, client.clientSecret, sandbox.tokenEndpoint, sandbox.awsEndpoint], { encoding: 'utf8', timeout: 30_000, env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir() } });
      return Number(stdout);
    } catch (error) {
      throw new Error(`${path.basename(bundle.file)} failed: ${((error as { stderr?: string }).stderr ?? String(error)).split("\n").filter((line) => line && !/NodeVersionSupportWarning|versions published|will require node|continue receiving|security updates|More information/.test(line)).join("\n")}`);
    }
  };
  await once(bundles.oauth2);
  await once(bundles.api);
  const samples: Array<{ oauth2: number; api: number }> = [];
  for (let i = 0; i < runs; i++) samples.push({ oauth2: await once(bundles.oauth2), api: await once(bundles.api) });
  const result = { oauth2: median(samples.map((s) => s.oauth2)), api: median(samples.map((s) => s.api)), ratio: median(samples.map((s) => s.api / s.oauth2)) };
  progress(`cold start to the first token, ${runs} runs: oauth2 ${result.oauth2.toFixed(1)} ms, api ${result.api.toFixed(1)} ms`);
  return result;
}
