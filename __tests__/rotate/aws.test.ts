/**
 * `npm run rotate` against Secrets Manager (aws-sdk-client-mock): a rotation that finishes, one that
 * stops or times out, one already pending, --retire-previous, --status, --clear-pending, bad arguments.
 */
import {
  DescribeSecretCommand,
  ListSecretVersionIdsCommand,
  RotateSecretCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { loadEnvironments } from '../../lib/config/load';
import { main, rotationNames, USAGE } from '../../scripts/rotate/cli';

const dev = loadEnvironments({}).find((e) => e.name === 'dev')!;
const CLIENT = dev.m2mClients[0].name;
const SECRET = `${dev.namePrefix}/dev/m2m/${CLIENT}`;

/**
 * A secret whose rotation the test drives: RotateSecret adds a pending version, and the rotation
 * "finishes" after `finishAfterPolls` DescribeSecret calls (never when undefined).
 */
class FakeSecret {
  readonly mock = mockClient(SecretsManagerClient);
  readonly client = new SecretsManagerClient({ region: 'eu-west-1' });
  stages: Record<string, string[]> = { v0: ['AWSCURRENT'] };
  enabled = true;
  finishAfterPolls: number | undefined = 2;
  /** What happens to a pending version instead of finishing: nothing, or it loses AWSPENDING. */
  failure: 'none' | 'drop' = 'none';
  private rotations = 0;
  private polls = 0;
  private pending?: string;

  constructor() {
    this.mock.on(DescribeSecretCommand).callsFake(async (input: { SecretId: string }) => {
      if (input.SecretId !== SECRET) throw Object.assign(new Error("Secrets Manager can't find the specified secret."), { name: 'ResourceNotFoundException' });
      if (this.pending && this.polls++ >= 1) this.advance();
      return {
        ARN: `arn:aws:secretsmanager:eu-west-1:111111111111:secret:${SECRET}-AbCdEf`,
        Name: SECRET,
        RotationEnabled: this.enabled,
        RotationRules: this.enabled ? { AutomaticallyAfterDays: 90 } : undefined,
        LastRotatedDate: this.rotations ? new Date('2026-12-01T10:00:00Z') : undefined,
        NextRotationDate: this.enabled ? new Date('2027-03-01T10:00:00Z') : undefined,
        VersionIdsToStages: structuredClone(this.stages),
      };
    });
    this.mock.on(RotateSecretCommand).callsFake(async (input: { SecretId: string; RotateImmediately: boolean }) => {
      expect(input).toEqual({ SecretId: SECRET, RotateImmediately: true });
      const version = `v${++this.rotations}`;
      this.stages[version] = ['AWSPENDING'];
      this.pending = version;
      this.polls = 0;
      return { ARN: 'arn', Name: SECRET, VersionId: version };
    });
    this.mock.on(ListSecretVersionIdsCommand).callsFake(async () => ({
      Versions: Object.entries(this.stages).map(([id, stages], i) => ({ VersionId: id, VersionStages: stages, CreatedDate: new Date(Date.UTC(2026, 11, 1 + i)) })),
    }));
    this.mock.on(UpdateSecretVersionStageCommand).callsFake(async (input: { VersionStage: string; RemoveFromVersionId: string }) => {
      this.stages[input.RemoveFromVersionId] = this.stages[input.RemoveFromVersionId].filter((s) => s !== input.VersionStage);
      return {};
    });
  }

  /** Called on each poll after the first: finishes (moves AWSCURRENT, AWSPREVIOUS follows) or fails. */
  private advance(): void {
    const version = this.pending!;
    if (this.failure === 'drop') {
      this.stages[version] = [];
      this.pending = undefined;
      return;
    }
    if (this.finishAfterPolls === undefined || this.polls <= this.finishAfterPolls) return;
    for (const [id, labels] of Object.entries(this.stages)) this.stages[id] = labels.filter((l) => l !== 'AWSPREVIOUS');
    for (const [id, labels] of Object.entries(this.stages)) if (labels.includes('AWSCURRENT')) this.stages[id] = ['AWSPREVIOUS'];
    this.stages[version] = ['AWSCURRENT'];
    this.pending = undefined;
  }

  get rotateCalls(): number {
    return this.mock.commandCalls(RotateSecretCommand).length;
  }
}

function run(argv: string[], secret: FakeSecret) {
  const out: string[] = [];
  const err: string[] = [];
  let now = 0;
  const status = main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) }, {
    env: {},
    secretsManager: secret.client,
    pollMs: 2000,
    // A fake monotonic clock that each sleep moves on: instant tests, real elapsed-time arithmetic.
    sleep: async (ms) => void (now += ms),
    clock: () => now,
  });
  return status.then((code) => ({ code, out: out.join('\n'), err: err.join('\n') }));
}

