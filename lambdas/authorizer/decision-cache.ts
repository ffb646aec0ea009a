/**
 * A bounded map from the exact token string to what verifying it established. An entry never
 * outlives its token's `exp`; when full, the oldest entry goes first.
 */
export class DecisionCache<V extends { readonly expiresAtMs: number }> {
  private readonly entries = new Map<string, V>();

  constructor(
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(token: string): V | undefined {
    const entry = this.entries.get(token);
    if (entry === undefined) return undefined;
    if (entry.expiresAtMs <= this.now()) {
      this.entries.delete(token);
      return undefined;
    }
    return entry;
  }

  set(token: string, value: V): void {
    if (value.expiresAtMs <= this.now()) return;
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(token, value);
  }

  get size(): number {
    return this.entries.size;
  }
}
