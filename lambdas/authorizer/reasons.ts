/**
 * Why a request was allowed or denied: the stable `reason` of every decision log line and metric.
 * The README lists what each one means and what to do about it.
 */
export const REASONS = {
  allowed: 200,
  missing_token: 401,
  malformed: 401,
  oversized: 401,
  unsupported_alg: 401,
  unknown_kid: 401,
  bad_signature: 401,
  expired: 401,
  not_yet_valid: 401,
  wrong_issuer: 401,
  wrong_token_use: 401,
  unknown_client: 401,
  revoked: 401,
  revocation_unavailable: 401,
  registry_unavailable: 401,
  jwks_unavailable: 401,
  misconfigured: 401,
  internal_error: 401,
  insufficient_scope: 403,
  unknown_route: 403,
} as const;

export type Reason = keyof typeof REASONS;
export type DenyReason = Exclude<Reason, 'allowed'>;

/** Every reason a request can be denied for, in table order. */
export const DENY_REASONS = /* @__PURE__ */ (Object.keys(REASONS) as Reason[]).filter((reason): reason is DenyReason => reason !== 'allowed') as [DenyReason, ...DenyReason[]];

/** A request that must not pass. `detail` is for the log only; it never carries a token. */
export class AuthorizationDenied extends Error {
  constructor(
    readonly reason: DenyReason,
    readonly detail?: string,
    options?: { cause?: unknown },
  ) {
    super(detail ? `${reason}: ${detail}` : reason, options);
    this.name = 'AuthorizationDenied';
  }

  /** 401 when the caller must authenticate again, 403 when it may not do this. */
  get status(): 401 | 403 {
    return REASONS[this.reason] as 401 | 403;
  }
}

/** What a thrown value is, for a log `detail`: its name, never its message (which may quote a claim). */
export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
