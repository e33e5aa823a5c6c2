// Browser tests of the frontend: Debian's Chromium, driven by puppeteer-core, against the frontend's
// standalone server and a real platform-api with real PostgreSQL and Redis (stack.mjs). axe-core runs in
// the browser on every page the test visits and any violation fails the test; the platform's own engine
// audits the server-rendered HTML of the same pages and must find nothing either. Screenshots go to
// FRONTEND_TEST_OUT (default frontend/test-output).
//
//   PLATFORM_API_BIN=build/app/platform-api node tests/browser/browser.test.mjs
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import puppeteer from 'puppeteer-core';
import { Stack, frontendDir, launchChromium } from './stack.mjs';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const out = resolve(process.env.FRONTEND_TEST_OUT || join(frontendDir, 'test-output'));
mkdirSync(out, { recursive: true });
const apiBin = resolve(process.env.PLATFORM_API_BIN || join(frontendDir, '../build/app/platform-api'));
// With the operator binary, the browser goes through the gateway nginx.conf the operator renders.
const operatorBin = process.env.PLATFORM_OPERATOR_BIN ? resolve(process.env.PLATFORM_OPERATOR_BIN) : undefined;

// A page with known problems: no lang, no title, an image without alt, a vague link, an unlabelled field,
// an empty button.
const violating = `<!DOCTYPE html><html><head></head><body><main>
<img src="cat.png"><a href="/next">click here</a>
<form><input type="text" name="q"><button></button></form></main></body></html>`;
// "click here" has a name, so axe's link-name passes it; the text-quality model reports it under its own id.
const expectedRules = ['html-has-lang', 'document-title', 'image-alt', 'link-text-quality', 'label', 'button-name'];

let stack;
let browser;
let page;
let auditUrl;
const secretSeen = [];
const cspRefusals = [];
const pagesChecked = [];

async function axeViolations() {
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
  });
}

async function axeCheck(label) {
  const result = await axeViolations();
  writeFileSync(join(out, `axe-${label}.json`), JSON.stringify(result, null, 2));
  assert.deepEqual(result, [], `axe found violations on ${label}: ${JSON.stringify(result, null, 2)}`);
  pagesChecked.push({ label, url: page.url() });
}

async function shot(name) {
  await page.screenshot({ path: join(out, `${name}.png`), fullPage: true });
}

async function ruleIds() {
  return page.$$eval('[data-rule]', (els) => els.map((e) => e.getAttribute('data-rule')));
}

// Fills the textarea (React leaves it uncontrolled) and submits; resolves once the server action answered.
async function submitHtml(html) {
  await page.$eval('#html', (el, v) => {
    el.value = v;
  }, html);
  await page.click('button[type="submit"]');
}