let secret: FakeSecret;
beforeEach(() => {
  secret = new FakeSecret();
});
afterEach(() => secret.mock.restore());

describe('rotate now', () => {
  test('starts a rotation, waits until its version is AWSCURRENT and says what changed', async () => {
    const result = await run(['dev', CLIENT], secret);
    expect(result.code).toBe(0);
    expect(secret.rotateCalls).toBe(1);
    expect(secret.stages).toEqual({ v0: ['AWSPREVIOUS'], v1: ['AWSCURRENT'] });
    expect(result.out).toContain(`${CLIENT}'s secret is rotated: AWSCURRENT is version v1 (was v0)`);
    expect(result.out).toContain('The previous secret keeps working until the next rotation; the next scheduled rotation is due around 2027-03-01T10:00:00Z');
    expect(result.err).toMatch(/rotation started: version v1/);
    expect(result.err).toMatch(/rotation finished in \d+\.\d s: version v1 is AWSCURRENT/);
  });

  test('--retire-previous rotates twice, so the secret current before is gone', async () => {
    const result = await run(['dev', CLIENT, '--retire-previous'], secret);
    expect(result.code).toBe(0);
    expect(secret.rotateCalls).toBe(2);
    expect(secret.stages).toEqual({ v0: [], v1: ['AWSPREVIOUS'], v2: ['AWSCURRENT'] });
    expect(result.out).toContain('the secret that was current before (version v0) is deleted from Cognito');
    expect(result.err).toMatch(/rotation \(1 of 2\) started[\s\S]*rotation \(2 of 2\) finished/);
  });

  test('a rotation that never finishes: exit 1 after --wait-seconds, AWSCURRENT unchanged, progress shown', async () => {
    secret.finishAfterPolls = undefined;
    const result = await run(['dev', CLIENT, '--wait-seconds', '30'], secret);
    expect(result.code).toBe(1);
    expect(result.err).toContain(`did not finish within 30 s; AWSCURRENT is unchanged, so callers are unaffected. See its log group /aws/lambda/${rotationNames(dev, CLIENT).functionName}`);
    expect(result.err).toMatch(/waiting for version v1: 10 s[\s\S]*waiting for version v1: 20 s/);
    expect(secret.stages.v0).toEqual(['AWSCURRENT']);
  });

  test('a rotation that fails (its version loses AWSPENDING): exit 1 at once', async () => {
    secret.failure = 'drop';
    const result = await run(['dev', CLIENT], secret);
    expect(result.code).toBe(1);
    expect(result.err).toContain('stopped without finishing');
  });

  test('refuses to start while another rotation is pending, and says how to clear it', async () => {
    secret.stages.stuck = ['AWSPENDING'];
    const result = await run(['dev', CLIENT], secret);
    expect(result.code).toBe(1);
    expect(secret.rotateCalls).toBe(0);
    expect(result.err).toContain('a rotation has not finished (version stuck is AWSPENDING)');
    expect(result.err).toContain('--clear-pending');
  });

  test('refuses when the secret has no rotation yet (an older stack)', async () => {
    secret.enabled = false;
    const result = await run(['dev', CLIENT], secret);
    expect(result.code).toBe(1);
    expect(secret.rotateCalls).toBe(0);
    expect(result.err).toContain('rotation is not configured: deploy this version of the stack first');
  });

  test('a secret that does not exist: deploy first', async () => {
    const other = dev.m2mClients[1].name;
    const result = await run(['dev', other], secret);
    expect(result.code).toBe(1);
    expect(result.err).toContain(`no secret ${dev.namePrefix}/dev/m2m/${other}: deploy dev first`);
  });
});

