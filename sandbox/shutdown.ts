/**
 * How the sandbox process ends: on SIGINT, SIGTERM or SIGHUP, and when it is orphaned (its parent
 * died), it stops the sandbox (the server lets go of its port, the rotation Lambda's worker thread
 * ends) and exits. Orphaning matters under `npm run local`: npm forwards SIGTERM to the `sh -c` that
 * runs the sandbox, the shell dies, and nothing would tell the sandbox.
 */

/** How long a stop may take before the process exits anyway. */
const STOP_DEADLINE_MS = 5000;
/** How often the parent is checked. */
const PARENT_POLL_MS = 200;
/** The parent as this module loads: import it first, so that a parent that dies during start-up counts. */
const PARENT_AT_LOAD = process.ppid;

export interface ShutdownOptions {
  /** Stops what the process runs; the process exits when it settles. */
  readonly stop: () => Promise<void>;
  /** Told why the process stops: `SIGTERM`, `parent process exited`. */
  readonly log: (reason: string) => void;
  /** @default process.exit */
  readonly exit?: (code: number) => void;
  /** The parent whose end stops the process. @default - the parent when this module loaded */
  readonly parentPid?: number;
}

/**
 * Installs the handlers. A second signal while stopping exits at once.
 *
 * @example
 * stopOnSignalOrOrphaning({ stop: () => sandbox.stop(), log: (why) => console.error(`${why}: stopping`) });
 */
export function stopOnSignalOrOrphaning(options: ShutdownOptions): void {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let stopping = false;
  const stop = (reason: string, code: number) => {
    if (stopping) return exit(code);
    stopping = true;
    options.log(reason);
    setTimeout(() => exit(1), STOP_DEADLINE_MS).unref();
    options.stop().then(
      () => exit(code),
      () => exit(1),
    );
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => stop(signal, 0));

  const parent = options.parentPid ?? PARENT_AT_LOAD;
  // Under `npm run` the parent is npm's shell, never init: init as the parent means the shell died
  // before this module loaded. Otherwise a process that init started has no parent to lose.
  const startedByNpm = process.env.npm_lifecycle_event !== undefined;
  if (parent > 1 || startedByNpm) {
    const orphaned = () => process.ppid !== parent || (startedByNpm && process.ppid <= 1);
    if (orphaned()) stop('parent process exited', 0);
    else {
      setInterval(() => {
        if (orphaned()) stop('parent process exited', 0);
      }, PARENT_POLL_MS).unref();
    }
  }
}
