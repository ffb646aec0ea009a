/**
 * The deny-list document as `npm run revoke` edits it. The authorizer reads only `clientIds` and `jtis`
 * (string arrays, lambdas/authorizer/deny-list.ts); the command keeps what it knows about each entry in
 * an extra top-level key the authorizer ignores: `"notes": {"<id or jti>": {"reason", "at", "expiresAt"}}`.
 * Every document written is checked with the authorizer's own parser first.
 */
import { parseRevocations } from '../../lambdas/authorizer/deny-list';

/** SSM Standard-tier parameter values hold at most 4 KB. */
export const SSM_STANDARD_MAX_BYTES = 4096;

export interface EntryNote {
  readonly reason?: string;
  /** When the entry was added (ISO 8601). */
  readonly at: string;
  /** jti entries: after this the token has expired for sure and `--prune` removes the entry. */
  readonly expiresAt?: string;
}

export interface DenyListDocument {
  readonly clientIds: readonly string[];
  readonly jtis: readonly string[];
  readonly notes: Readonly<Record<string, EntryNote>>;
  /** Any other top-level keys found in the document, kept as they are. */
  readonly extra: Readonly<Record<string, unknown>>;
}

export const EMPTY_DOCUMENT: DenyListDocument = { clientIds: [], jtis: [], notes: {}, extra: {} };

/** Parses a stored deny-list (as the authorizer does, plus the notes); an empty value is an empty list. */
export function parseDocument(text: string): DenyListDocument {
  if (text.trim() === '') return EMPTY_DOCUMENT;
  const revocations = parseRevocations(text);
  const { clientIds: _c, jtis: _j, notes, ...extra } = JSON.parse(text) as Record<string, unknown>;
  const cleanNotes: Record<string, EntryNote> = {};
  if (notes && typeof notes === 'object' && !Array.isArray(notes)) {
    for (const [key, note] of Object.entries(notes as Record<string, unknown>)) {
      if (note && typeof note === 'object' && typeof (note as EntryNote).at === 'string') cleanNotes[key] = note as EntryNote;
    }
  }
  return { clientIds: [...revocations.clientIds], jtis: [...revocations.jtis], notes: cleanNotes, extra };
}

/** Compact JSON (the size counts against the 4 KB limit), checked with the authorizer's parser. */
export function serializeDocument(doc: DenyListDocument): string {
  const notes = Object.fromEntries(Object.entries(doc.notes).filter(([key]) => doc.clientIds.includes(key) || doc.jtis.includes(key)));
  const text = JSON.stringify({ ...doc.extra, clientIds: doc.clientIds, jtis: doc.jtis, ...(Object.keys(notes).length > 0 ? { notes } : {}) });
  const parsed = parseRevocations(text);
  if (parsed.clientIds.size !== new Set(doc.clientIds).size || parsed.jtis.size !== new Set(doc.jtis).size) throw new Error('deny-list did not round-trip through the authorizer parser');
  return text;
}

export function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** One edit of the list. Edits are idempotent set operations, so re-applying one on a newer version merges it. */
export type Change =
  | { readonly kind: 'add'; readonly list: 'clientIds' | 'jtis'; readonly id: string; readonly note: EntryNote }
  | { readonly kind: 'remove'; readonly list: 'clientIds' | 'jtis'; readonly id: string }
  | { readonly kind: 'prune'; readonly now: Date };

export function applyChange(doc: DenyListDocument, change: Change): DenyListDocument {
  switch (change.kind) {
    case 'add': {
      const list = doc[change.list].includes(change.id) ? doc[change.list] : [...doc[change.list], change.id];
      const notes = doc[change.list].includes(change.id) && doc.notes[change.id] ? doc.notes : { ...doc.notes, [change.id]: change.note };
      return { ...doc, [change.list]: list, notes };
    }
    case 'remove': {
      const next = { ...doc, [change.list]: doc[change.list].filter((id) => id !== change.id) };
      const { [change.id]: _removed, ...notes } = doc.notes;
      return next.clientIds.includes(change.id) || next.jtis.includes(change.id) ? next : { ...next, notes };
    }
    case 'prune':
      return { ...doc, jtis: doc.jtis.filter((jti) => !isExpired(doc.notes[jti], change.now)) };
  }
}

/** A jti entry whose token has certainly expired (its note says when); entries without a note are kept. */
export function isExpired(note: EntryNote | undefined, now: Date): boolean {
  return note?.expiresAt !== undefined && Date.parse(note.expiresAt) <= now.getTime();
}

/** Whether the change is in the document (the confirmation read checks this). */
export function changeHolds(doc: DenyListDocument, change: Change): boolean {
  switch (change.kind) {
    case 'add':
      return doc[change.list].includes(change.id);
    case 'remove':
      return !doc[change.list].includes(change.id);
    case 'prune':
      return !doc.jtis.some((jti) => isExpired(doc.notes[jti], change.now));
  }
}
