/**
 * Opens the rendered report from disk in a real browser (Debian's chromium, driven by
 * playwright-core) with every request intercepted: the page must ask for nothing, show no
 * CSP violation, render the root causes, and keep symptoms folded until their summary is clicked.
 *
 * Needs `/usr/bin/chromium` (apt `chromium`) and the `playwright-core` package; skips itself,
 * saying why, when either is absent.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { renderHtml } from '../../src/report/render-html.js';
import { sampleReport } from './sample-report.js';

const CHROMIUM = '/usr/bin/chromium';
const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

// The few playwright-core shapes used here (the package is optional, so no compile-time import).
interface PwRequest { url(): string }
interface PwRoute { request(): PwRequest; continue(): Promise<void>; abort(): Promise<void> }
interface PwLocator {
  first(): PwLocator;
  locator(selector: string): PwLocator;
  nth(i: number): PwLocator;
  count(): Promise<number>;
  isVisible(): Promise<boolean>;
  textContent(): Promise<string | null>;
  click(): Promise<void>;
}
interface PwPage {
  on(event: 'request', fn: (r: PwRequest) => void): void;
  on(event: 'console', fn: (m: { type(): string; text(): string }) => void): void;
  goto(url: string, opts?: { waitUntil?: string }): Promise<unknown>;
  locator(selector: string): PwLocator;
  waitForTimeout(ms: number): Promise<void>;
  emulateMedia(opts: { media: 'print' | 'screen' }): Promise<void>;
}
interface PwContext { route(pattern: string, fn: (r: PwRoute) => Promise<void>): Promise<void>; newPage(): Promise<PwPage> }
interface PwBrowser { newContext(opts?: object): Promise<PwContext>; close(): Promise<void> }
interface PwChromium { launch(opts: { executablePath: string; args: string[]; headless?: boolean }): Promise<PwBrowser> }

async function loadChromium(): Promise<PwChromium | string> {
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} not found (apt-get install -y chromium)`;
  const name = 'playwright-core';
  try {
    const mod = (await import(name)) as { chromium?: PwChromium; default?: { chromium?: PwChromium } };
    const chromium = mod.chromium ?? mod.default?.chromium;
    return chromium ?? 'playwright-core has no chromium export';
  } catch {
    return 'playwright-core is not installed (npm install playwright-core)';
  }
}

const chromium = await loadChromium();

/** Opens `html` from a file on disk; returns every request the page attempted and every console error. */
async function open(browser: PwBrowser, html: string, name: string) {
  const dir = mkdtempSync(join(tmpdir(), 'calico-diags-browser-'));
  const file = join(dir, name);
  writeFileSync(file, html);
  const url = pathToFileURL(file).href;
  const context = await browser.newContext({ javaScriptEnabled: false });
  const seen = new Set<string>();
  await context.route('**/*', async (route) => {
    const u = route.request().url();
    if (u === url) return route.continue();
    seen.add(u);
    return route.abort();
  });
  const page = await context.newPage();
  page.on('request', (r) => {
    if (r.url() !== url) seen.add(r.url());
  });
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForTimeout(200);
  return { page, attempted: [...seen].sort(), errors };
}

if (typeof chromium === 'string') {
  console.log(`render-html-browser: skipped: ${chromium}`);
  test.skip('browser: the report makes no request and renders its root causes', () => {});
} else {
  let browser: PwBrowser | undefined;
  test.before(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS, headless: true });
  });
  test.after(async () => {
    await browser?.close();
  });

  test('browser: interception works (control page with an external image is caught)', async () => {
    const { attempted } = await open(browser!, '<!DOCTYPE html><p>x</p><img src="http://example.invalid/x.png">', 'control.html');
    assert.equal(attempted, ['http://example.invalid/x.png']);
  });

  test('browser: the report makes no request and renders its root causes', async () => {
    const report = sampleReport();
    report.findings[0]!.evidence[0]!.text = '<script>alert(1)</script><img src=x onerror=alert(2)>';
    const { page, attempted, errors } = await open(browser!, renderHtml(report), 'report.html');
    assert.equal(attempted, [], 'no request attempted');
    assert.equal(errors, [], 'no console error (CSP violation)');

    const first = page.locator('#root-causes > details.finding').first();
    assert.ok(await first.isVisible());
    assert.match((await first.locator('summary').first().textContent()) ?? '', 'BGP session node-b ↔ node-c never established');
    assert.is(await page.locator('#root-causes > details.finding').count(), 3);
    // the hostile evidence is shown as text, not run or parsed as an element
    assert.is(await page.locator('img').count(), 0);
    assert.match((await first.locator('td.text').first().textContent()) ?? '', '<script>alert(1)</script><img src=x onerror=alert(2)>');

    // symptoms folded: hidden until their summary is clicked
    const symptom = page.locator('details.symptoms details.finding summary').first();
    assert.not.ok(await symptom.isVisible());
    await page.locator('details.symptoms > summary').first().click();
    assert.ok(await symptom.isVisible());
    assert.match((await symptom.textContent()) ?? '', 'node-b has no route to block 192.168.30.128/26 of node-c');
  });

  test('browser: printing unfolds every <details> (symptoms, timeline)', async () => {
    const { page } = await open(browser!, renderHtml(sampleReport()), 'print.html');
    const timeline = page.locator('#timeline td.text').first();
    assert.not.ok(await timeline.isVisible());
    await page.emulateMedia({ media: 'print' });
    assert.ok(await timeline.isVisible());
    assert.ok(await page.locator('details.symptoms details.finding summary').first().isVisible());
  });
}

test.run();
