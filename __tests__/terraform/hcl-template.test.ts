import { evaluateJsonConfig, evaluateTemplate, jsonencode, type Json, type ReferenceScope, UnsupportedExpressionError } from '../../scripts/terraform/hcl-template';

/** Resources as a reference scope sees them: `aws_x` -> `{ name: values }`. */
const resources: Record<string, Json> = {
  aws_api_gateway_rest_api: { api: { id: 'a1b2c3', execution_arn: 'arn:aws:execute-api:eu-west-1:123456789012:a1b2c3' } },
  aws_cognito_user_pool_client: { billing: { id: 'client-1', client_secret: 's3cr<e>t', scopes: ['api/read', 'api/write'], validity: 60, enabled: true } },
  aws_sqs_queue: { jobs: [{ arn: 'arn:q0' }, { arn: 'arn:q1' }] },
  data: { aws_iam_policy_document: { key: { json: '{"Version":"2012-10-17"}' } } },
};
const scope: ReferenceScope = (root) => {
  if (!(root in resources)) throw new UnsupportedExpressionError(`references to ${root}.* are not supported`);
  return resources[root];
};

describe('evaluateTemplate', () => {
  test('a template that is one reference keeps the value and its type', () => {
    expect(evaluateTemplate('${aws_api_gateway_rest_api.api.id}', scope)).toBe('a1b2c3');
    expect(evaluateTemplate('${aws_cognito_user_pool_client.billing.scopes}', scope)).toEqual(['api/read', 'api/write']);
    expect(evaluateTemplate('${ aws_cognito_user_pool_client.billing.validity }', scope)).toBe(60);
  });

  test('literal text and interpolations are joined into a string', () => {
    expect(evaluateTemplate('${aws_api_gateway_rest_api.api.execution_arn}/dev/*/*', scope)).toBe('arn:aws:execute-api:eu-west-1:123456789012:a1b2c3/dev/*/*');
    expect(evaluateTemplate('billing=${aws_cognito_user_pool_client.billing.id},ttl=${aws_cognito_user_pool_client.billing.validity},on=${aws_cognito_user_pool_client.billing.enabled}', scope)).toBe(
      'billing=client-1,ttl=60,on=true',
    );
    expect(evaluateTemplate('no interpolation at all', scope)).toBe('no interpolation at all');
  });

  test('indexes lists by [n] and .n, and reads data sources', () => {
    expect(evaluateTemplate('${aws_sqs_queue.jobs[1].arn}', scope)).toBe('arn:q1');
    expect(evaluateTemplate('${aws_sqs_queue.jobs.0.arn}', scope)).toBe('arn:q0');
    expect(evaluateTemplate('${aws_cognito_user_pool_client.billing.scopes[0]}', scope)).toBe('api/read');
    expect(evaluateTemplate('${data.aws_iam_policy_document.key.json}', scope)).toBe('{"Version":"2012-10-17"}');
  });

  test('$${ and %%{ are literal text', () => {
    expect(evaluateTemplate('$${aws_api_gateway_rest_api.api.id} and %%{if}', scope)).toBe('${aws_api_gateway_rest_api.api.id} and %{if}');
    expect(evaluateTemplate('{"requestId":"$context.requestId"}', scope)).toBe('{"requestId":"$context.requestId"}');
  });

  test('jsonencode of an object with references, as cdktf writes a secret value', () => {
    const template =
      '${jsonencode({"client_id" = aws_cognito_user_pool_client.billing.id, "client_secret" = aws_cognito_user_pool_client.billing.client_secret, "token_endpoint" = "https://auth.example.com/oauth2/token"})}';
    const encoded = evaluateTemplate(template, scope);
    expect(encoded).toBe('{"client_id":"client-1","client_secret":"s3cr\\u003ce\\u003et","token_endpoint":"https://auth.example.com/oauth2/token"}');
    expect(JSON.parse(encoded as string)).toEqual({ client_id: 'client-1', client_secret: 's3cr<e>t', token_endpoint: 'https://auth.example.com/oauth2/token' });
  });

  test('objects over several lines, tuples, strings with escapes and nested templates, join', () => {
    expect(evaluateTemplate('${jsonencode({\n  b = [1, true, null]\n  a = "x\\"${aws_api_gateway_rest_api.api.id}\\""\n})}', scope)).toBe('{"a":"x\\"a1b2c3\\"","b":[1,true,null]}');
    expect(evaluateTemplate('${join(",", aws_cognito_user_pool_client.billing.scopes)}', scope)).toBe('api/read,api/write');
  });

  test.each([
    ['${var.region}', 'references to var.* are not supported'],
    ['${aws_api_gateway_rest_api.api.id == "" ? "a" : "b"}', 'operator or expression at "== "" ? "a" : "b"}"'],
    ['${upper(aws_api_gateway_rest_api.api.id)}x${formatdate("YYYY", timestamp())}', 'function formatdate() is not supported'],
    ['%{ if true }x%{ endif }', 'template directives (%{ ... }) are not supported'],
    ['${aws_api_gateway_rest_api.api.missing}', 'no "missing" in the referenced value'],
    ['${aws_sqs_queue.jobs[*].arn}', 'unexpected "*"'],
    ['${aws_cognito_user_pool_client.billing.scopes}/x', 'cannot interpolate a list into a string'],
  ])('%s is unsupported: %s', (template, message) => {
    expect(() => evaluateTemplate(template, scope)).toThrow(UnsupportedExpressionError);
    expect(() => evaluateTemplate(template, scope)).toThrow(message);
  });
});

describe('evaluateJsonConfig', () => {
  test('evaluates every string of a JSON configuration value and keeps the rest', () => {
    expect(evaluateJsonConfig({ client_id: '${aws_cognito_user_pool_client.billing.id}', list: ['${aws_sqs_queue.jobs[0].arn}', 2], on: false, none: null }, scope)).toEqual({
      client_id: 'client-1',
      list: ['arn:q0', 2],
      on: false,
      none: null,
    });
  });
});

describe('jsonencode', () => {
  test("sorts keys and escapes HTML characters like Terraform's", () => {
    expect(jsonencode({ b: 1, a: { d: '&', c: ['<', '>'] } })).toBe('{"a":{"c":["\\u003c","\\u003e"],"d":"\\u0026"},"b":1}');
  });
});
