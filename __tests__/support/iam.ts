export { policyAllows } from '../../sandbox/iam-policy';

export const ARN_PREFIX = 'arn:aws:execute-api:eu-west-1:123456789012:api123/dev/';

/** The method ARN API Gateway builds for a concrete request: `.../dev/DELETE/orders/42`. */
export function methodArn(method: string, path: string): string {
  return `${ARN_PREFIX}${method}${path}`;
}
