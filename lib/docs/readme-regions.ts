import type { EnvironmentConfig } from '../config/schema';
import { routeTablesMarkdown } from './route-docs';

/**
 * A generated part of README.md: the text between `<!-- <marker>:start -->` and
 * `<!-- <marker>:end -->`, rendered from the config.
 */
export interface ReadmeRegion {
  /** `routes`: the region is delimited by `<!-- routes:start -->` and `<!-- routes:end -->`. */
  readonly marker: string;
  /** What the README says between the markers (without the surrounding newlines). */
  readonly render: (environments: readonly EnvironmentConfig[]) => string;
}

/** Every generated region of README.md; `npm run docs` writes them, a test keeps them current. */
export const README_REGIONS: readonly ReadmeRegion[] = [{ marker: 'routes', render: routeTablesMarkdown }];

/** The command that regenerates the README, quoted in every stale-README message. */
export const DOCS_COMMAND = 'npm run docs';

/** The README lacks a region's markers: a caller mistake, fixed by adding them. */
export class ReadmeMarkerError extends Error {
  constructor(readonly marker: string, detail: string) {
    super(`README.md: region "${marker}": ${detail}; put <!-- ${marker}:start --> and <!-- ${marker}:end --> on lines of their own, once each, where the generated text belongs`);
    this.name = 'ReadmeMarkerError';
  }
}

export interface RenderedReadme {
  /** The README with every region regenerated. */
  readonly text: string;
  /** The markers of the regions whose text changed, in README_REGIONS order. */
  readonly stale: readonly string[];
}

/**
 * `readme` with every region of `regions` regenerated for `environments`, and which of them were
 * stale. Text outside the markers is kept byte for byte. Throws {@link ReadmeMarkerError} when a
 * region's markers are missing, repeated or out of order.
 *
 * @example
 * const { text, stale } = renderReadme(fs.readFileSync('README.md', 'utf8'), loadEnvironments());
 */
export function renderReadme(readme: string, environments: readonly EnvironmentConfig[], regions: readonly ReadmeRegion[] = README_REGIONS): RenderedReadme {
  let text = readme;
  const stale: string[] = [];
  for (const region of regions) {
    const start = `<!-- ${region.marker}:start -->\n`;
    const end = `\n<!-- ${region.marker}:end -->`;
    const from = onlyIndexOf(text, start, region.marker);
    const to = onlyIndexOf(text, end, region.marker);
    if (to < from + start.length - 1) throw new ReadmeMarkerError(region.marker, 'the end marker comes before the start marker');
    const current = text.slice(from + start.length, to);
    const rendered = region.render(environments);
    if (current !== rendered) stale.push(region.marker);
    text = text.slice(0, from + start.length) + rendered + text.slice(to);
  }
  return { text, stale };
}

function onlyIndexOf(text: string, marker: string, name: string): number {
  const first = text.indexOf(marker);
  if (first < 0) throw new ReadmeMarkerError(name, `no ${JSON.stringify(marker.trim())} line`);
  if (text.indexOf(marker, first + 1) >= 0) throw new ReadmeMarkerError(name, `${JSON.stringify(marker.trim())} appears more than once`);
  return first;
}

/**
 * One line naming the stale regions and the fix, or '' when README.md is current.
 *
 * @example
 * staleReadmeMessage(['routes']); // 'README.md is stale: the generated region "routes" differs from the config; run `npm run docs` and commit README.md'
 */
export function staleReadmeMessage(stale: readonly string[]): string {
  if (stale.length === 0) return '';
  const regions = stale.map((marker) => `"${marker}"`).join(', ');
  return `README.md is stale: the generated region${stale.length === 1 ? '' : 's'} ${regions} differ${stale.length === 1 ? 's' : ''} from the config; run \`${DOCS_COMMAND}\` and commit README.md`;
}
