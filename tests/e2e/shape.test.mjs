// End-to-end: the model shape panel — Llama 3 8B by default counted exactly, a published model
// and a shape for N* adopted in one click, the link, bad input at its field, the chart,
// screenshots wide and narrow, light and dark.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { useBrowser, openPage, settle, text, shotDir } from './harness.mjs';

let origin, browser;
useBrowser((b, o) => { browser = b; origin = o; });

const OUTS = ['sh_total', 'sh_non_embedding', 'sh_active', 'sh_flops_6n', 'sh_flops_exact', 'sh_flops_diff', 'sh_budget_d',
  'sh_mem_weights', 'sh_mem_act', 'sh_mem_total', 'sh_mem_fit', 'sh_min_gpus', 'sh_published', 'sh_n_star'];
const NON_FINITE = /NaN|Infinity|undefined|—/;
const canvas = (page) => page.evaluate(() => document.querySelector('canvas[data-chart="sh-memory"]').toDataURL());
async function panelShot(page, name) {
  await mkdir(shotDir, { recursive: true });
  await page.locator('#tool-sh').screenshot({ path: join(shotDir, `${name}.png`) });
}
function assertClean(problems) {
  assert.deepEqual(problems, [], `console errors or off-origin requests:\n${problems.join('\n')}`);
}

test('model shape: Llama 3 8B counted exactly, presets and N* shapes adopted in a click, links carry the shape, bad input stays at its field', async () => {
  const { page, context, problems } = await openPage(browser, origin, { tool: 'sh' });
  for (const k of OUTS) {
    const t = await text(page, `out-${k}`);
    assert.ok(t && t.trim(), `${k} is empty`);
    assert.doesNotMatch(t, NON_FINITE, `${k} = ${t}`);
  }
  assert.equal(await text(page, 'out-sh_total'), '8,030,261,248');
  assert.match(await text(page, 'out-sh_published'), /^Llama 3 8B: published 8,030,261,248; counted exactly/);
  assert.match(await text(page, 'out-sh_mem_fit'), /H100/);
  await panelShot(page, 'shape-wide-light');

  // A published model in one click: Mixtral's total and active counts.
  const before = await canvas(page);
  await page.click('#act-sh_presets button:has-text("Mixtral")');
  await settle(page);
  assert.equal(await text(page, 'out-sh_total'), '46,702,792,704');
  assert.match(await text(page, 'out-sh_active'), /^12,879,925,248 /);
  assert.equal(await page.inputValue('#sh-experts'), '8');
  assert.notEqual(await canvas(page), before, 'the memory chart follows the shape');

  // DeepSeek-V3: latent attention and 256 routed experts, 671B in all, about 37B active.
  await page.click('#act-sh_presets button:has-text("DeepSeek-V3")');
  await settle(page);
  assert.equal(await text(page, 'out-sh_total'), '671,026,404,352');
  assert.match(await text(page, 'out-sh_published'), /^DeepSeek-V3: published 671B$/);
  assert.equal(await page.inputValue('#sh-kv-rank'), '512');

  // A shape for N*: adopting one puts its total within 2 % of the Budget panel's N*.
  const candidate = page.locator('#act-sh_candidates button').first();
  const label = await candidate.textContent();
  await candidate.click();
  await settle(page);
  assert.equal(await page.inputValue('#sh-experts'), '', 'a dense shape clears the experts');
  const pct = Number(label.match(/\(([+-]?[\d.]+) %\)/)[1]);
  assert.ok(Math.abs(pct) <= 2, label);

  // The link reopens exactly this shape.
  const layers = await page.inputValue('#sh-layers');
  const url = page.url();
  const again = await context.newPage();
  await again.goto(url);
  await again.waitForFunction(() => document.body.dataset.module === 'workbench', null, { timeout: 60_000 });
  await settle(again);
  assert.equal(await again.inputValue('#sh-layers'), layers);
  assert.equal(await text(again, 'out-sh_total'), await text(page, 'out-sh_total'));
  await again.close();

  // Bad input: a message at the field; the other fields and outputs stay.
  for (const [id, field, bad, says] of [
    ['#sh-heads', 'sh_heads', '33', /do not divide d_model/],
    ['#sh-kv-heads', 'sh_kv_heads', '3', /KV heads do not divide/],
    ['#sh-layers', 'sh_layers', '0', /outside 1/],
    ['#sh-vocab', 'sh_vocab', '1e15', /outside 1/],
  ]) {
    const keep = await page.inputValue(id);
    await page.fill(id, bad);
    await settle(page);
    assert.match(await text(page, `err-${field}`), says, `${field}=${bad}`);
    assert.equal(await page.inputValue('#sh-d-model') !== '', true);
    await page.fill(id, keep);
    await settle(page);
    assert.equal(await text(page, `err-${field}`), '');
  }
  await page.fill('#sh-experts', '8');
  await page.fill('#sh-top-k', '9');
  await settle(page);
  assert.match(await text(page, 'err-sh_top_k'), /more than the 8 experts/);
  await page.fill('#sh-experts', '');
  await settle(page);
  assertClean(problems);
  await context.close();
});

test('model shape: narrow and dark screenshots', async () => {
  for (const [name, opts] of [['shape-narrow-dark', { viewport: { width: 390, height: 900 }, colorScheme: 'dark' }],
    ['shape-wide-dark', { viewport: { width: 1280, height: 900 }, colorScheme: 'dark' }]]) {
    const { page, context, problems } = await openPage(browser, origin, { tool: 'sh', ...opts });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `${name}: the page scrolls sideways by ${overflow}px`);
    await panelShot(page, name);
    assertClean(problems);
    await context.close();
  }
});

test('the Budget panel counts the Model shape panel\'s FLOPs per token beside 6N, and follows the shape', async () => {
  const { page, context, problems } = await openPage(browser, origin);
  assert.equal(await text(page, 'out-shape_flops'), '');
  assert.ok(!(await page.isVisible('#out-shape_flops')), 'the row is hidden until asked for');
  await page.selectOption('#flops', 'shape');
  await settle(page);
  assert.match(await text(page, 'out-shape_flops'), /^8\.03B parameters at 5\.15e10 FLOP\/token \(\+6\.83 % vs 6N\): D = 11\.2T tokens, L = [\d.]+ \(6N: D = 12T, L = [\d.]+\)$/);
  await page.click('#tools-nav a[data-tool="sh"]');
  await page.waitForFunction(() => document.body.dataset.module === 'workbench', null, { timeout: 60_000 });
  await settle(page);
  await page.click('#act-sh_presets button:has-text("Llama 3.1 70B")');
  await settle(page);
  await page.click('#tools-nav a[data-tool=""]');
  await settle(page);
  assert.match(await text(page, 'out-shape_flops'), /^70\.6B parameters at /);
  assert.deepEqual(problems, []);
  await context.close();
});
