import type { TerraformJson } from '../fixtures';

/**
 * The API path of every REST API resource, keyed by the reference a method uses for it
 * (`${aws_api_gateway_resource.<id>.id}`, or the API's root resource id for `/`).
 */
export function restResourcePaths(tf: TerraformJson): Map<string, string> {
  const resources = tf.resource.aws_api_gateway_resource ?? {};
  const pathOf = (id: string): string => {
    const resource = resources[id];
    const parent = /^\$\{aws_api_gateway_resource\.([\w-]+)\.id\}$/.exec(String(resource.parent_id));
    return `${parent ? pathOf(parent[1]) : ''}/${resource.path_part}`;
  };
  const paths = new Map(Object.keys(resources).map((id) => [`\${aws_api_gateway_resource.${id}.id}`, pathOf(id)]));
  for (const api of Object.keys(tf.resource.aws_api_gateway_rest_api ?? {})) paths.set(`\${aws_api_gateway_rest_api.${api}.root_resource_id}`, '/');
  return paths;
}

/** `GET /orders/{id}` for every synthesized REST method. */
export function restRouteKeys(tf: TerraformJson): string[] {
  const paths = restResourcePaths(tf);
  return Object.values(tf.resource.aws_api_gateway_method ?? {})
    .map((method) => `${method.http_method} ${paths.get(String(method.resource_id))}`)
    .sort();
}
