// End-to-end: the Fit panel's options — a weight column, the asymmetric loss, tied exponents and
// fixed parameters — fitted in the page, stated in the report, kept in the link, and bad entries
// named at their field with the other inputs kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { useBrowser, openPage, screenshot, settle, text } from './harness.mjs';

const EPOCH = readFileSync(new URL('../../../shared/data/chinchilla_epoch/svg_extracted_data.csv', import.meta.url), 'utf8');
// The Epoch runs with a weight column: runs above 1e21 FLOP weigh 3, the rest 1.
const WEIGHTED = EPOCH.trim().split('\n').map((line, i) => {
  if (i === 0) return `${line},w`;
  return `${line},${Number(line.split(',')[4]) > 1e21 ? 3 : 1}`;
}).join('\n');

let origin, browser;
useBrowser((b, o) => { browser = b; origin = o; });

async function fit(page) {
  await page.click('#fit-run');
  await page.waitForSelector('#fit-report:is([data-state="done"], [data-state="error"])', { timeout: 90_000 });
  return page.evaluate(() => ({ ...document.getElementById('fit-report').dataset }));
}

const params = (page) => page.evaluate(() => Object.fromEntries(
  [...document.querySelectorAll('#fit-params tr')].slice(1).map((tr) => [tr.children[0].textContent, [tr.children[1].textContent, tr.children[2].textContent]])));

test('weights, asymmetry, tied and fixed parameters fit in the page and live in the link', async () => {
  const { page, problems } = await openPage(browser, origin, { tool: 'fit' });
  await page.fill('#fit-data', WEIGHTED);
  await page.fill('#fit-drop', '5');
  await page.fill('#fit-boot', '200');
  await settle(page);
  // The weight column is never guessed; choosing it weighs the runs.
  assert.equal(await page.inputValue('#fit-col-weight'), '');
  const plain = await fit(page);
  assert.equal(plain.state, 'done');
  await page.selectOption('#fit-col-weight', 'w');
  await page.fill('#fit-asym', '2');
  await page.fill('#fit-fix', 'E=1.8');
  await page.check('#fit-tie');
  await settle(page);
  for (const field of ['fit_asym', 'fit_fix']) assert.equal(await text(page, `err-${field}`), '', field);
  const state = await fit(page);
  assert.equal(state.state, 'done');
  assert.notEqual(state.objective, plain.objective);
  const title = await text(page, 'fit-title');
  for (const want of ['weighted by column "w" (weights 1 to 3)', 'over-predictions cost 2× more', 'E fixed at 1.8', 'alpha = beta']) {
    assert.ok(title.includes(want), `${want} not in ${title}`);
  }
  const p = await params(page);
  assert.equal(p.E[0], '1.8');
  assert.equal(p.E[1], 'fixed');
  assert.equal(p.alpha[0], p.beta[0]);
  assert.match(p.beta[1], /\(tied to alpha\)$/);
  await screenshot(page, 'fit-options');
  // All four in the link: reopening it restores them.
  const hash = await page.evaluate(() => location.hash);
  for (const key of ['fcw=w', 'fasym=2', 'ffix=E', 'ftie=1']) assert.ok(hash.includes(key), `${key} not in ${hash}`);
  const again = await openPage(browser, origin, { tool: 'fit', hash });
  assert.equal(await again.page.inputValue('#fit-asym'), '2');
  assert.equal(await again.page.isChecked('#fit-tie'), true);
  assert.equal(await again.page.inputValue('#fit-fix'), 'E=1.8');
  await again.page.close();
  // Bad entries: named at their field, nothing else lost.
  await page.fill('#fit-fix', 'gamma=1');
  await page.fill('#fit-asym', 'abc');
  await settle(page);
  assert.match(await text(page, 'err-fit_fix'), /the chinchilla law has no parameter "gamma": its parameters are E, A, B, alpha, beta/);
  assert.match(await text(page, 'err-fit_asym'), /asymmetry/);
  assert.equal(await page.inputValue('#fit-drop'), '5');
  await page.fill('#fit-fix', '');
  await page.fill('#fit-asym', '1');
  await page.selectOption('#fit-law', 'power-c+e');
  await settle(page);
  assert.match(await text(page, 'err-fit_fix'), /no pair of exponents to tie/);
  assert.deepEqual(problems, []);
  await page.close();
});

// Three variants of one law: variant k's N and D worth s_k times more (its compute s_k² times).
function variants(scales) {
  const rows = ['N,D,loss,arch'];
  let k = 0;
  for (const [name, s] of scales) {
    for (const c of [1e18, 1e19, 1e20, 1e21]) {
      for (let i = 0; i < 9; i++) {
        const n = Math.sqrt(c / 120) * 10 ** ((i - 4) * 0.15);
        const d = c / (6 * n);
        k += 1;
        const loss = (1.8 + 420 / (s * n) ** 0.34 + 1800 / (s * d) ** 0.28) * (1 + 0.005 * Math.sin(k * 2.399));
        rows.push(`${n},${d},${loss},${name}`);
      }
    }
  }
  return rows.join('\n');
}

