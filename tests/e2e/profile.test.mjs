// End-to-end: the default (profile) search of the Fit panel — the main report shown before the
// comparison laws end, the (α, β) heat map and the sentence on identification, the search
// option in the link, and the grid search reaching the same optimum.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { useBrowser, openPage, screenshot, settle, text } from './harness.mjs';

const EPOCH = readFileSync(new URL('../../../shared/data/chinchilla_epoch/svg_extracted_data.csv', import.meta.url), 'utf8');

let origin, browser;
useBrowser((b, o) => { browser = b; origin = o; });

async function fit(page, { timeout = 90_000 } = {}) {
  await page.click('#fit-run');
  await page.waitForSelector('#fit-report:is([data-state="done"], [data-state="error"])', { timeout });
  return page.evaluate(() => ({ ...document.getElementById('fit-report').dataset }));
}

/// The share of strongly coloured pixels in the middle of a chart: most of a heat map, almost
/// none of a chart that only writes a message.
async function coloured(page, chart) {
  return page.evaluate((chart) => {
    const c = document.querySelector(`canvas[data-chart="${chart}"]`);
    const { width, height } = c;
    const data = c.getContext('2d').getImageData(Math.round(width * 0.2), Math.round(height * 0.2), Math.round(width * 0.6), Math.round(height * 0.6)).data;
    let strong = 0;
    let all = 0;
    for (let i = 0; i < data.length; i += 4 * 5) {
      all += 1;
      if (Math.abs(data[i] - data[i + 1]) + Math.abs(data[i + 1] - data[i + 2]) > 80) strong += 1;
    }
    return strong / all;
  }, chart);
}

