/**
 * token-client/ as the npm package a service team installs: `npm pack` (which builds dist/ with tsc),
 * the tarball installed offline into a throwaway project, then used from CommonJS, ESM and TypeScript
 * against a real token endpoint on 127.0.0.1. Needs npm on PATH and nothing from the network.
 */
import { execFile, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { ScriptedTokenEndpoint } from '../support/token-endpoint';

const ROOT = path.resolve(__dirname, '..', '..');
const PACKAGE_DIR = path.join(ROOT, 'token-client');
const PACKAGE_NAME = '@m2m-auth/token-client';
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const SECRET = 'package-test-s3cr3t';
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

interface Manifest {
  name: string;
  main: string;
  types: string;
  exports: Record<'.', Record<'types' | 'require' | 'default', string>>;
  dependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

interface PackResult {
  filename: string;
  size: number;
  files: Array<{ path: string }>;
}

let work: string;
let staged: string;
let consumer: string;
let packed: PackResult;
let endpoint: ScriptedTokenEndpoint;

function npm(args: string[], cwd: string): SpawnSyncReturns<string> {
  const result = spawnSync(NPM, args, { cwd, encoding: 'utf8', shell: process.platform === 'win32', timeout: 60_000 });
  if (result.error) {
    const missing = (result.error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new Error(missing ? `npm is not on PATH: this test packs token-client/ with npm pack and installs the tarball with npm install` : `npm ${args.join(' ')}: ${result.error.message}`);
  }
  if (result.status !== 0) throw new Error(`npm ${args.join(' ')} exited with ${result.status} in ${cwd}:\n${result.stdout}\n${result.stderr}`);
  return result;
}

/** Runs a script of the consumer project (asynchronously: the token endpoint answers from this process). */
async function runInConsumer(script: string, env: Record<string, string> = {}): Promise<unknown> {
  const { stdout } = await promisify(execFile)(process.execPath, [script], { cwd: consumer, env: { ...process.env, ...env }, timeout: 20_000 });
  return JSON.parse(stdout);
}

function typeCheck(tsconfig: string): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [TSC, '-p', tsconfig], { cwd: consumer, encoding: 'utf8', timeout: 60_000 });
}

function write(file: string, text: string): void {
  fs.writeFileSync(path.join(consumer, file), text);
}

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'token-client-package-'));
  // A copy beside a link to the root node_modules, as in the repository: building it writes dist/ there,
  // not into the working tree that tsc -p . and the other suites read.
  staged = path.join(work, 'repo', 'token-client');
  fs.mkdirSync(path.dirname(staged));
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(work, 'repo', 'node_modules'), 'junction');
  fs.cpSync(PACKAGE_DIR, staged, { recursive: true, filter: (source) => !/[\\/](dist|node_modules)$|\.tgz$/.test(source) });

  const pack = npm(['pack', '--json', '--pack-destination', work], staged);
  // npm prints the JSON last; older versions put lifecycle script output on stdout before it.
  [packed] = JSON.parse(pack.stdout.slice(pack.stdout.search(/^\[/m))) as PackResult[];

  consumer = path.join(work, 'consumer');
  fs.mkdirSync(consumer);
  write('package.json', JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
  // An empty cache: what a fresh CI machine has. Nothing to fetch, since the package has no dependencies.
  npm(['install', path.join(work, packed.filename), '--offline', '--no-audit', '--no-fund', '--cache', path.join(work, 'npm-cache')], consumer);
}, 90_000);

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

beforeEach(async () => {
  endpoint = await new ScriptedTokenEndpoint().start();
});
afterEach(() => endpoint?.stop());

