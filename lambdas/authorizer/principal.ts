import { createHash } from 'node:crypto';
import { rolesFor, type Role } from './permission-model';
import type { ClientDirectory, RegisteredClient } from './client-registry';
import type { AuthorizerPolicy } from './policy';
import { AuthorizationDenied } from './reasons';

/** Who is calling, as established by a verified token. Never holds the token itself. */
export interface Principal {
  readonly type: 'service' | 'user' | 'legacy-api-key';
  /** `sub`: the client id for a service, the user's id for a human; the caller name for a legacy key. */
  readonly id: string;
  /** The app client id; `legacy:<caller>` for a legacy API key (revocable under that id). */
  readonly clientId: string;
  /** The configured client or caller name, or `user-client`. */
  readonly clientName: string;
  readonly tokenUse: 'access' | 'id' | 'api-key';
  /**
   * The scopes that count: of our resource server, carried by an access token, and configured for its
   * client. Empty for ID tokens, whose roles come from `cognito:groups` only.
   */
  readonly scopes: readonly string[];
  /**
   * Scopes of our resource server that the token carries but that do not count: its client is not
   * configured for them (a token issued before the client was re-scoped, a pool edited by hand), or it is
   * an ID token. For the decision log; undefined when there are none.
   */
  readonly ignoredScopes?: readonly string[];
  readonly roles: readonly Role[];
  readonly jti?: string;
  /** The token's `exp`, in ms. */
  readonly expiresAtMs: number;
}

/** Tokens issued further in the future than this are refused (clock skew allowance). */
const MAX_IAT_SKEW_SECONDS = 60;

export interface Clients {
  /** The client registry in force; undefined when it was never read (M2M tokens: `registry_unavailable`). */
  readonly m2m: ClientDirectory | undefined;
  readonly userClientId?: string;
}

/**
 * Classifies the claims of a verified token: M2M access tokens of this environment's clients, and
 * user ID / access tokens of the user client. Everything else is refused.
 *
 * Roles come from the scopes that count (see {@link Principal.scopes}: only on access tokens, only
 * those configured for the client) and, for users, from `cognito:groups` through `groupRoles`.
 */
export function principalOf(payload: Record<string, unknown>, clients: Clients, policy: AuthorizerPolicy, nowMs: number): Principal {
  const { token_use: tokenUse, sub, exp, iat, jti } = payload;
  if (typeof sub !== 'string' || sub === '' || typeof exp !== 'number') throw new AuthorizationDenied('malformed', 'sub or exp missing');
  if (typeof iat === 'number' && iat * 1000 > nowMs + MAX_IAT_SKEW_SECONDS * 1000) throw new AuthorizationDenied('not_yet_valid', 'iat in the future');
  if (jti !== undefined && typeof jti !== 'string') throw new AuthorizationDenied('malformed', 'jti is not a string');

  let type: Principal['type'];
  let clientId: unknown;
  if (tokenUse === 'access') {
    clientId = payload.client_id;
    if (typeof clientId !== 'string') throw new AuthorizationDenied('malformed', 'access token without client_id');
    if (clientId === clients.userClientId) type = 'user';
    else if (!clients.m2m) throw new AuthorizationDenied('registry_unavailable', 'the client registry has not been read yet');
    else if (clients.m2m.has(clientId)) type = 'service';
    else throw new AuthorizationDenied('unknown_client');
  } else if (tokenUse === 'id') {
    if (clients.userClientId === undefined) throw new AuthorizationDenied('wrong_token_use', 'no user client configured');
    clientId = payload.aud;
    if (clientId !== clients.userClientId) throw new AuthorizationDenied('unknown_client', 'ID token for another client');
    type = 'user';
  } else {
    throw new AuthorizationDenied('wrong_token_use');
  }

  const registered = type === 'service' ? clients.m2m!.get(clientId as string)! : undefined;
  const clientName = registered?.name ?? 'user-client';
  const prefix = `${policy.identifier}/`;
  const carried = typeof payload.scope === 'string' ? payload.scope.split(' ').filter((s) => s.startsWith(prefix)) : [];
  // Only access tokens carry scopes that count, and only those configured for the client: Cognito issues no
  // others, but a token outlives its client's re-scoping, and a pool can be edited by hand.
  const configured = tokenUse === 'access' ? configuredScopes(policy, registered) : [];
  const scopes = carried.filter((s) => configured.includes(s.slice(prefix.length)));
  const ignored = carried.filter((s) => !scopes.includes(s));
  const rawGroups = type === 'user' ? payload['cognito:groups'] : undefined;
  const groups = Array.isArray(rawGroups) ? rawGroups.filter((g): g is string => typeof g === 'string') : [];
  return {
    type,
    id: sub,
    clientId: clientId as string,
    clientName,
    tokenUse,
    scopes,
    ignoredScopes: ignored.length > 0 ? ignored : undefined,
    roles: rolesFor({ scopes, groups, identifier: policy.identifier, scopeRoles: policy.scopeRoles, groupRoles: policy.groupRoles }),
    jti: jti as string | undefined,
    expiresAtMs: exp * 1000,
  };
}

/**
 * The scope names (without `<identifier>/`) a client is configured for: the one place that looks them
 * up. An M2M client's come from its registry entry; the user client's (no entry) from the bundled policy.
 *
 * @example
 * configuredScopes(policy, { name: 'billing-batch', scopes: ['read', 'execute'] }) // => ['read', 'execute']
 * configuredScopes(policy, undefined) // => policy.userClientScopes
 */
export function configuredScopes(policy: AuthorizerPolicy, m2mClient: RegisteredClient | undefined): readonly string[] {
  return m2mClient ? m2mClient.scopes : policy.userClientScopes;
}

/** Legacy API keys longer than this are refused without hashing. */
const MAX_API_KEY_LENGTH = 256;

/**
 * The principal of a legacy API key (migration path), or a denial: the key's SHA-256 must be one of
 * the configured callers'. Its role is the caller's configured role.
 */
export function legacyPrincipalOf(apiKey: string, policy: AuthorizerPolicy): Principal {
  if (apiKey.length === 0 || apiKey.length > MAX_API_KEY_LENGTH) throw new AuthorizationDenied('unknown_client', 'bad API key length');
  const digest = createHash('sha256').update(apiKey).digest('hex');
  const caller = Object.hasOwn(policy.legacyCallers, digest) ? policy.legacyCallers[digest] : undefined;
  if (!caller) throw new AuthorizationDenied('unknown_client', 'unknown API key');
  return {
    type: 'legacy-api-key',
    id: caller.name,
    clientId: `legacy:${caller.name}`,
    clientName: caller.name,
    tokenUse: 'api-key',
    scopes: [],
    roles: [caller.role],
    expiresAtMs: Infinity,
  };
}
