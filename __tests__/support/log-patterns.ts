/**
 * A reading of CloudWatch Logs space-delimited filter patterns (`[a, b="x", ...]`), enough to check
 * which log lines the alarms' metric filters count: fields are split on spaces, with "quoted" and
 * [bracketed] fields taken whole; `name="value"` must equal the field; a final `...` takes the rest.
 */
export function matchesSpaceDelimited(pattern: string, line: string): boolean {
  const body = /^\[(.*)\]$/.exec(pattern.trim());
  if (!body) throw new Error(`not a space-delimited pattern: ${pattern}`);
  const columns = body[1].split(',').map((column) => column.trim());
  const fields = (line.match(/"[^"]*"|\[[^\]]*\]|\S+/g) ?? []).map((field) => field.replace(/^"(.*)"$/, '$1'));
  const open = columns[columns.length - 1] === '...';
  const named = open ? columns.slice(0, -1) : columns;
  if (open ? fields.length < named.length : fields.length !== named.length) return false;
  return named.every((column, i) => {
    const condition = /^[A-Za-z_]\w*\s*=\s*"(.*)"$/.exec(column);
    return !condition || fields[i] === condition[1];
  });
}
