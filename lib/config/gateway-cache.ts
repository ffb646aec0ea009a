/**
 * The gateway's authorizer cache against token lifetimes: API Gateway serves a cached Allow for the
 * whole `resultCacheTtlSeconds`, even past the token's `exp`, so a token keeps working up to the TTL
 * after it expires. The warning keeps that overrun a bounded share of the shortest token validity.
 */
import type { Problem } from './issues';
import type { EnvironmentConfig } from './schema';

/** The largest share of the shortest access-token validity that the cache TTL may take without a warning. */
export const GATEWAY_CACHE_MAX_SHARE_OF_TOKEN_VALIDITY = 0.5;

/**
 * The warning for an environment whose gateway cache TTL exceeds
 * {@link GATEWAY_CACHE_MAX_SHARE_OF_TOKEN_VALIDITY} of the shortest access-token validity of its
 * clients (M2M clients and `userClient`); none when the cache is off (TTL 0, or the API-key
 * migration, which turns it off).
 *
 * @example
 * const warnings = gatewayCacheWarnings(config); // [] or one Problem
 */
export function gatewayCacheWarnings(config: EnvironmentConfig): Problem[] {
  const ttl = config.gateway.resultCacheTtlSeconds;
  if (ttl === 0 || config.legacyApiKeys.enabled) return [];
  const clients = [
    ...config.m2mClients.map((client, i) => ({ field: `m2mClients[${i}]`, label: ` "${client.name}"`, minutes: client.accessTokenValidityMinutes })),
    ...(config.userClient ? [{ field: 'userClient', label: '', minutes: config.userClient.accessTokenValidityMinutes }] : []),
  ];
  const shortest = clients.sort((a, b) => a.minutes - b.minutes)[0];
  if (!shortest) return [];
  const limit = Math.floor(shortest.minutes * 60 * GATEWAY_CACHE_MAX_SHARE_OF_TOKEN_VALIDITY);
  if (ttl <= limit) return [];
  const percent = Math.round(GATEWAY_CACHE_MAX_SHARE_OF_TOKEN_VALIDITY * 100);
  return [
    {
      environments: [config.name],
      text:
        `gateway.resultCacheTtlSeconds: the gateway keeps allowing a cached token up to this long after it expires; ` +
        `keep it at most ${percent}% of the shortest access-token validity (${shortest.field}${shortest.label}: ${shortest.minutes} minutes, so ${limit} s), ` +
        `or lengthen that validity; received ${ttl}`,
    },
  ];
}
