// End-to-end: the inference-aware sizing, hyperparameter hints and total vs non-embedding
// parameter panels — defaults, typing, link round trip, bad input, screenshots.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { useBrowser, openPage, openView, settle, text, shotDir } from './harness.mjs';

let origin, browser;
useBrowser((b, o) => { browser = b; origin = o; });

const OUTS = {
  inf: ['inf_target', 'inf_n', 'inf_d', 'inf_tpp', 'inf_total', 'inf_savings', 'inf_chin'],
  hp: ['hp_at', 'hp_loss', 'hp_bcrit', 'hp_ds_c', 'hp_ds_lr', 'hp_ds_batch', 'hp_step_lr', 'hp_step_batch'],
  pc: ['pc_gamma', 'pc_ne_total', 'pc_ne_share', 'pc_total_ne', 'pc_total_share', 'pc_law', 'pc_exp_budget', 'pc_exp_kaplan', 'pc_exp_large', 'pc_exp_small'],
};
const ALL = Object.values(OUTS).flat();
const NON_FINITE = /NaN|Infinity|undefined|—/;

async function read(page, keys = ALL) {
  const v = {};
  for (const k of keys) v[k] = await text(page, `out-${k}`);
  return v;
}
const count = (t) => {
  const m = t.match(/^([\d.]+)([kMBT]?)/);
  return Number(m[1]) * { '': 1, k: 1e3, M: 1e6, B: 1e9, T: 1e12 }[m[2]];
};
const canvas = (page, kind) => page.evaluate((k) => document.querySelector(`canvas[data-chart="${k}"]`).toDataURL(), kind);
function assertClean(problems) {
  assert.deepEqual(problems, [], `console errors or off-origin requests:\n${problems.join('\n')}`);
}

test('defaults: each panel shows sensible numbers', async () => {
  const { page, context, problems } = await openPage(browser, origin, { tool: 'inf' });
  const v = await read(page);
  for (const [k, t] of Object.entries(v)) {
    assert.ok(t && t.trim(), `${k} is empty`);
    assert.doesNotMatch(t, NON_FINITE, `${k} = ${t}`);
  }
  // Inference: target is the Budget's L*, the Chinchilla answer is the Budget's N*, and the
  // inference-aware model is smaller with a positive saving.
  const lStar = await text(page, 'out-loss_star');
  assert.equal(v.inf_target, `${lStar} (Budget L*)`);
  const nStar = await text(page, 'out-n_star');
  assert.ok(v.inf_chin.startsWith(nStar), `${v.inf_chin} vs N* ${nStar}`);
  assert.ok(count(v.inf_n) < count(nStar), `${v.inf_n} not below ${nStar}`);
  assert.match(v.inf_savings, /^\d+(\.\d+)?% \([\d.]+e\d+ FLOP\)$/);
  assert.match(await page.locator('#tbl-inf_compare').textContent(), /Inference-aware.*Chinchilla-optimal/);
  assert.match(await page.locator('#list-inf_notes').textContent(), /2401\.00448/);
  // Hints: at the Budget's N*, D*; learning rates are small positive numbers, batches in tokens.
  assert.match(v.hp_at, /Budget N\*, D\*/);
  assert.ok(v.hp_at.includes(nStar));
  for (const k of ['hp_ds_lr', 'hp_step_lr']) {
    const lr = Number(v[k]);
    assert.ok(lr > 1e-5 && lr < 1e-2, `${k} = ${v[k]}`);
  }
  for (const k of ['hp_bcrit', 'hp_ds_batch', 'hp_step_batch']) assert.match(v[k], /tokens \(≈ [\d.]+[kM]? sequences of 4096\)/);
  const cites = await page.locator('#list-hp_cite li').allTextContents();
  assert.equal(cites.length, 4);
  assert.match(cites[3], /2410\.21676/);
  assert.ok(cites.every((c) => /arXiv:\d{4}\.\d{5}/.test(c)));
  // Parameter counts: γ ≈ the paper's 47 491; a round trip; exponents between the limits.
  assert.match(v.pc_gamma, /^47481 \(paper: 47 491\)$/);
  const ne = count(v.pc_total_ne);
  assert.ok(ne < 70e9 && ne > 69e9, v.pc_total_ne);
  const large = Number(v.pc_exp_large);
  const atBudget = Number(v.pc_exp_budget.split(' ')[0]);
  const kaplan = Number(v.pc_exp_kaplan.split(' ')[0]);
  assert.ok(large > 0.45 && large < 0.55, v.pc_exp_large);
  assert.ok(atBudget > large && atBudget < kaplan, `${atBudget} not between ${large} and ${kaplan}`);
  assert.ok(kaplan > 0.68 && kaplan < 0.8, v.pc_exp_kaplan);
  assertClean(problems);
  await context.close();
});

