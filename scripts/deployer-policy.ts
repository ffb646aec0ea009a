/**
 * `npm run deployer-policy -- <env>`: the IAM policy a pipeline needs to deploy one environment
 * (scripts/deployer-policy/cli.ts); `npm run deployer-policy -- --help` prints the options.
 */
import { main } from './deployer-policy/cli';

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`deployer-policy: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
}
