/**
 * m2m-auth: one stack per environment in config/environments.ts, its pipeline-access stack where the
 * environment declares `pipeline`, plus the state-bootstrap stack.
 * The whole config is validated before any stack is built, so a bad config writes nothing.
 */
import * as path from 'node:path';
import { App } from 'cdktf';
import { ConfigValidationError, configNotes, configWarnings, loadEnvironments } from './lib/config';
import { M2mAuthStack, PipelineAccessStack, STATE_BOOTSTRAP_STACK, StateBootstrapStack, stateBucketsOf } from './lib/stacks';
import { formatHcl, removeStaleStackFiles, unquoteHclReferences } from './lib/terraform';

function main(): void {
  const environments = loadEnvironments();
  const buckets = stateBucketsOf(environments);
  for (const warning of configWarnings(environments)) console.error(`warning: ${warning}`);
  for (const note of configNotes(environments)) console.error(`note: ${note}`);

  const app = new App();
  for (const config of environments) {
    const environmentStack = new M2mAuthStack(app, { config });
    if (config.pipeline) new PipelineAccessStack(app, { config, environmentStack });
  }
  new StateBootstrapStack(app, STATE_BOOTSTRAP_STACK, {
    buckets,
    stateFile: path.resolve(__dirname, `terraform.${STATE_BOOTSTRAP_STACK}.tfstate`),
    tags: { Project: 'm2m-auth', ManagedBy: 'cdktf' },
  });
  app.synth();

  removeStaleStackFiles(app.outdir, app.hclOutput);
  if (app.hclOutput) {
    unquoteHclReferences(app.outdir);
    const result = formatHcl(app.outdir);
    if (!result.formatted) console.error(`warning: HCL left unformatted: ${result.reason}`);
  }
}

try {
  main();
} catch (error) {
  if (!(error instanceof ConfigValidationError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}
