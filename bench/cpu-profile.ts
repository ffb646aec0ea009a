/**
 * Where the time of a decision goes: a V8 CPU profile (`.cpuprofile`, as `node --cpu-prof` or the
 * inspector's Profiler writes it) of a batch of handler calls, attributed to parts of the authorizer.
 *
 * The profiled bundle is built unminified: esbuild then starts each input module with a
 * `// <path>` comment, which maps every sampled line back to its source module. A sample is
 * attributed by its innermost frame that says something: a native frame for the signature check or
 * the stdout write, else the module of the innermost bundled frame.
 */

export interface CpuProfile {
  readonly nodes: ReadonlyArray<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }>;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

/** The parts of a decision, in the order the breakdown prints them. */
export const PARTS = [
  'verify: RSA signature (node crypto)',
  'verify: aws-jwt-verify (decode, claims, key lookup)',
  'token prechecks (header, shape)',
  'claims -> principal (roles, scopes)',
  'decision cache',
  'deny-list + route + flow (handler, authorizer)',
  'IAM policy (cached per roles set)',
  'decision line: serialization',
  'stdout write (timed: with writes - without)',
  'Powertools Logger',
  'Powertools Metrics (EMF)',
  'garbage collection',
  'other (bench loop, runtime, idle)',
] as const;
export type Part = (typeof PARTS)[number];

const BY_MODULE: ReadonlyArray<[RegExp, Part]> = [
  [/aws-jwt-verify\//, 'verify: aws-jwt-verify (decode, claims, key lookup)'],
  [/lambdas\/authorizer\/token\.ts$/, 'token prechecks (header, shape)'],
  [/lambdas\/authorizer\/(principal|permission-model)\.ts$/, 'claims -> principal (roles, scopes)'],
  [/lambdas\/authorizer\/decision-cache\.ts$/, 'decision cache'],
  [/lambdas\/authorizer\/routes\.ts$/, 'IAM policy (cached per roles set)'],
  [/lambdas\/authorizer\/(decision-line|observability)\.ts$/, 'decision line: serialization'],
  [/lambdas\/authorizer\/|bench\/peer-authorizer\.ts$/, 'deny-list + route + flow (handler, authorizer)'],
  [/@aws-lambda-powertools\/metrics\//, 'Powertools Metrics (EMF)'],
  [/@aws-lambda-powertools\/(logger|commons)\/|@aws\/lambda-invoke-store\//, 'Powertools Logger'],
];

/** Native and node-internal frames that are a part of their own, whoever called them. */
function nativePart(functionName: string, url: string): Part | undefined {
  if (functionName === '(garbage collector)') return 'garbage collection';
  if (/^node:internal\/(streams|fs|net|stream_base_commons|console)|^node:(net|fs|tty)$/.test(url) || /^(writeBuffer|writeUtf8String|writeString|writev)$/.test(functionName)) return 'stdout write (timed: with writes - without)';
  if (/^node:internal\/crypto\/sig/.test(url) || (url === '' && /^(verify|Verify|update|Update|createVerify)$/.test(functionName))) return 'verify: RSA signature (node crypto)';
  return undefined;
}

/** Start line (0-based) -> module path, from the `// path` comments of an unminified esbuild bundle. */
export function moduleLinesOf(bundleCode: string): Array<{ line: number; module: string }> {
  const starts: Array<{ line: number; module: string }> = [];
  bundleCode.split('\n').forEach((text, line) => {
    const match = /^\/\/ ((?:node_modules|lambdas|bench|lib)\/\S+)$/.exec(text);
    if (match) starts.push({ line, module: match[1] });
  });
  return starts;
}

/**
 * The share of the profiled time (0..1) spent in each part. `bundleUrlSuffix` names the profiled
 * bundle's file, whose frames are mapped with `moduleLines`.
 */
export function breakdown(profile: CpuProfile, bundleUrlSuffix: string, moduleLines: ReadonlyArray<{ line: number; module: string }>): Map<Part, number> {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const moduleAt = (line: number) => {
    let found: string | undefined;
    for (const start of moduleLines) if (start.line <= line) found = start.module;
    return found;
  };
  const partCache = new Map<number, Part>();
  const partOf = (id: number): Part => {
    const known = partCache.get(id);
    if (known) return known;
    let part: Part = 'other (bench loop, runtime, idle)';
    for (let at: number | undefined = id; at !== undefined; at = parents.get(at)) {
      const { functionName, url, lineNumber } = nodes.get(at)!.callFrame;
      const native = nativePart(functionName, url);
      if (native) {
        part = native;
        break;
      }
      const module = url.endsWith(bundleUrlSuffix) ? moduleAt(lineNumber) : undefined;
      const match = module === undefined ? undefined : BY_MODULE.find(([pattern]) => pattern.test(module));
      if (match) {
        part = match[1];
        break;
      }
    }
    partCache.set(id, part);
    return part;
  };
  const micros = new Map<Part, number>(PARTS.map((part) => [part, 0]));
  let total = 0;
  // timeDeltas[i] is the time before sample i; the time a sample stands for is the delta that follows it.
  profile.samples.forEach((id, i) => {
    const part = partOf(id);
    const delta = profile.timeDeltas[i + 1] ?? 0;
    micros.set(part, micros.get(part)! + delta);
    total += delta;
  });
  for (const part of PARTS) micros.set(part, total > 0 ? micros.get(part)! / total : 0);
  return micros;
}
