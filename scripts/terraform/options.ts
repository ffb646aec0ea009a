/**
 * The command line of `npm run validate`: its usage text and the parser that turns argv into
 * {@link ValidateOptions} or a {@link UsageError} naming the bad option.
 */

/** Everything `npm run validate` can be told. */
export interface ValidateOptions {
  readonly help: boolean;
  /** @default - every stack the app synthesizes */
  readonly stacks?: readonly string[];
  /** @default - plans are not kept */
  readonly plansDir?: string;
  /** @default false */
  readonly hcl: boolean;
  /** @default 2 */
  readonly jobs: number;
  /** @default false */
  readonly keepWorkdir: boolean;
  /** @default false */
  readonly skipIfUnavailable: boolean;
}

/** A bad command line; the CLI prints the message and the usage and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const USAGE = `Usage: npm run validate [-- <options>]

Synthesizes the app into a temporary directory and asks Terraform, offline, about every stack:
terraform init, validate, plan -refresh=false and show -json, in a temporary copy with local state,
dummy AWS credentials, caller identity replaced by a literal account id, and the AWS provider
version of the provider mirror. Nothing reaches AWS; ./cdktf.out is not touched.

Options:
  --stacks <a,b>          Only these stacks (default: every stack the app synthesizes)
  --plans-dir <dir>       Keep each stack's plan as <dir>/<stack>.plan.json (terraform show -json)
  --hcl                   Check the HCL synth (cdktf synth --hcl) instead: terraform fmt -check
                          and terraform validate, no plan
  --jobs <n>              Stacks checked at the same time (default 2)
  --keep-workdir          Keep the temporary directory and print its path
  --skip-if-unavailable   Print a SKIPPED line and exit 0 when terraform is not on PATH, or when
                          there is no provider mirror and the registry is unreachable (CI)
  --help                  Print this message

Environment:
  TF_PROVIDER_MIRROR      A -plugin-dir provider mirror: terraform init runs offline from it.
                          Unset: terraform init installs the pinned provider from the registry.
  M2M_AUTH_CONFIG, M2M_AUTH_STATE_*, M2M_AUTH_TFC_*
                          Apply to the synth, as they do to npm run synth.

Output: one line per stack on stdout, terraform's diagnostics indented below it, then a summary
line; progress goes to stderr. Exit status: 0 every stack passed (or SKIPPED), 1 a stack failed or
terraform is missing, 2 bad options.`;

const STACK_NAME = /^[a-z0-9][a-z0-9-]*$/;

/**
 * Parses the arguments after `npm run validate --`. Accepts `--option value` and `--option=value`.
 *
 * @example
 * parseOptions(['--stacks', 'dev,prod', '--jobs=1']); // { stacks: ['dev', 'prod'], jobs: 1, ... }
 */
export function parseOptions(argv: readonly string[]): ValidateOptions {
  const options: { -readonly [K in keyof ValidateOptions]: ValidateOptions[K] } = {
    help: false,
    hcl: false,
    jobs: 2,
    keepWorkdir: false,
    skipIfUnavailable: false,
  };
  const flags: Record<string, () => void> = {
    '--help': () => (options.help = true),
    '-h': () => (options.help = true),
    '--hcl': () => (options.hcl = true),
    '--keep-workdir': () => (options.keepWorkdir = true),
    '--skip-if-unavailable': () => (options.skipIfUnavailable = true),
  };
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = argv[i].startsWith('--') && argv[i].includes('=') ? [argv[i].slice(0, argv[i].indexOf('=')), argv[i].slice(argv[i].indexOf('=') + 1)] : [argv[i], undefined];
    if (flags[name]) {
      if (inline !== undefined) throw new UsageError(`${name}: takes no value; received "${inline}"`);
      flags[name]();
      continue;
    }
    const value = (): string => {
      const next = inline ?? argv[++i];
      if (next === undefined || next === '' || (inline === undefined && next.startsWith('--'))) throw new UsageError(`${name}: needs a value`);
      return next;
    };
    switch (name) {
      case '--stacks':
        options.stacks = parseStacks(value());
        break;
      case '--plans-dir':
        options.plansDir = value();
        break;
      case '--jobs':
        options.jobs = parseJobs(value());
        break;
      default:
        throw new UsageError(name.startsWith('-') ? `unknown option ${name}` : `unexpected argument "${name}": stacks are chosen with --stacks ${name}`);
    }
  }
  if (options.hcl && options.plansDir !== undefined) throw new UsageError('--plans-dir: the HCL check does not plan; drop --plans-dir or --hcl');
  return options;
}

function parseStacks(text: string): string[] {
  const stacks = text.split(',').map((s) => s.trim());
  const bad = stacks.find((s) => !STACK_NAME.test(s));
  if (bad !== undefined) throw new UsageError(`--stacks: must be stack names separated by commas, e.g. dev,prod; received "${text}"`);
  return [...new Set(stacks)];
}

function parseJobs(text: string): number {
  const jobs = Number(text);
  if (!/^\d+$/.test(text) || jobs < 1 || jobs > 16) throw new UsageError(`--jobs: must be a whole number from 1 to 16; received "${text}"`);
  return jobs;
}
