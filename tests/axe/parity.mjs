// Compares axe-core (under jsdom) with the engine's findings, per rule id and per node.
//   node parity.mjs (--corpus DIR | --pages LIST) --ours FILE.jsonl --rules FILE.jsonl [--baseline FILE]
//                   [--check|--record] [--details] [--json OUT] [--axe-cache DIR]
// FILE.jsonl is audit-corpus's output for the pages (the *.html files of DIR, or the paths listed one a line in
// LIST, as given to audit-corpus); --rules is `audit-corpus --list-rules`.
// Nodes are matched by element identity: both sides' nodes are resolved in the same jsdom document (axe hands
// back the element itself; the engine's selector path is resolved with querySelector) and keyed by the chain of
// child indices from <html>. Both parsers follow the HTML standard's tree construction, so the trees agree.
//
// Per implemented rule (the engine's axe-sourced rules) it prints:
//   axe       nodes axe reports as violations (plus, for the rules whose findings all need review, as incomplete)
//   found     how many of those the engine reports too (as a violation or as needs review)
//   extra     engine findings on nodes axe does not report
//   onPass    of those, nodes axe checked and passed; passRate = onPass / axe's passing nodes
// --check fails (exit 1) when any rule's found share is lower, its passRate higher, or its extra count higher
// than the baseline records; --record writes the current figures as the baseline.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { JSDOM, VirtualConsole } from 'jsdom';
import { installStaticLayout } from './layout.mjs';

const require = createRequire(import.meta.url);
// Rules axe cannot decide under jsdom, which has no layout; printed but not held to the baseline. (None now:
// color-contrast runs in a second window with layout.mjs's static layout, in which every element's box lies
// inside its parent's: the assumption the engine makes.)
const NEEDS_LAYOUT = new Set([]);
const STATIC_LAYOUT_RULES = ['color-contrast'];
const layoutSource = fs.readFileSync(new URL('./layout.mjs', import.meta.url), 'utf8');
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const axeVersion = JSON.parse(fs.readFileSync(require.resolve('axe-core/package.json'), 'utf8')).version;

function args(argv) {
  const out = { flags: new Set() };
  for (let i = 2; i < argv.length; ++i) {
    const a = argv[i];
    if (['--corpus', '--pages', '--ours', '--rules', '--baseline', '--json', '--axe-cache'].includes(a)) {
      out[a.slice(2).replace(/-(.)/g, (_, c) => c.toUpperCase())] = argv[++i];
    }
    else out.flags.add(a);
  }
  return out;
}

// One jsdom window per page, with axe loaded into it; no page scripts run and nothing is fetched.
export function loadPage(html) {
  const virtualConsole = new VirtualConsole();   // jsdom's CSS parser complaints are not our findings
  const dom = new JSDOM(html, { pretendToBeVisual: true, runScripts: 'outside-only', virtualConsole });
  dom.window.eval(axeSource);
  return dom;
}

export async function runAxe(dom, ruleIds) {
  const options = { elementRef: true, resultTypes: ['violations', 'incomplete', 'passes', 'inapplicable'] };
  if (ruleIds) options.runOnly = { type: 'rule', values: ruleIds };
  return dom.window.axe.run(dom.window.document, options);
}

// axe's verdicts on a page as element keys per rule id: {violations, incomplete, passes}. With a cache
// directory they are kept per page content and axe version, and a later run only parses the page (to resolve
// the engine's selectors) instead of running axe again.
export async function axeResult(html, cacheDir) {
  const file = cacheDir &&
    path.join(cacheDir, `${crypto.createHash('sha256').update(html).update(axeVersion).update(layoutSource).digest('hex')}.json`);
  if (file && fs.existsSync(file)) {
    const virtualConsole = new VirtualConsole();
    return { dom: new JSDOM(html, { virtualConsole }), axe: JSON.parse(fs.readFileSync(file, 'utf8')) };
  }
  const dom = loadPage(html);
  const result = await runAxe(dom);
  const keysOf = (list) => Object.fromEntries(list.map((rule) => [rule.id, rule.nodes.map((n) => elementKey(n.element))]));
  const axe = { violations: keysOf(result.violations), incomplete: keysOf(result.incomplete), passes: keysOf(result.passes) };
  // The rules that need layout, in a window of their own with the static layout.
  const laidOut = loadPage(html);
  installStaticLayout(laidOut.window);
  const layoutResult = await runAxe(laidOut, STATIC_LAYOUT_RULES);
  for (const kind of ['violations', 'incomplete', 'passes']) {
    for (const id of STATIC_LAYOUT_RULES) delete axe[kind][id];
    Object.assign(axe[kind], keysOf(layoutResult[kind]));
  }
  laidOut.window.close();
  if (file) {
    fs.mkdirSync(cacheDir, { recursive: true });
    fs.writeFileSync(file, JSON.stringify(axe));
  }
  return { dom, axe };
}

