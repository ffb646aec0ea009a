/**
 * `npm run plan-guard -- <plan.json> [--allow <file>] [--allow-label]`: blocks a plan that would
 * delete or replace a protected resource. The work is in scripts/pipeline/plan-guard-cli.ts;
 * `npm run plan-guard -- --help` prints the options.
 */
import { main } from './pipeline/plan-guard-cli';

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`plan-guard: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 2;
}
