/** Tokens are looked up by this many trailing characters (the end of the signature), then compared whole. */
const KEY_LENGTH = 32;

/**
 * A bounded map from the exact token string to what verifying it established. An entry never
 * outlives its token's `exp`; when full, the oldest entry goes first.
 *
 * Entries are found by the token's last characters (hashing an 800-character token on every lookup
 * costs more than the rest of a cached decision) and returned only when the whole token is equal, so
 * a lookup is exact. The eviction order is kept in a ring of keys: evicting through a Map's own
 * iterator slows down as deleted slots pile up at its front.
 */
export class DecisionCache<V extends { readonly expiresAtMs: number }> {
  private readonly entries = new Map<string, { readonly token: string; readonly value: V }>();
  private readonly ring: Array<string | undefined>;
  private next = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {
    this.ring = new Array<string | undefined>(maxEntries);
  }

  get(token: string): V | undefined {
    const key = keyOf(token);
    const entry = this.entries.get(key);
    if (entry === undefined || entry.token !== token) return undefined;
    if (entry.value.expiresAtMs <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(token: string, value: V): void {
    if (value.expiresAtMs <= this.now()) return;
    const key = keyOf(token);
    const oldest = this.ring[this.next];
    // A slot's key may since have been re-set (its entry is then evicted early) or deleted (a no-op).
    if (oldest !== undefined && oldest !== key) this.entries.delete(oldest);
    this.ring[this.next] = key;
    this.next = (this.next + 1) % this.maxEntries;
    this.entries.set(key, { token, value });
  }

  /** Forgets every entry (the client registry changed: what the cached principals hold may be out of date). */
  clear(): void {
    this.entries.clear();
    this.ring.fill(undefined);
    this.next = 0;
  }

  get size(): number {
    return this.entries.size;
  }
}

function keyOf(token: string): string {
  return token.length > KEY_LENGTH ? token.slice(-KEY_LENGTH) : token;
}
