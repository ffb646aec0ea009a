import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadEnvironments } from '../lib/config/load';
import { README_REGIONS, ReadmeMarkerError, renderReadme, staleReadmeMessage, type ReadmeRegion } from '../lib/docs/readme-regions';
import { routeTableMarkdown, routeTablesMarkdown } from '../lib/docs/route-docs';
import { COST_README_REGION } from '../scripts/cost/readme';
import { environment } from './fixtures';

/** What `npm run docs` writes: the config's regions and the cost estimate. */
const ALL_REGIONS = [...README_REGIONS, COST_README_REGION];

const ROOT = path.resolve(__dirname, '..');
const README = path.join(ROOT, 'README.md');

/** Runs `npm run docs -- <args>` the way npm does, without npm. */
function runDocs(args: readonly string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/docs.ts', ...args], { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('README.md', () => {
  const readme = fs.readFileSync(README, 'utf8');

  test('every generated region is what `npm run docs` writes for the shipped config', () => {
    // On failure the message names the stale regions and says to run `npm run docs`.
    expect(staleReadmeMessage(renderReadme(readme, loadEnvironments({}), ALL_REGIONS).stale)).toBe('');
  });

  test('has a place for every generated region', () => {
    for (const { marker } of ALL_REGIONS) {
      expect(readme).toContain(`<!-- ${marker}:start -->\n`);
      expect(readme).toContain(`\n<!-- ${marker}:end -->`);
    }
  });

  test('opens with the two set-up commands', () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)![1];
    expect(firstBlock).toContain('npm ci && npm run synth');
    expect(firstBlock).toContain('npm test');
  });
});

describe('route tables', () => {
  test('each route with the roles the permission model lets call it', () => {
    const table = routeTableMarkdown([
      { method: 'GET', path: '/reports/{id}', permission: 'read' },
      { method: 'PATCH', path: '/reports/{id}', permission: 'write' },
      { method: 'DELETE', path: '/reports/{id}', permission: 'delete' },
      { method: 'POST', path: '/reports/{id}/publish', permission: 'execute' },
      { method: 'GET', path: '/audit', permission: 'admin' },
    ]);
    expect(table.split('\n')).toEqual([
      '| method | path | permission | roles that may call it |',
      '|---|---|---|---|',
      '| GET | `/reports/{id}` | read | reader, writer, admin |',
      '| PATCH | `/reports/{id}` | write | writer, admin |',
      '| DELETE | `/reports/{id}` | delete | deleter, admin |',
      '| POST | `/reports/{id}/publish` | execute | executor, admin |',
      '| GET | `/audit` | admin | admin |',
    ]);
  });

  test('one table when every environment has the same routes, naming them', () => {
    const routes = environment().routes;
    const section = routeTablesMarkdown([environment({}, 'dev'), environment({}, 'prod')]);
    expect(section).toBe(`Every environment (dev, prod) has this route table.\n\n${routeTableMarkdown(routes)}`);
  });

  test('one table per group of environments when they differ', () => {
    const extra = [...environment().routes, { method: 'GET' as const, path: '/reports/{id}', permission: 'read' as const }];
    const [dev, staging, prod] = [environment({ routes: extra }, 'dev'), environment({}, 'staging'), environment({}, 'prod')];
    expect(routeTablesMarkdown([dev, staging, prod])).toBe(
      [
        'The environments have different route tables.',
        `**dev**\n\n${routeTableMarkdown(dev.routes)}`,
        `**staging, prod**\n\n${routeTableMarkdown(staging.routes)}`,
      ].join('\n\n'),
    );
  });
});

describe('renderReadme', () => {
  const configs = [environment()];
  const regions: ReadmeRegion[] = [
    { marker: 'first', render: (environments) => `first for ${environments.map((e) => e.name).join(', ')}` },
    { marker: 'second', render: () => 'line 1\nline 2' },
  ];
  const readme = (first: string, second: string) => `# Title\n\ntext\n<!-- first:start -->\n${first}\n<!-- first:end -->\nmiddle\n<!-- second:start -->\n${second}\n<!-- second:end -->\nend\n`;

  test('regenerates every region and keeps the rest byte for byte', () => {
    const { text, stale } = renderReadme(readme('old', 'old'), configs, regions);
    expect(text).toBe(readme('first for dev', 'line 1\nline 2'));
    expect(stale).toEqual(['first', 'second']);
  });

  test('a current README is returned unchanged, with nothing stale', () => {
    const current = readme('first for dev', 'line 1\nline 2');
    expect(renderReadme(current, configs, regions)).toEqual({ text: current, stale: [] });
    expect(renderReadme(readme('first for dev', 'old'), configs, regions).stale).toEqual(['second']);
  });

  test('fills an empty region', () => {
    const empty = '<!-- second:start -->\n<!-- second:end -->\n';
    expect(renderReadme(empty, configs, [regions[1]]).text).toBe('<!-- second:start -->\nline 1\nline 2\n<!-- second:end -->\n');
  });

  test('fails when a region has no markers, naming the region and the fix', () => {
    const call = () => renderReadme('# no markers\n', configs, regions);
    expect(call).toThrow(ReadmeMarkerError);
    expect(call).toThrow(
      'README.md: region "first": no "<!-- first:start -->" line; put <!-- first:start --> and <!-- first:end --> on lines of their own, once each, where the generated text belongs',
    );
  });

  test('fails when a marker is repeated or the end comes first', () => {
    expect(() => renderReadme(`${readme('a', 'b')}<!-- first:end -->\n`, configs, regions)).toThrow('region "first": "<!-- first:end -->" appears more than once');
    expect(() => renderReadme('x\n<!-- first:end -->\nx\n<!-- first:start -->\n', configs, [regions[0]])).toThrow('region "first": the end marker comes before the start marker');
  });

  test('the stale message names the regions and the command', () => {
    expect(staleReadmeMessage(['routes'])).toBe('README.md is stale: the generated region "routes" differs from the config; run `npm run docs` and commit README.md');
    expect(staleReadmeMessage(['routes', 'clients'])).toBe('README.md is stale: the generated regions "routes", "clients" differ from the config; run `npm run docs` and commit README.md');
  });
});

