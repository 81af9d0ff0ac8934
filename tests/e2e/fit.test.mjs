// End-to-end: the Fit panel driven in headless Chromium — paste, fit in workers, read the
// report, use the fit, share it, cancel, and every kind of bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useBrowser, openPage, openView, screenshot, settle, text } from './harness.mjs';

const EPOCH = readFileSync(new URL('../../../shared/data/chinchilla_epoch/svg_extracted_data.csv', import.meta.url), 'utf8');

let origin, browser;
useBrowser((b, o) => { browser = b; origin = o; });

/// A small synthetic grid of runs from a known Chinchilla law (with a little deterministic noise).
function syntheticRuns() {
  const rows = ['params\ttokens\tval_loss'];
  let k = 0;
  for (const n of [2e7, 5e7, 1e8, 2e8, 5e8, 1e9]) {
    for (const tpp of [5, 20, 80]) {
      const d = n * tpp;
      const loss = 1.7 + 400 / n ** 0.34 + 410 / d ** 0.28 + 0.004 * Math.sin(k++ * 2.3);
      rows.push(`${n}\t${d}\t${loss.toFixed(5)}`);
    }
  }
  return rows.join('\n');
}

async function fit(page, { timeout = 90_000 } = {}) {
  await page.click('#fit-run');
  await page.waitForSelector('#fit-report:is([data-state="done"], [data-state="error"])', { timeout });
  return page.evaluate(() => ({ ...document.getElementById('fit-report').dataset }));
}

async function tableRows(page, id) {
  return page.evaluate((id) => [...document.querySelectorAll(`#${id} tr`)].map((tr) => [...tr.children].map((c) => c.textContent)), id);
}

