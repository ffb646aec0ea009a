/**
 * How a bench section reports a figure: one `<name>: <number> <unit>` line on stdout, the only thing
 * `npm run bench` prints there (progress goes to stderr).
 */
export type Report = (name: string, value: number, unit: string) => void;

/** Prints one figure, rounded to two decimals; a figure that is not a finite number is a bench bug. */
export const report: Report = (name, value, unit) => {
  if (!Number.isFinite(value)) throw new Error(`bench figure ${name} is not a finite number: ${value}`);
  process.stdout.write(`${name}: ${Math.round(value * 100) / 100} ${unit}\n`);
};

/**
 * Prints `<name>: SKIPPED (<reason>)` where a figure would be, for a figure this machine cannot
 * measure (no terraform, no provider mirror): never a silent pass.
 */
export function reportSkipped(name: string, reason: string): void {
  process.stdout.write(`${name}: SKIPPED (${reason})\n`);
}