describe('npm run docs', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'm2m-docs-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('--check passes on the committed README', () => {
    expect(runDocs(['--check'])).toMatchObject({ status: 0, stdout: 'README.md is up to date\n' });
  });

  test('--check fails on a stale README, naming the region and the fix, and writes nothing; without --check it regenerates', () => {
    const copy = path.join(dir, 'README.md');
    const stale = fs.readFileSync(README, 'utf8').replace(/(<!-- routes:start -->\n)[\s\S]*?(\n<!-- routes:end -->)/, '$1| stale |$2');
    fs.writeFileSync(copy, stale);
    const check = runDocs(['--check', '--readme', copy]);
    expect(check.status).toBe(1);
    expect(check.stderr).toBe('README.md is stale: the generated region "routes" differs from the config; run `npm run docs` and commit README.md\n');
    expect(fs.readFileSync(copy, 'utf8')).toBe(stale);

    expect(runDocs(['--readme', copy])).toMatchObject({ status: 0, stdout: 'README.md: regenerated "routes"\n' });
    expect(fs.readFileSync(copy, 'utf8')).toBe(fs.readFileSync(README, 'utf8'));
    expect(runDocs(['--readme', copy])).toMatchObject({ status: 0, stdout: 'README.md was up to date\n' });
  });

  test('fails when the README has lost its markers, naming them', () => {
    const copy = path.join(dir, 'no-markers.md');
    fs.writeFileSync(copy, '# README\n');
    const result = runDocs(['--check', '--readme', copy]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('region "routes": no "<!-- routes:start -->" line; put <!-- routes:start --> and <!-- routes:end --> on lines of their own');
  });

  test('--help prints the usage; an unknown option is a usage error', () => {
    const help = runDocs(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('usage: npm run docs [-- --check] [--readme <file>]');
    expect(help.stdout).toContain('M2M_AUTH_CONFIG');
    const bad = runDocs(['--chek']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("Unknown option '--chek'");
  });
});

describe('commands and links', () => {
  const readme = fs.readFileSync(README, 'utf8');
  const help = fs.readFileSync(path.join(ROOT, 'help'), 'utf8');
  const scripts = Object.keys((JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts);
  // npm's lifecycle scripts and the aliases of cdktf commands documented by their cdktf form.
  const documentedElsewhere = new Set(['test', 'deploy', 'diff']);

  test('every npm script is in the README command table and in help', () => {
    const table = readme.slice(readme.indexOf('## Commands'), readme.indexOf('## Configuration reference'));
    expect(scripts.filter((name) => !table.includes(`\`npm run ${name}`) && !(name === 'test' && table.includes('`npm test`')))).toEqual([]);
    expect(scripts.filter((name) => !documentedElsewhere.has(name) && !help.includes(`npm run ${name}`))).toEqual([]);
  });

  test('every runbook is linked from the runbook index, the README links the index, help names the folder', () => {
    const dir = path.join(ROOT, 'docs', 'runbooks');
    const index = fs.readFileSync(path.join(dir, 'README.md'), 'utf8');
    const pages = fs.readdirSync(dir).filter((name) => name.endsWith('.md') && name !== 'README.md');
    expect(pages.length).toBeGreaterThanOrEqual(6);
    expect(pages.filter((page) => !index.includes(`](${page})`))).toEqual([]);
    expect(readme).toContain('](docs/runbooks/README.md)');
    expect(help).toContain('docs/runbooks/');
  });

  test('every relative link in the README and the runbooks points at a file that exists', () => {
    const files = [README, ...fs.readdirSync(path.join(ROOT, 'docs', 'runbooks')).map((name) => path.join(ROOT, 'docs', 'runbooks', name))];
    const broken = files.flatMap((file) =>
      [...fs.readFileSync(file, 'utf8').matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)]
        .map((m) => m[1])
        .filter((target) => !/^[a-z]+:/.test(target))
        .filter((target) => !fs.existsSync(path.resolve(path.dirname(file), target)))
        .map((target) => `${path.relative(ROOT, file)} -> ${target}`),
    );
    expect(broken).toEqual([]);
  });

  test('every npm run command a runbook uses exists', () => {
    const dir = path.join(ROOT, 'docs', 'runbooks');
    const used = fs.readdirSync(dir).flatMap((name) => [...fs.readFileSync(path.join(dir, name), 'utf8').matchAll(/npm run ([a-z-]+)/g)].map((m) => m[1]));
    expect(used.length).toBeGreaterThan(10);
    expect([...new Set(used)].filter((name) => !scripts.includes(name))).toEqual([]);
  });
});
