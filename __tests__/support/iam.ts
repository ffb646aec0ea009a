import type { IamPolicy } from '../../lambdas/authorizer/routes';

/** Glob match as IAM does for resources: `*` any run of characters (`/` included), `?` one character. */
function globMatches(pattern: string, value: string): boolean {
  const regex = new RegExp(`^${pattern.split('').map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('')}$`);
  return regex.test(value);
}

/**
 * How API Gateway evaluates an authorizer's policy for a method ARN: an explicit Deny wins, then an
 * Allow grants, and anything else is refused.
 */
export function policyAllows(policy: IamPolicy, methodArn: string): boolean {
  const matching = policy.Statement.filter((statement) => statement.Resource.some((resource) => globMatches(resource, methodArn)));
  if (matching.some((statement) => statement.Effect === 'Deny')) return false;
  return matching.some((statement) => statement.Effect === 'Allow');
}

export const ARN_PREFIX = 'arn:aws:execute-api:eu-west-1:123456789012:api123/dev/';

/** The method ARN API Gateway builds for a concrete request: `.../dev/DELETE/orders/42`. */
export function methodArn(method: string, path: string): string {
  return `${ARN_PREFIX}${method}${path}`;
}
