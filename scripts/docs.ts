/**
 * `npm run docs [-- --check] [--readme <file>]`: regenerates every generated region of README.md
 * (lib/docs/readme-regions.ts, and the cost estimate of scripts/cost/readme.ts) from the config (`M2M_AUTH_CONFIG` or config/environments.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigValidationError, loadEnvironments } from '../lib/config/load';
import { README_REGIONS, ReadmeMarkerError, renderReadme, staleReadmeMessage } from '../lib/docs/readme-regions';
import { COST_README_REGION } from './cost/readme';

/** The config's regions (lib/docs) and the cost estimate (scripts/cost), which needs the synthesized stacks. */
const REGIONS = [...README_REGIONS, COST_README_REGION];

const USAGE = `usage: npm run docs [-- --check] [--readme <file>]

Regenerates the generated regions of README.md (${REGIONS.map((region) => region.marker).join(', ')}: the text between
<!-- <region>:start --> and <!-- <region>:end -->) from the config: config/environments.ts, or the
module named by M2M_AUTH_CONFIG.

  --check           write nothing; exit 1 and name the stale regions when README.md differs
  --readme <file>   the README to regenerate (default: README.md in the project root)
  --help            this text`;

/** Runs the command with `args`; returns the exit code. */
function main(args: readonly string[], env: NodeJS.ProcessEnv): number {
  let values: { check?: boolean; readme?: string; help?: boolean };
  try {
    ({ values } = parseArgs({ args: [...args], options: { check: { type: 'boolean' }, readme: { type: 'string' }, help: { type: 'boolean' } } }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const readmePath = path.resolve(values.readme ?? path.join(__dirname, '..', 'README.md'));
  try {
    const before = fs.readFileSync(readmePath, 'utf8');
    const { text, stale } = renderReadme(before, loadEnvironments(env), REGIONS);
    if (values.check) {
      if (stale.length > 0) {
        console.error(staleReadmeMessage(stale));
        return 1;
      }
      console.log(`${path.basename(readmePath)} is up to date`);
      return 0;
    }
    if (stale.length > 0) fs.writeFileSync(readmePath, text);
    console.log(stale.length === 0 ? `${path.basename(readmePath)} was up to date` : `${path.basename(readmePath)}: regenerated ${stale.map((marker) => `"${marker}"`).join(', ')}`);
    return 0;
  } catch (error) {
    if (error instanceof ConfigValidationError || error instanceof ReadmeMarkerError) console.error(error.message);
    else console.error(`docs: ${(error as Error).message}`);
    return 1;
  }
}

process.exitCode = main(process.argv.slice(2), process.env);
