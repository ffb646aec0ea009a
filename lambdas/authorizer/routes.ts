import { rolesAllow, type Role, type Route } from './permission-model';

/** A route of the table, compiled once at start-up. */
export interface CompiledRoute extends Route {
  /** `GET /orders/{id}`: the HTTP API route key. */
  readonly key: string;
  /** `GET/orders/*`: the method-ARN suffix of this route in an IAM policy. */
  readonly arnSuffix: string;
  readonly segments: readonly string[];
}

export interface IamPolicy {
  readonly Version: '2012-10-17';
  readonly Statement: ReadonlyArray<{ readonly Action: 'execute-api:Invoke'; readonly Effect: 'Allow' | 'Deny'; readonly Resource: string[] }>;
}

/**
 * The route table and the policies derived from it. Policies are memoized per (API stage, role set),
 * so the hot path does no string building.
 */
export class RouteTable {
  readonly routes: readonly CompiledRoute[];
  private readonly byKey: Map<string, CompiledRoute>;
  private readonly policies = new Map<string, IamPolicy>();

  constructor(routes: readonly Route[]) {
    this.routes = routes.map((route) => ({
      ...route,
      key: `${route.method} ${route.path}`,
      // `*` in a method ARN spans `/`; the explicit Deny statements below keep routes apart.
      arnSuffix: `${route.method}${route.path.replace(/\{[^}]+\}/g, '*')}`,
      segments: route.path.split('/').slice(1),
    }));
    this.byKey = new Map(this.routes.map((route) => [route.key, route]));
  }

  /** The route of an HTTP API route key (`GET /orders/{id}`). */
  byRouteKey(routeKey: string): CompiledRoute | undefined {
    return this.byKey.get(routeKey);
  }

  /** The most specific route matching a concrete request (`DELETE`, `/orders/42`). */
  match(method: string, path: string): CompiledRoute | undefined {
    const parts = path.split('/').slice(1);
    let best: CompiledRoute | undefined;
    let bestLiterals = -1;
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const literals = matchSegments(route.segments, parts);
      if (literals > bestLiterals) {
        best = route;
        bestLiterals = literals;
      }
    }
    return best;
  }

  /**
   * The IAM policy for a principal with `roles` on the API stage `arnPrefix`
   * (`arn:aws:execute-api:<region>:<account>:<apiId>/<stage>/`): Allow exactly the routes the roles
   * permit, and explicitly Deny every other route, so that a wildcard can never reach a route the
   * principal lacks. The gateway caches it per token, so it must not depend on the requested route.
   */
  policyFor(arnPrefix: string, roles: readonly Role[]): IamPolicy {
    const cacheKey = `${arnPrefix}|${roles.join(',')}`;
    let policy = this.policies.get(cacheKey);
    if (!policy) {
      const allowed = this.routes.filter((route) => rolesAllow(roles, route.permission));
      const denied = this.routes.filter((route) => !rolesAllow(roles, route.permission));
      const statement = (Effect: 'Allow' | 'Deny', routes: readonly CompiledRoute[]) => ({
        Action: 'execute-api:Invoke' as const,
        Effect,
        Resource: routes.map((route) => arnPrefix + route.arnSuffix),
      });
      const statements = [];
      if (allowed.length > 0) statements.push(statement('Allow', allowed));
      if (denied.length > 0) statements.push(statement('Deny', denied));
      policy = { Version: '2012-10-17', Statement: statements };
      if (this.policies.size > 1_000) this.policies.clear();
      this.policies.set(cacheKey, policy);
    }
    return policy;
  }
}

/** -1 when `route` does not match `parts`, else the number of literal segments that matched. */
function matchSegments(route: readonly string[], parts: readonly string[]): number {
  let literals = 0;
  for (let i = 0; i < route.length; i++) {
    const segment = route[i];
    if (segment.startsWith('{') && segment.endsWith('+}')) return i < parts.length && parts.slice(i).every(Boolean) ? literals : -1;
    if (i >= parts.length) return -1;
    if (segment.startsWith('{')) {
      if (parts[i] === '') return -1;
    } else if (segment !== parts[i]) {
      return -1;
    } else {
      literals++;
    }
  }
  return route.length === parts.length ? literals : -1;
}

