/**
 * `npm run rotate -- <env> <client>`: rotates one client's secret now, through the same rotation
 * Lambda and the same four steps as the schedule (lambdas/secret-rotation), and waits until the new
 * secret is AWSCURRENT; `--retire-previous` rotates twice, so the secret that was current before (a
 * leaked one) is deleted from Cognito; `--status` shows the rotation state; `--clear-pending` frees a
 * rotation that failed half-way. Against AWS, or with `--local` against the sandbox's local Secrets
 * Manager (`npm run local`), with the same code.
 */
import {
  DescribeSecretCommand,
  type DescribeSecretCommandOutput,
  ListSecretVersionIdsCommand,
  type ListSecretVersionIdsCommandOutput,
  RotateSecretCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import type { EnvironmentConfig } from '../../lib/config/schema';
import { ResourceNaming } from '../../lib/terraform/naming';
import { consoleIo, type CliIo, environmentNamed, parseCommandLine } from '../cli-io';

export const DEFAULT_WAIT_SECONDS = 180;
export const DEFAULT_LOCAL_PORT = 8787;

export const USAGE = `Usage: npm run rotate -- <environment> <client> [--retire-previous] [--wait-seconds ${DEFAULT_WAIT_SECONDS}]
       npm run rotate -- <environment> <client> --status
       npm run rotate -- <environment> <client> --clear-pending
       (each with [--local [--port ${DEFAULT_LOCAL_PORT}]])

Rotates <client>'s secret now, with the same rotation Lambda and steps as the schedule
(secretRotationDays): Cognito gets a second secret for the same client id, a real token is fetched
with it, then the secret <namePrefix>/<environment>/m2m/<client> holds it as AWSCURRENT. Waits until
then and says so. The previous secret keeps working until the next rotation, so callers never fail;
the token client reads the secret again when the old one is refused (invalid_client).

  <client>            a client name from the config (m2mClients[].name)
  --retire-previous   rotate twice: the second rotation deletes the secret that was current before
                      this command from Cognito (a leaked secret stops working at once; callers
                      holding it get invalid_client and read the secret again)
  --wait-seconds <n>  how long to wait for each rotation; default ${DEFAULT_WAIT_SECONDS}
  --status            print the rotation schedule, the last and next rotation and every version
  --clear-pending     take AWSPENDING off a version whose rotation failed half-way (its log says
                      why), so that a new rotation can start; the next rotation removes the extra
                      Cognito secret such a failure may leave
  --local             the sandbox's local Secrets Manager (npm run local) on 127.0.0.1:<port>
  --port <port>       with --local; default ${DEFAULT_LOCAL_PORT}
  --help              print this message

AWS credentials and region: the usual AWS SDK chain (AWS_PROFILE, ...); the region defaults to the
environment's. Needs secretsmanager:DescribeSecret and secretsmanager:RotateSecret on the secret and
lambda:InvokeFunction on <namePrefix>-<environment>-secret-rotation; --status also
secretsmanager:ListSecretVersionIds, --clear-pending secretsmanager:UpdateSecretVersionStage.
It never reads a secret value.
Exit status: 0 done, 1 failed (AWS, rotation failed or not finished in time, a rotation already
pending), 2 bad arguments, unknown environment or unknown client.`;

/** The part of a Secrets Manager client the command uses (the SDK's client fits; tests mock it). */
export interface SecretsManagerLike {
  send(command: DescribeSecretCommand): Promise<DescribeSecretCommandOutput>;
  send(command: ListSecretVersionIdsCommand): Promise<ListSecretVersionIdsCommandOutput>;
  send(command: RotateSecretCommand): Promise<{ VersionId?: string }>;
  send(command: UpdateSecretVersionStageCommand): Promise<unknown>;
}

export interface RotateDeps {
  readonly env?: NodeJS.ProcessEnv;
  /** The Secrets Manager client (tests pass a mocked one); default one for AWS or for --local. */
  readonly secretsManager?: SecretsManagerLike;
  /** Waits between polls; default a real timer. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Milliseconds on a monotonic clock; default performance.now. */
  readonly clock?: () => number;
  /** Poll interval; default 2000 ms (250 ms with --local). */
  readonly pollMs?: number;
}

/** A problem that is not the arguments' fault (exit 1, no usage text). */
class RotateError extends Error {}

type Stages = Record<string, string[]>;

/** The secret and function names the stack gives, from the config (lib/terraform/naming.ts). */
export function rotationNames(config: EnvironmentConfig, client: string): { secretId: string; functionName: string } {
  const naming = new ResourceNaming(config.namePrefix, config.name);
  return { secretId: naming.path('m2m', client), functionName: naming.name('secret-rotation') };
}

function holderOf(stages: Stages, stage: string): string | undefined {
  return Object.entries(stages).find(([, labels]) => labels.includes(stage))?.[0];
}

/** The version whose rotation has not finished: AWSPENDING on a version that is not AWSCURRENT. */
function pendingVersion(stages: Stages): string | undefined {
  return Object.entries(stages).find(([, labels]) => labels.includes('AWSPENDING') && !labels.includes('AWSCURRENT'))?.[0];
}

function day(date: Date | undefined): string {
  return date ? date.toISOString().replace(/\.\d{3}Z$/, 'Z') : 'never';
}

/**
 * Runs the command with `argv` (the arguments after `--`); resolves with the exit status.
 *
 * @example
 * process.exitCode = await main(['prod', 'reporting', '--retire-previous']);
 */
export async function main(argv: readonly string[], io: CliIo = consoleIo, deps: RotateDeps = {}): Promise<number> {
  const env = deps.env ?? process.env;
  const parsed = parseCommandLine(
    io,
    argv,
    {
      'retire-previous': { type: 'boolean' },
      'wait-seconds': { type: 'string' },
      status: { type: 'boolean' },
      'clear-pending': { type: 'boolean' },
      local: { type: 'boolean' },
      port: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    USAGE,
    (message) => usageError(io, message),
  );
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const [envName, target, ...rest] = positionals;
  if (envName === undefined || target === undefined) return usageError(io, 'name the environment and the client, e.g. npm run rotate -- dev reporting');
  if (rest.length > 0) return usageError(io, `one client at a time; received ${positionals.slice(1).join(', ')}`);
  const modes = [values.status && '--status', values['clear-pending'] && '--clear-pending'].filter(Boolean);
  if (modes.length > 1) return usageError(io, '--status or --clear-pending, not both');
  if (modes.length === 1 && (values['retire-previous'] || values['wait-seconds'] !== undefined)) return usageError(io, `${modes[0]} does not rotate: it takes no --retire-previous or --wait-seconds`);
  if (values.port !== undefined && !values.local) return usageError(io, '--port goes with --local');
  const waitSeconds = values['wait-seconds'] === undefined ? DEFAULT_WAIT_SECONDS : Number(values['wait-seconds']);
  if (!Number.isInteger(waitSeconds) || waitSeconds < 1) return usageError(io, `--wait-seconds must be a whole number of seconds, at least 1; received ${JSON.stringify(values['wait-seconds'])}`);
  const port = values.port === undefined ? DEFAULT_LOCAL_PORT : Number(values.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return usageError(io, `--port must be a port number (1-65535); received ${JSON.stringify(values.port)}`);

  const config = environmentNamed(io, env, envName, (message) => usageError(io, message));
  if (typeof config === 'number') return config;
  const names = config.m2mClients.map((client) => client.name);
  if (!names.includes(target)) {
    const hint = /^[a-z0-9]{20,128}$/.test(target) ? ' (name the client as the config does, not by its app client id)' : '';
    return usageError(io, `unknown client "${target}" in ${config.name}${hint}; known clients: ${names.join(', ') || 'none'}`);
  }

  const { secretId, functionName } = rotationNames(config, target);
  const where = values.local ? `the sandbox on 127.0.0.1:${port}` : `${config.name} (${env.AWS_REGION ?? config.region})`;
  const secretsManager =
    deps.secretsManager ??
    (values.local
      ? new SecretsManagerClient({ endpoint: `http://127.0.0.1:${port}`, region: config.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 })
      : new SecretsManagerClient({ region: env.AWS_REGION ?? config.region }));
  // The sandbox rotates in milliseconds; AWS in seconds (testSecret alone may wait up to 15 s).
  const rotation = new Rotation(secretsManager, secretId, io, { pollMs: values.local ? 250 : 2000, ...deps });

  try {
    if (values.status) return await rotation.status(where);
    if (values['clear-pending']) return await rotation.clearPending(where);
    const before = await rotation.describe();
    const wasCurrent = holderOf(before.stages, 'AWSCURRENT');
    const rounds = values['retire-previous'] ? 2 : 1;
    for (let round = 1; round <= rounds; round++) {
      const label = rounds > 1 ? ` (${round} of ${rounds})` : '';
      await rotation.rotate(waitSeconds, functionName, label, values.local ? 'the sandbox\'s output' : `its log group /aws/lambda/${functionName}`);
    }
    const after = await rotation.describe();
    const current = holderOf(after.stages, 'AWSCURRENT');
    const next = after.nextRotation ? `; the next scheduled rotation is due around ${day(after.nextRotation)}` : '';
    io.out(
      values['retire-previous']
        ? `${where}: ${target}'s secret is rotated twice: AWSCURRENT is version ${current}; the secret that was current before (version ${wasCurrent}) is deleted from Cognito and no longer works${next}.\nCallers still holding it get invalid_client: the token client reads the secret again and goes on; others must read it again (or restart).`
        : `${where}: ${target}'s secret is rotated: AWSCURRENT is version ${current} (was ${wasCurrent}). The previous secret keeps working until the next rotation${next}.\nTo make the previous secret stop working now (a leak), run this again with --retire-previous, or rotate once more.`,
    );
    return 0;
  } catch (error) {
    if (error instanceof RotateError) {
      io.err(`rotate: ${error.message}`);
      return 1;
    }
    const name = (error as { name?: string }).name;
    if (name === 'ResourceNotFoundException') {
      io.err(`rotate: ${where}: no secret ${secretId}: deploy ${config.name} first${values.local ? ' (or start the sandbox: npm run local -- --env ' + config.name + ')' : ''}`);
      return 1;
    }
    if ((error as NodeJS.ErrnoException).code === 'ECONNREFUSED' || /ECONNREFUSED/.test(String((error as Error).message))) {
      io.err(`rotate: nothing answers on 127.0.0.1:${port}: start the sandbox first (npm run local -- --env ${config.name}) or pass its --port`);
      return 1;
    }
    io.err(`rotate: ${where}: ${name ? `${name}: ` : ''}${(error as Error).message}`);
    return 1;
  }
}

/** One secret's rotation state and the calls that change it. */
class Rotation {
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly clock: () => number;
  private readonly pollMs: number;

  constructor(
    private readonly client: SecretsManagerLike,
    private readonly secretId: string,
    private readonly io: CliIo,
    deps: RotateDeps,
  ) {
    this.sleep = deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.clock = deps.clock ?? (() => performance.now());
    this.pollMs = deps.pollMs ?? 2000;
  }

  async describe(): Promise<{ enabled: boolean; days?: number; lastRotated?: Date; nextRotation?: Date; stages: Stages; arn?: string }> {
    const out = await this.client.send(new DescribeSecretCommand({ SecretId: this.secretId }));
    return {
      enabled: out.RotationEnabled === true,
      days: out.RotationRules?.AutomaticallyAfterDays,
      lastRotated: out.LastRotatedDate,
      nextRotation: out.NextRotationDate,
      stages: (out.VersionIdsToStages ?? {}) as Stages,
      arn: out.ARN,
    };
  }

  async status(where: string): Promise<number> {
    const secret = await this.describe();
    const listed = await this.client.send(new ListSecretVersionIdsCommand({ SecretId: this.secretId }));
    const created = new Map((listed.Versions ?? []).map((v) => [v.VersionId, v.CreatedDate]));
    const pending = pendingVersion(secret.stages);
    const lines = [
      `${where}: ${this.secretId}`,
      `  rotation      ${secret.enabled ? `every ${secret.days ?? '?'} days` : 'not configured (deploy this version of the stack)'}`,
      `  last rotated  ${day(secret.lastRotated)}`,
      `  next rotation ${secret.enabled ? day(secret.nextRotation) : '-'}`,
      '  versions:',
      ...Object.entries(secret.stages)
        .sort(([a], [b]) => (created.get(b)?.getTime() ?? 0) - (created.get(a)?.getTime() ?? 0))
        .map(([id, labels]) => `    ${id}  ${labels.join(', ').padEnd(24)}  created ${day(created.get(id))}`),
    ];
    if (pending) lines.push(`  a rotation has not finished: version ${pending} is AWSPENDING (see the rotation Lambda's log; --clear-pending frees it)`);
    this.io.out(lines.join('\n'));
    return 0;
  }

  async clearPending(where: string): Promise<number> {
    const { stages } = await this.describe();
    const pending = pendingVersion(stages);
    if (!pending) {
      this.io.out(`${where}: ${this.secretId}: no unfinished rotation; nothing to clear`);
      return 0;
    }
    await this.client.send(new UpdateSecretVersionStageCommand({ SecretId: this.secretId, VersionStage: 'AWSPENDING', RemoveFromVersionId: pending }));
    this.io.out(`${where}: ${this.secretId}: AWSPENDING taken off version ${pending}; a new rotation can start (npm run rotate). AWSCURRENT is unchanged, callers are unaffected.`);
    return 0;
  }

  /** Starts one rotation and waits until its version is AWSCURRENT; throws a RotateError otherwise. */
  async rotate(waitSeconds: number, functionName: string, label: string, logs: string): Promise<void> {
    const secret = await this.describe();
    if (!secret.enabled) throw new RotateError(`${this.secretId}: rotation is not configured: deploy this version of the stack first (it adds the rotation Lambda ${functionName})`);
    const stuck = pendingVersion(secret.stages);
    if (stuck) {
      throw new RotateError(
        `${this.secretId}: a rotation has not finished (version ${stuck} is AWSPENDING). If it is still running, wait; if ${logs} shows it failed, fix the cause, run --clear-pending, then rotate again.`,
      );
    }
    const started = this.clock();
    const { VersionId: version } = await this.client.send(new RotateSecretCommand({ SecretId: this.secretId, RotateImmediately: true }));
    if (!version) throw new RotateError(`${this.secretId}: RotateSecret answered without a version id`);
    this.io.err(`rotation${label} started: version ${version} (createSecret, setSecret, testSecret, finishSecret)`);
    let reported = 0;
    for (;;) {
      await this.sleep(this.pollMs);
      const elapsed = (this.clock() - started) / 1000;
      const { stages } = await this.describe();
      const labels = stages[version];
      if (labels?.includes('AWSCURRENT')) {
        this.io.err(`rotation${label} finished in ${elapsed.toFixed(1)} s: version ${version} is AWSCURRENT`);
        return;
      }
      if (!labels?.includes('AWSPENDING')) {
        throw new RotateError(`${this.secretId}: rotation${label} of version ${version} stopped without finishing (it is no longer AWSPENDING); see ${logs}`);
      }
      if (elapsed >= waitSeconds) {
        throw new RotateError(
          `${this.secretId}: rotation${label} of version ${version} did not finish within ${waitSeconds} s; AWSCURRENT is unchanged, so callers are unaffected. See ${logs}; when it shows a failure, fix the cause, run --clear-pending and rotate again.`,
        );
      }
      if (elapsed - reported >= 10) {
        reported = elapsed;
        this.io.err(`waiting for version ${version}: ${Math.round(elapsed)} s`);
      }
    }
  }
}

function usageError(io: CliIo, message: string): number {
  io.err(`rotate: ${message}\n\n${USAGE}`);
  return 2;
}
