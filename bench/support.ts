/** Helpers shared by the bench sections. */

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** A whole number >= 1 from the environment variable `name`, or `fallback`. */
export function countFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const count = Number(raw);
  if (!Number.isInteger(count) || count < 1) throw new Error(`${name} must be a whole number >= 1, got "${raw}"`);
  return count;
}

/** A progress line on stderr, so stdout keeps only the figures. */
export function progressOf(section: string): (message: string) => void {
  return (message) => process.stderr.write(`[${section}] ${message}\n`);
}
