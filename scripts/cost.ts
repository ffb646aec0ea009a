/**
 * `npm run cost -- [<env>]`: each environment's monthly cost from its synthesized stack and stated
 * traffic (scripts/cost/cli.ts); `npm run cost -- --help` prints the options.
 */
import { main } from './cost/cli';

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`cost: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
}
