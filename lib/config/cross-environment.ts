/**
 * Rules that span environments: each environment can be valid alone and still fail to deploy next
 * to another one. They run on the environments that passed their own validation.
 */
import { describeValue, type Problem } from './issues';
import { GITHUB_OIDC_HOST } from './pipeline-schema';
import type { EnvironmentConfig } from './schema';

/**
 * Every cross-environment problem of `configs`: Cognito domains taken twice, and more than one
 * environment owning an account-wide singleton: the API Gateway logging role, or an IAM OIDC provider.
 *
 * @example
 * const problems = crossEnvironmentProblems(validEnvironments); // [] when they can live side by side
 */
export function crossEnvironmentProblems(configs: readonly EnvironmentConfig[]): Problem[] {
  return [...duplicateDomains(configs), ...sharedLoggingRoles(configs), ...sharedOidcProviders(configs)];
}

/**
 * Prefix domains are `<prefix>.auth.<region>.amazoncognito.com`, unique per region across all
 * accounts; a custom domain belongs to one user pool. The first environment that takes one reports it.
 */
function duplicateDomains(configs: readonly EnvironmentConfig[]): Problem[] {
  const problems: Problem[] = [];
  const withDomain = configs.filter((c): c is EnvironmentConfig & { domain: NonNullable<EnvironmentConfig['domain']> } => c.domain !== undefined);
  for (const [group] of groupBy(withDomain, (c) => `${c.region}\n${c.domain.prefix}`)) {
    if (group.length < 2) continue;
    const [first, ...others] = group;
    const prefix = first.domain.prefix;
    problems.push({
      environments: [first.name],
      text: `domain.prefix: "${prefix}" is also the prefix of ${names(others)} in ${first.region}; Cognito domains are unique per region: give each environment its own; received ${describeValue(prefix)}`,
    });
  }
  const withCustomDomain = withDomain.filter((c) => c.domain.customDomain !== undefined);
  for (const [group] of groupBy(withCustomDomain, (c) => c.domain.customDomain!.domainName)) {
    if (group.length < 2) continue;
    const [first, ...others] = group;
    const domainName = first.domain.customDomain!.domainName;
    problems.push({
      environments: [first.name],
      text: `domain.customDomain.domainName: "${domainName}" is also the custom domain of ${names(others)}; a custom domain serves one user pool: give each environment its own; received ${describeValue(domainName)}`,
    });
  }
  return problems;
}

/**
 * API Gateway has one CloudWatch logging role per account and region; two stacks that both set it
 * fight over it, and destroying either one breaks the other's access logs. Environments without
 * `account` may share an account, so they count as one.
 */
function sharedLoggingRoles(configs: readonly EnvironmentConfig[]): Problem[] {
  const owners = configs.filter((c) => c.gateway.type === 'rest' && c.gateway.manageAccountLoggingRole);
  const problems: Problem[] = [];
  for (const [group, key] of groupBy(owners, (c) => `${c.region}\n${c.account ?? ''}`)) {
    if (group.length < 2) continue;
    const [region, account] = key.split('\n');
    const who = group.length === 2 ? 'both' : `all ${group.length}`;
    const where = account ? `in ${region} of account ${account}` : `in ${region} (same account, or account not set)`;
    const fix = account ? '' : ', or set account to show they are different accounts';
    problems.push({
      environments: group.map((c) => c.name),
      text: `gateway.manageAccountLoggingRole: ${who} would own the account-wide API Gateway logging role ${where}; set it to false in all but one (the longest-lived environment)${fix}`,
    });
  }
  return problems;
}

/**
 * IAM holds one OIDC provider per issuer URL per account: two stacks that both create
 * token.actions.githubusercontent.com (or one Terraform Cloud host) collide on the first apply, and
 * destroying either deletes the trust of the other's roles. Environments without `account` count as one.
 */
function sharedOidcProviders(configs: readonly EnvironmentConfig[]): Problem[] {
  const owners = [
    ...configs
      .filter((c) => c.pipeline?.github?.manageOidcProvider)
      .map((c) => ({ config: c, host: GITHUB_OIDC_HOST, field: 'pipeline.github.manageOidcProvider' })),
    ...configs
      .filter((c) => c.pipeline?.terraformCloud?.manageOidcProvider)
      .map((c) => ({ config: c, host: c.pipeline!.terraformCloud!.hostname, field: 'pipeline.terraformCloud.manageOidcProvider' })),
  ];
  const problems: Problem[] = [];
  for (const [group] of groupBy(owners, (o) => `${o.field}\n${o.host}\n${o.config.account ?? ''}`)) {
    if (group.length < 2) continue;
    const { field, host, config } = group[0];
    const who = group.length === 2 ? 'both' : `all ${group.length}`;
    const where = config.account ? `in account ${config.account}` : '(same account, or account not set)';
    const fix = config.account ? '' : ', or set account to show they are different accounts';
    problems.push({
      environments: group.map((o) => o.config.name),
      text: `${field}: ${who} would create the account-wide IAM OIDC provider https://${host} ${where}; set it to false in all but one (the longest-lived environment; the others reference the provider by ARN)${fix}`,
    });
  }
  return problems;
}

/** Groups in first-seen order, each with its key. */
function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Array<[T[], string]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  return [...groups].map(([key, group]) => [group, key]);
}

function names(configs: readonly EnvironmentConfig[]): string {
  return configs.map((c) => c.name).join(', ');
}
