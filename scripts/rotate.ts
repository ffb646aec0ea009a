/**
 * `npm run rotate -- <env> <client>`: rotates a client secret now and waits for it (scripts/rotate/cli.ts);
 * `npm run rotate -- --help` prints the options.
 */
import { main } from './rotate/cli';

main(process.argv.slice(2)).then(
  (status) => (process.exitCode = status),
  (error: unknown) => {
    process.stderr.write(`rotate: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
