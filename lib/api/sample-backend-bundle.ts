import type { RouteConfig } from '../config/schema';
import { bundleLambda, type LambdaBundle } from '../bundling/lambda-bundle';

export const SAMPLE_BACKEND_ENTRY = 'lambdas/api/index.ts';

/** The part of an environment's config the sample backend answers by: it travels in the bundle. */
export interface SampleBackendSource {
  readonly routes: readonly Pick<RouteConfig, 'method' | 'path'>[];
}

/**
 * The route keys compiled into the sample backend: one `<METHOD> <path>` per configured route, the
 * form of the HTTP API route key and of the REST event's `httpMethod` + `resource`.
 *
 * @example
 * sampleBackendRouteKeys(config) // => ['GET /whoami', 'GET /orders', ...]
 */
export function sampleBackendRouteKeys(config: SampleBackendSource): string[] {
  return config.routes.map((route) => `${route.method} ${route.path}`);
}

/**
 * The sample backend bundle for an environment, with its route table compiled in (esbuild `define`
 * of `__M2M_AUTH_ROUTES__`), so that every configured route is answered and no other.
 *
 * @example
 * const bundle = bundleSampleBackend(config);
 */
export function bundleSampleBackend(config: SampleBackendSource): LambdaBundle {
  return bundleLambda({ entry: SAMPLE_BACKEND_ENTRY, define: { __M2M_AUTH_ROUTES__: sampleBackendRouteKeys(config) } });
}
