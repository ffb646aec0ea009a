/**
 * The client registry's layout in SSM: which clients go into which Standard parameter. The authorizer
 * reads every part at init and on each refresh (lambdas/authorizer, `CLIENT_REGISTRY_PARAMETERS`); a
 * part is a JSON array of `[clientId, name, scopes]`. Client ids exist only after apply, so each part's
 * size is worked out here, at synth, with Cognito's client id length.
 */

/** A Standard SSM parameter holds at most 4 KB; Advanced ones (8 KB) are billed per parameter. */
export const SSM_STANDARD_MAX_BYTES = 4096;
/** Cognito's app client ids are 26 characters (the API allows up to 128). */
export const COGNITO_CLIENT_ID_LENGTH = 26;
/**
 * Parts are packed as if every id were twice Cognito's length, so longer ids would still fit; and SSM
 * refuses an over-long value at apply time (never a silent truncation).
 */
export const PACKING_CLIENT_ID_LENGTH = 2 * COGNITO_CLIENT_ID_LENGTH;
/** The construct id of part `i` is `<prefix><i>`; the plan guard knows parts by it. */
export const CLIENT_REGISTRY_PART_ID_PREFIX = 'client_registry_';

/** What a part says of one client, besides the id Cognito assigns. */
export interface RegistryClient {
  readonly name: string;
  /** Bare scope names (`read`). */
  readonly scopes: readonly string[];
}

/** The bytes one client takes in a part, with an id of {@link PACKING_CLIENT_ID_LENGTH} and the separating comma. */
export function registryEntryBytes(client: RegistryClient): number {
  return Buffer.byteLength(JSON.stringify(['x'.repeat(PACKING_CLIENT_ID_LENGTH), client.name, client.scopes])) + 1;
}

/**
 * The clients of each part, in config order, each part within {@link SSM_STANDARD_MAX_BYTES}.
 * Always at least one part (empty when there are no clients), so the authorizer always has one to read.
 *
 * @example
 * registryParts([{ name: 'billing-batch', scopes: ['read'] }]) // => [[{ name: 'billing-batch', scopes: ['read'] }]]
 */
export function registryParts<T extends RegistryClient>(clients: readonly T[]): T[][] {
  const parts: T[][] = [[]];
  let used = 2; // the array's brackets
  for (const client of clients) {
    const bytes = registryEntryBytes(client);
    if (bytes + 2 > SSM_STANDARD_MAX_BYTES) throw new Error(`client ${client.name}: its registry entry (${bytes} bytes) does not fit a part of ${SSM_STANDARD_MAX_BYTES} bytes`);
    if (used + bytes > SSM_STANDARD_MAX_BYTES) {
      parts.push([]);
      used = 2;
    }
    parts[parts.length - 1].push(client);
    used += bytes;
  }
  return parts;
}
