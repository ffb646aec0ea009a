import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildSync, type BuildOptions } from 'esbuild';
import { zipSync } from 'fflate';

/** Repository root, where esbuild resolves entries and node_modules. */
const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
// A fixed timestamp keeps the zip, and so `source_code_hash`, identical for identical code.
const ZIP_MTIME = new Date('2020-01-01T00:00:00Z');

export interface LambdaBundleOptions {
  /** Entry file, relative to the repository root: `lambdas/authorizer/index.ts`. */
  readonly entry: string;
  /** Compile-time constants (esbuild `define`), JSON-serializable. */
  readonly define?: Readonly<Record<string, unknown>>;
  /**
   * The `@aws-sdk/*` packages the function takes from the Lambda runtime; every other package, and
   * everything it imports, is bundled. For APIs newer than the runtime's copy of the SDK.
   * @default ['@aws-sdk/*']: the whole AWS SDK is the runtime's
   */
  readonly runtimeSdkPackages?: readonly string[];
}

export interface LambdaBundle {
  /** The minified JavaScript (`index.js`). */
  readonly code: string;
  /** A zip holding `index.js`, content-addressed under the OS temp dir. */
  readonly zipPath: string;
  /** base64 SHA-256 of the zip: the Lambda's `source_code_hash`. */
  readonly sourceCodeHash: string;
}

const bundles = new Map<string, LambdaBundle>();

/**
 * How bundled SDK packages are read: from their ES modules (`module` before `main`), so that unused
 * commands are left out (579 KB -> 360 KB for the Cognito client), with `import()` turned into
 * `require` (their `await import("node:http")`), so the bundle stays plain CommonJS like the others.
 */
const BUNDLED_SDK_BUILD = { mainFields: ['module', 'main'], supported: { 'dynamic-import': false } } satisfies BuildOptions;

/**
 * Bundles a Lambda with esbuild (Node.js 22, CommonJS, minified; the AWS SDK stays external because
 * the runtime ships it, unless `runtimeSdkPackages` names only some of it) and zips it deterministically: the same source
 * gives the same bytes, so `cdktf diff` shows no change until the code does. Identical requests in one
 * process are built once.
 *
 * @example
 * const bundle = bundleLambda({ entry: 'lambdas/legacy-usage/index.ts' });
 */
export function bundleLambda(options: LambdaBundleOptions): LambdaBundle {
  const runtimeSdk = options.runtimeSdkPackages && [...options.runtimeSdkPackages].sort();
  // Without runtimeSdkPackages, the key and the build are what they always were (same bytes, same hash).
  const key = JSON.stringify(runtimeSdk ? [options.entry, options.define ?? {}, runtimeSdk] : [options.entry, options.define ?? {}]);
  const existing = bundles.get(key);
  if (existing) return existing;

  const result = buildSync({
    entryPoints: [path.join(PROJECT_ROOT, options.entry)],
    absWorkingDir: PROJECT_ROOT,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minify: true,
    legalComments: 'none',
    external: runtimeSdk ?? ['@aws-sdk/*'],
    ...(runtimeSdk ? BUNDLED_SDK_BUILD : {}),
    define: Object.fromEntries(Object.entries(options.define ?? {}).map(([name, value]) => [name, JSON.stringify(value)])),
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0].text;
  const zip = zipSync({ 'index.js': [Buffer.from(code), { mtime: ZIP_MTIME, level: 9 }] });
  const digest = createHash('sha256').update(zip);
  const hex = digest.copy().digest('hex');
  const dir = path.join(os.tmpdir(), 'm2m-auth-bundles', hex.slice(0, 32));
  const zipPath = path.join(dir, `${path.basename(path.dirname(options.entry))}.zip`);
  if (!fs.existsSync(zipPath)) {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(`${zipPath}.tmp`, zip);
    fs.renameSync(`${zipPath}.tmp`, zipPath);
  }
  const bundle = { code, zipPath, sourceCodeHash: digest.digest('base64') };
  bundles.set(key, bundle);
  return bundle;
}