test('the profile search shows the main report first, a heat map and how well α and β are pinned', async () => {
  const { page, problems } = await openPage(browser, origin, { tool: 'fit' });
  await page.fill('#fit-data', EPOCH);
  await page.fill('#fit-drop', '5');
  await page.fill('#fit-boot', '400');
  assert.equal(await page.inputValue('#fit-search'), 'auto');
  // A bad pair is named at its field, and the other inputs stay.
  await page.fill('#fit-at', '70B,1.4T; 280B');
  await settle(page);
  assert.match(await text(page, 'err-fit_at'), /pair 2, "280B": write N,D/);
  assert.equal(await page.inputValue('#fit-drop'), '5');
  await page.fill('#fit-at', '70B,1.4T; 280B,300B');
  await settle(page);
  assert.equal(await text(page, 'err-fit_at'), '');
  // The main report appears while the comparison laws are still being fitted.
  await page.click('#fit-run');
  await page.waitForFunction(() => document.getElementById('fit-pending').textContent.length > 0
    || document.getElementById('fit-report').dataset.state === 'done', null, { timeout: 60_000 });
  const early = await text(page, 'fit-pending');
  if (early) {
    assert.match(early, /^Still fitting: .*Kaplan.*rolling-forward validation\.$/);
    assert.match(await text(page, 'fit-title'), /Chinchilla/);
  }
  await page.waitForSelector('#fit-report[data-state="done"]', { timeout: 90_000 });
  assert.equal(await text(page, 'fit-pending'), '', 'the pending note goes when every law is in');
  const state = await page.evaluate(() => ({ ...document.getElementById('fit-report').dataset }));
  assert.ok(Number(state.objective) <= 0.00101827402, state.objective);
  assert.ok(Number(state.mainMs) > 0, JSON.stringify(state));
  const identification = await text(page, 'fit-identification');
  assert.match(identification, /^The runs pin α to ±0\.0\d+ and β to ±0\.0\d+ \(half-widths of the 95 % bootstrap intervals\)\. No other basin/);
  assert.match(await text(page, 'fit-notes'), /Searched by the profile over α and β \(2304 grid points/);
  // Predictions: Chinchilla's 70B on 1.4T below Gopher's 280B on 300B, each with two intervals.
  const at = await page.evaluate(() => [...document.querySelectorAll('#fit-at-table tr')].map((tr) => [...tr.children].map((c) => c.textContent)));
  assert.deepEqual(at[0], ['N', 'D', 'predicted loss', '95% CI of the law', '95% interval for one run']);
  assert.equal(at.length, 3);
  assert.ok(Number(at[1][2]) < Number(at[2][2]), JSON.stringify(at));
  for (const row of at.slice(1)) {
    const [lo, hi] = row[3].split(' – ').map(Number);
    const [plo, phi] = row[4].split(' – ').map(Number);
    assert.ok(plo < lo && lo < Number(row[2]) && Number(row[2]) < hi && hi < phi, JSON.stringify(row));
  }
  assert.match(await page.evaluate(() => location.hash), /fat=70B/);
  // Rolling-forward validation: one sentence per cut, and its chart drawn.
  const rolling = await page.evaluate(() => [...document.querySelectorAll('#fit-rolling li')].map((li) => li.textContent));
  assert.equal(rolling.length, 4, JSON.stringify(rolling));
  assert.match(rolling[0], /^Fitted on the 120 runs up to 8\.3e19 FLOP, the law predicts the 120 beyond \(up to \d+× further\) with median \|error\| [\d.]+ %/);
  assert.ok(await coloured(page, 'fit-rolling') > 0.005, 'rolling chart has coloured points');
  await settle(page);
  const share = await coloured(page, 'fit-profile');
  assert.ok(share > 0.5, `the heat map covers ${share} of the chart`);
  const hash = await page.evaluate(() => location.hash);
  assert.doesNotMatch(hash, /fsearch=/, 'the default search is not written into links');
  await page.evaluate(() => document.getElementById('chart-fit-profile').scrollIntoView());
  await screenshot(page, 'fit-profile-wide-light');
  assert.deepEqual(problems, []);
});

test('the grid search is one option away, in the link, and reaches the same optimum', async () => {
  const { page, problems } = await openPage(browser, origin, { tool: 'fit' });
  await page.fill('#fit-data', EPOCH);
  await page.fill('#fit-drop', '5');
  await page.fill('#fit-boot', '0');
  await page.fill('#fit-hold', '0');
  await page.selectOption('#fit-search', 'grid');
  const state = await fit(page);
  assert.equal(state.state, 'done', await text(page, 'fit-error'));
  assert.ok(Number(state.objective) <= 0.00101827402, state.objective);
  assert.match(await text(page, 'fit-notes'), /4500 grid starts/);
  assert.equal(await text(page, 'fit-identification'), '');
  assert.match(await page.evaluate(() => location.hash), /fsearch=grid/);
  // The profile chart says why it is empty rather than drawing nothing.
  await settle(page);
  const share = await coloured(page, 'fit-profile');
  assert.ok(share < 0.05, `a message chart, not a heat map: ${share}`);
  assert.deepEqual(problems, []);
});

test('on a phone in dark mode the heat map stays readable', async () => {
  const { page, problems } = await openPage(browser, origin, { tool: 'fit', viewport: { width: 390, height: 844 }, colorScheme: 'dark' });
  await page.fill('#fit-data', EPOCH);
  await page.fill('#fit-drop', '5');
  await page.fill('#fit-boot', '200');
  assert.equal((await fit(page)).state, 'done', await text(page, 'fit-error'));
  await settle(page);
  const share = await coloured(page, 'fit-profile');
  assert.ok(share > 0.5, `the heat map covers ${share} of the chart`);
  const box = await page.locator('#chart-fit-profile').boundingBox();
  assert.ok(box.width <= 390 && box.width > 300, JSON.stringify(box));
  await page.evaluate(() => document.getElementById('chart-fit-profile').scrollIntoView());
  await screenshot(page, 'fit-profile-narrow-dark');
  assert.deepEqual(problems, []);
});

test('ticking a run off refits live, the Budget panel follows the fit it uses, and the link keeps it', async () => {
  const { page, problems } = await openPage(browser, origin, { tool: 'fit' });
  await page.fill('#fit-data', EPOCH);
  await page.fill('#fit-drop', '5');
  await page.fill('#fit-boot', '200');
  assert.equal((await fit(page)).state, 'done', await text(page, 'fit-error'));
  await page.click('#fit-use');
  await settle(page);
  const nStar = await text(page, 'out-n_star');
  const objective = await page.evaluate(() => document.getElementById('fit-report').dataset.objective);
  assert.match(await text(page, 'fit-runs-summary'), /^Runs in the fit: 240 of 240$/);
  // Untick the three runs with the largest compute: a refit starts by itself.
  await page.click('#fit-runs-summary');
  const lines = await page.evaluate(() => {
    const rows = [...document.querySelectorAll('#fit-runs tbody tr')];
    return rows.slice(-3).map((tr) => tr.querySelector('input').dataset.line);
  });
  for (const line of lines) {
    await page.waitForSelector('#fit-report[data-state="done"]');
    await page.click(`#fit-runs input[data-line="${line}"]`);
  }
  await page.waitForFunction((o) => {
    const r = document.getElementById('fit-report');
    return r.dataset.state === 'done' && r.dataset.objective !== o && document.getElementById('fit-runs-summary').textContent.includes('3 excluded');
  }, objective, { timeout: 60_000 });
  assert.equal(await page.inputValue('#fit-exclude'), lines.join(', '));
  assert.match(await text(page, 'fit-runs-summary'), /^Runs in the fit: 237 of 240 \(3 excluded\)$/);
  assert.match(await text(page, 'fit-title'), /237 runs/);
  await settle(page);
  assert.equal(await page.inputValue('#law'), 'fit');
  assert.notEqual(await text(page, 'out-n_star'), nStar, 'the Budget panel follows the refit');
  const hash = await page.evaluate(() => location.hash);
  assert.match(hash, /fex=/);
  // A bad row number is named at its field.
  await page.fill('#fit-exclude', '3, x');
  await settle(page);
  assert.match(await text(page, 'err-fit_exclude'), /"x" is not a row number/);
  assert.deepEqual(problems, []);
});
