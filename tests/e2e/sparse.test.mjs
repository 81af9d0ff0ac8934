// End-to-end: the sparse pre-training panel (Jin et al. 2025) — defaults from the Budget panel,
// typing a schedule, the link, bad input at its field, the chart, screenshots.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { useBrowser, openPage, settle, text, shotDir } from './harness.mjs';

let origin, browser;
useBrowser((b, o) => { browser = b; origin = o; });

const OUTS = ['sp_density', 'sp_nbar', 'sp_final', 'sp_d', 'sp_loss', 'sp_dense_final', 'sp_saving'];
const NON_FINITE = /NaN|Infinity|undefined|—/;
async function read(page) {
  const v = {};
  for (const k of OUTS) v[k] = await text(page, `out-${k}`);
  return v;
}
const canvas = (page) => page.evaluate(() => document.querySelector('canvas[data-chart="sp-params"]').toDataURL());
async function panelShot(page, name) {
  await mkdir(shotDir, { recursive: true });
  await page.locator('#tool-sp').screenshot({ path: join(shotDir, `${name}.png`) });
}
function assertClean(problems) {
  assert.deepEqual(problems, [], `console errors or off-origin requests:\n${problems.join('\n')}`);
}

test('sparse pre-training: defaults prune N*, typing a schedule updates it, links carry it, bad input stays at its field', async () => {
  const { page, context, problems } = await openPage(browser, origin, { tool: 'sp' });
  const v = await read(page);
  for (const [k, t] of Object.entries(v)) {
    assert.ok(t && t.trim(), `${k} is empty`);
    assert.doesNotMatch(t, NON_FINITE, `${k} = ${t}`);
  }
  // 50 % sparsity over the middle half of training, geometric: ρ̄ = 0.25 + 0.25/ln 2 + 0.125.
  assert.match(v.sp_density, /^0\.7357 /);
  const nStar = await text(page, 'out-n_star');
  assert.match(v.sp_nbar, new RegExp(`\\(from N\\* = ${nStar.replace('.', '\\.')}\\)$`));
  assert.match(v.sp_saving, /^32(\.\d+)? % vs the dense model of equal loss/);
  assert.match(v.sp_dense_final, /higher\)$/);
  assert.match(await page.locator('#list-sp_notes').textContent(), /2501\.12486/);
  const chartBefore = await canvas(page);

  await page.locator('#tool-sp').scrollIntoViewIfNeeded();
  await page.fill('#sp-n', '7B');
  await page.fill('#sp-s', '40%');
  await page.selectOption('#sp-ramp', 'linear');
  await settle(page);
  const typed = await read(page);
  assert.equal(typed.sp_final, '4.2B');
  assert.match(typed.sp_density, /^0\.8 /);
  assert.match(typed.sp_nbar, /^5\.6B \(from N = 7B\)$/);
  assert.notEqual(await canvas(page), chartBefore);
  assert.match(page.url(), /spn=7B/);
  assert.match(page.url(), /spk=linear/);
  await panelShot(page, 'sparse-panel');

  // The link reopens the same answer.
  const reopened = await openPage(browser, origin, { tool: 'sp', hash: `#${page.url().split('#')[1]}` });
  assert.deepEqual(await read(reopened.page), typed);
  assertClean(reopened.problems);
  await reopened.context.close();

  // Bad input: a message at the field, the other inputs kept, the Budget panel untouched.
  const budget = await text(page, 'out-n_star');
  await page.fill('#sp-s', '1.5');
  await settle(page);
  assert.match(await text(page, 'err-sp_s'), /outside \[0, 1\)/);
  assert.equal(await page.inputValue('#sp-n'), '7B');
  await page.fill('#sp-s', '0.4');
  await page.fill('#sp-start', '0.8');
  await page.fill('#sp-end', '0.3');
  await settle(page);
  assert.equal(await text(page, 'err-sp_s'), '');
  assert.match(await text(page, 'err-sp_end'), /before it starts/);
  assert.equal(await text(page, 'out-n_star'), budget);
  assert.doesNotMatch(await page.locator('#tool-sp dd').allTextContents().then((t) => t.join('\n')), /NaN|Infinity|undefined/);
  assertClean(problems);
  await context.close();
});

test('sparse pre-training: pasted sparse and dense runs are fitted with N̄ (on the workers) and drive the prediction', async () => {
  const { page, context, problems } = await openPage(browser, origin, { tool: 'sp' });
  // Runs drawn from L = 1.8 + 500/N̄^0.35 + 2000/D^0.37, N̄ on the 25 %–75 % geometric schedule.
  const rho = (s) => (s === 0 ? 1 : 0.25 + 0.5 * s / -Math.log(1 - s) + 0.25 * (1 - s));
  const rows = ['N,D,sparsity,loss'];
  [1e8, 3e8, 1e9, 3e9].forEach((n, i) => [2e9, 6e9, 2e10, 6e10].forEach((d, j) => {
    const s = [0, 0.25, 0.5, 0.75][(i + j) % 4];
    rows.push(`${n},${d},${s},${1.8 + 500 / (n * rho(s)) ** 0.35 + 2000 / d ** 0.37}`);
  }));
  const before = await text(page, 'out-sp_loss');
  await page.locator('#tool-sp').scrollIntoViewIfNeeded();
  await page.fill('#sp-runs', rows.join('\n'));
  await settle(page);
  const fit = await text(page, 'out-sp_fit');
  assert.match(fit, /^L = 1\.8\d* \+ [\d.]+\/N̄\^0\.35\d* \+ [\d.]+\/D\^0\.37\d* \(16 runs/, fit);
  assert.notEqual(await text(page, 'out-sp_loss'), before);
  assert.match(await page.locator('#list-sp_notes').textContent(), /fitted to your runs/);
  await page.fill('#sp-runs', 'N,D,sparsity,loss\n1B,20B,0,2.5\n1B,20B,1.5,2.6');
  await settle(page);
  assert.equal(await text(page, 'err-sp_runs'), 'row 3, column "sparsity": 1.5 is outside [0, 1)');
  assert.equal(await text(page, 'out-sp_loss'), before);
  assertClean(problems);
  await context.close();
});

test('sparse pre-training panel on a phone, dark', async () => {
  const { page, context, problems } = await openPage(browser, origin, { tool: 'sp', viewport: { width: 390, height: 844 }, colorScheme: 'dark' });
  await page.locator('#tool-sp').scrollIntoViewIfNeeded();
  await settle(page);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `horizontal overflow of ${overflow}px`);
  await panelShot(page, 'sparse-phone-dark');
  assertClean(problems);
  await context.close();
});
