/**
 * Opens rendered reports from disk in a real browser (Debian's chromium, driven by playwright-core)
 * with every request intercepted. One browser, many pages:
 * - every sample scenario: the page asks for nothing, logs no error (no CSP violation: the inline
 *   script runs by its hash), shows its top root cause (and first fix step) above the fold, draws
 *   each BGP half in its state's colour (flapping never green), and fits A4 portrait when printed;
 * - the filters hide and show findings, and with script disabled everything stays visible;
 * - a report whose bundle text is hostile (`<script>`, quotes, `{{ }}`, `javascript:`, bidi
 *   overrides in hostnames, interface names, log lines and YAML values) stays inert and shows it literally.
 * The top of one page is saved as docs/report-top.png when UPDATE_SCREENSHOT=1 (or when it is missing).
 *
 * Needs `/usr/bin/chromium` (apt `chromium`) and the `playwright-core` package; skips itself,
 * saying why, when either is absent.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { renderHtml } from '../../src/report/render-html.js';
import { renderHtmlClusters } from '../../src/report/render-clusters.js';
import { assertIdsResolve } from './page-ids.js';
import { reportCase } from '../../src/report/case.js';
import { analyze } from '../../src/analyze.js';
import type { Report } from '../../src/report/report-types.js';
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
const root = new URL('../../../', import.meta.url).pathname;
const VIEWPORT = { width: 1280, height: 800 };
/** A4 portrait minus the page's 12 mm margins, in CSS pixels (186 mm at 96 dpi). */
const A4_CONTENT_WIDTH = 703;

// The few playwright-core shapes used here (the package is optional, so no compile-time import).
interface PwRequest { url(): string }
interface PwRoute { request(): PwRequest; continue(): Promise<void>; abort(): Promise<void> }
interface PwLocator {
  first(): PwLocator;
  locator(selector: string): PwLocator;
  nth(i: number): PwLocator;
  count(): Promise<number>;
  isVisible(): Promise<boolean>;
  isHidden(): Promise<boolean>;
  textContent(): Promise<string | null>;
  click(): Promise<void>;
  check(): Promise<void>;
  uncheck(): Promise<void>;
  fill(v: string): Promise<void>;
  selectOption(v: string): Promise<unknown>;
  boundingBox(): Promise<{ x: number; y: number; width: number; height: number } | null>;
}
interface PwPage {
  on(event: 'request', fn: (r: PwRequest) => void): void;
  on(event: 'console', fn: (m: { type(): string; text(): string }) => void): void;
  on(event: 'dialog', fn: (d: { dismiss(): Promise<void> }) => void): void;
  on(event: 'pageerror', fn: (e: Error) => void): void;
  goto(url: string, opts?: { waitUntil?: string }): Promise<unknown>;
  locator(selector: string): PwLocator;
  waitForTimeout(ms: number): Promise<void>;
  emulateMedia(opts: { media: 'print' | 'screen' }): Promise<void>;
  setViewportSize(s: { width: number; height: number }): Promise<void>;
  evaluate<T>(fn: string): Promise<T>;
  screenshot(opts: { path: string; clip?: object }): Promise<unknown>;
  title(): Promise<string>;
  close(): Promise<void>;
}
interface PwContext { route(pattern: string, fn: (r: PwRoute) => Promise<void>): Promise<void>; newPage(): Promise<PwPage>; close(): Promise<void> }
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
const dir = mkdtempSync(join(tmpdir(), 'calico-diags-browser-'));

interface Opened {
  page: PwPage;
  context: PwContext;
  attempted: string[];
  errors: string[];
  dialogs: number;
}

/** One context and page per kind of test; each file is opened in it with every other request aborted and recorded. */
async function session(browser: PwBrowser, javaScriptEnabled = true) {
  const context = await browser.newContext({ javaScriptEnabled, viewport: VIEWPORT });
  const state = { url: '', seen: new Set<string>(), errors: [] as string[], dialogs: 0 };
  await context.route('**/*', async (route) => {
    const u = route.request().url();
    if (u === state.url) return route.continue();
    state.seen.add(u);
    return route.abort();
  });
  const page = await context.newPage();
  page.on('request', (r) => {
    if (r.url() !== state.url) state.seen.add(r.url());
  });
  page.on('console', (m) => {
    if (m.type() === 'error') state.errors.push(m.text());
  });
  page.on('pageerror', (e) => state.errors.push(String(e)));
  page.on('dialog', (d) => {
    state.dialogs++;
    void d.dismiss();
  });
  /** Opens `html` from a file on disk; returns what this page attempted, logged and alerted. */
  const open = async (html: string, name: string): Promise<Opened> => {
    const file = join(dir, name);
    writeFileSync(file, html);
    state.url = pathToFileURL(file).href;
    state.seen = new Set();
    state.errors = [];
    state.dialogs = 0;
    await page.goto(state.url, { waitUntil: 'load' });
    return { page, context, attempted: [...state.seen].sort(), errors: [...state.errors], dialogs: state.dialogs };
  };
  return { open, close: () => context.close() };
}

