import { startBundledLambda, type BundledLambda } from '../../sandbox/lambda-worker';

/** A "bundle" as esbuild writes one: CommonJS, `@aws-sdk/*` left external. */
const ECHO_ENV = `
const { SecretsManagerClient } = require('@aws-sdk/client-secrets-manager');
const client = new SecretsManagerClient({});
exports.handler = async (event) => {
  if (event.fail) throw new TypeError('the handler refused: ' + event.fail);
  return {
    endpoint: process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER,
    parentOnly: process.env.M2M_SANDBOX_PARENT_ONLY ?? null,
    region: await client.config.region(),
    event,
  };
};
`;

/** This machine's Node.js is older than the SDK would like; the deployed function's is not. */
const QUIET = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };

describe('startBundledLambda', () => {
  let lambda: BundledLambda | undefined;
  afterEach(async () => {
    await lambda?.stop();
    lambda = undefined;
    delete process.env.M2M_SANDBOX_PARENT_ONLY;
  });

  test('the handler sees its own env (the SDK finds its region there) and nothing of the parent, whose env is unchanged', async () => {
    // GIVEN
    process.env.M2M_SANDBOX_PARENT_ONLY = 'parent';
    const parentEnv = { ...process.env };
    // WHEN
    lambda = startBundledLambda(ECHO_ENV, { ...QUIET, AWS_REGION: 'eu-central-1', AWS_ENDPOINT_URL_SECRETS_MANAGER: 'http://127.0.0.1:1', UNSET: undefined });
    const result = await lambda.invoke({ n: 1 });
    // THEN
    expect(result).toEqual({ endpoint: 'http://127.0.0.1:1', parentOnly: null, region: 'eu-central-1', event: { n: 1 } });
    expect(process.env).toEqual(parentEnv);
    expect(process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER).toBeUndefined();
  });

  test('invocations run one module instance, one after another or at once', async () => {
    lambda = startBundledLambda('let calls = 0; exports.handler = async () => ++calls;', {});
    expect(await Promise.all([lambda.invoke({}), lambda.invoke({}), lambda.invoke({})])).toEqual([1, 2, 3]);
  });

  test('fails when the handler throws: invoke rejects with an Error of its name and message', async () => {
    lambda = startBundledLambda(ECHO_ENV, { ...QUIET, AWS_REGION: 'eu-west-1' });
    const error = await lambda.invoke({ fail: 'no' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: 'TypeError', message: 'the handler refused: no' });
    // the worker lives on
    expect(await lambda.invoke({})).toMatchObject({ region: 'eu-west-1' });
  });

  test('fails when the module throws at load: every invocation rejects with that error', async () => {
    lambda = startBundledLambda("throw new RangeError('Environment variable USER_POOL_ID is required');", {});
    await expect(lambda.invoke({})).rejects.toMatchObject({ name: 'RangeError', message: 'Environment variable USER_POOL_ID is required' });
    await expect(lambda.invoke({})).rejects.toThrow('USER_POOL_ID');
  });

  test('fails when the bundle has no handler', async () => {
    lambda = startBundledLambda('exports.other = 1;', {});
    await expect(lambda.invoke({})).rejects.toThrow('the bundle exports no handler function');
  });

  test('fails after stop: invoke rejects', async () => {
    const stopped = startBundledLambda('exports.handler = async () => 1;', {});
    expect(await stopped.invoke({})).toBe(1);
    await stopped.stop();
    await expect(stopped.invoke({})).rejects.toThrow('the Lambda worker stopped');
  });
});