test('typing updates the panels, the URL and the charts; the link reopens the same view', async () => {
  const first = await openPage(browser, origin, { tool: 'inf' });
  const { page } = first;
  const before = await read(page);
  const infChart = await canvas(page, 'inf-flops');

  await page.fill('#inf-tokens', '20T');
  await settle(page);
  const more = await read(page, OUTS.inf);
  assert.ok(count(more.inf_n) < count(before.inf_n), `more inference, smaller model: ${more.inf_n} vs ${before.inf_n}`);
  assert.ok(parseFloat(more.inf_savings) > parseFloat(before.inf_savings));
  await page.fill('#inf-tokens', '0');
  await settle(page);
  assert.equal(await text(page, 'out-inf_n'), (await text(page, 'out-inf_chin')).split(' on ')[0], 'no inference: Chinchilla');
  await page.fill('#inf-tokens', '5T');
  await page.fill('#inf-loss', '2.05');
  await settle(page);
  assert.equal(await text(page, 'out-inf_target'), '2.05');
  assert.notEqual(await canvas(page, 'inf-flops'), infChart, 'inference chart did not change');

  await openView(page, 'hp');
  await page.fill('#hp-n', '1B');
  await page.fill('#hp-d', '100B');
  await page.fill('#hp-seq', '2048');
  await settle(page);
  // Step Law by hand: 1.79·1e9^−0.713·1e11^0.307 = 1.63e-3; 0.58·1e11^0.571 = 1.11M tokens.
  assert.equal(await text(page, 'out-hp_step_lr'), '1.63e-3');
  assert.match(await text(page, 'out-hp_step_batch'), /^1\.11M tokens \(≈ 541 sequences of 2048\)$/);
  assert.equal(await text(page, 'out-hp_ds_c'), '6e20 FLOP');
  assert.equal(await text(page, 'out-hp_ds_lr'), '7.88e-4');
  // Pasted critical batch sizes growing as D^0.5 with N flat: the law, its value at D = 100B
  // (0.5·√1e11 = 158k) and the verdict that the batch follows the data.
  const rows = ['N,D,batch'];
  [1e8, 3e8, 1e9].forEach((n, i) => [10, 20, 40, 80].forEach((r, j) => {
    rows.push(`${n},${n * r},${0.5 * Math.sqrt(n * r) * (1 + 0.01 * [1, -1, 0][(i + j) % 3])}`);
  }));
  await page.fill('#hp-cbs', rows.join('\n'));
  await settle(page);
  assert.match(await text(page, 'out-hp_cbs_law'), /^B_crit = 0\.\d+·N\^[-\d.e]+ \(± [\d.e-]+\)·D\^0\.(49|50?)\d* \(± [\d.e-]+\); 12 measurements/);
  assert.match(await text(page, 'out-hp_cbs_at'), /^15[6-9]k \(95 % interval/);
  assert.match(await page.locator('#list-hp_notes').textContent(), /follows the data/);

  await openView(page, 'pc');
  const pcChart = await canvas(page, 'pc-exponent');
  await page.fill('#pc-vocab', '128000');
  await page.fill('#pc-aspect', '128');
  await page.fill('#pc-total', '8B');
  await settle(page);
  const pc = await read(page, OUTS.pc);
  // γ = 128000·(128/12)^(1/3) = 281 764 (to 5 digits: 281760).
  assert.equal(pc.pc_gamma, "281760");
  assert.ok(count(pc.pc_total_ne) < 8e9 && count(pc.pc_total_ne) > 7e9, pc.pc_total_ne);
  assert.notEqual(await canvas(page, 'pc-exponent'), pcChart, 'exponent chart did not change');
  assert.match(page.url(), /it=5T/);
  assert.match(page.url(), /pv=128000/);

  const url = page.url();
  const all = await read(page);
  const second = await openPage(browser, origin, { hash: url.slice(url.indexOf('#')) });
  assert.deepEqual(await read(second.page), all, 'the link reopened different numbers');
  assert.equal(await second.page.inputValue('#inf-loss'), '2.05');
  assert.equal(await second.page.inputValue('#hp-n'), '1B');
  assert.equal(await text(second.page, 'out-hp_cbs_at'), await text(page, 'out-hp_cbs_at'));
  assertClean(first.problems);
  assertClean(second.problems);
  await first.context.close();
  await second.context.close();
});

test('bad input: a message under the field, other outputs intact', async () => {
  const { page, context, problems } = await openPage(browser, origin, { tool: 'inf' });
  const before = await read(page);
  for (const [id, field, bad, pattern, keep] of [
    ['#inf-tokens', 'inf_tokens', 'lots', /inference tokens/, 'hp_step_lr'],
    ['#inf-loss', 'inf_loss', '1.2', /irreducible/, 'pc_gamma'],
    ['#hp-n', 'hp_n', '-5', /N must be greater than 0/, 'inf_n'],
    ['#hp-seq', 'hp_seq', 'abc', /sequence length/, 'hp_ds_lr'],
    ['#hp-cbs', 'hp_cbs', 'D,batch\n1e9,12\n2e9,x', /row 3.*batch/, 'hp_step_lr'],
    ['#pc-aspect', 'pc_aspect', '0', /aspect ratio/, 'pc_exp_large'],
    ['#pc-total', 'pc_total', '7 apples', /total parameters/, 'pc_ne_total'],
  ]) {
    await openView(page, id.slice(1).split('-')[0]);
    const original = await page.inputValue(id);
    await page.fill(id, bad);
    await settle(page);
    assert.match(await text(page, `err-${field}`), pattern, `${field}=${bad}`);
    assert.equal(await text(page, `out-${keep}`), before[keep], `${keep} changed when ${field} was bad`);
    assert.doesNotMatch((await read(page)).inf_n + (await read(page)).pc_gamma, NON_FINITE);
    await page.fill(id, original);
    await settle(page);
    assert.equal(await text(page, `err-${field}`), '');
  }
  // A bad value in a link falls back to the default with a message.
  const second = await openPage(browser, origin, { hash: '#v=1&it=abc&pa=-3' });
  assert.equal(await second.page.inputValue('#inf-tokens'), '2T');
  assert.ok((await second.page.locator('#message-list').textContent()).length > 0, 'no message for the bad link value');
  await second.context.close();
  assertClean(problems);
  await context.close();
});

test('screenshots: wide and narrow, light and dark', async () => {
  for (const [w, h, scheme] of [[1280, 900, 'light'], [390, 844, 'dark'], [1280, 900, 'dark'], [390, 844, 'light']]) {
    const { page, context, problems } = await openPage(browser, origin, { viewport: { width: w, height: h }, colorScheme: scheme, tool: 'inf' });
    for (const key of ['inf', 'hp', 'pc']) {
      await openView(page, key);
      const panel = page.locator(`#tool-${key}`);
      const box = await panel.boundingBox();
      assert.ok(box.width <= w + 1, `${key} panel overflows ${w}px: ${box.width}`);
      await panel.screenshot({ path: join(shotDir, `planning-${key}-${w}-${scheme}.png`) });
    }
    assertClean(problems);
    await context.close();
  }
});