async function open(browser: PwBrowser, html: string, name: string, javaScriptEnabled = true): Promise<Opened> {
  const s = await session(browser, javaScriptEnabled);
  return s.open(html, name);
}

/** Widest element (tables, pictures, code) beyond the body when printed on A4 portrait, or '' when all fit. */
async function overflowOnA4(page: PwPage): Promise<string> {
  await page.setViewportSize({ width: A4_CONTENT_WIDTH, height: 1000 });
  await page.emulateMedia({ media: 'print' });
  const worst = await page.evaluate<string>(`(() => {
    const limit = document.body.getBoundingClientRect().right + 1;
    let worst = '';
    for (const el of document.querySelectorAll('table, svg.pic, pre, .ev-scroll')) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.right > limit) worst += (el.className && el.className.baseVal !== undefined ? el.className.baseVal : el.className) + ' ' + el.tagName + ' right=' + Math.round(r.right) + ' > ' + Math.round(limit) + '; ';
    }
    return worst;
  })()`);
  await page.emulateMedia({ media: 'screen' });
  await page.setViewportSize(VIEWPORT);
  return worst;
}

const STATE_VAR: Record<string, string> = {
  up: '--e-up', flapping: '--e-flap', connecting: '--e-conn', passive: '--e-passive', refused: '--e-refused', never: '--e-never', 'not-collected': '--e-nc',
};

/** For every mesh half: its state, its two nodes and whether its computed stroke is its state's colour (green only for up). */
async function meshColours(page: PwPage): Promise<{ a: string; b: string; state: string; stroke: string; expected: string }[]> {
  return page.evaluate(`(() => {
    const vars = ${JSON.stringify(STATE_VAR)};
    const probe = document.createElementNS('http://www.w3.org/2000/svg', 'line');
    document.querySelector('svg.mesh').appendChild(probe);
    const colourOf = (v) => { probe.style.stroke = 'var(' + v + ')'; return getComputedStyle(probe).stroke; };
    const out = [...document.querySelectorAll('svg.mesh line.edge')].map((l) => ({
      a: l.getAttribute('data-a'), b: l.getAttribute('data-b'), state: l.getAttribute('data-state'),
      stroke: getComputedStyle(l).stroke, expected: colourOf(vars[l.getAttribute('data-state')]),
    }));
    probe.remove();
    return out;
  })()`);
}

function scenarioExpect(id: string): { fire: string[] } {
  const f = join(root, 'samples', 'lab', 'scenarios', `${id}.yaml`);
  if (!existsSync(f)) return { fire: [] };
  const doc = parse(readFileSync(f, 'utf8')) as { expect?: { fire?: string[] } };
  return { fire: doc?.expect?.fire ?? [] };
}

/** Known pairs in the samples and the state each side must be drawn in. */
const KNOWN_HALVES: Record<string, { a: string; b: string; state: string }[]> = {
  'bgp-session-flapping': [
    { a: 'node-a', b: 'node-b', state: 'flapping' },
    { a: 'node-b', b: 'node-a', state: 'flapping' },
    { a: 'node-a', b: 'node-c', state: 'up' },
  ],
  'bgp-port179-blocked': [
    { a: 'node-b', b: 'node-a', state: 'connecting' },
    { a: 'node-b', b: 'node-c', state: 'up' },
  ],
  'healthy-route-reflector': [
    { a: 'node-b', b: 'node-a', state: 'up' },
    { a: 'node-c', b: 'node-a', state: 'up' },
  ],
  healthy: [
    { a: 'node-a', b: 'node-b', state: 'up' },
    { a: 'node-b', b: 'node-a', state: 'up' },
  ],
};

const HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(2)>';
const MUSTACHE = '{{constructor}}';
const QUOTES = `" onmouseover="alert(3)' x='`;
const JS_URL = 'javascript:alert(4)';
const RLO = '\u202E';

