/**
 * Seals a planned stack directory for the apply job, and opens it there (KMS envelope encryption:
 * a saved plan holds the state's secrets). The work is in scripts/pipeline/sealed-plan-cli.ts;
 * `--help` prints the usage.
 */
import { main } from './pipeline/sealed-plan-cli';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: Error) => {
    process.stderr.write(`sealed-plan: ${error.stack ?? error.message}\n`);
    process.exitCode = 1;
  },
);
