// End-to-end: the data-constrained (Muennighoff et al.) and over-training (Gadre et al.) panels —
// the README's allocation and the paper's R* on the page, link round trips, bad input, and
// screenshots in both themes and widths.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { useBrowser, openPage, openView, settle, text, shotDir } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const CSV = join(here, '..', '..', '..', 'shared', 'data', 'datablations', 'datablations_final_losses.csv');

let origin, browser;
useBrowser((b, o) => { browser = b; origin = o; });

/// The 182 runs of the paper's R* fit, as N,D,U,loss.
function subset() {
  const [header, ...lines] = readFileSync(CSV, 'utf8').trim().split('\n');
  const cols = header.split(',');
  const at = (name) => cols.indexOf(name);
  const rows = ['N,D,U,loss'];
  for (const line of lines) {
    const c = line.split(',');
    if (c[at('in_paper_Rstar_fit_subset')] !== '1') continue;
    rows.push([c[at('N_params')], c[at('D_tokens')], c[at('U_unique_tokens')], c[at('loss_c4_val')]].join(','));
  }
  assert.equal(rows.length, 183);
  return rows.join('\n');
}

const DL = ['dl_n', 'dl_d', 'dl_epochs', 'dl_loss', 'dl_n0', 'dl_d0', 'dl_loss0', 'dl_penalty', 'dl_stars', 'dl_fit', 'dl_local'];
const OT = ['ot_ratio', 'ot_mstar', 'ot_n', 'ot_d', 'ot_loss', 'ot_loss_opt', 'ot_loss_over', 'ot_compute_over', 'ot_map', 'ot_err'];
async function outputs(page, keys) {
  const v = {};
  for (const k of keys) v[k] = await text(page, `out-${k}`);
  return v;
}
const NON_FINITE = /NaN|Infinity|undefined/;
function assertClean(problems) {
  assert.deepEqual(problems, [], `console errors or off-origin requests:\n${problems.join('\n')}`);
}
async function shot(page, sel, name) {
  await page.locator(sel).screenshot({ path: join(shotDir, `${name}.png`) });
}

test('data-constrained: the README allocation, the paper R*, and the link round trip', async () => {
  const { page, context, problems } = await openPage(browser, origin, { tool: 'dl' });
  // README: optimal_allocation(8.67e9, 178e9, 25e9) → 227B tokens, 9.1 epochs, 6.8B parameters.
  await openView(page, '');
  await page.fill('#compute', '9.25956e21');
  await openView(page, 'dl');
  await page.fill('#dl-u', '25B');
  await settle(page);
  let v = await outputs(page, DL);
  assert.equal(v.dl_d, '227B');
  assert.equal(v.dl_n, '6.8B');
  assert.ok(Math.abs(Number(v.dl_epochs) - 9.1) < 0.1, v.dl_epochs);
  assert.match(v.dl_penalty, /^\+0\.\d+ nats/);
  assert.match(v.dl_stars, /R_D\* = 15\.388, R_N\* = 5\.3097/);
  assert.match(await page.locator('#tbl-dl_compare').textContent(), /Best allocation with U unique tokens/);

  // Paste the paper's runs: the fit, and the basin at the published R*.
  await page.fill('#dl-runs', subset());
  await settle(page);
  v = await outputs(page, DL);
  assert.match(v.dl_fit, /on 182 runs/);
  assert.match(v.dl_fit, /95% CI/);
  const local = v.dl_local.match(/R_D\* = ([\d.]+), R_N\* = ([\d.]+), objective ([\d.]+)/);
  assert.ok(local, v.dl_local);
  assert.ok(Math.abs(Number(local[1]) / 15.387756 - 1) < 2e-3, v.dl_local);
  assert.ok(Math.abs(Number(local[2]) / 5.309743 - 1) < 2e-3, v.dl_local);
  assert.ok(Math.abs(Number(local[3]) - 0.0158259) < 1e-6, v.dl_local);
  assert.match(await page.locator('#list-dl_notes').textContent(), /more than one basin/);
  await page.selectOption('#dl-law', 'fit');
  await settle(page);
  v = await outputs(page, DL);
  assert.match(v.dl_stars, /fitted to your 182 runs/);
  assert.doesNotMatch(Object.values(v).join('\n'), NON_FINITE);

  // Link round trip: a new page from the URL shows the same answers.
  const url = page.url();
  assert.match(url, /dlu=25B/);
  const again = await openPage(browser, origin, { tool: 'dl', hash: url.slice(url.indexOf('#')) });
  await settle(again.page);
  assert.deepEqual(await outputs(again.page, DL), v);
  assertClean(again.problems);
  await again.context.close();

  await shot(page, '#tool-dl', 'datalimit-wide-light');
  assertClean(problems);
  await context.close();
});

