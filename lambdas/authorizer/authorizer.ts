import { rolesAllow } from './permission-model';
import { DecisionCache } from './decision-cache';
import type { ClientDirectory, ClientRegistry } from './client-registry';
import { DenyList, type Revocations } from './deny-list';
import type { AuthorizerPolicy } from './policy';
import { legacyPrincipalOf, principalOf, type Principal } from './principal';
import { AuthorizationDenied, errorName, type Reason } from './reasons';
import type { CompiledRoute } from './routes';
import { bearerToken, precheckJwt } from './token';
import type { JwtPayload, TokenVerifier } from './verifier';

/** The outcome for one request; `principal` is set whenever the token was valid. */
export interface Decision {
  readonly allowed: boolean;
  readonly reason: Reason;
  readonly status: 200 | 401 | 403;
  readonly principal?: Principal;
  readonly grantedBy?: string;
  readonly detail?: string;
  readonly unverifiedClientId?: string;
  readonly cached: boolean;
}

export interface DualTokenAuthorizerProps {
  readonly policy: AuthorizerPolicy;
  /** The M2M clients. */
  readonly registry: ClientRegistry;
  /** The user client; without it ID tokens are refused. */
  readonly userClientId?: string;
  readonly verifier: TokenVerifier;
  readonly denyList: DenyList;
  readonly decisionCacheSize: number;
  readonly now?: () => number;
}

/**
 * Decides whether the bearer token of a request may call a route. Fails closed: every error is a
 * denial with a reason, never an Allow and never an exception.
 *
 * Verified principals are cached by the exact token string until the token expires; the deny-list and
 * the route are checked on every request, cache hits included. A principal holds its client's name and
 * configured scopes from the client registry, so the cache is emptied whenever a refresh brings a
 * different registry: a removed client or scope stops counting at the next refresh.
 */
export class DualTokenAuthorizer {
  private readonly cache: DecisionCache<Principal>;
  private readonly now: () => number;
  private readonly legacyKeysAccepted: boolean;
  /** The registry the cached principals were made with. */
  private cachedUnder?: ClientDirectory;

  constructor(private readonly props: DualTokenAuthorizerProps) {
    this.now = props.now ?? Date.now;
    this.cache = new DecisionCache(props.decisionCacheSize, this.now);
    this.legacyKeysAccepted = Object.keys(props.policy.legacyCallers).length > 0;
  }

  /** Loads the JWKS, the deny-list and the client registry ahead of the first request. Never throws. */
  async warmUp(): Promise<void> {
    await Promise.allSettled([this.props.verifier.hydrate(), this.props.denyList.current(), this.props.registry.current()]);
  }

  /**
   * The principal of a newly seen token (or a denial), before the deny-list and route checks;
   * synchronous unless the JWKS must be fetched first or the token's client is not in the registry.
   */
  private verifiedPrincipal(token: string, registry: ClientDirectory | undefined): Principal | Promise<Principal> {
    precheckJwt(token);
    const verified = this.props.verifier.verify(token);
    return verified instanceof Promise ? verified.then((payload) => this.principalOfPayload(token, payload, registry)) : this.principalOfPayload(token, verified, registry);
  }

  private principalOfPayload(token: string, payload: JwtPayload, registry: ClientDirectory | undefined): Principal | Promise<Principal> {
    const clientId = payload.token_use === 'access' ? payload.client_id : undefined;
    // Without a registry (never read: decide() has just tried) principalOf denies `registry_unavailable`.
    if (typeof clientId === 'string' && clientId !== this.props.userClientId && registry && !registry.has(clientId)) {
      // Not listed: a client added by a deploy works at once, without a second deploy.
      return this.props.registry.rereadForUnknownClient().then((reread) => {
        this.syncCache(reread);
        return this.principalWith(token, payload, reread);
      });
    }
    return this.principalWith(token, payload, registry);
  }

  private principalWith(token: string, payload: JwtPayload, registry: ClientDirectory | undefined): Principal {
    const principal = principalOf(payload, { m2m: registry, userClientId: this.props.userClientId }, this.props.policy, this.now());
    if (registry === this.cachedUnder) this.cache.set(token, principal);
    return principal;
  }

  /** Empties the decision cache when the registry in force is not the one its principals were made with. */
  private syncCache(registry: ClientDirectory | undefined): void {
    if (registry === this.cachedUnder) return;
    this.cache.clear();
    this.cachedUnder = registry;
  }

  /**
   * The decision for one request. `apiKey` (the `x-api-key` header) is considered only when there is no
   * Authorization header and legacy callers are configured: the API-key migration path.
   */
  async decide(authorizationHeader: string | undefined, route: CompiledRoute | undefined, apiKey?: string): Promise<Decision> {
    let principal: Principal | undefined;
    let cached = false;
    // Both are re-read on the same cadence: when stale, their reads go out together, before the token is verified.
    const revocations: Revocations | Promise<Revocations> = this.props.denyList.fresh() ?? this.props.denyList.current();
    if (revocations instanceof Promise) revocations.catch(() => undefined);
    try {
      if (this.acceptsLegacyKey(authorizationHeader, apiKey)) principal = legacyPrincipalOf(apiKey!, this.props.policy);
      else {
        const token = bearerToken(authorizationHeader);
        const fresh = this.props.registry.fresh();
        const registry = fresh ?? (await this.props.registry.current());
        this.syncCache(registry);
        principal = this.cache.get(token);
        cached = principal !== undefined;
        if (!principal) {
          const verified = this.verifiedPrincipal(token, registry);
          principal = verified instanceof Promise ? await verified : verified;
        }
      }
      DenyList.check(revocations instanceof Promise ? await revocations : revocations, principal.clientId, principal.jti);
      if (!route) return denied(new AuthorizationDenied('unknown_route'), principal, cached);
      if (!rolesAllow(principal.roles, route.permission)) {
        return denied(new AuthorizationDenied('insufficient_scope', `${route.key} needs ${route.permission}`), principal, cached);
      }
      return { allowed: true, reason: 'allowed', status: 200, principal, grantedBy: this.grantingScope(principal, route), cached };
    } catch (error) {
      const denial = error instanceof AuthorizationDenied ? error : new AuthorizationDenied('internal_error', errorName(error), { cause: error });
      return denied(denial, principal, cached);
    }
  }

  private acceptsLegacyKey(authorizationHeader: string | undefined, apiKey: string | undefined): boolean {
    return this.legacyKeysAccepted && apiKey !== undefined && (authorizationHeader === undefined || authorizationHeader === '');
  }

  /** The first scope that counts and grants the route's permission (for scope-usage metrics). */
  private grantingScope(principal: Principal, route: CompiledRoute): string | undefined {
    const prefix = `${this.props.policy.identifier}/`;
    return principal.scopes.find((scope) => {
      const role = this.props.policy.scopeRoles[scope.slice(prefix.length)];
      return role !== undefined && rolesAllow([role], route.permission);
    });
  }
}

function denied(denial: AuthorizationDenied, principal: Principal | undefined, cached: boolean): Decision {
  const raw = (denial.cause as { rawJwt?: { payload?: { client_id?: unknown } } } | undefined)?.rawJwt?.payload?.client_id;
  return {
    allowed: false,
    reason: denial.reason,
    status: denial.status,
    principal,
    detail: denial.detail,
    unverifiedClientId: typeof raw === 'string' ? raw.slice(0, 128) : undefined,
    cached,
  };
}
