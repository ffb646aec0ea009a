/**
 * `npm run bench [-- section...]`: runs the benchmark sections in order (all by default) and prints
 * one `<name>: <number> <unit>` line per figure on stdout; progress goes to stderr.
 *
 * A section is a module under bench/ exporting `run(report)`; add it to SECTIONS to include it.
 */
import { report, type Report } from './report';

interface Section {
  run(report: Report): Promise<void>;
}

const SECTIONS: Record<string, () => Promise<Section>> = {
  synth: () => import('./synth'),
  authorizer: () => import('./authorizer'),
  client: () => import('./client'),
  local: () => import('./local'),
  scale: () => import('./scale'),
  'token-paths': () => import('./token-paths'),
};

async function main(args: string[]): Promise<void> {
  const unknown = args.filter((name) => !(name in SECTIONS));
  if (unknown.length > 0) {
    throw new Error(`unknown bench section(s): ${unknown.join(', ')}; known: ${Object.keys(SECTIONS).join(', ')}`);
  }
  const selected = args.length > 0 ? Object.keys(SECTIONS).filter((name) => args.includes(name)) : Object.keys(SECTIONS);
  for (const name of selected) {
    const started = Date.now();
    process.stderr.write(`== ${name}\n`);
    const section = await SECTIONS[name]();
    await section.run(report);
    process.stderr.write(`== ${name} done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