before(async () => {
  stack = await new Stack({ logDir: out, apiEnv: { BODY_LIMIT_BYTES: String(64 * 1024) } }).start(apiBin, operatorBin);
  console.log(`browser tests against ${stack.gatewayUrl ? 'the rendered gateway' : 'the frontend directly'}: ${stack.baseUrl}`);
  browser = await launchChromium(puppeteer, stack);
  page = await browser.newPage();
  await page.setViewport({ width: 1200, height: 900 });
  page.on('console', (msg) => {
    // A Content-Security-Policy refusal (the gateway's CSP) is reported on the console.
    if (/Content Security Policy|Refused to/.test(msg.text())) cspRefusals.push(msg.text());
  });
  page.on('response', async (res) => {
    // The credential must never reach the browser, in any document, script or data response.
    try {
      const body = await res.text();
      if (body.includes(stack.secret)) secretSeen.push(res.url());
    } catch {
      // redirects and aborted requests have no body
    }
  });
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

test('axe in this browser does catch violations (control)', async () => {
  await page.setContent(violating);
  const ids = (await axeViolations()).map((v) => v.id);
  for (const id of ['html-has-lang', 'document-title', 'image-alt', 'label', 'button-name']) {
    assert.ok(ids.includes(id), `axe missed ${id}: ${ids.join(', ')}`);
  }
});

test('the audit form is accessible', async () => {
  const res = await page.goto(`${stack.baseUrl}/`, { waitUntil: 'networkidle0' });
  assert.equal(res.status(), 200);
  if (stack.gatewayUrl) {
    assert.match(res.headers()['content-security-policy'] ?? '', /default-src 'self'/);
    assert.equal(res.headers()['x-frame-options'], 'DENY');
  }
  assert.equal(await page.$eval('h1', (h) => h.textContent), 'Audit a page for accessibility');
  await axeCheck('form');
  await shot('01-form');
});

test('an empty submission is an error message, not a request', async () => {
  await submitHtml('');
  await page.waitForSelector('[role="alert"]');
  assert.match(await page.$eval('[role="alert"]', (e) => e.textContent), /Paste some HTML/);
  await axeCheck('form-error');
  await shot('02-form-error');
});

test('a page with known violations lists its findings by rule', async () => {
  await page.goto(`${stack.baseUrl}/`, { waitUntil: 'networkidle0' });
  await submitHtml(violating);
  await page.waitForFunction(() => /\/audits\/[0-9a-f-]{36}$/.test(location.pathname), { timeout: 30000 });
  await page.waitForSelector('[data-rule]');
  auditUrl = page.url();
  const rules = await ruleIds();
  for (const r of expectedRules) assert.ok(rules.includes(r), `rule ${r} missing from ${rules.join(', ')}`);
  const text = await page.$eval('main', (m) => m.innerText);
  assert.match(text, /WCAG 1\.1\.1 \(level A\)/);
  assert.match(text, /\d+\.\d \/ 100/);
  assert.match(text, /<img src="cat\.png">/); // the snippet, as text
  const imageAlt = await page.$eval('[data-rule="image-alt"]', (e) => e.innerText);
  assert.match(imageAlt, /critical|serious/);
  assert.match(imageAlt, /img/);
  await axeCheck('results');
  await shot('03-results');
});

test('the audit reloads by its URL', async () => {
  const before = await ruleIds();
  await page.reload({ waitUntil: 'networkidle0' });
  assert.deepEqual(await ruleIds(), before);
  const fresh = await browser.newPage();
  try {
    const res = await fresh.goto(auditUrl, { waitUntil: 'networkidle0' });
    assert.equal(res.status(), 200);
    assert.deepEqual(await fresh.$$eval('[data-rule]', (els) => els.map((e) => e.getAttribute('data-rule'))), before);
  } finally {
    await fresh.close();
  }
  await shot('04-reloaded');
});

test('AI suggestions say plainly that no provider is configured', async () => {
  await page.click('section[aria-labelledby="suggestions-heading"] button');
  await page.waitForFunction(() => document.body.innerText.includes('no AI provider is configured'), { timeout: 15000 });
  await axeCheck('suggestions-unavailable');
  await shot('05-suggestions-unavailable');
});

test('an uploaded file is audited', async () => {
  await page.goto(`${stack.baseUrl}/`, { waitUntil: 'networkidle0' });
  const file = join(stack.dir, 'upload.html');
  writeFileSync(file, '<!DOCTYPE html><html lang="en"><head><title>Upload</title></head><body><main><img src="dog.png"></main></body></html>');
  const input = await page.$('#file');
  await input.uploadFile(file);
  await page.click('button[type="submit"]');
  await page.waitForFunction((prev) => /\/audits\/[0-9a-f-]{36}$/.test(location.pathname) && location.href !== prev, { timeout: 30000 }, auditUrl);
  await page.waitForSelector('[data-rule]');
  assert.deepEqual(await ruleIds(), ['image-alt']);
});

test('history lists audits newest first, paged', async () => {
  // 22 more audits through the api (as the frontend's subject) so that history has a second page.
  const { signToken } = await import('./token.mjs');
  const token = signToken(stack.secret, 'frontend-browser-test');
  for (let i = 0; i < 22; i++) {
    const r = await fetch(`${stack.apiUrl}/api/v1/audits`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ html: `<html lang="en"><head><title>p${i}</title></head><body><p>${i}</p></body></html>` }),
    });
    assert.equal(r.status, 201, await r.text());
  }
  const newest = await (await fetch(`${stack.apiUrl}/api/v1/audits?limit=1`, { headers: { Authorization: `Bearer ${token}` } })).json();
  const res = await page.goto(`${stack.baseUrl}/audits`, { waitUntil: 'networkidle0' });
  assert.equal(res.status(), 200);
  const links = await page.$$eval('tbody a', (as) => as.map((a) => a.getAttribute('href')));
  assert.equal(links.length, 20);
  assert.equal(links[0], `/audits/${newest.items[0].id}`);
  await axeCheck('history');
  await shot('06-history');
  await Promise.all([page.waitForNavigation({ waitUntil: 'networkidle0' }), page.click('nav[aria-label="Pages of audits"] a')]);
  const older = await page.$$eval('tbody a', (as) => as.map((a) => a.getAttribute('href')));
  // The first audit of this test is the oldest of the 24: last on the second page.
  assert.equal(older.length, 4);
  assert.equal(older[older.length - 1], new URL(auditUrl).pathname);
  await axeCheck('history-page-2');
});