test('a joint fit of variants shows each one\'s compute multiplier, in the link and at its field', async () => {
  const { page, problems } = await openPage(browser, origin, { tool: 'fit' });
  await page.fill('#fit-data', variants([['base', 1], ['swiglu', 1.15], ['moe', 1.4]]));
  await page.fill('#fit-boot', '200');
  await settle(page);
  assert.equal(await page.inputValue('#fit-col-group'), '', 'the variant column is never guessed');
  await page.selectOption('#fit-col-group', 'arch');
  const state = await fit(page);
  assert.equal(state.state, 'done');
  assert.match(await text(page, 'fit-joint-title'), /^Variants \(column "arch"\) fitted jointly: shared alpha = 0\.3\d+ \(.*\), beta = 0\.2\d+ .* base's compute shown, at 5\.76e23 FLOP/);
  const rows = await page.evaluate(() => [...document.querySelectorAll('#fit-joint tr')].map((tr) => [...tr.children].map((c) => c.textContent)));
  assert.deepEqual(rows[0], ['variant', '× base compute', 'L* here', 'runs', 'A', 'B', 'E']);
  assert.deepEqual(rows.slice(1).map((r) => r[0]), ['base', 'swiglu', 'moe']);
  assert.equal(rows[1][1], '1×');
  const [m, lo, hi] = rows[3][1].match(/^([\d.]+)× \(([\d.]+)–([\d.]+)×\)$/).slice(1).map(Number);
  assert.ok(lo < 1.96 && 1.96 < hi && lo < m && m < hi, rows[3][1]);
  await screenshot(page, 'fit-joint');
  assert.match(await page.evaluate(() => location.hash), /fcg=arch/);
  // A baseline that is not a variant: named, nothing else lost.
  await page.fill('#fit-base', 'gpt');
  await page.click('#fit-run');
  await page.waitForSelector('#fit-report[data-state="error"]', { timeout: 30_000 });
  assert.match(await text(page, 'fit-error'), /the baseline "gpt" is not a variant of column "arch": base, swiglu, moe/);
  assert.equal(await page.inputValue('#fit-col-group'), 'arch');
  assert.deepEqual(problems, []);
  await page.close();
});

test('clicking a run on the loss chart leaves it out, clicking its ring puts it back', async () => {
  const { page, problems } = await openPage(browser, origin, { tool: 'fit' });
  await page.fill('#fit-data', EPOCH);
  await page.fill('#fit-drop', '5');
  await page.fill('#fit-boot', '100');
  await page.fill('#fit-hold', '0');
  const first = await fit(page);
  await settle(page);
  const marks = await page.evaluate(() => window.scalecalcFitMarks('fit-loss'));
  assert.equal(marks.length, 240);
  assert.equal(marks.filter((m) => m.excluded).length, 0);
  // The run furthest from its neighbours: a click there can only mean it.
  const far = (m) => Math.min(...marks.filter((o) => o !== m).map((o) => Math.hypot(o.x - m.x, o.y - m.y)));
  const target = marks.reduce((a, b) => (far(b) > far(a) ? b : a));
  const clickAt = async (chart, m) => {
    await page.locator(`canvas[data-chart="${chart}"]`).scrollIntoViewIfNeeded();
    const box = await page.locator(`canvas[data-chart="${chart}"]`).boundingBox();
    const size = await page.evaluate((chart) => { const c = document.querySelector(`canvas[data-chart="${chart}"]`); return c.width / c.clientWidth; }, chart);
    await page.mouse.click(box.x + m.x / size, box.y + m.y / size);
  };
  await clickAt('fit-loss', target);
  await page.waitForSelector('#fit-report[data-state="done"]', { timeout: 90_000 });
  await page.waitForFunction((line) => document.getElementById('fit-exclude').value === String(line), target.line);
  await settle(page);
  assert.match(await text(page, 'fit-runs-summary'), /^Runs in the fit: 239 of 240 \(1 excluded\)$/);
  const after = await page.evaluate(() => ({ ...document.getElementById('fit-report').dataset }));
  assert.notEqual(after.objective, first.objective);
  assert.match(await page.evaluate(() => location.hash), new RegExp(`fex=${target.line}`));
  // It is drawn hollow where it was; a click there brings it back.
  const ring = (await page.evaluate(() => window.scalecalcFitMarks('fit-loss'))).find((m) => m.excluded);
  assert.equal(ring.line, target.line);
  await screenshot(page, 'fit-click-excluded');
  await clickAt('fit-loss', ring);
  await page.waitForFunction(() => document.getElementById('fit-exclude').value === '');
  await page.waitForSelector('#fit-report[data-state="done"]', { timeout: 90_000 });
  await settle(page);
  assert.equal(await page.evaluate(() => document.getElementById('fit-report').dataset.objective), first.objective);
  // A click on empty chart space changes nothing.
  await page.mouse.click((await page.locator('canvas[data-chart="fit-residuals"]').boundingBox()).x + 3, (await page.locator('canvas[data-chart="fit-residuals"]').boundingBox()).y + 3);
  assert.equal(await page.inputValue('#fit-exclude'), '');
  assert.deepEqual(problems, []);
  await page.close();
});
