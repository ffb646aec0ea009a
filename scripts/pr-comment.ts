/**
 * The pull request's plan comment: renders it from each environment's plan-job output and, with
 * `--post`, creates or updates it on the pull request. The work is in
 * scripts/pipeline/pr-comment-cli.ts; `--help` prints the options.
 */
import { main } from './pipeline/pr-comment-cli';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: Error) => {
    process.stderr.write(`pr-comment: ${error.stack ?? error.message}\n`);
    process.exitCode = 1;
  },
);
