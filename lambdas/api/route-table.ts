import { ApiError } from './errors';

/**
 * The environment's route keys (`GET /orders/{id}`), compiled into the bundle at synth time (esbuild
 * `define`, see lib/api/sample-backend-bundle.ts), as the authorizer gets its policy.
 */
declare const __M2M_AUTH_ROUTES__: readonly string[] | undefined;

const BUNDLED: ReadonlySet<string> | undefined = typeof __M2M_AUTH_ROUTES__ === 'undefined' ? undefined : new Set(__M2M_AUTH_ROUTES__);

/**
 * The configured route keys; without a bundled table (code run unbundled) a 500 `misconfigured`
 * error, so that no route is answered by guess.
 *
 * @example
 * bundledRouteKeys().has('GET /orders/{id}'); // true for the shipped config
 */
export function bundledRouteKeys(): ReadonlySet<string> {
  if (!BUNDLED) {
    throw new ApiError(500, 'misconfigured', 'the backend was deployed without its route table; this is a deployment error, not a problem with the request', {
      detail: 'no bundled route table: build the sample backend with bundleSampleBackend (lib/api/sample-backend-bundle.ts)',
    });
  }
  return BUNDLED;
}