function hostileReport(): Report {
  const r = sampleReport();
  const f = r.findings[0]!;
  f.evidence[0]!.text = `${HOSTILE} ${JS_URL}`;
  f.evidence[1]!.text = `${MUSTACHE} ${QUOTES}`;
  f.evidence[2]!.text = `log ${RLO}gnp.exe`;
  f.title = `node ${HOSTILE} ${MUSTACHE}`;
  f.message = `Interface \`${HOSTILE}\` on ${QUOTES}:\n\`\`\`yaml\nselector: ${QUOTES}\nname: ${MUSTACHE} ${JS_URL} ${RLO}lmay\n\`\`\``;
  f.remediation.unshift(`Set \`${JS_URL}\` on ${MUSTACHE}`);
  r.nodes[1]!.name = `node-b${RLO}evil`;
  r.nodes[1]!.hostname = HOSTILE;
  r.nodes[3]!.interfaces[0]!.name = `${QUOTES}${HOSTILE}`;
  r.bgp.pairs[0]!.a.node = `${HOSTILE}`;
  r.bgp.pairs[3]!.b.errors.push(`${MUSTACHE}${HOSTILE}`);
  r.timeline.events[0]!.text = `${HOSTILE}${JS_URL}`;
  r.rules[0]!.summary = `\`${HOSTILE}\``;
  return r;
}

