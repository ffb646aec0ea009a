/**
 * Read-modify-write of the deny-list that keeps concurrent changes, against the SSM parameter or the
 * sandbox's file.
 *
 * SSM has no compare-and-swap on PutParameter, so a write is checked after the fact: read the latest
 * version r, put change(r), and compare the version PutParameter returns with r + 1.
 * - r + 1: nobody wrote in between; the write was made on top of exactly the version read.
 * - higher: others wrote after our read and ours overwrote them. Read every version they wrote
 *   (GetParameter `name:<version>`), merge them into ours as a union of entries, re-apply our change
 *   (changes are idempotent set operations) and put again, expecting latest + 1; random back-off;
 *   at most MAX_ATTEMPTS writes, else exit 1 (`still contended`).
 * - then two confirmation reads, right away and `settleMs` (2 s) later: if our change is no longer in
 *   the latest version (a run that had read an older version overwrote it), merge and go round again.
 *
 * Guarantee, for runs of this command: a revocation (a client id or jti added) that a run reported
 * as done is not dropped by another run's write: every write that lacks it was made on an older base,
 * and its run merges in all versions written after its base before it finishes (tested with two and
 * three runs that read the same version). Not guaranteed: (1) a run that fails (`still contended`, or
 * killed between its write and its merge) can leave others' entries out; run --list; (2) a removal
 * (--undo, --prune) racing with other writes can be undone by the union merge: the entry comes back
 * (fails closed; the command's own confirmation catches this for its own removal, not for a finished
 * run's); (3) for the few hundred ms between an overwrite and its repair, the parameter lacks the other
 * change, and an authorizer refreshing in that window keeps the shorter list until its next refresh;
 * (4) writers that do not follow the protocol (aws ssm put-parameter by hand) are merged in when seen,
 * but nothing checks their own writes.
 *
 * The file (the sandbox): an exclusive lock file beside it (`revocations.json.lock`, taken over after
 * 30 s) serialises `npm run revoke --local` runs; the content read is compared again (SHA-256) before
 * the temp file is renamed over the list, and a change by anything else in between means re-read,
 * re-apply, retry. The rename is atomic: the sandbox's authorizer never reads half a file.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { applyChange, byteLength, changeHolds, EMPTY_DOCUMENT, parseDocument, serializeDocument, SSM_STANDARD_MAX_BYTES, type Change, type DenyListDocument } from './document';

export const MAX_ATTEMPTS = 8;

/** Random pause before writing again after a conflict, so racing runs fall out of step (ms). */
export const defaultBackoff = (attempt: number): number => Math.random() * 100 * 2 ** Math.min(attempt, 4);

export class DenyListTooLargeError extends Error {}
export class ConcurrentWriteError extends Error {}

export interface UpdateResult {
  readonly before: DenyListDocument;
  readonly after: DenyListDocument;
  /** How many writes it took (1 without interference). */
  readonly attempts: number;
  /** Whether the document changed at all (nothing is written otherwise). */
  readonly changed: boolean;
  readonly version?: number;
}

export interface DenyListStore {
  readonly description: string;
  read(): Promise<DenyListDocument>;
  update(change: Change): Promise<UpdateResult>;
}

function checkedText(doc: DenyListDocument, description: string): string {
  const text = serializeDocument(doc);
  const bytes = byteLength(text);
  if (bytes > SSM_STANDARD_MAX_BYTES) {
    throw new DenyListTooLargeError(
      `${description}: the deny-list would be ${bytes} bytes, over the ${SSM_STANDARD_MAX_BYTES}-byte limit of a Standard SSM parameter (${doc.clientIds.length} client ids, ${doc.jtis.length} jtis); nothing was written. Run --prune to drop expired jti entries, or --undo entries no longer needed (a client whose secret was rotated or that was removed from the config).`,
    );
  }
  return text;
}

/** The few SSM calls used; an `SSMClient` fits. */
export interface SsmLike {
  send(command: unknown): Promise<unknown>;
}

export class SsmStore implements DenyListStore {
  readonly description: string;

  constructor(
    private readonly ssm: SsmLike,
    readonly parameterName: string,
    private readonly commands: typeof import('@aws-sdk/client-ssm'),
    private readonly backoff: (attempt: number) => number = defaultBackoff,
    /** The second confirmation read comes this long after the first (racing runs' repairs land in it). */
    private readonly settleMs = 2000,
  ) {
    this.description = `SSM parameter ${parameterName}`;
  }

  private async get(selector?: number): Promise<{ doc: DenyListDocument; version: number }> {
    const name = selector === undefined ? this.parameterName : `${this.parameterName}:${selector}`;
    const output = (await this.ssm.send(new this.commands.GetParameterCommand({ Name: name }))) as { Parameter?: { Value?: string; Version?: number } };
    const value = output.Parameter?.Value ?? '';
    const version = output.Parameter?.Version;
    if (version === undefined) throw new Error(`${this.description}: GetParameter returned no version`);
    try {
      return { doc: parseDocument(value), version };
    } catch (error) {
      throw new Error(`${this.description} (version ${version}) is not a valid deny-list: ${(error as Error).message}`);
    }
  }

