/**
 * m2m-auth: one stack per environment in config/environments.ts, plus the state-bootstrap stack.
 * The whole config is validated before any stack is built, so a bad config writes nothing.
 */
import { App } from 'cdktf';
import { ConfigValidationError, loadEnvironments } from './lib/config/load';
import { M2mAuthStack } from './lib/m2m-auth-stack';
import { STATE_BOOTSTRAP_STACK, StateBootstrapStack, stateBucketsOf } from './lib/state-bootstrap-stack';

function main(): void {
  const environments = loadEnvironments();
  const buckets = stateBucketsOf(environments);

  const app = new App();
  for (const config of environments) new M2mAuthStack(app, { config });
  new StateBootstrapStack(app, STATE_BOOTSTRAP_STACK, { buckets, tags: { Project: 'm2m-auth', ManagedBy: 'cdktf' } });
  app.synth();
}

try {
  main();
} catch (error) {
  if (!(error instanceof ConfigValidationError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}
