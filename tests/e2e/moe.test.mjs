// End-to-end: the mixture-of-experts panel — Table 2's configuration at its budget, E = 16,
// the memory bound from the Budget panel's GPUs, a fit to pasted runs, the link, bad input at
// its field, the chart; screenshots wide light and narrow dark.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { useBrowser, openPage, openView, settle, text, shotDir } from './harness.mjs';

let origin, browser;
useBrowser((b, o) => { browser = b; origin = o; });

const NON_FINITE = /NaN|Infinity|undefined|—/;
const OUTS = ['moe_using', 'moe_g', 'moe_n_act', 'moe_n_total', 'moe_d', 'moe_loss', 'moe_memory', 'moe_dense', 'moe_equiv'];
const canvas = (page) => page.evaluate(() => document.querySelector('canvas[data-chart="moe-frontier"]').toDataURL());
async function panelShot(page, name) {
  await mkdir(shotDir, { recursive: true });
  await page.locator('#tool-moe').screenshot({ path: join(shotDir, `${name}.png`) });
}
const count = (t) => {
  const m = t.match(/^([\d.]+)([kMBT]?)/);
  return Number(m[1]) * { '': 1, k: 1e3, M: 1e6, B: 1e9, T: 1e12 }[m[2]];
};

/// MoE runs drawn from Table 1's law in the paper's Table 3 layout (N: total parameters).
function runsTable() {
  const rows = ['N,D,G,loss'];
  for (const nAct of [3e6, 7e6, 13e6, 25e6, 49e6, 85e6]) {
    const blocks = Math.cbrt(nAct / (12 * 64 * 64));
    const n = (64 * blocks) ** 2 * (8 * 64 + 4) * blocks;
    for (const d of [16e9, 33e9, 66e9]) {
      for (const g of [1, 2, 4, 8, 16]) rows.push(`${n},${d},${g},${0.47 + (2.1 / g ** 0.58 + 18.1) / n ** 0.115 + 30.8 / d ** 0.147}`);
    }
  }
  return rows.join('\n');
}

