/**
 * `npm run revoke -- <env> <client>`: revocation deny-list edits (scripts/revoke/cli.ts);
 * `npm run revoke -- --help` prints the options.
 */
import { main } from './revoke/cli';

main(process.argv.slice(2)).then(
  (status) => (process.exitCode = status),
  (error: unknown) => {
    process.stderr.write(`revoke: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