  async read(): Promise<DenyListDocument> {
    return (await this.get()).doc;
  }

  async update(change: Change): Promise<UpdateResult> {
    const first = await this.get();
    const own = new Set<number>();
    let base: { doc: DenyListDocument; version: number } = first;
    let attempts = 0;
    let lastVersion = first.version;
    // Our write was not made on top of the latest version (or was overwritten): merge every version
    // others wrote after `from` into what we had (union, so no revocation of theirs is dropped), then go round.
    const rebase = async (from: { doc: DenyListDocument; version: number }) => {
      await sleep(this.backoff(attempts));
      const latest = await this.get();
      let doc = from.doc;
      for (let version = from.version + 1; version <= latest.version; version += 1) {
        if (!own.has(version)) doc = unionOf(doc, version === latest.version ? latest.doc : (await this.get(version)).doc);
      }
      return { doc, version: latest.version };
    };
    while (attempts < MAX_ATTEMPTS) {
      const next = applyChange(base.doc, change);
      const text = checkedText(next, this.description);
      if (attempts === 0 && text === serializeDocument(base.doc)) return { before: first.doc, after: base.doc, attempts: 0, changed: false, version: base.version };
      attempts += 1;
      const put = (await this.ssm.send(new this.commands.PutParameterCommand({ Name: this.parameterName, Value: text, Overwrite: true }))) as { Version?: number };
      if (put.Version === undefined) throw new Error(`${this.description}: PutParameter returned no version`);
      lastVersion = put.Version;
      own.add(put.Version);
      if (put.Version !== base.version + 1) {
        // Versions base+1 .. put-1 were written by others after our read; ours dropped their changes.
        base = await rebase(base);
        continue;
      }
      const mine = { doc: next, version: put.Version };
      let latest = await this.get();
      if (changeHolds(latest.doc, change)) {
        await sleep(this.settleMs);
        latest = await this.get();
        if (changeHolds(latest.doc, change)) return { before: first.doc, after: latest.doc, attempts, changed: true, version: lastVersion };
      }
      base = await rebase(mine); // a run with an older base overwrote us after our write: merge and go round
    }
    throw new ConcurrentWriteError(`${this.description}: still contended after ${MAX_ATTEMPTS} writes (last version ${lastVersion}); run the command again, then --list`);
  }
}

/** Both documents' entries (notes: the first's win); the other top-level keys of `b`. */
export function unionOf(a: DenyListDocument, b: DenyListDocument): DenyListDocument {
  const merge = (x: readonly string[], y: readonly string[]) => [...x, ...y.filter((id) => !x.includes(id))];
  return { clientIds: merge(a.clientIds, b.clientIds), jtis: merge(a.jtis, b.jtis), notes: { ...b.notes, ...a.notes }, extra: { ...a.extra, ...b.extra } };
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class FileStore implements DenyListStore {
  readonly description: string;

  constructor(
    readonly file: string,
    /** Called between reading and renaming (tests use it to interleave a write). */
    private readonly beforeRename?: (attempt: number) => void | Promise<void>,
  ) {
    this.description = `file ${file}`;
  }

  private readText(): string {
    try {
      return fs.readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
      throw error;
    }
  }

  async read(): Promise<DenyListDocument> {
    const text = this.readText();
    return text === '' ? EMPTY_DOCUMENT : parseDocument(text);
  }

  private async lock(): Promise<() => void> {
    const lockFile = `${this.file}.lock`;
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    for (let i = 0; ; i += 1) {
      try {
        fs.writeFileSync(lockFile, String(process.pid), { flag: 'wx', mode: 0o600 });
        return () => fs.rmSync(lockFile, { force: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const age = Date.now() - (fs.statSync(lockFile, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
        if (age > 30_000) fs.rmSync(lockFile, { force: true }); // left by a run that crashed
        else if (i > 200) throw new ConcurrentWriteError(`${this.description}: locked by ${lockFile} for ${Math.round(age / 1000)} s; remove it if no revoke is running`);
        else await sleep(25);
      }
    }
  }

  async update(change: Change): Promise<UpdateResult> {
    const unlock = await this.lock();
    try {
      let before: DenyListDocument | undefined;
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
        const text = this.readText();
        const doc = text === '' ? EMPTY_DOCUMENT : parseDocument(text);
        before ??= doc;
        const next = applyChange(doc, change);
        const nextText = checkedText(next, this.description);
        if (nextText === serializeDocument(doc)) return { before, after: doc, attempts: attempt - 1, changed: false };
        const temp = `${this.file}.${process.pid}.${attempt}.tmp`;
        fs.writeFileSync(temp, `${nextText}\n`, { mode: 0o600 });
        await this.beforeRename?.(attempt);
        if (sha256(this.readText()) !== sha256(text)) {
          fs.rmSync(temp, { force: true }); // changed since our read: re-read and re-apply
          continue;
        }
        fs.renameSync(temp, this.file);
        return { before, after: next, attempts: attempt, changed: true };
      }
      throw new ConcurrentWriteError(`${this.description}: changed by something else on each of ${MAX_ATTEMPTS} attempts; run the command again`);
    } finally {
      unlock();
    }
  }
}
