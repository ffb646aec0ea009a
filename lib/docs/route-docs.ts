import { ROLES, rolesAllow, type Route } from '../../lambdas/authorizer/permission-model';

/**
 * One route table as Markdown, from the permission model: which roles may call each route.
 *
 * @example
 * routeTableMarkdown([{ method: 'GET', path: '/orders', permission: 'read' }]);
 * // | GET | `/orders` | read | reader, writer, admin |
 */
export function routeTableMarkdown(routes: readonly Route[]): string {
  const header = ['| method | path | permission | roles that may call it |', '|---|---|---|---|'];
  const rows = routes.map((route) => `| ${route.method} | \`${route.path}\` | ${route.permission} | ${ROLES.filter((role) => rolesAllow([role], route.permission)).join(', ')} |`);
  return [...header, ...rows].join('\n');
}

/**
 * The README's route section for the given environments: one table and the environments that share
 * it when they all do, else one table per group of environments with the same routes.
 *
 * @example
 * routeTablesMarkdown(loadEnvironments()); // 'Every environment (dev, staging, prod) has this route table.\n\n| method | ...'
 */
export function routeTablesMarkdown(environments: ReadonlyArray<{ readonly name: string; readonly routes: readonly Route[] }>): string {
  const groups = new Map<string, { names: string[]; routes: readonly Route[] }>();
  for (const environment of environments) {
    const table = routeTableMarkdown(environment.routes);
    const group = groups.get(table) ?? { names: [], routes: environment.routes };
    group.names.push(environment.name);
    groups.set(table, group);
  }
  if (groups.size === 1) {
    const [[table, { names }]] = [...groups];
    return `Every environment (${names.join(', ')}) has this route table.\n\n${table}`;
  }
  const sections = [...groups].map(([table, { names }]) => `**${names.join(', ')}**\n\n${table}`);
  return ['The environments have different route tables.', ...sections].join('\n\n');
}