describe('token-client package', () => {
  test('the tarball holds the compiled JavaScript, its declarations, the README and package.json: no sources, no tests', () => {
    const files = packed.files.map((file) => file.path).sort();
    const sources = fs.readdirSync(PACKAGE_DIR).filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts') && !name.includes('.test.'));

    expect(packed.filename).toBe('m2m-auth-token-client-0.1.0.tgz');
    expect(files.filter((file) => !/^dist\/[\w.-]+\.(js|d\.ts)$/.test(file) && file !== 'README.md' && file !== 'package.json')).toEqual([]);
    expect(files).toEqual(expect.arrayContaining(['README.md', 'package.json', ...sources.flatMap((source) => [`dist/${source.replace(/\.ts$/, '.js')}`, `dist/${source.replace(/\.ts$/, '.d.ts')}`])]));
    expect(files.filter((file) => /test|spec/i.test(file))).toEqual([]);
    expect(packed.size).toBeLessThan(50_000);
    // postpack removed the build output again.
    expect(fs.existsSync(path.join(staged, 'dist'))).toBe(false);
  });

  test('installs with no dependencies; the Secrets Manager and Cognito SDKs are optional peers and are not installed', () => {
    const installed = path.join(consumer, 'node_modules', ...PACKAGE_NAME.split('/'));
    const manifest = JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8')) as Manifest;

    expect(manifest).toMatchObject({ name: PACKAGE_NAME, version: '0.1.0', license: 'MIT', type: 'commonjs', engines: { node: '>=20' } });
    expect(manifest.dependencies).toBeUndefined();
    expect(manifest.peerDependenciesMeta).toEqual({ '@aws-sdk/client-cognito-identity-provider': { optional: true }, '@aws-sdk/client-secrets-manager': { optional: true } });
    for (const entry of [manifest.main, manifest.types, ...Object.values(manifest.exports['.'])]) {
      expect(fs.existsSync(path.join(installed, entry))).toBe(true);
    }
    expect(fs.readdirSync(path.join(consumer, 'node_modules')).filter((name) => !name.startsWith('.'))).toEqual(['@m2m-auth']);
  });

  test('a CommonJS service gets a token, reuses it, and sees the typed error of a refused request without the secret', async () => {
    endpoint.replies = [ScriptedTokenEndpoint.ok(), { status: 400, body: { error: 'invalid_client' } }];
    write(
      'service.cjs',
      `const { TokenClient, TokenEndpointError, credentialsFromEnvironment, credentialsFromSecretsManager } = require('${PACKAGE_NAME}');
(async () => {
  const client = new TokenClient({ credentials: credentialsFromEnvironment() });
  const tokens = [await client.getToken(), await client.getToken()];
  const refused = await new TokenClient({ credentials: { ...credentialsFromEnvironment(), clientId: 'retired' } }).getToken().catch((error) => error);
  console.log(JSON.stringify({
    tokens,
    tokenRequests: client.tokenRequests,
    refused: { isTokenEndpointError: refused instanceof TokenEndpointError, code: refused.code, message: refused.message },
    secretsManagerLoader: typeof credentialsFromSecretsManager('arn:aws:secretsmanager:eu-west-1:111111111111:secret:x'),
  }));
})();
`,
    );

    const output = await runInConsumer('service.cjs', { M2M_CLIENT_ID: 'orders-service', M2M_CLIENT_SECRET: SECRET, M2M_TOKEN_ENDPOINT: endpoint.url, M2M_SCOPES: 'api/read' });

    expect(output).toEqual({
      tokens: ['token-1', 'token-1'],
      tokenRequests: 1,
      refused: { isTokenEndpointError: true, code: 'OAUTH_INVALID_CLIENT', message: expect.stringContaining('invalid_client') },
      secretsManagerLoader: 'function',
    });
    expect(JSON.stringify(output)).not.toContain(SECRET);
    expect(endpoint.requests[0].authorization).toBe(`Basic ${Buffer.from(`orders-service:${SECRET}`).toString('base64')}`);
    expect(endpoint.requests[0].body.get('scope')).toBe('api/read');
  });

  test('an ES module service imports it by name', async () => {
    write(
      'service.mjs',
      `import { TokenClient } from '${PACKAGE_NAME}';
const client = new TokenClient({ credentials: { clientId: 'orders-service', clientSecret: '${SECRET}', tokenEndpoint: process.env.M2M_TOKEN_ENDPOINT } });
console.log(JSON.stringify({ token: await client.getToken() }));
`,
    );

    expect(await runInConsumer('service.mjs', { M2M_TOKEN_ENDPOINT: endpoint.url })).toEqual({ token: 'token-1' });
  });

  test.each(['node10', 'node16'])('a TypeScript service and the README example type-check against the declarations (moduleResolution %s), and they are not any', (resolution) => {
    const readme = fs.readFileSync(path.join(consumer, 'node_modules', ...PACKAGE_NAME.split('/'), 'README.md'), 'utf8');
    write('readme-example.ts', /```ts\n([\s\S]*?)```/.exec(readme)?.[1] ?? 'the README has no ts example');
    write(
      'service.ts',
      `import { TokenClient, TokenEndpointError, credentialsFromSecretsManager, type ClientCredentials, type TokenClientOptions } from '${PACKAGE_NAME}';

const credentials: ClientCredentials = { clientId: 'orders-service', clientSecret: 'x', tokenEndpoint: 'https://auth.example.com/oauth2/token' };
const options: TokenClientOptions = { credentials: credentialsFromSecretsManager('arn'), authMethod: 'client_secret_post', retry: { maxAttempts: 2 } };
const client = new TokenClient(options);
export const token: Promise<string> = client.getToken(['api/read']);
export const response: Promise<Response> = client.fetch('https://api.example.com/orders', { method: 'GET' });
export const code = (error: unknown): string | undefined => (error instanceof TokenEndpointError ? error.oauthError : undefined);
export const requests: number = client.tokenRequests + new TokenClient({ credentials }).credentialsRereads;

// @ts-expect-error authMethod is a closed set
new TokenClient({ credentials, authMethod: 'none' });
// @ts-expect-error getToken returns a promise
export const notAString: string = client.getToken();
`,
    );
    const tsconfig = `tsconfig.${resolution}.json`;
    const module = resolution === 'node16' ? 'node16' : 'commonjs';
    write(
      tsconfig,
      JSON.stringify({
        compilerOptions: { target: 'ES2022', module, moduleResolution: resolution, lib: ['ES2022'], types: ['node'], typeRoots: [path.join(ROOT, 'node_modules', '@types')], strict: true, noEmit: true, skipLibCheck: false },
        files: ['service.ts', 'readme-example.ts'],
      }),
    );

    const result = typeCheck(tsconfig);

    expect({ status: result.status, output: `${result.stdout}${result.stderr}` }).toEqual({ status: 0, output: '' });
  }, 60_000);
});
