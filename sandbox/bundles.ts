import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Inside the project, so a bundle's external `@aws-sdk/*` imports resolve from its node_modules. */
const BUNDLE_DIR = path.resolve(__dirname, '..', 'node_modules', '.cache', 'm2m-auth-bundles');
let loads = 0;

/**
 * Loads a fresh instance of a bundled Lambda (the exact code synth deploys) with `env` as its
 * environment variables while its module initializes, and returns its `handler`.
 */
export function loadBundledHandler<H>(code: string, env: Readonly<Record<string, string | undefined>>): H {
  fs.mkdirSync(BUNDLE_DIR, { recursive: true });
  const digest = createHash('sha256').update(code).digest('hex').slice(0, 16);
  const file = path.join(BUNDLE_DIR, `${digest}-${process.pid}-${++loads}.js`);
  fs.writeFileSync(file, code);
  const saved = { ...process.env };
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require(file) as { handler: H }).handler;
  } finally {
    process.env = saved;
    // Loaded now; a unique name per load gives each caller a fresh module instance, so remove it.
    fs.rmSync(file, { force: true });
  }
}