if (typeof chromium === 'string') {
  console.log(`render-html-browser: skipped: ${chromium}`);
  rmSync(dir, { recursive: true, force: true });
  test.skip('browser: every sample page is inert, answers first, draws and filters', () => {});
} else {
  let browser: PwBrowser | undefined;
  test.before(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS, headless: true });
  });
  test.after(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('browser: interception works (control page with an external image is caught)', async () => {
    const o = await open(browser!, '<!DOCTYPE html><p>x</p><img src="http://example.invalid/x.png">', 'control.html');
    assert.equal(o.attempted, ['http://example.invalid/x.png']);
    await o.context.close();
  });

  test('browser: every sample scenario: no request, top cause and fix above the fold, mesh colours, fits A4', async () => {
    const scenarios = readdirSync(join(root, 'samples', 'scenarios')).sort();
    assert.ok(scenarios.length >= 10);
    const s = await session(browser!);
    // Analyse the next scenario while the browser lays out this one.
    const load = (id: string | undefined) => (id === undefined ? undefined : analyze([join(root, 'samples', 'scenarios', id)], { workers: false }));
    let next = load(scenarios[0]);
    for (const [i, id] of scenarios.entries()) {
      const report = (await next)!;
      next = load(scenarios[i + 1]);
      const html = renderHtml(report);
      assertIdsResolve(html, id);
      const o = await s.open(html, `${id}.html`);
      const { page } = o;
      assert.equal(o.attempted, [], `${id}: no request attempted`);
      assert.equal(o.errors, [], `${id}: no console error (CSP violation)`);
      const c = reportCase(report);
      assert.match(await page.title(), c.causes[0]?.finding.title ?? 'No root cause found', `${id}: the title names the case`);
      if (c.causes.length > 0) {
        const top = page.locator('#verdict .verdict').first();
        const box = await top.boundingBox();
        assert.ok(box !== null && box.y + box.height <= VIEWPORT.height, `${id}: top cause above the fold`);
        assert.match((await top.textContent()) ?? '', c.causes[0]!.finding.title);
        if (c.causes[0]!.finding.remediation.length > 0) assert.ok(await top.locator('.fix').isVisible(), `${id}: first fix step shown`);
        const fire = scenarioExpect(id).fire;
        if (fire.length > 0) assert.ok(fire.includes(c.causes[0]!.finding.rule), `${id}: top cause ${c.causes[0]!.finding.rule} is one the scenario expects (${fire.join(', ')})`);
      } else {
        const none = page.locator('#verdict #no-findings');
        const box = await none.boundingBox();
        assert.ok(box !== null && box.y < VIEWPORT.height, `${id}: "no root cause" above the fold`);
      }
      if (report.bgp.pairs.some((p) => p.a.protocol !== undefined || p.b.protocol !== undefined)) {
        const halves = await meshColours(page);
        assert.is(halves.length, report.bgp.pairs.filter((p) => p.a.protocol !== undefined || p.b.protocol !== undefined).length * 2, `${id}: two halves per configured session`);
        for (const h of halves) assert.is(h.stroke, h.expected, `${id}: ${h.a} → ${h.b} drawn as ${h.state}`);
        const green = halves.find((h) => h.state === 'up')?.stroke;
        for (const h of halves) if (h.state !== 'up' && green !== undefined) assert.is.not(h.stroke, green, `${id}: ${h.a} → ${h.b} (${h.state}) is not green`);
        for (const k of KNOWN_HALVES[id] ?? []) {
          const h = halves.find((x) => x.a === k.a && x.b === k.b);
          assert.ok(h, `${id}: half ${k.a} → ${k.b} drawn`);
          assert.is(h!.state, k.state, `${id}: ${k.a} → ${k.b}`);
        }
      }
      assert.is(await overflowOnA4(page), '', `${id}: nothing wider than A4 portrait when printed`);
      if (id === 'bgp-port179-blocked') {
        const shot = join(root, 'docs', 'report-top.png');
        if (process.env.UPDATE_SCREENSHOT === '1' || !existsSync(shot)) {
          mkdirSync(join(root, 'docs'), { recursive: true });
          await page.screenshot({ path: shot, clip: { x: 0, y: 0, width: VIEWPORT.width, height: 640 } });
        }
      }
    }
    await s.close();
  });

  test('browser: filters by severity, node, rule and text hide and show findings', async () => {
    const o = await open(browser!, renderHtml(sampleReport()), 'filters.html');
    const { page } = o;
    assert.equal(o.errors, []);
    assert.ok(await page.locator('#filters').isVisible(), 'the script shows the filter bar');
    const visible = async () =>
      page.evaluate<string[]>(`[...document.querySelectorAll('details.finding')].filter((d) => !d.closest('[hidden]')).map((d) => d.getAttribute('data-rule'))`);
    assert.is((await visible()).length, 5);
    await page.locator('#filters input[value="critical"]').uncheck();
    assert.equal(await visible(), ['mtu-mismatch', 'artifact-not-collected']);
    await page.locator('#filters input[value="critical"]').check();
    await page.locator('#f-node').selectOption('node-d');
    assert.equal(await visible(), ['mtu-mismatch', 'artifact-not-collected']);
    await page.locator('#f-node').selectOption('');
    await page.locator('#f-rule').selectOption('block-route-missing');
    // a cause stays visible (as the path to them) when one of its symptoms matches, and its fold opens
    assert.equal(await visible(), ['bgp-port179-blocked', 'block-route-missing', 'block-route-missing']);
    assert.ok(await page.locator('details.symptoms details.finding summary').first().isVisible());
    await page.locator('#f-rule').selectOption('');
    await page.locator('#f-q').fill('tunl0 MTU');
    assert.equal(await visible(), ['mtu-mismatch']);
    assert.match((await page.locator('#f-count').textContent()) ?? '', '1 of 5 findings match');
    await page.locator('#f-q').fill('');
    assert.is((await visible()).length, 5);
    await o.context.close();
  });

  test('browser: a page of two clusters: each filter bar filters its own cluster, links land in their section', async () => {
    const report = await analyze(
      [join(root, 'samples', 'scenarios', 'bgp-port179-blocked'), join(root, 'samples', 'scenarios', 'bgp-session-flapping')],
      { workers: false },
    );
    assert.is(report.clusters?.length, 2);
    const html = renderHtmlClusters(report);
    assertIdsResolve(html, 'two clusters');
    const o = await open(browser!, html, 'clusters.html');
    const { page } = o;
    assert.equal(o.attempted, []);
    assert.equal(o.errors, [], 'no console error: the one script runs by its hash');
    assert.ok(await page.locator('#c1-filters').isVisible(), 'first bar shown by the script');
    assert.ok(await page.locator('#c2-filters').isVisible(), 'second bar shown by the script');
    const visible = async (c: string) =>
      page.evaluate<string[]>(`[...document.querySelectorAll('#${c}root-causes details.finding')].filter((d) => !d.closest('[hidden]')).map((d) => d.getAttribute('data-rule'))`);
    const all1 = await visible('c1-');
    const all2 = await visible('c2-');
    assert.is(all1.length, 5, 'one cause and its four symptoms');
    assert.equal(all2.sort(), ['bgp-hold-timer-flapping', 'policy-deny-no-match']);
    await page.locator('#c1-f-rule').selectOption('bgp-port179-blocked');
    assert.equal(await visible('c1-'), ['bgp-port179-blocked'], 'cluster 1 filtered by its own bar');
    assert.equal((await visible('c2-')).sort(), all2, "cluster 2 untouched by cluster 1's filter");
    assert.match((await page.locator('#c1-f-count').textContent()) ?? '', '1 of 5 findings match');
    assert.match((await page.locator('#c2-f-count').textContent()) ?? '', '2 findings');
    await page.locator('#c2-f-rule').selectOption('policy-deny-no-match');
    assert.equal(await visible('c2-'), ['policy-deny-no-match']);
    assert.equal(await visible('c1-'), ['bgp-port179-blocked'], 'cluster 1 keeps its own filter');
    await page.locator('#c2-f-q').fill('no such text anywhere');
    assert.equal(await visible('c2-'), []);
    await page.locator('#c2-f-q').fill('');
    await page.locator('#c2-f-rule').selectOption('');
    await page.locator('#c1-f-rule').selectOption('');
    assert.is((await visible('c1-')).length, 5);
    assert.equal((await visible('c2-')).sort(), all2);
    // the TOC of the second cluster scrolls to the second cluster's section, not the first one's
    await page.locator('#c2-toc a[href="#c2-timeline"]').click();
    const inSection2 = await page.evaluate<boolean>(`document.getElementById('c2-timeline').closest('section.cluster').id === 'cluster-2' && location.hash === '#c2-timeline'`);
    assert.ok(inSection2);
    await o.context.close();
  });

  test('browser: without script everything is visible and the filter bar stays hidden', async () => {
    const o = await open(browser!, renderHtml(sampleReport()), 'noscript.html', false);
    const { page } = o;
    assert.ok(await page.locator('#filters').isHidden());
    assert.is(await page.locator('#root-causes > details.finding').count(), 3, 'two causes and a note');
    assert.ok(await page.locator('#root-causes > details.finding').first().isVisible());
    assert.ok(await page.locator('pre.ticket').isVisible(), 'ticket summary readable without script');
    assert.ok(await page.locator('svg.mesh').isVisible());
    // symptoms folded: hidden until their summary is clicked
    const symptom = page.locator('details.symptoms details.finding summary').first();
    assert.not.ok(await symptom.isVisible());
    await page.locator('details.symptoms > summary').first().click();
    assert.ok(await symptom.isVisible());
    assert.match((await symptom.textContent()) ?? '', 'node-b has no route to block 192.168.30.128/26 of node-c');
    // printing unfolds every <details> (symptoms, timeline)
    await page.locator('details.symptoms > summary').first().click();
    const timeline = page.locator('#timeline td.text').first();
    assert.not.ok(await timeline.isVisible());
    await page.emulateMedia({ media: 'print' });
    assert.ok(await timeline.isVisible());
    assert.ok(await page.locator('details.symptoms details.finding summary').first().isVisible());
    await o.context.close();
  });

  test('browser: hostile hostnames, interface names, log lines and YAML values stay inert and show literally', async () => {
    const o = await open(browser!, renderHtml(hostileReport()), 'hostile.html');
    const { page } = o;
    assert.equal(o.attempted, [], 'no request');
    assert.equal(o.errors, [], 'no error');
    assert.is(o.dialogs, 0, 'no alert ran');
    assert.is(await page.locator('script').count(), 1, 'only the page\'s own script');
    assert.is(await page.locator('img').count(), 0);
    assert.is(await page.evaluate<number>(`document.querySelectorAll('[onmouseover], [onerror], a[href^="javascript"]').length`), 0);
    const text = (await page.evaluate<string>('document.body.innerText')) ?? '';
    for (const s of [HOSTILE, MUSTACHE, JS_URL, `name: ${MUSTACHE} ${JS_URL} <U+202E>lmay`, 'node-b<U+202E>evil', 'log <U+202E>gnp.exe', `selector: ${QUOTES}`]) {
      assert.ok(text.includes(s), `shown literally: ${s}`);
    }
    assert.not.ok(text.includes(RLO), 'no bidi override reaches the reader');
    // the YAML stays a code block and the backtick span a <code>, with the payload as its text
    assert.match((await page.locator('#finding-1 .message pre.code').first().textContent()) ?? '', `selector: ${QUOTES}`);
    assert.is((await page.locator('#finding-1 .message code').first().textContent()) ?? '', HOSTILE);
    await o.context.close();
  });
}

test.run();
