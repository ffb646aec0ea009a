/**
 * `npm run validate`: Terraform's own verdict on every synthesized stack, offline (terraform init,
 * validate, plan -refresh=false in a temporary copy). The work is in scripts/terraform/cli.ts;
 * `npm run validate -- --help` prints the options.
 */
import { main } from './terraform/cli';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: Error) => {
    process.stderr.write(`validate: ${error.stack ?? error.message}\n`);
    process.exitCode = 1;
  },
);
