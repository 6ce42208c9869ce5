import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderHtml, templatesPrecompiled } from '../../src/report/render-html.js';
import { readTemplateSources } from '../../src/report/template-sources.js';
import { sampleReport } from './sample-report.js';

const TEMPLATES = fileURLToPath(new URL('../../../templates/', import.meta.url));

test('the build precompiles the templates and the page runs from them', () => {
  assert.ok(templatesPrecompiled(TEMPLATES), 'npm run build wrote templates.precompiled.cjs for these sources');
});

test('an edited template is compiled at run time, never shadowed by the stale build; both give the same page', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cd-tpl-'));
  cpSync(TEMPLATES, dir, { recursive: true });
  // A handlebars comment changes the sources (so the hash) but not the page.
  writeFileSync(join(dir, 'report.hbs'), `${readFileSync(join(dir, 'report.hbs'), 'utf8')}{{!-- edited --}}`);
  assert.is.not(readTemplateSources(dir).hash, readTemplateSources(TEMPLATES).hash);
  assert.not.ok(templatesPrecompiled(dir));
  const report = sampleReport();
  try {
    assert.is(renderHtml(report, { templatesDir: dir }), renderHtml(report, { templatesDir: TEMPLATES }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a visible edit to a copied template shows on the page (the copy, not the build, is used)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cd-tpl-'));
  cpSync(TEMPLATES, dir, { recursive: true });
  writeFileSync(join(dir, 'partials', 'md.hbs'), `${readFileSync(join(dir, 'partials', 'md.hbs'), 'utf8')}<!--edited-partial-->`);
  try {
    assert.ok(renderHtml(sampleReport(), { templatesDir: dir }).includes('<!--edited-partial-->'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
