import { PERMISSIONS, ROLE_PERMISSIONS, rolesAllow, rolesFor, routesAllowedFor, STANDARD_SCOPE_ROLES, type Route } from '../lambdas/authorizer/permission-model';

describe('permission model', () => {
  const scopeRoles = STANDARD_SCOPE_ROLES;
  const routes: Route[] = [
    { method: 'GET', path: '/orders', permission: 'read' },
    { method: 'POST', path: '/orders', permission: 'write' },
    { method: 'DELETE', path: '/orders/{id}', permission: 'delete' },
    { method: 'POST', path: '/orders/{id}/fulfil', permission: 'execute' },
  ];

  test('the SPEC table: reader GET, writer GET/POST/PUT, deleter DELETE, executor transactions, admin everything', () => {
    const allowed = (roles: Parameters<typeof routesAllowedFor>[0]) => routesAllowedFor(roles, routes).map((r) => `${r.method} ${r.path}`);
    expect(allowed(['reader'])).toEqual(['GET /orders']);
    expect(allowed(['writer'])).toEqual(['GET /orders', 'POST /orders']);
    expect(allowed(['deleter'])).toEqual(['DELETE /orders/{id}']);
    expect(allowed(['executor'])).toEqual(['POST /orders/{id}/fulfil']);
    expect(allowed(['admin'])).toEqual(routes.map((r) => `${r.method} ${r.path}`));
    expect(allowed([])).toEqual([]);
    expect(ROLE_PERMISSIONS.admin).toEqual(PERMISSIONS);
  });

  test('roles come from our scopes and from mapped groups', () => {
    expect(rolesFor({ scopes: ['api/read', 'api/execute'], groups: ['ops'], identifier: 'api', scopeRoles, groupRoles: { ops: 'deleter' } })).toEqual([
      'reader',
      'deleter',
      'executor',
    ]);
  });

  test.each([
    ['another resource server', 'other/admin'],
    ['case tricks', 'API/ADMIN'],
    ['a bare scope name', 'admin'],
    ['a prefix lookalike', 'api-admin'],
    ['an inherited property name', 'api/constructor'],
    ['an empty name', 'api/'],
  ])('scopes of %s grant nothing', (_what, scope) => {
    expect(rolesFor({ scopes: [scope], groups: ['toString'], identifier: 'api', scopeRoles, groupRoles: {} })).toEqual([]);
    expect(rolesAllow([], 'read')).toBe(false);
  });
});