function elementKey(el) {
  const parts = [];
  for (let n = el; n && n.parentElement; n = n.parentElement) {
    parts.push(Array.prototype.indexOf.call(n.parentElement.children, n));
  }
  return parts.reverse().join('.') || 'root';
}

function resolveOurs(document, selector) {
  try {
    const el = document.querySelector(selector);
    return el ? elementKey(el) : null;
  } catch {
    return null;
  }
}

function emptyCounts() {
  return { axe: 0, found: 0, extra: 0, onPass: 0, onIncomplete: 0, axePasses: 0, axeIncomplete: 0, unresolved: 0 };
}

async function compare(opts) {
  const implemented = fs.readFileSync(opts.rules, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    .filter((r) => r.source === 'axe-core');
  const reviewRule = new Map(implemented.map((r) => [r.id, r.review]));
  const ours = new Map();
  for (const line of fs.readFileSync(opts.ours, 'utf8').trim().split('\n')) {
    const rec = JSON.parse(line);
    ours.set(path.resolve(rec.file), rec.findings);
  }
  const pages = opts.pages
    ? fs.readFileSync(opts.pages, 'utf8').split('\n').filter((l) => l.trim())
    : fs.readdirSync(opts.corpus).filter((f) => f.endsWith('.html')).sort().map((f) => path.join(opts.corpus, f));
  const perRule = new Map(implemented.map((r) => [r.id, emptyCounts()]));
  const coverage = new Map();   // axe rule id -> { nodes, pages } for rules the engine does not implement
  // Issue 14 §3's figure: of all the nodes axe reports as violations (any rule, measured rules), how many are
  // under a rule id the engine implements, and how many of those the engine reports on the same node.
  const cover = { axeNodes: 0, implemented: 0, found: 0 };
  const details = [];
  const contrastTable = {};   // "ours/axe" -> count, for color-contrast
  for (const pagePath of pages) {
    const page = opts.pages ? pagePath : path.basename(pagePath);
    const html = fs.readFileSync(pagePath, 'utf8');
    const { dom, axe } = await axeResult(html, opts.axeCache);
    const doc = dom.window.document;
    const asSets = (byRule) => new Map(Object.entries(byRule).map(([id, keys]) => [id, new Set(keys)]));
    const violations = asSets(axe.violations), incomplete = asSets(axe.incomplete), passes = asSets(axe.passes);
    for (const [rule, keys] of violations) if (!NEEDS_LAYOUT.has(rule)) cover.axeNodes += keys.size;
    for (const [id, keys] of violations) {
      if (reviewRule.has(id)) continue;
      const c = coverage.get(id) || { nodes: 0, pages: 0 };
      c.nodes += keys.size; c.pages += 1;
      coverage.set(id, c);
    }
    const findings = ours.get(path.resolve(pagePath));
    if (!findings) throw new Error(`no engine result for ${pagePath}`);
    for (const [rule, counts] of perRule) {
      const axeFlag = new Set(violations.get(rule) || []);
      const axeIncomplete = incomplete.get(rule) || new Set();
      if (reviewRule.get(rule)) for (const k of axeIncomplete) axeFlag.add(k);
      const axePass = passes.get(rule) || new Set();
      const mine = new Map();
      for (const f of findings.filter((x) => x.rule === rule)) {
        const key = resolveOurs(doc, f.selector);
        if (key !== null && rule === 'color-contrast') {
          const axeSays = (violations.get(rule) || new Set()).has(key) ? 'violation'
            : (incomplete.get(rule) || new Set()).has(key) ? 'incomplete' : (passes.get(rule) || new Set()).has(key) ? 'pass' : 'untested';
          const c = contrastTable[`${f.review ? 'review' : 'violation'}/${axeSays}`] ??= { n: 0 };
          c.n += 1;
          if (opts.flags.has('--details') && !(axeSays === 'violation' && !f.review)) details.push(`${page} color-contrast ours=${f.review ? 'review' : 'violation'} axe=${axeSays}: ${f.selector}`);
        }
        if (key === null) {
          counts.unresolved += 1; counts.extra += 1;
          details.push(`${page} ${rule} extra (selector not found in jsdom's tree): ${f.selector}`);
          continue;
        }
        mine.set(key, f.selector);
      }
      counts.axe += axeFlag.size;
      counts.axePasses += axePass.size;
      counts.axeIncomplete += axeIncomplete.size;
      if (!NEEDS_LAYOUT.has(rule)) {
        for (const k of violations.get(rule) || []) {
          cover.implemented += 1;
          if (mine.has(k)) cover.found += 1;
        }
      }
      for (const k of axeFlag) {
        if (mine.has(k)) counts.found += 1;
        else details.push(`${page} ${rule} missed: ${selectorOf(doc, k)}`);
      }
      for (const [k, sel] of mine) {
        if (axeFlag.has(k)) continue;
        if (axeIncomplete.has(k)) { counts.onIncomplete += 1; continue; }
        counts.extra += 1;
        if (axePass.has(k)) counts.onPass += 1;
        details.push(`${page} ${rule} extra (${axePass.has(k) ? 'axe passes it' : 'axe does not test it'}): ${sel}`);
      }
    }
    for (const k of (violations.get('color-contrast') || [])) {
      if (!findings.some((f) => f.rule === 'color-contrast' && resolveOurs(doc, f.selector) === k)) {
        const c = contrastTable['none/violation'] ??= { n: 0 };
        c.n += 1;
      }
    }
    dom.window.close();
  }
  return { implemented, perRule, coverage, cover, details, pages: pages.length, contrastTable };
}

function selectorOf(doc, key) {
  let el = doc.documentElement;
  if (key !== 'root') for (const i of key.split('.').map(Number)) el = el.children[i];
  const parts = [];
  for (let n = el; n; n = n.parentElement) parts.push(n.localName);
  return `${parts.reverse().join(' > ')}  ${el.outerHTML.slice(0, 120).replace(/\s+/g, ' ')}`;
}

const pct = (x) => (x * 100).toFixed(1).padStart(6) + ' %';

function figures(c) {
  return { foundShare: c.axe ? c.found / c.axe : 1, passRate: c.axePasses ? c.onPass / c.axePasses : 0, extra: c.extra };
}

async function main() {
  const opts = args(process.argv);
  const { perRule, coverage, cover, details, pages, contrastTable } = await compare(opts);
  console.log(`axe-core ${axeVersion} under jsdom vs the engine on ${pages} pages (${opts.corpus || opts.pages})`);
  console.log('rule                    axe  found   found%  extra  onPass  axePass  passRate  onIncompl');
  const total = emptyCounts();
  for (const [rule, c] of perRule) {
    const f = figures(c);
    console.log(`${rule.padEnd(22)} ${String(c.axe).padStart(4)} ${String(c.found).padStart(6)} ${pct(f.foundShare)} ` +
      `${String(c.extra).padStart(6)} ${String(c.onPass).padStart(7)} ${String(c.axePasses).padStart(8)} ${pct(f.passRate)} ` +
      `${String(c.onIncomplete).padStart(10)}${NEEDS_LAYOUT.has(rule) ? '  (not measured: axe needs layout)' : ''}`);
    if (NEEDS_LAYOUT.has(rule)) continue;
    for (const k of Object.keys(total)) total[k] += c[k];
  }
  const t = figures(total);
  console.log(`${'total (measured)'.padEnd(22)} ${String(total.axe).padStart(4)} ${String(total.found).padStart(6)} ${pct(t.foundShare)} ` +
    `${String(total.extra).padStart(6)} ${String(total.onPass).padStart(7)} ${String(total.axePasses).padStart(8)} ${pct(t.passRate)} ` +
    `${String(total.onIncomplete).padStart(10)}`);
  console.log('\ncolor-contrast, verdict by verdict (axe under jsdom with the static layout; ours: violation, review, none):');
  for (const [k, c] of Object.entries(contrastTable).sort()) console.log(`  ours ${k.split('/')[0].padEnd(9)} axe ${k.split('/')[1].padEnd(10)} ${String(c.n).padStart(4)}`);
  const cov = [...coverage.entries()].sort((a, b) => b[1].nodes - a[1].nodes);
  const covNodes = cov.reduce((s, [, c]) => s + c.nodes, 0);
  console.log(`\ncoverage: axe rules the engine does not implement, with violations on this corpus (${covNodes} nodes; ` +
    `implemented rules: ${total.axe} of ${total.axe + covNodes} violating nodes)`);
  for (const [id, c] of cov) console.log(`  ${id.padEnd(32)} ${String(c.nodes).padStart(4)} nodes on ${c.pages} pages`);
  const share = (n) => (cover.axeNodes ? (100 * n / cover.axeNodes).toFixed(1) : '100.0') + ' %';
  console.log(`\ncoverage: axe reports ${cover.axeNodes} violating nodes (${NEEDS_LAYOUT.size ? `all rules but ${[...NEEDS_LAYOUT].join(', ')}` : 'all rules'}); ` +
    `${cover.implemented} (${share(cover.implemented)}) are under rule ids the engine implements, and the engine ` +
    `reports ${cover.found} of them on the same node: coverage ${share(cover.found)}`);
  if (opts.flags.has('--details')) {
    console.log('\nper-node differences:');
    for (const d of details) console.log('  ' + d);
  }
  if (opts.json) {
    const rules = Object.fromEntries([...perRule].map(([r, c]) => [r, { ...c, ...figures(c) }]));
    fs.writeFileSync(opts.json, JSON.stringify({ axeCore: axeVersion, pages, coverage: cover, rules,
      notImplemented: Object.fromEntries(cov) }, null, 2) + '\n');
  }
  if (opts.flags.has('--record')) {
    const baseline = { axeCore: axeVersion, pages, rules: {} };
    for (const [rule, c] of perRule) {
      if (NEEDS_LAYOUT.has(rule)) continue;
      const f = figures(c);
      baseline.rules[rule] = { foundShare: +f.foundShare.toFixed(4), passRate: +f.passRate.toFixed(4), extra: f.extra };
    }
    fs.writeFileSync(opts.baseline, JSON.stringify(baseline, null, 2) + '\n');
    console.log(`\nrecorded the baseline in ${opts.baseline}`);
  }
  if (opts.flags.has('--check')) {
    const baseline = JSON.parse(fs.readFileSync(opts.baseline, 'utf8'));
    const failures = [];
    if (baseline.axeCore !== axeVersion) failures.push(`baseline was recorded with axe-core ${baseline.axeCore}, this is ${axeVersion}`);
    for (const [rule, c] of perRule) {
      if (NEEDS_LAYOUT.has(rule)) continue;
      const b = baseline.rules[rule];
      if (!b) { failures.push(`${rule}: no baseline figure (record one with --record)`); continue; }
      const f = figures(c);
      if (f.foundShare + 5e-5 < b.foundShare) failures.push(`${rule}: found ${pct(f.foundShare)} of axe's nodes, baseline ${pct(b.foundShare)}`);
      if (f.passRate > b.passRate + 5e-5) failures.push(`${rule}: flags ${pct(f.passRate)} of axe's passing nodes, baseline ${pct(b.passRate)}`);
      if (f.extra > b.extra) failures.push(`${rule}: ${f.extra} findings axe does not report, baseline ${b.extra}`);
    }
    if (failures.length) {
      console.log('\nagreement with axe-core dropped below the baseline:');
      for (const f of failures) console.log('  ' + f);
      process.exit(1);
    }
    console.log(`\nagreement is at or above the baseline (${opts.baseline})`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e) => { console.error(e); process.exit(2); });
}
