import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

/** Inside the project, so a bundle's external `@aws-sdk/*` requires resolve from its node_modules. */
const BUNDLE_DIR = path.resolve(__dirname, '..', 'node_modules', '.cache', 'm2m-auth-bundles');
let starts = 0;

/** A bundled Lambda running in a worker thread of its own. */
export interface BundledLambda {
  /** Calls the handler with `event` (and a minimal context); a thrown error rejects with an Error carrying its name and message. */
  invoke(event: unknown): Promise<unknown>;
  /** Terminates the worker; invocations still running reject. */
  stop(): Promise<void>;
}

interface ErrorShape {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
}

type WorkerMessage =
  | { readonly kind: 'ready' }
  | { readonly kind: 'init-failed'; readonly error: ErrorShape }
  | { readonly kind: 'result'; readonly id: number; readonly result: unknown }
  | { readonly kind: 'error'; readonly id: number; readonly error: ErrorShape };

// Plain CommonJS, run with `eval`: the bundle's module loads once, the handler answers one message per invocation.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { randomUUID } = require('node:crypto');
const fs = require('node:fs');
const shape = (error) => error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : { name: 'Error', message: String(error) };
let handler;
try {
  handler = require(workerData.file).handler;
  if (typeof handler !== 'function') throw new Error('the bundle exports no handler function');
  parentPort.postMessage({ kind: 'ready' });
} catch (error) {
  parentPort.postMessage({ kind: 'init-failed', error: shape(error) });
} finally {
  fs.rmSync(workerData.file, { force: true });
}
parentPort.on('message', async ({ id, event }) => {
  const started = Date.now();
  const context = {
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME || 'local',
    functionVersion: '$LATEST',
    memoryLimitInMB: '128',
    awsRequestId: randomUUID(),
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, 60000 - (Date.now() - started)),
  };
  try {
    const result = await handler(event, context);
    parentPort.postMessage({ kind: 'result', id, result });
  } catch (error) {
    parentPort.postMessage({ kind: 'error', id, error: shape(error) });
  }
});
`;

function errorOf(shape: ErrorShape): Error {
  const error = new Error(shape.message);
  error.name = shape.name;
  if (shape.stack) error.stack = shape.stack;
  return error;
}

/**
 * Runs a bundled Lambda (the exact code synth deploys) in a `worker_threads` Worker whose
 * `process.env` is `env` and nothing else, as a Lambda sees only its configuration: an AWS SDK client
 * that the bundle builds at module load finds its endpoints, region and credentials there, and the
 * parent's `process.env` is never touched. The bundle's `@aws-sdk/*` requires resolve from the
 * project's node_modules. Its output goes to this process's stdout and stderr.
 *
 * @example
 * const rotation = startBundledLambda(bundleSecretRotation().code, { AWS_REGION: 'eu-west-1', ... });
 * await rotation.invoke({ SecretId: arn, ClientRequestToken: token, Step: 'createSecret' });
 * await rotation.stop();
 */
export function startBundledLambda(code: string, env: Readonly<Record<string, string | undefined>>): BundledLambda {
  fs.mkdirSync(BUNDLE_DIR, { recursive: true });
  const digest = createHash('sha256').update(code).digest('hex').slice(0, 16);
  const file = path.join(BUNDLE_DIR, `${digest}-${process.pid}-worker-${++starts}.js`);
  fs.writeFileSync(file, code);
  const workerEnv = Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
  const worker = new Worker(WORKER_SOURCE, { eval: true, env: workerEnv, workerData: { file } });

  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let invocations = 0;
  let gone: Error | undefined;
  let markReady!: () => void;
  let markFailed!: (error: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    markFailed = reject;
  });
  ready.catch(() => undefined); // reported to the invocations that wait for it

  const failAll = (error: Error) => {
    gone ??= error;
    markFailed(error);
    for (const { reject } of pending.values()) reject(error);
    pending.clear();
  };
  worker.on('message', (message: WorkerMessage) => {
    if (message.kind === 'ready') return markReady();
    if (message.kind === 'init-failed') return failAll(errorOf(message.error));
    const waiting = pending.get(message.id);
    pending.delete(message.id);
    if (message.kind === 'result') waiting?.resolve(message.result);
    else waiting?.reject(errorOf(message.error));
  });
  worker.on('error', (error: Error) => failAll(error));
  worker.on('exit', (exitCode: number) => {
    fs.rmSync(file, { force: true });
    failAll(new Error(`the Lambda worker stopped (exit code ${exitCode})`));
  });

  return {
    async invoke(event: unknown): Promise<unknown> {
      await ready;
      if (gone) throw gone;
      const id = ++invocations;
      return new Promise<unknown>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, event });
      });
    },
    async stop(): Promise<void> {
      await worker.terminate();
    },
  };
}
