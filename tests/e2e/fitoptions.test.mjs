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
  const { page, problems } = await openPage(browser, origin);
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
  const again = await openPage(browser, origin, { hash });
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
