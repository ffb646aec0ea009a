/**
 * Lambda entry of the dual-token authorizer. Everything expensive happens once, at module load:
 * settings, route table, verifier, and the requests for the JWKS, the deny-list and the client
 * registry, which are sent during init so that the first request finds them on their way. A
 * misconfiguration never throws: every request is then denied (`misconfigured`) and the cause is logged.
 */
import { DualTokenAuthorizer } from './authorizer';
import { ClientRegistry, registryFileSource, ssmParametersSource } from './client-registry';
import { DenyList, fileSource, ssmParameterSource } from './deny-list';
import { createHandler } from './handler';
import { DecisionObserver } from './observability';
import { bundledPolicy } from './policy';
import { RouteTable } from './routes';
import { readSettings, type AuthorizerSettings } from './settings';
import { createTokenVerifier } from './verifier';

let settings: AuthorizerSettings | Error;
try {
  settings = readSettings();
} catch (error) {
  settings = error instanceof Error ? error : new Error(String(error));
}
// Misconfigured, every decision is a denial, and denials never carry the client dimension.
const observer = new DecisionObserver(process.env.ENVIRONMENT || 'unknown', { perClientMetrics: !(settings instanceof Error) && settings.perClientMetrics });

function build(settings: AuthorizerSettings | Error): { authorizer: DualTokenAuthorizer; routes: RouteTable } {
  if (settings instanceof Error) throw settings;
  const policy = bundledPolicy();
  const source = settings.revocation.parameterName ? ssmParameterSource(settings.revocation.parameterName) : fileSource(settings.revocation.file!);
  const denyList = new DenyList(source, {
    ...settings.revocation,
    onReadError: (error, ageSeconds) =>
      observer.logger.warn('deny-list could not be read; keeping the last list', { source: source.description, ageSeconds: Math.round(ageSeconds), error: String(error) }),
  });
  const { parameterNames, file } = settings.clientRegistry;
  const registrySource = parameterNames ? ssmParametersSource(parameterNames) : registryFileSource(file!);
  const registry = new ClientRegistry(registrySource, {
    refreshSeconds: settings.revocation.refreshSeconds,
    onReadError: (error, ageSeconds) =>
      observer.logger.warn('client registry could not be read; keeping the last registry', {
        source: registrySource.description,
        ageSeconds: Number.isFinite(ageSeconds) ? Math.round(ageSeconds) : null,
        error: String(error),
      }),
  });
  const authorizer = new DualTokenAuthorizer({
    policy,
    registry,
    userClientId: settings.userClientId,
    verifier: createTokenVerifier({ issuer: settings.issuer, jwksUrl: settings.jwksUrl, timeoutMs: settings.jwksTimeoutMs }),
    denyList,
    decisionCacheSize: settings.decisionCacheSize,
  });
  return { authorizer, routes: new RouteTable(policy.routes.map(([method, path, permission]) => ({ method, path, permission }))) };
}

let built: ReturnType<typeof build> | Error;
let warming: Promise<void> = Promise.resolve();
try {
  built = build(settings);
  // Sent during init, not after it: the requests go out as soon as init returns to the event loop,
  // while the runtime fetches the first event, and the first decision joins them.
  warming = built.authorizer.warmUp();
} catch (error) {
  built = error instanceof Error ? error : new Error(String(error));
  observer.logger.error('authorizer is misconfigured; denying every request', { error: built.message });
}

export const handler = built instanceof Error ? createHandler(built, undefined, observer) : createHandler(built.authorizer, built.routes, observer);

/**
 * Settles once the JWKS, deny-list and client registry requests sent during init are answered or have
 * failed; never rejects. A CommonJS handler cannot make init wait for it; an ES module entry could
 * (`await ready`), so that the first decision never waits on the network (bench/authorizer-cold.ts).
 */
export const ready: Promise<void> = warming;
