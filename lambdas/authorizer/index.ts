/**
 * Lambda entry of the dual-token authorizer. Everything expensive happens once, at module load:
 * settings, route table, verifier; the JWKS and the deny-list are fetched right after, before the
 * first request needs them. A misconfiguration never throws: every request is then denied
 * (`misconfigured`) and the cause is logged.
 */
import { DualTokenAuthorizer } from './authorizer';
import { DenyList, fileSource, ssmParameterSource } from './deny-list';
import { createHandler } from './handler';
import { DecisionObserver } from './observability';
import { bundledPolicy } from './policy';
import { RouteTable } from './routes';
import { readSettings } from './settings';
import { createTokenVerifier } from './verifier';

const observer = new DecisionObserver(process.env.ENVIRONMENT || 'unknown');

function build(): { authorizer: DualTokenAuthorizer; routes: RouteTable } {
  const settings = readSettings();
  const policy = bundledPolicy();
  const source = settings.revocation.parameterName ? ssmParameterSource(settings.revocation.parameterName) : fileSource(settings.revocation.file!);
  const denyList = new DenyList(source, {
    ...settings.revocation,
    onReadError: (error, ageSeconds) =>
      observer.logger.warn('deny-list could not be read; keeping the last list', { source: source.description, ageSeconds: Math.round(ageSeconds), error: String(error) }),
  });
  const authorizer = new DualTokenAuthorizer({
    policy,
    clients: { m2m: settings.m2mClients, userClientId: settings.userClientId },
    verifier: createTokenVerifier({ issuer: settings.issuer, jwksUrl: settings.jwksUrl, timeoutMs: settings.jwksTimeoutMs }),
    denyList,
    decisionCacheSize: settings.decisionCacheSize,
  });
  return { authorizer, routes: new RouteTable(policy.routes.map(([method, path, permission]) => ({ method, path, permission }))) };
}

let built: ReturnType<typeof build> | Error;
try {
  built = build();
  const { authorizer } = built;
  setImmediate(() => void authorizer.warmUp());
} catch (error) {
  built = error instanceof Error ? error : new Error(String(error));
  observer.logger.error('authorizer is misconfigured; denying every request', { error: built.message });
}

export const handler = built instanceof Error ? createHandler(built, undefined, observer) : createHandler(built.authorizer, built.routes, observer);
