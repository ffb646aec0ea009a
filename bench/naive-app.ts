/**
 * Builds the "CDKTF template's naive way" copy of the app: every deep provider import
 * (`@cdktf/provider-aws/lib/cognito-user-pool`) becomes an import of the provider's root
 * (`@cdktf/provider-aws`), which loads and type-checks the whole provider.
 *
 *   import { CognitoUserPool as Pool } from '@cdktf/provider-aws/lib/cognito-user-pool';
 * becomes
 *   import { cognitoUserPool as __aws_cognitoUserPool } from '@cdktf/provider-aws';
 *   import Pool = __aws_cognitoUserPool.CognitoUserPool;
 *
 * The namespace names are read from the provider's own lib/index.d.ts (`export * as x from './y'`),
 * so the rewrite stays right for any module the app starts to use.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** What gets copied into the naive app (whatever of it exists). */
const APP_ENTRIES = ['main.ts', 'tsconfig.json', 'lib', 'config', 'lambdas'];

const DEEP_IMPORT =
  /\bimport\s+(type\s+)?(\{[^}]*\}|\*\s*as\s+[\w$]+)\s*from\s*['"](@cdktf\/provider-[\w-]+)\/lib\/([\w-]+)(?:\/index(?:\.js)?)?['"][ \t]*;?/g;
const ANY_DEEP_PROVIDER_PATH = /['"]@cdktf\/provider-[\w-]+\/lib\//;

/** Copies the app from `repoRoot` into `targetDir` (emptied first) with provider imports rewritten. */
export function buildNaiveApp(repoRoot: string, targetDir: string): { files: number; rewrittenImports: number } {
  fs.rmSync(targetDir, { recursive: true, force: true });
  fs.mkdirSync(targetDir, { recursive: true });
  for (const entry of APP_ENTRIES) {
    const source = path.join(repoRoot, entry);
    if (fs.existsSync(source)) fs.cpSync(source, path.join(targetDir, entry), { recursive: true });
  }
  const namespaces = new NamespaceIndex(repoRoot);
  let files = 0;
  let rewrittenImports = 0;
  for (const file of tsFiles(targetDir)) {
    const original = fs.readFileSync(file, 'utf8');
    const { text, count } = rewriteProviderImports(original, namespaces);
    const leftover = ANY_DEEP_PROVIDER_PATH.exec(text);
    if (leftover) {
      throw new Error(`naive app: ${path.relative(targetDir, file)} still has a deep provider import the rewrite does not understand, near: ${text.slice(leftover.index - 60, leftover.index + 80)}`);
    }
    if (count > 0) fs.writeFileSync(file, text);
    files += 1;
    rewrittenImports += count;
  }
  return { files, rewrittenImports };
}

export function rewriteProviderImports(source: string, namespaces: NamespaceIndex): { text: string; count: number } {
  const imported = new Set<string>();
  let count = 0;
  const text = source.replace(DEEP_IMPORT, (_match, _typeOnly: string | undefined, clause: string, pkg: string, folder: string) => {
    count += 1;
    const namespace = namespaces.lookup(pkg, folder);
    const alias = `__${pkg.replace('@cdktf/provider-', '').replace(/\W/g, '_')}_${namespace}`;
    const lines: string[] = [];
    if (!imported.has(alias)) {
      imported.add(alias);
      lines.push(`import { ${namespace} as ${alias} } from '${pkg}';`);
    }
    const star = /^\*\s*as\s+([\w$]+)$/.exec(clause);
    if (star) {
      lines.push(`import ${star[1]} = ${alias};`);
    } else {
      for (const specifier of clause.slice(1, -1).split(',')) {
        const parts = specifier.trim().replace(/^type\s+/, '').split(/\s+as\s+/);
        if (parts[0] === '') continue;
        lines.push(`import ${parts[1] ?? parts[0]} = ${alias}.${parts[0]};`);
      }
    }
    return lines.join('\n');
  });
  return { text, count };
}

/** folder -> namespace name, from `export * as <namespace> from './<folder>'` in each provider's lib/index.d.ts. */
export class NamespaceIndex {
  private readonly byPackage = new Map<string, Map<string, string>>();

  constructor(private readonly repoRoot: string) {}

  lookup(pkg: string, folder: string): string {
    let index = this.byPackage.get(pkg);
    if (!index) {
      const indexFile = path.join(this.repoRoot, 'node_modules', pkg, 'lib', 'index.d.ts');
      index = new Map();
      for (const m of fs.readFileSync(indexFile, 'utf8').matchAll(/export \* as ([\w$]+) from '\.\/([\w-]+)'/g)) {
        index.set(m[2], m[1]);
      }
      this.byPackage.set(pkg, index);
    }
    const namespace = index.get(folder);
    if (!namespace) throw new Error(`naive app: ${pkg} has no root export for lib/${folder}`);
    return namespace;
  }
}

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(full);
    return entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}
