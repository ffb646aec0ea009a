/**
 * The layering README "Layout" promises: every import points down (stacks -> constructs -> runtime and
 * the permission model), and no files import each other in a circle. Read from the sources' own import
 * lines, so a new file that breaks the rule fails here.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const SOURCE_DIRS = ['lib', 'lambdas', 'config', 'scripts', 'sandbox', 'bench', 'token-client'];

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(relative);
    return entry.name.endsWith('.ts') ? [relative] : [];
  });
}

/** Project files a file imports (relative specifiers only), as paths from the root without `.ts`. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const specifiers = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1]);
  specifiers.push(...[...text.matchAll(/(?:require|import)\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g)].map((m) => m[1]));
  return specifiers.map((specifier) => {
    const target = path.normalize(path.join(path.dirname(file), specifier));
    return fs.existsSync(path.join(ROOT, `${target}.ts`)) ? target : path.join(target, 'index');
  });
}

const files = ['main.ts', ...SOURCE_DIRS.flatMap(sourceFiles)];
const graph = new Map(files.map((file) => [file.replace(/\.ts$/, ''), importsOf(file)]));

/** What each top-level area may import; anything else points up. */
const MAY_IMPORT: Record<string, readonly string[]> = {
  'main': ['lib'],
  'bench': ['bench', 'lib', 'lambdas', 'sandbox', 'token-client', 'config'],
  'scripts': ['scripts', 'lib', 'lambdas', 'token-client'],
  'sandbox': ['sandbox', 'lib', 'lambdas', 'token-client'],
  'config': ['lib/config'],
  'lib/stacks': ['lib'],
  'lib/pipeline': ['lib/pipeline', 'lib/config', 'lib/terraform', 'lib/state'],
  'lib/monitoring': ['lib/monitoring', 'lib/api', 'lib/bundling', 'lib/config', 'lib/terraform', 'lambdas'],
  'lib/api': ['lib/api', 'lib/bundling', 'lib/config', 'lib/terraform', 'lambdas'],
  'lib/authorizer': ['lib/authorizer', 'lib/identity', 'lib/bundling', 'lib/config', 'lib/terraform', 'lambdas'],
  'lib/identity': ['lib/identity', 'lib/config', 'lib/terraform'],
  'lib/secret-rotation': ['lib/secret-rotation', 'lib/identity', 'lib/bundling', 'lib/config', 'lib/terraform', 'lambdas'],
  'lib/client-token-flow': ['lib/client-token-flow', 'lib/identity', 'lib/bundling', 'lib/config', 'lib/terraform', 'lambdas'],
  'lib/docs': ['lib/docs', 'lib/config', 'lambdas'],
  'lib/state': ['lib/state', 'lib/config'],
  'lib/bundling': ['lib/bundling', 'lib/terraform'],
  'lib/terraform': ['lib/terraform'],
  'lib/config': ['lib/config', 'lambdas'],
  'lambdas': ['lambdas'],
  'token-client': ['token-client'],
};

function areaOf(file: string): string {
  const parts = file.split(path.sep);
  if (parts[0] === 'lib') return `lib/${parts[1]}`;
  return parts[0] === 'main' ? 'main' : parts[0];
}

describe('layout', () => {
  test('every area exists in the rule table (a new folder needs its place in the layering)', () => {
    const areas = new Set([...graph.keys()].map(areaOf));
    expect([...areas].filter((area) => !(area in MAY_IMPORT))).toEqual([]);
  });

  test('every import points down: no file imports an area above its own', () => {
    const upward: string[] = [];
    for (const [file, imports] of graph) {
      const allowed = MAY_IMPORT[areaOf(file)] ?? [];
      for (const target of imports) {
        if (!allowed.some((area) => target === area || target.startsWith(`${area}/`))) upward.push(`${file} -> ${target}`);
      }
    }
    expect(upward).toEqual([]);
  });

  test('no files import each other in a circle', () => {
    const circles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (file: string, trail: string[]): void => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        circles.push([...trail.slice(trail.indexOf(file)), file].join(' -> '));
        return;
      }
      state.set(file, 'open');
      for (const target of graph.get(file) ?? []) if (graph.has(target)) visit(target, [...trail, file]);
      state.set(file, 'done');
    };
    for (const file of graph.keys()) visit(file, []);
    expect(circles).toEqual([]);
  });

  test('the rule can see imports: the stacks import the constructs', () => {
    expect(graph.get(path.join('lib', 'stacks', 'm2m-auth-stack'))).toEqual(expect.arrayContaining([path.join('lib', 'identity', 'index')]));
  });
});