describe('--status and --clear-pending', () => {
  test('--status: schedule, dates and every version, newest first, with an unfinished rotation flagged', async () => {
    secret.stages = { v0: ['AWSPREVIOUS'], v1: ['AWSCURRENT'], v2: ['AWSPENDING'] };
    const result = await run(['dev', CLIENT, '--status'], secret);
    expect(result.code).toBe(0);
    expect(result.out.split('\n')).toEqual([
      `dev (eu-west-1): ${SECRET}`,
      '  rotation      every 90 days',
      '  last rotated  never',
      '  next rotation 2027-03-01T10:00:00Z',
      '  versions:',
      '    v2  AWSPENDING                created 2026-12-03T00:00:00Z',
      '    v1  AWSCURRENT                created 2026-12-02T00:00:00Z',
      '    v0  AWSPREVIOUS               created 2026-12-01T00:00:00Z',
      "  a rotation has not finished: version v2 is AWSPENDING (see the rotation Lambda's log; --clear-pending frees it)",
    ]);
    expect(secret.rotateCalls).toBe(0);
  });

  test('--clear-pending takes AWSPENDING off the stuck version only; then a rotation can start', async () => {
    secret.stages.stuck = ['AWSPENDING'];
    const cleared = await run(['dev', CLIENT, '--clear-pending'], secret);
    expect(cleared.code).toBe(0);
    expect(secret.mock.commandCalls(UpdateSecretVersionStageCommand).map((c) => c.args[0].input)).toEqual([
      { SecretId: SECRET, VersionStage: 'AWSPENDING', RemoveFromVersionId: 'stuck' },
    ]);
    expect(secret.stages).toEqual({ v0: ['AWSCURRENT'], stuck: [] });
    expect((await run(['dev', CLIENT], secret)).code).toBe(0);
  });

  test('--clear-pending with nothing pending changes nothing', async () => {
    const result = await run(['dev', CLIENT, '--clear-pending'], secret);
    expect(result.code).toBe(0);
    expect(result.out).toContain('no unfinished rotation; nothing to clear');
    expect(secret.mock.commandCalls(UpdateSecretVersionStageCommand)).toHaveLength(0);
  });
});

describe('arguments', () => {
  test('--help prints the usage', async () => {
    const result = await run(['--help'], secret);
    expect(result).toMatchObject({ code: 0, out: USAGE });
  });

  test.each([
    [[], 'name the environment and the client'],
    [['dev'], 'name the environment and the client'],
    [['dev', CLIENT, 'other'], 'one client at a time'],
    [['nowhere', CLIENT], 'no environment "nowhere"; the config declares dev, staging, prod'],
    [['dev', 'nobody'], `unknown client "nobody" in dev; known clients: ${dev.m2mClients.map((c) => c.name).join(', ')}`],
    [['dev', 'a'.repeat(26)], 'name the client as the config does, not by its app client id'],
    [['dev', CLIENT, '--status', '--clear-pending'], '--status or --clear-pending, not both'],
    [['dev', CLIENT, '--status', '--retire-previous'], '--status does not rotate'],
    [['dev', CLIENT, '--port', '9000'], '--port goes with --local'],
    [['dev', CLIENT, '--wait-seconds', '0'], '--wait-seconds must be a whole number of seconds, at least 1; received "0"'],
    [['dev', CLIENT, '--local', '--port', 'x'], '--port must be a port number (1-65535); received "x"'],
    [['dev', CLIENT, '--bogus'], "Unknown option '--bogus'"],
  ])('%j: exit 2 with the reason and the usage', async (argv, message) => {
    const result = await run(argv as string[], secret);
    expect(result.code).toBe(2);
    expect(result.err).toContain(message);
    expect(result.err).toContain('Usage: npm run rotate');
    expect(secret.mock.calls()).toHaveLength(0);
  });
});
