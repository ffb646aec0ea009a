/**
 * The one scope -> role -> permission table of m2m-auth.
 *
 * The infrastructure (resource server scopes, Cognito groups), the authorizer (which routes a token
 * may call), the docs and the tests all read this module, so they can never disagree. It has no
 * dependencies so that it can be bundled into the authorizer Lambda.
 */

/** What a route requires. Each route in the config names exactly one. */
export const PERMISSIONS = ['read', 'write', 'delete', 'execute', 'admin'] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** Application roles. Services get them from scopes, humans from Cognito groups. */
export const ROLES = ['reader', 'writer', 'deleter', 'executor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** HTTP methods a route may use. */
export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** The permissions each role holds. `admin` may call every route. */
export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  reader: ['read'],
  writer: ['read', 'write'],
  deleter: ['delete'],
  executor: ['execute'],
  admin: PERMISSIONS,
};

/** The role that each standard scope name grants (`<identifier>/<name>`). */
export const STANDARD_SCOPE_ROLES: Readonly<Record<string, Role>> = {
  read: 'reader',
  write: 'writer',
  delete: 'deleter',
  admin: 'admin',
  execute: 'executor',
};

/**
 * Methods a route with a given permission may use. `execute` (business transactions) and `admin`
 * routes may use any method; the others are tied to the methods the SPEC grants their roles.
 */
export const PERMISSION_METHODS: Readonly<Record<Permission, readonly HttpMethod[]>> = {
  read: ['GET', 'HEAD', 'OPTIONS'],
  write: ['POST', 'PUT', 'PATCH'],
  delete: ['DELETE'],
  execute: HTTP_METHODS,
  admin: HTTP_METHODS,
};

/** One protected route. */
export interface Route {
  readonly method: HttpMethod;
  /** API Gateway style path: `/orders/{id}`. */
  readonly path: string;
  readonly permission: Permission;
}

/**
 * The roles a principal holds, from its scopes and groups.
 *
 * Only scopes of our own resource server count, compared case-sensitively: `other/admin` or
 * `API/ADMIN` grant nothing.
 *
 * @example
 * rolesFor({ scopes: ['api/read'], groups: [], identifier: 'api', scopeRoles: { read: 'reader' }, groupRoles: {} })
 * // => ['reader']
 */
export function rolesFor(input: {
  readonly scopes: readonly string[];
  readonly groups: readonly string[];
  /** Resource server identifier; scopes must be `<identifier>/<name>`. */
  readonly identifier: string;
  /** Scope name -> role, for the scopes the resource server declares. */
  readonly scopeRoles: Readonly<Record<string, Role>>;
  /** Cognito group -> role. */
  readonly groupRoles: Readonly<Record<string, Role>>;
}): Role[] {
  const roles = new Set<Role>();
  const prefix = `${input.identifier}/`;
  for (const scope of input.scopes) {
    if (!scope.startsWith(prefix)) continue;
    const name = scope.slice(prefix.length);
    if (Object.prototype.hasOwnProperty.call(input.scopeRoles, name)) roles.add(input.scopeRoles[name]);
  }
  for (const group of input.groups) {
    if (Object.prototype.hasOwnProperty.call(input.groupRoles, group)) roles.add(input.groupRoles[group]);
  }
  return ROLES.filter((role) => roles.has(role));
}

/** Whether any of `roles` holds `permission`. */
export function rolesAllow(roles: readonly Role[], permission: Permission): boolean {
  return roles.some((role) => ROLE_PERMISSIONS[role].includes(permission));
}

/**
 * The routes that the given roles may call, in route-table order.
 *
 * @example
 * routesAllowedFor(['reader'], routes).map((r) => `${r.method} ${r.path}`)
 */
export function routesAllowedFor(roles: readonly Role[], routes: readonly Route[]): Route[] {
  return routes.filter((route) => rolesAllow(roles, route.permission));
}
