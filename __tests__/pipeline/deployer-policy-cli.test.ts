import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MANAGED_POLICY_MAX_CHARS, policyChars, type PolicyDocument } from '../../lib/pipeline';
import { main, USAGE } from '../../scripts/deployer-policy/cli';
import { environmentInput } from '../fixtures';

/** Runs the command in-process with the shipped config (or `env`); returns exit status and output. */
function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) }, env);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('npm run deployer-policy', () => {
  test('--help prints the usage and exits 0', () => {
    expect(run(['--help'])).toEqual({ code: 0, out: USAGE, err: '' });
  });

  test('prints the deploy policy of an environment as pretty JSON, split where it is over the limit, and says so', () => {
    const { code, out, err } = run(['dev']);
    expect(code).toBe(0);
    const documents = JSON.parse(out) as PolicyDocument[];
    expect(out).toBe(JSON.stringify(documents, null, 2));
    expect(documents.length).toBeGreaterThan(1);
    expect(documents.map(policyChars).every((chars) => chars <= MANAGED_POLICY_MAX_CHARS)).toBe(true);
    expect(err).toMatch(/^deployer-policy: dev: deploy policy, split into \d managed policies \([\d,]+(, [\d,]+)+ of 6,144 characters each\): attach all of them; --part <n> prints one$/);
  });

  test('--part prints one document; --json is the default format', () => {
    const all = JSON.parse(run(['dev']).out) as PolicyDocument[];
    expect(JSON.parse(run(['dev', '--part', '2', '--json']).out)).toEqual(all[1]);
  });

  test('a policy that fits one managed policy is printed as one document', () => {
    const { code, out, err } = run(['prod', '--read-only']);
    expect(code).toBe(0);
    expect((JSON.parse(out) as PolicyDocument).Version).toBe('2012-10-17');
    expect(err).toMatch(/^deployer-policy: prod: read policy, 1 managed policy \([\d,]+ of 6,144 characters\)$/);
  });

  describe('fails', () => {
    test.each([
      [['qa'], 'deployer-policy: no environment "qa"; the config declares dev, staging, prod'],
      [[], 'deployer-policy: name the environment, e.g. npm run deployer-policy -- dev'],
      [['dev', 'prod'], 'deployer-policy: one environment at a time; received dev, prod'],
      [['dev', '--part', '0'], 'deployer-policy: --part: must be a whole number from 1; received "0"'],
      [['dev', '--part', '9'], 'deployer-policy: --part: the deploy policy of dev has 2 documents; received 9'],
      [['dev', '--bogus'], "deployer-policy: Unknown option '--bogus'"],
    ])('with exit 2 and the usage when given %j', (argv, message) => {
      const result = run(argv);
      expect(result).toMatchObject({ code: 2, out: '' });
      expect(result.err.startsWith(message)).toBe(true);
      expect(result.err).toContain('Usage: npm run deployer-policy');
    });

    test('with exit 1 and the problems when the config is invalid', () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'm2m-deployer-policy-test-'));
      const configFile = path.join(dir, 'config.json');
      fs.writeFileSync(configFile, JSON.stringify({ environments: { dev: environmentInput({ pipeline: { github: { repository: 'no-owner' } } }) } }));
      try {
        const result = run(['dev'], { M2M_AUTH_CONFIG: configFile });
        expect(result).toMatchObject({ code: 1, out: '' });
        expect(result.err).toContain('dev: pipeline.github.repository: must be <owner>/<name>');
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
