// The examples: one click in the Fit, schedule and data-constrained panels loads a file from
// www/examples/ (fetched then, not part of the wasm), says where it comes from, its licence and
// what to expect — and the page's result is what the example says to expect.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, openPage, openView, settle, text, screenshot } from './harness.mjs';

let origin, browser;
useBrowser((b, o) => { browser = b; origin = o; });

async function load(page, panel, key) {
  await page.selectOption(`#${panel}-example`, key);
  await page.waitForFunction(([p, k]) => document.getElementById(`${p}-example-info`).dataset.example === k, [panel, key]);
  return text(page, `${panel}-example-info`);
}
const num = (s) => Number(s.replace('−', '-'));

test('the Fit panel example recovers the law it was drawn from', async () => {
  const { page, problems } = await openPage(browser, origin);
  const wasm = [];
  page.on('request', (r) => { if (r.url().includes('/examples/')) wasm.push(r.url().split('/').pop()); });
  await openView(page, 'fit');
  const info = await load(page, 'fit', 'chinchilla-synthetic');
  assert.match(info, /Licence: made for scalecalc/);
  assert.match(info, /Expect: .*α ≈ 0\.37 \(true 0\.3478\)/);
  assert.match(await page.inputValue('#fit-data'), /^# Synthetic example/);
  await page.waitForSelector('#fit-report:is([data-state="done"], [data-state="error"])', { timeout: 90_000 });
  assert.equal(await page.getAttribute('#fit-report', 'data-state'), 'done', await text(page, 'fit-error'));
  await settle(page);
  assert.match(await text(page, 'fit-title'), /72 runs/);
  // Each true value inside its 95 % interval, the estimates as the example says.
  const rows = await page.evaluate(() => Object.fromEntries([...document.querySelectorAll('#fit-params tr')].map((tr) => [tr.children[0]?.textContent, [...tr.children].map((c) => c.textContent)])));
  for (const [name, truth, shown] of [['α', 0.3478, 0.37], ['β', 0.3658, 0.37], ['E', 1.82, 1.87]]) {
    const row = Object.entries(rows).find(([k]) => k.startsWith(name) || k === { α: 'alpha', β: 'beta' }[name])?.[1];
    assert.ok(row, `no row for ${name}: ${Object.keys(rows).join(',')}`);
    const [estimate, lo, hi] = row.slice(1).join(' ').match(/-?[\d.]+(e-?\d+)?/g).slice(0, 3).map(num);
    assert.ok(Math.abs(estimate - shown) < 0.006, `${name} = ${estimate}, the example says ≈ ${shown}`);
    assert.ok(lo < truth && truth < hi, `${name}: ${truth} outside ${lo}–${hi}`);
  }
  assert.deepEqual(wasm, ['index.json', 'chinchilla-synthetic.csv']);
  await screenshot(page, 'example-fit');
  assert.deepEqual(problems, []);
});

test('the schedule example refits the Fig. 2 law it was drawn from', async () => {
  const { page, problems } = await openPage(browser, origin, { tool: 'sched' });
  const info = await load(page, 'sched', 'schedules-synthetic');
  assert.match(info, /arXiv:2408\.11029/);
  assert.equal(await page.getAttribute("#sched-example-info a", "href"), "https://arxiv.org/abs/2408.11029");
  await settle(page);
  assert.equal(await page.locator('#tbl-sched_curves tr').count(), 4, 'three curves and a header');
  const law = await text(page, 'out-sched_tissue');
  const [l0, a, alpha, c] = law.match(/L = ([\d.]+) \+ ([\d.]+)·S₁\^\(−([\d.]+)\) − ([\d.]+)·S₂/).slice(1).map(Number);
  assert.ok(Math.abs(l0 - 2.628) < 0.02 && Math.abs(a - 0.429) < 0.02 && Math.abs(alpha - 0.55) < 0.02 && Math.abs(c - 0.411) < 0.01, law);
  assert.ok(Number((await text(page, 'out-sched_tissue_r2')).split(' ')[0]) > 0.9998);
  assert.match(await text(page, 'out-sched_wsd_best'), /^Tissue: decay the last (15|20)%/);
  assert.deepEqual(problems, []);
});

test('the datablations example (Apache-2.0) reproduces the paper\'s R* basin', async () => {
  const { page, problems } = await openPage(browser, origin, { tool: 'dl' });
  const info = await load(page, 'dl', 'datablations-rstar');
  assert.match(info, /Apache License 2\.0/);
  await settle(page);
  assert.match(await text(page, 'out-dl_local'), /^R_D\* = 15\.3\d+, R_N\* = 5\.3\d+, objective 0\.0158259/);
  assert.match(await text(page, 'out-dl_fit'), /on 182 runs; objective 0\.01580/);
  // The notice travels with the data.
  const licence = await page.evaluate(() => fetch('examples/LICENSE-datablations.txt').then((r) => r.text()));
  assert.match(licence, /Apache License\s+Version 2\.0/);
  assert.deepEqual(problems, []);
});

test('the MoE example refits eq. 9 loosely, each true value inside its interval', async () => {
  const { page, problems } = await openPage(browser, origin, { tool: 'moe' });
  const info = await load(page, 'moe', 'moe-synthetic');
  assert.match(info, /arXiv:2402\.07871/);
  assert.match(info, /Expect: .*γ ≈ 0\.43 \(true 0\.58\)/);
  assert.equal(await page.inputValue('#moe-law'), 'fit');
  await page.waitForFunction(() => /90 runs/.test(document.getElementById('out-moe_fit').textContent), null, { timeout: 60_000 });
  await settle(page);
  const fit = await text(page, 'out-moe_fit');
  const [c, g, gamma, a, alpha] = fit.match(/^L = ([\d.]+) \+ \(([\d.]+)\/G\^([\d.]+) \+ ([\d.]+)\)\/N\^([\d.]+)/).slice(1).map(Number);
  assert.ok(Math.abs(alpha - 0.131) < 0.002 && Math.abs(gamma - 0.434) < 0.005 && Math.abs(c - 0.862) < 0.01, fit);
  assert.ok(g > 0 && a > 0);
  const [gLo, gHi, aLo, aHi] = fit.match(/interval of γ ([\d.]+)–([\d.]+), of α ([\d.]+)–([\d.]+)/).slice(1).map(Number);
  assert.ok(gLo < 0.58 && 0.58 < gHi && aLo < 0.115 && 0.115 < aHi, fit);
  assert.match(await text(page, 'out-moe_using'), /fitted to your 90 runs/);
  assert.deepEqual(problems, []);
});
