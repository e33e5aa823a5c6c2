// Page-load figures of the frontend in headless Chromium (Debian's): Largest Contentful Paint and the
// JavaScript a first visit downloads, for the audit form (/) and an audit's results page. Started like the
// browser tests (stack.mjs: real platform-api, PostgreSQL, Redis, the standalone server, all on loopback).
//
//   PLATFORM_API_BIN=build/app/platform-api BENCH_RUNS=7 node tests/browser/bench.mjs
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import puppeteer from 'puppeteer-core';
import { Stack, frontendDir, launchChromium } from './stack.mjs';
import { clientToken } from './token.mjs';

const runs = Number(process.env.BENCH_RUNS || 7);
const apiBin = resolve(process.env.PLATFORM_API_BIN || join(frontendDir, '../build/app/platform-api'));
const operatorBin = process.env.PLATFORM_OPERATOR_BIN ? resolve(process.env.PLATFORM_OPERATOR_BIN) : undefined;
const budget = 200 * 1024;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

async function measure(browser, url) {
  // A fresh incognito context each run: nothing cached, a first visit.
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  await page.setViewport({ width: 1200, height: 900 });
  const cdp = await page.createCDPSession();
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  const scripts = new Map();
  cdp.on('Network.responseReceived', (e) => {
    if (e.type === 'Script') scripts.set(e.requestId, { url: e.response.url, wire: 0 });
  });
  cdp.on('Network.loadingFinished', (e) => {
    const s = scripts.get(e.requestId);
    if (s) s.wire = e.encodedDataLength;
  });
  await page.evaluateOnNewDocument(() => {
    window.__lcp = 0;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.__lcp = entry.startTime;
    }).observe({ type: 'largest-contentful-paint', buffered: true });
  });
  await page.goto(url, { waitUntil: 'networkidle0' });
  // LCP is final at the first input or when the page is hidden; by network idle the form has painted.
  const lcp = await page.evaluate(() => window.__lcp);
  const list = [...scripts.values()];
  await context.close();
  return { lcp, scripts: list };
}

async function scriptSizes(urls) {
  let raw = 0;
  let gz = 0;
  for (const u of urls) {
    const body = Buffer.from(await (await fetch(u)).arrayBuffer());
    raw += body.length;
    gz += gzipSync(body, { level: 6 }).length;
  }
  return { raw, gz };
}

const stack = await new Stack().start(apiBin, operatorBin);
let browser;
try {
  browser = await launchChromium(puppeteer, stack);
  const token = await clientToken(stack.apiUrl, stack.client);
  const r = await fetch(`${stack.apiUrl}/api/v1/audits`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ html: '<html><body><img src="a.png"><a href="/x">click here</a><input></body></html>' }),
  });
  const { id } = await r.json();
  console.log(`frontend bench: ${runs} runs per page, each a first visit in a new incognito context of headless`);
  console.log(`Chromium (${await browser.version()}), cache disabled, 1200x900, on loopback ${stack.gatewayUrl ? 'through the rendered gateway (nginx)' : 'straight to the frontend'}.`);
  console.log('LCP: PerformanceObserver largest-contentful-paint startTime, read at network idle. JS: every Script');
  console.log('response; "gzip -6" re-compresses each script body with zlib level 6, "wire" is what Chromium received');
  console.log('(gzip from the gateway or Next; headers included). Medians over the runs.\n');
  let over = false;
  for (const [name, path] of [['audit form /', '/'], ['audit results /audits/{id}', `/audits/${id}`]]) {
    await measure(browser, `${stack.baseUrl}${path}`); // warm the server (first render compiles nothing, but JITs)
    const results = [];
    for (let i = 0; i < runs; i++) results.push(await measure(browser, `${stack.baseUrl}${path}`));
    const urls = [...new Set(results.flatMap((x) => x.scripts.map((s) => s.url)))];
    const sizes = await scriptSizes(urls);
    const wire = median(results.map((x) => x.scripts.reduce((a, s) => a + s.wire, 0)));
    const lcps = results.map((x) => x.lcp);
    console.log(`${name}`);
    console.log(`  LCP           median ${median(lcps).toFixed(0)} ms (min ${Math.min(...lcps).toFixed(0)}, max ${Math.max(...lcps).toFixed(0)})`);
    console.log(`  JavaScript    ${urls.length} files, ${kb(sizes.raw)} raw, ${kb(sizes.gz)} gzip -6, ${kb(wire)} on the wire`);
    const ok = sizes.gz < budget;
    over ||= !ok;
    console.log(`  first-load JS budget < ${kb(budget)} compressed: ${ok ? 'met' : 'EXCEEDED'}\n`);
  }
  process.exitCode = over ? 1 : 0;
} finally {
  await browser?.close();
  await stack.stop();
}
