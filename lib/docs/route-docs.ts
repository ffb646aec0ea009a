import { ROLES, rolesAllow, type Route } from '../../lambdas/authorizer/permission-model';

/**
 * The README's route table for `routes`, from the permission model: which roles may call each route.
 * A test keeps README.md equal to this, so the docs can never disagree with the config.
 */
export function routeTableMarkdown(routes: readonly Route[]): string {
  const header = ['| method | path | permission | roles that may call it |', '|---|---|---|---|'];
  const rows = routes.map((route) => `| ${route.method} | \`${route.path}\` | ${route.permission} | ${ROLES.filter((role) => rolesAllow([role], route.permission)).join(', ')} |`);
  return [...header, ...rows].join('\n');
}