test('over-training: overheads at the budget, the error map typed and fitted, link round trip', async () => {
  const { page, context, problems } = await openPage(browser, origin, { tool: 'ot' });
  let v = await outputs(page, OT);
  assert.equal(v.ot_ratio, '100');
  assert.match(v.ot_compute_over, /^\+\d/);
  assert.match(v.ot_loss_over, /^\+0\.\d+ nats/);
  assert.equal(v.ot_err, '');
  // At M*, nothing is lost.
  await page.fill('#ot-m', v.ot_mstar);
  await settle(page);
  const atStar = Number((await text(page, 'out-ot_loss_over')).match(/^\+(\S+) nats/)?.[1]);
  assert.ok(atStar >= 0 && atStar < 1e-4, `loss overhead at M* is ${atStar}`);
  // A model size instead of M.
  await page.fill('#ot-n', '8B');
  await settle(page);
  assert.equal(await text(page, 'out-ot_n'), '8B');
  await page.fill('#ot-n', '');
  await page.fill('#ot-m', '400');
  await page.fill('#ot-eps', '0.85');
  await page.fill('#ot-k', '2.2');
  await page.fill('#ot-gamma', '0.7');
  await settle(page);
  v = await outputs(page, OT);
  assert.match(v.ot_err, /^\d+(\.\d+)?% at M = 400/);
  assert.match(v.ot_map, /as typed/);
  // Pairs from a known map are fitted back.
  const rows = ['loss,error'];
  for (let i = 0; i < 12; i++) {
    const l = 2.2 + 0.2 * i;
    rows.push(`${l.toFixed(2)},${(0.85 - 2.2 * Math.exp(-0.7 * l)).toFixed(6)}`);
  }
  await page.fill('#ot-pairs', rows.join('\n'));
  await settle(page);
  v = await outputs(page, OT);
  assert.match(v.ot_map, /^Err = 0\.85 − 2\.2·exp\(−0\.7·L\), fitted to your 12 pairs/);
  assert.doesNotMatch(Object.values(v).join('\n'), NON_FINITE);
  const url = page.url();
  const again = await openPage(browser, origin, { tool: 'dl', hash: url.slice(url.indexOf('#')) });
  await settle(again.page);
  assert.deepEqual(await outputs(again.page, OT), v);
  assertClean(again.problems);
  await again.context.close();
  await shot(page, '#tool-ot', 'overtrain-wide-light');
  assertClean(problems);
  await context.close();
});

test('bad input: a message under the field, the other answers intact', async () => {
  const { page, context, problems } = await openPage(browser, origin, { tool: 'dl' });
  const otBefore = await outputs(page, OT);
  for (const bad of ['abc', '-5B', '0']) {
    await page.fill('#dl-u', bad);
    await settle(page);
    assert.notEqual(await text(page, 'err-dl_u'), '', `no message for U = ${bad}`);
  }
  assert.deepEqual(await outputs(page, OT), otBefore);
  await page.fill('#dl-u', '100B');
  await page.fill('#dl-runs', 'N,D,U,loss\n1e9,1e10,2e10,3.0\n1e9,2e10,1e10,abc\n');
  await settle(page);
  const err = await text(page, 'err-dl_runs');
  assert.match(err, /row 2: unique tokens U = 20B exceed total tokens D = 10B/);
  assert.match(err, /row 3, column "loss"/);
  assert.notEqual(await text(page, 'out-dl_n'), '');
  await page.fill('#dl-runs', 'N,D,U,loss\n1e9,2e10,1e10,3.0\n');
  await settle(page);
  assert.match(await text(page, 'err-dl_runs'), /at least 3 runs \(got 1\)/);

  await openView(page, 'ot');
  for (const bad of ['0', '-3', 'many']) {
    await page.fill('#ot-m', bad);
    await settle(page);
    assert.notEqual(await text(page, 'err-ot_m'), '', `no message for M = ${bad}`);
  }
  assert.notEqual(await text(page, 'out-dl_n'), '');
  await page.fill('#ot-m', '100');
  await page.fill('#ot-eps', '0.85');
  await settle(page);
  assert.match(await text(page, 'err-ot_k'), /type k too/);
  await page.fill('#ot-eps', '');
  await page.fill('#ot-pairs', 'loss,error\n3.1,0.6\n');
  await settle(page);
  assert.match(await text(page, 'err-ot_pairs'), /at least 4/);
  assert.match(await text(page, 'out-ot_compute_over'), /^\+/);
  assert.doesNotMatch(await page.evaluate(() => [...document.querySelectorAll('dd')].map((e) => e.textContent).join('\n')), NON_FINITE);
  assertClean(problems);
  await context.close();
});

test('screenshots: narrow and dark', async () => {
  for (const [name, viewport, colorScheme] of [
    ['narrow-dark', { width: 390, height: 900 }, 'dark'],
    ['wide-dark', { width: 1280, height: 900 }, 'dark'],
    ['narrow-light', { width: 390, height: 900 }, 'light'],
  ]) {
    const { page, context, problems } = await openPage(browser, origin, { tool: 'dl', viewport, colorScheme });
    await openView(page, 'ot');
    await page.fill('#ot-eps', '0.85');
    await page.fill('#ot-k', '2.2');
    await page.fill('#ot-gamma', '0.7');
    await settle(page);
    await shot(page, '#tool-ot', `overtrain-${name}`);
    await openView(page, 'dl');
    await shot(page, '#tool-dl', `datalimit-${name}`);
    // Nothing in these two panels reaches past the viewport (tables scroll inside their box).
    const sticking = await page.evaluate(() => {
      const w = document.documentElement.clientWidth;
      return [...document.querySelectorAll('#tool-dl *, #tool-ot *')]
        .filter((e) => !e.closest('.table-scroll') && e.getBoundingClientRect().right > w + 1)
        .map((e) => `${e.tagName}#${e.id}`);
    });
    assert.deepEqual(sticking, [], `${name}: wider than the screen`);
    assertClean(problems);
    await context.close();
  }
});
