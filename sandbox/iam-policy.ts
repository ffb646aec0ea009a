/**
 * How API Gateway evaluates a Lambda authorizer's IAM policy for a method ARN: an explicit Deny wins,
 * then an Allow grants, anything else is refused. The local sandbox's gateway uses it, and so do the
 * tests and the benchmark that check the authorizer's policies.
 */

/** What a REST authorizer returns as `policyDocument`. */
export interface AuthorizerPolicyDocument {
  readonly Statement: ReadonlyArray<{ readonly Effect: string; readonly Resource?: string | readonly string[] }>;
}

/** IAM resource matching: `*` is any run of characters (`/` included), `?` one character. */
export function globMatches(pattern: string, value: string): boolean {
  const source = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`).test(value);
}

/** Whether `policy` lets the caller invoke `methodArn`. */
export function policyAllows(policy: AuthorizerPolicyDocument, methodArn: string): boolean {
  const matching = policy.Statement.filter((statement) => {
    const resources = statement.Resource === undefined ? [] : typeof statement.Resource === 'string' ? [statement.Resource] : statement.Resource;
    return resources.some((resource) => globMatches(resource, methodArn));
  });
  if (matching.some((statement) => statement.Effect === 'Deny')) return false;
  return matching.some((statement) => statement.Effect === 'Allow');
}