test('mixture of experts: Table 2 at its budget, E = 16, memory, a fit, the link and bad input', async () => {
  const { page, context, problems } = await openPage(browser, origin, { tool: 'moe', hash: '#v=1&c=1.93e20&gpus=4096' });
  for (const k of OUTS) {
    const t = await text(page, `out-${k}`);
    assert.ok(t.trim(), `${k} is empty`);
    assert.doesNotMatch(t, NON_FINITE, `${k} = ${t}`);
  }
  // Table 2, second row: 64 × 1B active, 28.94B tokens, G = 16 at 1.93e20 FLOPs; Table 6's band
  // for D is 21.17B–40.73B.
  assert.match(await text(page, 'out-moe_g'), /^16 \(1024 experts/);
  const d = count(await text(page, 'out-moe_d'));
  assert.ok(d > 21.17e9 && d < 40.73e9, `${d}`);
  assert.match(await text(page, 'out-moe_memory'), /fits$/);
  const times = Number((await text(page, 'out-moe_equiv')).split('×')[0]);
  assert.ok(times > 15 && times < 30, `${times}`);
  assert.equal(await page.locator('#tbl-moe_by_g tbody tr').count(), 9);
  assert.match(await page.locator('#list-moe_notes').textContent(), /arXiv:2402\.07871/);
  const published = await canvas(page);
  await panelShot(page, 'moe-wide-light');

  // E = 16 (Table 8); the link keeps it.
  await page.fill('#moe-e', '16');
  await settle(page);
  assert.match(await text(page, 'out-moe_using'), /Table 8 \(E = 16\)/);
  assert.notEqual(await canvas(page), published, 'the chart follows E');
  const again = await context.newPage();
  await again.goto(page.url());
  await again.waitForFunction(() => document.body.dataset.module === 'workbench', null, { timeout: 60_000 });
  await settle(again);
  assert.equal(await text(again, 'out-moe_loss'), await text(page, 'out-moe_loss'));
  await again.close();

  // Bad input at its field; the rest of the panel keeps answering.
  for (const [id, field, bad, says] of [['#moe-e', 'moe_e', '32', /E = 64 \(Table 1\) and E = 16/], ['#moe-cr', 'moe_cr', '-3', /routing/]]) {
    const keep = await page.inputValue(id);
    await page.fill(id, bad);
    await settle(page);
    assert.match(await text(page, `err-${field}`), says);
    await page.fill(id, keep);
    await settle(page);
    assert.equal(await text(page, `err-${field}`), '');
  }
  await page.fill('#moe-runs', 'N,D,G,loss\n1e9,2e10,0.5,3');
  await settle(page);
  assert.match(await text(page, 'err-moe_runs'), /row 2, column "G": a granularity of 0\.5 is below 1/);
  assert.ok((await text(page, 'out-moe_loss')).length > 0, 'the published law still answers');

  // Pasted runs drawn from Table 1, fitted on the workers, drive the plan when chosen.
  await page.fill('#moe-e', '64');
  await page.fill('#moe-runs', runsTable());
  await page.selectOption('#moe-law', 'fit');
  await settle(page);
  await page.waitForFunction(() => /90 runs/.test(document.getElementById('out-moe_fit').textContent), null, { timeout: 60_000 });
  assert.match(await text(page, 'out-moe_fit'), /^L = 0\.47\d* \+ \(2\.1\d* ?\/G\^0\.58\d* \+ 18\.1\d*\)\/N\^0\.115 \+ 30\.[78]\d*\/D\^0\.147/);
  assert.match(await text(page, 'out-moe_using'), /fitted to your 90 runs/);
  assert.match(await text(page, 'out-moe_g'), /^16 /);

  // The Budget panel's GPUs bound the model: 8 GPUs at 1e24 FLOPs.
  await openView(page, '');
  await page.fill('#compute', '1e24');
  await page.fill('#gpus', '8');
  await openView(page, 'moe');
  assert.match(await text(page, 'out-moe_memory'), /holds the model below its optimum/);
  assert.match(await page.locator('#list-moe_notes').textContent(), /Without the memory bound/);
  assert.deepEqual(problems, []);
  await context.close();

  const narrow = await openPage(browser, origin, { tool: 'moe', viewport: { width: 390, height: 900 }, colorScheme: 'dark' });
  const overflow = await narrow.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px`);
  await panelShot(narrow.page, 'moe-narrow-dark');
  assert.deepEqual(narrow.problems, []);
  await narrow.context.close();
});

/// Runs drawn from the joint law's Table 3 (N_act with embeddings, N_blocks = d_model/64).
function jointRunsTable() {
  const [a, al, de, ga, b, be, om, ze, es, em, c] = [35.91, -0.1889, -0.2285, 0.0098, 35.98, -0.1775, 0.5529, -0.0259, 2.0732, 290.4521, 1.3637];
  const rows = ['N_act,D,E,loss'];
  for (const e of [1, 2, 4, 8, 16, 32]) {
    const h = 1 / (1 / (e - 1 + 1 / (1 / es - 1 / em)) + 1 / em);
    const l = Math.log(h);
    for (const w of [512, 768, 1024, 1408, 1792]) {
      const n = 2 * w * 50257 + 13 * (w / 64) * w * w;
      for (const d of [0.5e9, 2e9, 8e9, 32e9]) rows.push(`${n},${d},${e},${a * h ** de * n ** (al + ga * l) + b * h ** om * d ** (be + ze * l) + c}`);
    }
  }
  return rows.join('\n');
}

test('mixture of experts: the joint law (Ludziejewski et al. 2025) — Table 1 at 1e22, every E, memory, the link, a bad E', async () => {
  const { page, context, problems } = await openPage(browser, origin, { tool: 'moe', hash: '#v=1&c=1e22&gpus=8' });
  await page.selectOption('#moe-form', 'joint');
  await page.fill('#moe-experts', '32');
  await settle(page);
  // Table 1: 1e22 FLOPs, 32 experts → 12.2B active, 136.9B tokens (the table's compute-optimal
  // row; the outputs above it are held by the 8 GPUs' memory).
  const row = (await page.locator('#tbl-moe_by_e tbody tr').nth(5).locator('td').allTextContents());
  const [nAct, d] = [count(row[1]), count(row[3])];
  assert.ok(Math.abs(nAct / 12.2e9 - 1) < 0.01 && Math.abs(d / 136.9e9 - 1) < 0.01, `${nAct} ${d}`);
  assert.match(await text(page, 'out-moe_j_memory'), /held to/);
  for (const k of ['moe_j_using', 'moe_j_n_total', 'moe_j_loss', 'moe_j_memory', 'moe_j_best', 'moe_j_dense', 'moe_j_equiv']) {
    const t = await text(page, `out-${k}`);
    assert.ok(t.trim(), `${k} is empty`);
    assert.doesNotMatch(t, NON_FINITE, `${k} = ${t}`);
  }
  assert.equal(await text(page, 'out-moe_g'), '', 'the fine-grained outputs are empty');
  assert.ok(await page.locator('#tbl-moe_by_g').isHidden());
  assert.equal(await page.locator('#tbl-moe_by_e tbody tr').count(), 9);
  assert.match(await page.locator('#tbl-moe_by_e tbody tr').nth(5).textContent(), /^32\u00a0★/);
  // 8 GPUs hold 40B parameters of training state: some E are held by memory.
  assert.match(await page.locator('#tbl-moe_by_e').textContent(), /held: /);
  assert.match(await page.locator('#list-moe_notes').textContent(), /arXiv:2502\.05172/);
  await panelShot(page, 'moe-joint-wide-light');

  // The link keeps the law and E.
  assert.match(page.url(), /mf=joint/);
  assert.match(page.url(), /mx=32/);
  const again = await context.newPage();
  await again.goto(page.url());
  await again.waitForFunction(() => document.body.dataset.module === 'workbench', null, { timeout: 60_000 });
  await settle(again);
  assert.equal(await text(again, 'out-moe_j_loss'), await text(page, 'out-moe_j_loss'));
  await again.close();

  // A bad E at its field, the rest kept; then good again.
  const loss = await text(page, 'out-moe_j_dense');
  for (const [bad, says] of [['0', /experts E/], ['many', /experts E/], ['2.5', /experts E/]]) {
    await page.fill('#moe-experts', bad);
    await settle(page);
    assert.match(await text(page, 'err-moe_experts'), says);
    assert.equal(await page.inputValue('#moe-experts'), bad, 'what was typed stays');
    assert.doesNotMatch(await page.locator('#tool-moe').textContent(), /NaN|Infinity/);
  }
  await page.fill('#moe-experts', '4');
  await settle(page);
  assert.equal(await text(page, 'err-moe_experts'), '');
  assert.equal(await text(page, 'out-moe_j_dense'), loss);

  // 120 runs drawn from Table 3 in Appendix E's layout, fitted on the workers, drive the plan.
  const published = await text(page, 'out-moe_j_loss');
  await page.fill('#moe-runs', jointRunsTable());
  await page.selectOption('#moe-law', 'fit');
  await settle(page);
  await page.waitForFunction(() => /120 runs/.test(document.getElementById('out-moe_j_fit').textContent), null, { timeout: 60_000 });
  assert.match(await text(page, 'out-moe_j_using'), /fitted to your 120 runs/);
  assert.equal(await text(page, 'out-moe_j_loss'), published);
  assert.deepEqual(problems, []);
  await context.close();

  const narrow = await openPage(browser, origin, { tool: 'moe', hash: '#v=1&c=1e22&gpus=8&mf=joint&mx=32', viewport: { width: 390, height: 900 }, colorScheme: 'dark' });
  const overflow = await narrow.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px`);
  assert.equal(await narrow.page.locator('#tbl-moe_by_e tbody tr').count(), 9);
  await panelShot(narrow.page, 'moe-joint-narrow-dark');
  assert.deepEqual(narrow.problems, []);
  await narrow.context.close();
});

