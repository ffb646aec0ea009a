export interface RefreshingCopyOptions {
  /** Re-read the source when the copy is older than this. */
  readonly refreshSeconds: number;
  readonly now?: () => number;
  /** Called when a read fails; the last good copy stays in force. `ageSeconds` is Infinity before the first good read. */
  readonly onReadError?: (error: unknown, ageSeconds: number) => void;
}

/**
 * A local copy of a document that lives elsewhere (an SSM parameter, a file), re-read at most every
 * `refreshSeconds` and only when asked for: the deny-list and the client registry. Reads are single
 * flight (concurrent callers share one); a failed read keeps the last good copy. What a stale or
 * missing copy means is the caller's decision.
 *
 * @example
 * const copy = new RefreshingCopy(async () => parse(await source.read()), { refreshSeconds: 60 });
 * const value = copy.fresh() ?? (await copy.current());
 */
export class RefreshingCopy<T> {
  private value?: T;
  private loadedAt = -Infinity;
  private reading?: Promise<void>;
  private readonly now: () => number;

  constructor(
    private readonly read: () => Promise<T>,
    private readonly options: RefreshingCopyOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** The copy when it is younger than `refreshSeconds` (no I/O, no await); else undefined: call {@link current}. */
  fresh(): T | undefined {
    return this.value !== undefined && this.now() - this.loadedAt < this.options.refreshSeconds * 1000 ? this.value : undefined;
  }

  /** The copy in force, re-read first when it is older than `refreshSeconds`; undefined if no read ever succeeded. */
  async current(): Promise<T | undefined> {
    return this.fresh() ?? (await this.reread());
  }

  /** Reads the source now (or joins the read under way); resolves to the copy in force afterwards. Never rejects. */
  async reread(): Promise<T | undefined> {
    await (this.reading ??= this.readOnce().finally(() => (this.reading = undefined)));
    return this.value;
  }

  /** Seconds since the last good read; Infinity before the first. */
  ageSeconds(): number {
    return (this.now() - this.loadedAt) / 1000;
  }

  private async readOnce(): Promise<void> {
    try {
      const value = await this.read();
      this.value = value;
      this.loadedAt = this.now();
    } catch (error) {
      this.options.onReadError?.(error, this.ageSeconds());
    }
  }
}