test('an oversized page is a plain 413 message', async () => {
  await page.goto(`${stack.baseUrl}/`, { waitUntil: 'networkidle0' });
  await submitHtml(`<html lang="en"><body>${'<p>too big</p>'.repeat(8000)}</body></html>`);
  await page.waitForSelector('[role="alert"]', { timeout: 30000 });
  assert.match(await page.$eval('[role="alert"]', (e) => e.textContent), /too large to audit/);
  await axeCheck('error-too-large');
  await shot('07-error-too-large');
});

test('the health page shows the api health endpoints and the models', async () => {
  const res = await page.goto(`${stack.baseUrl}/status`, { waitUntil: 'networkidle0' });
  assert.equal(res.status(), 200);
  const rows = await page.$$eval('tbody tr', (trs) => trs.map((tr) => tr.innerText));
  const joined = rows.join('\n');
  for (const p of ['/health', '/health/live', '/health/ready', '/health/database', '/health/redis', '/health/ml-models', '/health/ai-agents']) {
    assert.ok(joined.includes(p), `${p} missing from the health table`);
  }
  assert.match(joined, /\/health\/database\s+up/);
  assert.match(joined, /\/health\/ai-agents\s+disabled/);
  assert.match(joined, /text-quality/); // the models table
  await axeCheck('health');
  await shot('08-health');
});

test('an unknown audit id, and an unknown address, say so', async () => {
  for (const id of ['00000000-0000-4000-8000-000000000000', 'not-an-id']) {
    const res = await page.goto(`${stack.baseUrl}/audits/${id}`, { waitUntil: 'networkidle0' });
    assert.equal(res.status(), 200);
    assert.equal(await page.$eval('h1', (h) => h.textContent), 'Audit not found');
  }
  await axeCheck('audit-not-found');
  await shot('09-audit-not-found');
  const res = await page.goto(`${stack.baseUrl}/no/such/page`, { waitUntil: 'networkidle0' });
  assert.equal(res.status(), 404);
  assert.equal(await page.$eval('h1', (h) => h.textContent), 'Not found');
  await axeCheck('not-found');
});

test('the platform engine agrees: no findings on the server-rendered pages', async () => {
  const { signToken } = await import('./token.mjs');
  const token = signToken(stack.secret, 'frontend-self-audit');
  const report = [];
  for (const { label, url } of pagesChecked) {
    const html = await (await fetch(url)).text();
    const r = await fetch(`${stack.apiUrl}/api/v1/audits`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ html }),
    });
    assert.equal(r.status, 201);
    const audit = await r.json();
    report.push({ label, url, score: audit.score, findings: audit.findings });
  }
  writeFileSync(join(out, 'engine-self-audit.json'), JSON.stringify(report, null, 2));
  const bad = report.filter((p) => p.findings.length > 0);
  assert.deepEqual(bad, [], `the platform's engine found problems: ${JSON.stringify(bad, null, 2)}`);
});

test('the api credential never reached the browser, and no script was refused', () => {
  assert.deepEqual(secretSeen, []);
  assert.deepEqual(cspRefusals, []);
});

test('a credential the api refuses (401) is a plain message', async () => {
  const wrong = await stack.startFrontend({ name: 'frontend-wrong-secret', secret: 'not-the-api-secret-key-0123' });
  const res = await page.goto(`${wrong}/audits`, { waitUntil: 'networkidle0' });
  assert.equal(res.status(), 200);
  assert.match(await page.$eval('[role="alert"]', (e) => e.textContent), /refused the frontend.s credential/);
  await axeCheck('error-unauthorized');
  await shot('10-error-unauthorized');
});

test('with the api down, pages say so plainly', async () => {
  await stack.stopChild(stack.api);
  const res = await page.goto(`${stack.baseUrl}/audits`, { waitUntil: 'networkidle0' });
  assert.equal(res.status(), 200);
  assert.match(await page.$eval('[role="alert"]', (e) => e.textContent), /cannot be reached/);
  await axeCheck('error-api-down');
  await shot('11-error-api-down');
  const health = await page.goto(`${stack.baseUrl}/status`, { waitUntil: 'networkidle0' });
  assert.equal(health.status(), 200);
  assert.match(await page.$eval('main', (m) => m.innerText), /unreachable/);
  await axeCheck('health-api-down');
});
