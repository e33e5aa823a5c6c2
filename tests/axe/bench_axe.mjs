// CPU time of axe-core + jsdom per page, for hack/bench/audit_engine.sh.
//   node bench_axe.mjs --rules id,id --repeat N FILE...
// Prints one JSON line per file: {file, bytes, cpu_ns_median, runs}. Each run parses the page into a new
// jsdom window and runs axe on it with only the given rules; its CPU time is this process's user + system
// time around those two steps (process.cpuUsage, so V8's compiler and GC threads count). Loading axe's
// source into each window is left out (it does not depend on the page), and one warm-up run on the first
// page comes before any measurement, so V8 has compiled axe and jsdom.
import fs from 'node:fs';
import { loadPage, runAxe } from './parity.mjs';

const argv = process.argv.slice(2);
let rules = null, repeat = 3;
const files = [];
for (let i = 0; i < argv.length; ++i) {
  if (argv[i] === '--rules') rules = argv[++i].split(',');
  else if (argv[i] === '--repeat') repeat = Math.max(1, Number(argv[++i]));
  else files.push(argv[i]);
}

async function once(html) {
  const dom = loadPage('');   // a window with axe loaded; the page itself is parsed inside the timed part
  const t0 = process.cpuUsage();
  dom.window.document.open();
  dom.window.document.write(html);
  dom.window.document.close();
  await runAxe(dom, rules);
  const d = process.cpuUsage(t0);
  dom.window.close();
  return (d.user + d.system) * 1000;
}

if (files.length) await once(fs.readFileSync(files[0], 'utf8'));
for (const file of files) {
  const html = fs.readFileSync(file, 'utf8');
  const runs = [];
  for (let r = 0; r < repeat; ++r) runs.push(await once(html));
  runs.sort((a, b) => a - b);
  console.log(JSON.stringify({ file, bytes: Buffer.byteLength(html), cpu_ns_median: runs[Math.floor(runs.length / 2)], runs: repeat }));
}
