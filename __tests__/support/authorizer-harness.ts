import type { APIGatewayAuthorizerResult, APIGatewaySimpleAuthorizerWithContextResult } from 'aws-lambda';
import type { AuthorizerContext } from '../../lambdas/authorizer/handler';
import type { IamPolicy } from '../../lambdas/authorizer/routes';
import type { AuthorizerHandler } from './authorizer-bundle';
import { methodArn, policyAllows } from './iam';

/** What API Gateway would answer the caller, and what the backend would receive. */
export interface Outcome {
  status: 200 | 401 | 403;
  context?: AuthorizerContext;
  policy?: IamPolicy;
}

/** A REST TOKEN authorizer call, evaluated the way API Gateway evaluates it. */
export async function restToken(handler: AuthorizerHandler, header: string, method: string, path: string): Promise<Outcome> {
  return evaluateRest(handler, { type: 'TOKEN', authorizationToken: header, methodArn: methodArn(method, path) } as never, methodArn(method, path));
}

/** A REST REQUEST authorizer call (`resource` is the route template, `path` the concrete path). */
export async function restRequest(handler: AuthorizerHandler, headers: Record<string, string>, method: string, resource: string, path: string): Promise<Outcome> {
  const arn = methodArn(method, path);
  const event = { type: 'REQUEST', methodArn: arn, resource, path, httpMethod: method, headers, multiValueHeaders: {}, pathParameters: {}, queryStringParameters: {}, requestContext: {} };
  return evaluateRest(handler, event as never, arn);
}

/** An HTTP API (payload 2.0) authorizer call with simple responses. */
export async function httpApi(handler: AuthorizerHandler, header: string | undefined, routeKey: string): Promise<Outcome> {
  const event = {
    version: '2.0',
    type: 'REQUEST',
    routeArn: `arn:aws:execute-api:eu-west-1:123456789012:api123/$default/${routeKey.replace(' ', '')}`,
    identitySource: header === undefined ? [] : [header, routeKey],
    routeKey,
    rawPath: routeKey.split(' ')[1],
    rawQueryString: '',
    headers: header === undefined ? {} : { authorization: header },
    requestContext: {},
  };
  const result = (await handler(event as never)) as APIGatewaySimpleAuthorizerWithContextResult<AuthorizerContext>;
  return result.isAuthorized ? { status: 200, context: result.context } : { status: 403 };
}

async function evaluateRest(handler: AuthorizerHandler, event: never, arn: string): Promise<Outcome> {
  let result: APIGatewayAuthorizerResult;
  try {
    result = (await handler(event)) as APIGatewayAuthorizerResult;
  } catch (error) {
    expect((error as Error).message).toBe('Unauthorized');
    return { status: 401 };
  }
  const policy = result.policyDocument as unknown as IamPolicy;
  return { status: policyAllows(policy, arn) ? 200 : 403, context: result.context as unknown as AuthorizerContext, policy };
}
