// Exports: charts as PNG (2× pixels) and SVG (plotters' SVG backend), tables and lists of
// results as CSV, JSON and tab-separated text on the clipboard, the fit as JSON and as a Python
// script that — run here with numpy and scipy — reproduces the page's objective.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile, mkdtemp, rm } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useBrowser, openPage, openView, settle, text } from './harness.mjs';

let origin, browser;
useBrowser((b, o) => { browser = b; origin = o; });
const PYTHON = process.env.SCALECALC_PYTHON ?? new URL('../../target/bench-venv/bin/python', import.meta.url).pathname;

async function save(page, selector) {
  const [file] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
  return { name: file.suggestedFilename(), body: await readFile(await file.path()) };
}
const pngSize = (b) => [b.readUInt32BE(16), b.readUInt32BE(20)];

test('charts download as SVG and as PNG at twice their pixels, named after the chart and budget', async () => {
  const { page, context, problems } = await openPage(browser, origin);
  const svg = await save(page, 'figure:has(canvas[data-chart="isoflop"]) button[data-export="svg"]');
  assert.equal(svg.name, 'scalecalc-isoflop-5.76e23.svg');
  const s = svg.body.toString();
  assert.match(s, /^<svg width="\d+" height="\d+"/);
  // It parses as SVG.
  assert.equal(await page.evaluate((text) => {
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    return doc.querySelector('parsererror') ? 'error' : doc.documentElement.localName;
  }, s), 'svg');
  assert.match(s, /<text[^>]*>[^<]*Iso-FLOP/);
  assert.match(s, /<polyline|<path/);
  const png = await save(page, 'figure:has(canvas[data-chart="isoflop"]) button[data-export="png"]');
  assert.equal(png.name, 'scalecalc-isoflop-5.76e23.png');
  const css = await page.evaluate(() => { const c = document.querySelector('canvas[data-chart="isoflop"]'); return [c.clientWidth, c.clientHeight]; });
  assert.deepEqual(pngSize(png.body), css.map((v) => Math.round(v * 2)));
  // A tool's chart, from the workbench module.
  await openView(page, 'sw');
  const tool = await save(page, 'figure:has(canvas[data-chart="sw-dist"]) button[data-export="svg"]');
  assert.equal(tool.name, 'scalecalc-sw-dist-5.76e23.svg');
  assert.match(tool.body.toString(), /<rect/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('tables and lists of results download as CSV and JSON and copy as tab-separated text', async () => {
  const { page, context, problems } = await openPage(browser, origin, { tool: 'sched' });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
  const sel = (table) => `.table-scroll:has(> #${table}) + .export-tools`;
  const csv = await save(page, `${sel('tbl-sched_scan')} button[data-export="csv"]`);
  assert.equal(csv.name, 'scalecalc-sched-scan-5.76e23.csv');
  const lines = csv.body.toString().trim().split('\r\n');
  assert.equal(lines[0], 'Decay fraction,Final loss (Tissue),Final loss (Multi-Power)');
  assert.equal(lines.length, 11);
  // Numbers line up on their decimal point.
  const dots = await page.evaluate(() => [...document.querySelectorAll('#tbl-sched_scan tbody tr')].map((tr) => tr.cells[1].querySelector('.frac')?.getBoundingClientRect().left));
  assert.ok(dots.every((x) => x !== undefined && Math.abs(x - dots[0]) < 0.5), dots.join(' '));
  const json = JSON.parse((await save(page, `${sel('tbl-sched_scan')} button[data-export="json"]`)).body.toString());
  assert.equal(json.length, 10);
  assert.deepEqual(Object.keys(json[0]), ['Decay fraction', 'Final loss (Tissue)', 'Final loss (Multi-Power)']);
  await page.click(`${sel('tbl-sched_scan')} button[data-export="copy"]`);
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  assert.equal(copied.split('\n')[0], 'Decay fraction\tFinal loss (Tissue)\tFinal loss (Multi-Power)');
  // The CSV reads back through the page's own table parser (the Fit panel's).
  await openView(page, 'fit');
  await page.fill('#fit-data', csv.body.toString());
  await page.waitForFunction(() => document.getElementById('fit-data-info').textContent.startsWith('10 rows'));
  assert.equal(await text(page, 'fit-data-info'), '10 rows, columns: Decay fraction, Final loss (Tissue), Final loss (Multi-Power)');
  // The Budget panel's numbers (a list of results).
  await openView(page, '');
  const budget = await save(page, 'section[aria-labelledby="budget-h"] dl.results + .export-tools button[data-export="csv"]');
  assert.equal(budget.name, 'scalecalc-budget-results-5.76e23.csv');
  assert.match(budget.body.toString(), /^quantity,value\r\nModel size N\*,72\.2B\r\n/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('the fit downloads as JSON and as a Python script that reproduces its objective', async () => {
  const { page, context, problems } = await openPage(browser, origin, { tool: 'fit' });
  await page.selectOption('#fit-example', 'chinchilla-synthetic');
  await page.waitForSelector('#fit-report[data-state="done"]', { timeout: 90_000 });
  await settle(page);
  const objective = Number(await page.evaluate(() => document.getElementById('fit-report').dataset.objective));
  const json = await save(page, '#fit-json');
  assert.equal(json.name, 'scalecalc-fit-chinchilla-72-runs.json');
  const fit = JSON.parse(json.body.toString());
  assert.equal(fit.fit.objective, objective);
  assert.equal(fit.fit.residuals.length, 72);
  assert.equal(fit.fit.delta, 0.001);
  const py = await save(page, '#fit-python');
  assert.equal(py.name, 'scalecalc-fit-chinchilla-72-runs.py');
  const dir = await mkdtemp(join(tmpdir(), 'scalecalc-fit-'));
  const file = join(dir, py.name);
  await writeFile(file, py.body);
  const { stdout } = await promisify(execFile)(PYTHON, [file]);
  const printed = Number(stdout.match(/objective at scalecalc's parameters: (\S+)/)[1]);
  assert.ok(Math.abs(printed / objective - 1) < 1e-9, `${printed} vs ${objective}`);
  await rm(dir, { recursive: true, force: true });
  // A chart of the fit as SVG.
  const svg = await save(page, 'figure:has(canvas[data-chart="fit-loss"]) button[data-export="svg"]');
  assert.match(svg.name, /^scalecalc-fit-loss-/);
  assert.match(svg.body.toString(), /<circle/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('Cite gives the BibTeX of what the open view uses, verified entries only', async () => {
  const { page, context, problems } = await openPage(browser, origin);
  await page.click('#cite');
  await page.waitForSelector('#cite-panel:not([hidden])');
  const keys = async () => ((await page.inputValue('#cite-text')).match(/@misc\{[^,]+/g) ?? []).map((k) => k.slice(6));
  // The Budget panel: the preset in use (Epoch 2024) and Kaplan's overfitting bound.
  assert.deepEqual(await keys(), ['besiroglu2024replication', 'kaplan2020scaling']);
  assert.match(await page.inputValue('#cite-text'), /title = \{\{Chinchilla Scaling: A replication attempt\}\},\n {2}author = \{Besiroglu, Tamay and Erdil, Ege and Barnett, Matthew and You, Josh\}/);
  await page.selectOption('#law', 'hoffmann');
  await page.click('#cite');
  await page.click('#cite');
  assert.ok((await keys()).includes('hoffmann2022training'), `${await keys()} law=${await page.inputValue('#law')} cite=${await page.textContent('#out-law_citation')} hidden=${await page.isHidden('#cite-panel')}`);
  // A tool's view cites its sources; the panel follows the open view.
  await openView(page, 'sp');
  assert.ok((await keys()).includes('jin2025average'), (await keys()).join(' '));
  const bib = await save(page, '#cite-download');
  assert.equal(bib.name, 'scalecalc-references-5.76e23.bib');
  assert.match(bib.body.toString(), /@misc\{jin2025average,/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('an open Cite panel follows the inputs without taking the focus', async () => {
  const { page, context, problems } = await openPage(browser, origin);
  await page.click('#cite');
  await page.focus('#compute');
  await page.keyboard.type('0');
  await settle(page);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'compute');
  assert.equal(await page.inputValue('#compute'), '5.76e230');
  assert.deepEqual(problems, []);
  await context.close();
});