/// Runs of the sparsity law's shape (made-up constants: Abnar et al.'s own could not be
/// verified), total sizes 1e8–1e10 at sparsities 0–0.98, 5–60 tokens per active parameter.
function sparsityRunsTable() {
  const [a, al, b, be, c, la, d, de, ga, e] = [300, 0.32, 900, 0.30, 0.25, -0.2, 20, 0.15, 0.2, 1.6];
  const rows = ['N,D,S,loss'];
  for (const n of [1e8, 3e8, 1e9, 3e9, 1e10]) {
    for (const s of [0, 0.5, 0.75, 0.875, 0.9375, 0.98]) {
      for (const tpp of [5, 20, 60]) {
        const tokens = tpp * (1 - s) * n;
        rows.push(`${n},${tokens},${s},${a / n ** al + b / tokens ** be + c / (1 - s) ** la + d / ((1 - s) ** de * n ** ga) + e}`);
      }
    }
  }
  return rows.join('\n');
}

test('mixture of experts: the sparsity law (Abnar et al. 2025) — asks for runs, fits them, plans S and N, the link, a bad sparsity', async () => {
  const { page, context, problems } = await openPage(browser, origin, { tool: 'moe', hash: '#v=1&c=1e21' });
  await page.selectOption('#moe-form', 'sparsity');
  await settle(page);
  assert.match(await text(page, 'err-moe_runs'), /no published constants/);
  await page.fill('#moe-runs', sparsityRunsTable());
  await settle(page);
  await page.waitForFunction(() => /90 runs/.test(document.getElementById('out-moe_s_fit').textContent), null, { timeout: 60_000 });
  for (const k of ['moe_s_using', 'moe_s_s', 'moe_s_n_total', 'moe_s_n_act', 'moe_s_d', 'moe_s_loss', 'moe_s_memory', 'moe_s_dense']) {
    const t = await text(page, `out-${k}`);
    assert.ok(t.trim(), `${k} is empty`);
    assert.doesNotMatch(t, NON_FINITE, `${k} = ${t}`);
  }
  const s = Number((await text(page, 'out-moe_s_s')).split(' ')[0]);
  assert.ok(s > 0.5 && s <= 0.98, `S* = ${s}`);
  assert.equal(await text(page, 'out-moe_j_loss'), '', 'the joint law\'s outputs are empty');
  assert.equal(await page.locator('#tbl-moe_by_s tbody tr').count(), 6);
  assert.match(await page.locator('#list-moe_notes').textContent(), /arXiv:2501\.12370/);
  assert.notEqual(await canvas(page), await page.evaluate(() => document.createElement('canvas').toDataURL()));
  await panelShot(page, 'moe-sparsity-wide-light');

  // The link keeps the law and the runs.
  assert.match(page.url(), /mf=sparsity/);
  const again = await context.newPage();
  await again.goto(page.url());
  await again.waitForFunction(() => document.body.dataset.module === 'workbench', null, { timeout: 60_000 });
  await again.waitForFunction(() => /90 runs/.test(document.getElementById('out-moe_s_fit').textContent), null, { timeout: 60_000 });
  assert.equal(await text(again, 'out-moe_s_loss'), await text(page, 'out-moe_s_loss'));
  await again.close();

  // A sparsity of 1 is reported at the runs with its row; what was pasted stays.
  const bad = sparsityRunsTable().replace('\n', '\n1e8,1e9,1,3.0\n');
  await page.fill('#moe-runs', bad);
  await settle(page);
  await page.waitForFunction(() => /row 2, column "S"/.test(document.getElementById('err-moe_runs').textContent), null, { timeout: 60_000 });
  assert.equal(await page.inputValue('#moe-runs'), bad);
  assert.doesNotMatch(await page.locator('#tool-moe').textContent(), /NaN|Infinity/);
  assert.deepEqual(problems, []);
  await context.close();

  const narrow = await openPage(browser, origin, { tool: 'moe', hash: '#v=1&c=1e21&mf=sparsity', viewport: { width: 390, height: 900 }, colorScheme: 'dark' });
  await narrow.page.fill('#moe-runs', sparsityRunsTable());
  await settle(narrow.page);
  await narrow.page.waitForFunction(() => /90 runs/.test(document.getElementById('out-moe_s_fit').textContent), null, { timeout: 60_000 });
  const overflow = await narrow.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px`);
  await panelShot(narrow.page, 'moe-sparsity-narrow-dark');
  assert.deepEqual(narrow.problems, []);
  await narrow.context.close();
});