test('the Epoch runs fit to the reference optimum, with intervals, validation and a comparison', async () => {
  const { page, problems } = await openPage(browser, origin, { tool: 'fit' });
  await page.fill('#fit-data', EPOCH);
  assert.match(await text(page, 'fit-data-info'), /245 rows/);
  assert.equal(await page.inputValue('#fit-col-n'), '', 'column chosen automatically');
  assert.match(await page.locator('#fit-col-n option[value=""]').textContent(), /Model Size/);
  await page.fill('#fit-drop', '5');
  await page.fill('#fit-hold', '10');
  await page.fill('#fit-boot', '300');
  const state = await fit(page);
  assert.equal(state.state, 'done', await text(page, 'fit-error'));
  assert.ok(Number(state.objective) <= 0.00101827402, state.objective);
  const params = Object.fromEntries((await tableRows(page, 'fit-params')).slice(1).map(([k, v, ci]) => [k, { v: Number(v), ci }]));
  assert.ok(Math.abs(params.A.v - 477.8) < 1 && Math.abs(params.beta.v - 0.3672) < 1e-3, JSON.stringify(params));
  for (const p of Object.values(params)) assert.match(p.ci, /^\S+ – \S+$/);
  const comparison = await tableRows(page, 'fit-comparison');
  assert.equal(comparison.length, 6, 'header + Chinchilla, Kaplan, Farseer and two power laws');
  assert.ok(comparison.some((r) => /Farseer/.test(r.join(' '))), JSON.stringify(comparison));
  assert.match(await text(page, 'fit-holdout'), /Held out the 10 largest-compute runs/);
  assert.match(await text(page, 'fit-warnings'), /44× the largest run's compute/);
  const body = await page.evaluate(() => document.getElementById('fit-body').textContent);
  assert.doesNotMatch(body, /NaN|Infinity|undefined/);
  await settle(page);
  await page.evaluate(() => document.getElementById('fit').scrollIntoView());
  await screenshot(page, 'fit-epoch');
  assert.deepEqual(problems, []);
});

test('a fit that changes only the seed or the resamples reuses the laws\' fits, even with nothing left for the workers', async () => {
  const { page, problems } = await openPage(browser, origin, { tool: 'fit' });
  await page.fill('#fit-data', EPOCH);
  await page.fill('#fit-drop', '5');
  await page.fill('#fit-boot', '200');
  assert.equal((await fit(page)).state, 'done', await text(page, 'fit-error'));
  const first = await tableRows(page, 'fit-comparison');
  const firstParams = await tableRows(page, 'fit-params');
  // Another seed: the same laws' fits (from the session), new intervals.
  await page.fill('#fit-seed', '7');
  assert.equal((await fit(page)).state, 'done', await text(page, 'fit-error'));
  assert.deepEqual(await tableRows(page, 'fit-comparison'), first);
  // No resamples: every task is taken and no job goes to a worker; the report still comes.
  await page.fill('#fit-boot', '0');
  const state = await fit(page, { timeout: 10_000 });
  assert.equal(state.state, 'done', await text(page, 'fit-error'));
  assert.deepEqual(await tableRows(page, 'fit-comparison'), first);
  const params = await tableRows(page, 'fit-params');
  assert.deepEqual(params.map((r) => r.slice(0, 2)), firstParams.map((r) => r.slice(0, 2)), 'the same estimates');
  assert.match(await text(page, 'fit-status'), /^Done in/);
  assert.deepEqual(problems, []);
});

test('"Use this fit" drives the Budget panel, and a link with small data reopens the same fit', async () => {
  const { page, problems } = await openPage(browser, origin, { tool: 'fit' });
  await page.fill('#fit-data', syntheticRuns());
  await page.fill('#fit-boot', '200');
  await page.fill('#fit-grid', 'a=0:20:10, b=0:20:10, e=-1:1:1, alpha=0:1:0.5, beta=0:1:0.5');
  assert.equal((await fit(page)).state, 'done', await text(page, 'fit-error'));
  const before = await text(page, 'fit-title');
  const nStarPreset = await text(page, 'out-n_star');
  await page.click('#fit-use');
  await settle(page);
  assert.equal(await page.inputValue('#law'), 'fit');
  assert.notEqual(await text(page, 'out-n_star'), nStarPreset);
  assert.match(await text(page, 'out-n_star_ci'), /^\S+ – \S+$/);
  assert.match(await text(page, 'out-law_formula'), /^L = /);
  const hash = await page.evaluate(() => location.hash);
  assert.match(hash, /law=fit&fit=chinchilla%3BE%3D|law=fit&fit=chinchilla;E=/);
  assert.match(hash, /fdata=z/);

  const again = await openPage(browser, origin, { tool: 'fit', hash });
  assert.equal(await again.page.inputValue('#law'), 'fit');
  assert.equal(await text(again.page, 'out-n_star'), await text(page, 'out-n_star'));
  await again.page.waitForSelector('#fit-report[data-state="done"]', { timeout: 60_000 });
  assert.equal(await text(again.page, 'fit-title'), before);
  await settle(again.page);
  assert.equal(await text(again.page, 'out-n_star_ci'), await text(page, 'out-n_star_ci'), 'seeded bootstrap reproduces');
  assert.deepEqual([...problems, ...again.problems], []);
});

test('a Farseer fit can drive the Budget panel too', async () => {
  const { page, problems } = await openPage(browser, origin, { tool: 'fit' });
  await page.fill('#fit-data', syntheticRuns());
  await page.selectOption('#fit-law', 'farseer');
  await page.fill('#fit-boot', '50');
  assert.equal((await fit(page)).state, 'done', await text(page, 'fit-error'));
  const nStarPreset = await text(page, 'out-n_star');
  await page.click('#fit-use');
  await settle(page);
  assert.equal(await page.inputValue('#law'), 'fit');
  assert.match(await text(page, 'out-law_citation'), /your 18 runs.*Farseer's \(Li et al. 2025/);
  assert.match(await text(page, 'out-law_formula'), /^L = exp\(/);
  assert.notEqual(await text(page, 'out-n_star'), nStarPreset);
  assert.match(await text(page, 'out-n_star'), /^[\d.]+[MBT]$/);
  assert.match(await page.evaluate(() => location.hash), /law=fit&fit=farseer(%3B|;)a1(%3D|=)/);
  assert.deepEqual(problems, []);
});

test('bad rows are named with row and column, kept in the box, and skipped only on request', async () => {
  const { page, problems } = await openPage(browser, origin, { tool: 'fit' });
  const data = syntheticRuns().replace(/\n(5e\+?7|50000000)\t(\S+)\t\S+/, '\n$1\t$2\tabc');
  await page.fill('#fit-data', data);
  await page.fill('#fit-grid', 'a=0:20:10, b=0:20:10');
  await page.fill('#fit-boot', '0');
  const state = await fit(page);
  assert.equal(state.state, 'error');
  assert.match(await text(page, 'fit-error'), /row \d+, column "val_loss": "abc" is not a number/);
  assert.match(await text(page, 'fit-error'), /skip bad rows/);
  assert.equal(await page.inputValue('#fit-data'), data, 'nothing typed is lost');
  await page.check('#fit-skip');
  assert.equal((await fit(page)).state, 'done', await text(page, 'fit-error'));
  assert.match(await text(page, 'fit-notes'), /Skipped 1 bad rows/);
  assert.deepEqual(problems, []);
});

test('empty, one-row, identical, non-array JSON, huge and mismatched input get clear messages', async () => {
  const { page, problems } = await openPage(browser, origin, { tool: 'fit' });
  const bigRows = ['N,D,loss', ...Array.from({ length: 100_000 }, (_, i) => `${1e8 + i},${2e9 + i},3.1`)].join('\n');
  const cases = [
    ['', /empty/i],
    ['N,D,loss\n1e8,2e9,3.1', /1 usable run/],
    [`N,D,loss\n${'1e8,2e9,3.1\n'.repeat(8)}`, /same N, D and loss/],
    ['{"runs": []}', /array/],
    ['N,D,loss\n1e8,2e9,3.1\n1e9,2e10\n', /row 3.*2 cells/],
    ['N,D,loss\n1e8,-2e9,3.1\n1e9,2e10,1e400\n', /greater than 0|too large/],
    [bigRows, /MB|100,?000 rows/],
  ];
  for (const [data, want] of cases) {
    // Set the box as a paste would (one input event), which is also fast for megabytes.
    await page.evaluate((data) => {
      const box = document.getElementById('fit-data');
      box.value = data;
      box.dispatchEvent(new Event('input', { bubbles: true }));
    }, data);
    await page.fill('#fit-boot', '0');
    const state = await fit(page);
    assert.equal(state.state, 'error', `${data.slice(0, 30)} fitted`);
    assert.match(await text(page, 'fit-error'), want, data.slice(0, 40));
  }
  // The rest of the page still works.
  await openView(page, '');
  await page.fill('#compute', '1e22');
  await settle(page);
  assert.match(await text(page, 'out-compute_flop'), /1e22/);
  await openView(page, 'fit');
  // A 5 MB file is refused without replacing what is in the box.
  await page.fill('#fit-data', 'N,D,loss\n1e8,2e9,3.1');
  const dir = mkdtempSync(join(tmpdir(), 'scalecalc-'));
  const big = join(dir, 'runs.csv');
  writeFileSync(big, `N,D,loss\n${'100000000,2000000000,3.10000\n'.repeat(190_000)}`);
  await page.setInputFiles('#fit-file', big);
  await page.waitForFunction(() => document.getElementById('err-fit_data').textContent.includes('runs.csv'));
  assert.match(await text(page, 'err-fit_data'), /MB/);
  assert.equal(await page.inputValue('#fit-data'), 'N,D,loss\n1e8,2e9,3.1');
  assert.deepEqual(problems, []);
});

test('a fit can be cancelled, the page stays responsive while it runs, and it can run again', async () => {
  const { page, problems } = await openPage(browser, origin, { tool: 'fit' });
  await page.fill('#fit-data', EPOCH);
  await page.fill('#fit-boot', '2000');
  await page.click('#fit-run');
  await page.waitForSelector('#fit-report[data-state="running"]');
  // Typing in the Budget panel still updates it while the workers fit.
  await page.click('#tools-nav a[data-tool=""]');
  await page.fill('#compute', '3e22');
  await page.waitForFunction(() => document.getElementById('out-compute_flop').textContent.includes('3e22'), null, { timeout: 2000 });
  await page.click('#tools-nav a[data-tool="fit"]');
  await page.click('#fit-cancel');
  assert.match(await text(page, 'fit-status'), /Cancelled/);
  assert.equal(await page.isDisabled('#fit-run'), false);
  await page.fill('#fit-boot', '0');
  await page.fill('#fit-grid', 'a=0:20:10, b=0:20:10');
  assert.equal((await fit(page)).state, 'done', await text(page, 'fit-error'));
  assert.deepEqual(problems, []);
});

test('the Fit panel reads well on a phone', async () => {
  const { page, problems } = await openPage(browser, origin, { tool: 'fit', viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
  await page.fill('#fit-data', syntheticRuns());
  await page.fill('#fit-boot', '100');
  await page.fill('#fit-grid', 'a=0:20:10, b=0:20:10, e=-1:1:1, alpha=0:1:0.5, beta=0:1:0.5');
  assert.equal((await fit(page)).state, 'done');
  await settle(page);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `page scrolls sideways by ${overflow}px`);
  await page.evaluate(() => document.getElementById('fit').scrollIntoView());
  await screenshot(page, 'fit-phone');
  assert.deepEqual(problems, []);
});
