// Preloaded into a benchmarked child (`node --require bench/rss-probe.cjs ...`): on exit, writes the
// process's peak resident set size in kilobytes (process.resourceUsage().maxRSS) to $BENCH_RSS_FILE.
'use strict';
const fs = require('node:fs');

const file = process.env.BENCH_RSS_FILE;
if (file) {
  process.on('exit', () => {
    fs.writeFileSync(file, String(process.resourceUsage().maxRSS));
  });
}
