// End-to-end: the precision panel — full precision by default, 8-bit training by hand, the
// link, bad input at its field, the chart; screenshots wide light and narrow dark.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { useBrowser, openPage, settle, text, shotDir } from './harness.mjs';

let origin, browser;
useBrowser((b, o) => { browser = b; origin = o; });

const NON_FINITE = /NaN|Infinity|undefined|—/;
const OUTS = ['prec_at', 'prec_share', 'prec_loss', 'prec_cost', 'prec_ptq', 'prec_dcrit', 'prec_opt'];
const canvas = (page) => page.evaluate(() => document.querySelector('canvas[data-chart="prec-ptq"]').toDataURL());
async function panelShot(page, name) {
  await mkdir(shotDir, { recursive: true });
  await page.locator('#tool-prec').screenshot({ path: join(shotDir, `${name}.png`) });
}

test('precision: effective parameters, the quantization penalty, the link and bad input', async () => {
  const { page, context, problems } = await openPage(browser, origin, { tool: 'prec' });
  for (const k of OUTS) {
    const t = await text(page, `out-${k}`);
    assert.ok(t.trim(), `${k} is empty`);
    assert.doesNotMatch(t, NON_FINITE, `${k} = ${t}`);
  }
  assert.match(await text(page, 'out-prec_at'), /Budget N\*, D\*/);
  assert.match(await text(page, 'out-prec_share'), /= 1·N/);
  const opt = Number((await text(page, 'out-prec_opt')).split(' ')[0]);
  assert.ok(opt >= 7 && opt <= 8, `${opt}`);
  const full = await canvas(page);

  // 8-bit training of 1B on 100B tokens: N_eff/N = (1 − e^(−8/2.6745 + 0.3037))(1 − e^(−8/2.2102 + 1.4072))(1 − e^(−8/0.9578 + 2.4185)) = 0.8278.
  await page.fill('#prec-n', '1B');
  await page.fill('#prec-d', '100B');
  for (const id of ['#prec-w', '#prec-a', '#prec-kv']) await page.fill(id, '8');
  await settle(page);
  assert.match(await text(page, 'out-prec_share'), /^828M = 0\.8278·N/);
  assert.match(await text(page, 'out-prec_cost'), /^50 % of 16-bit/);
  // δ_PTQ by eq. 2 at N_eff = 8.278e8, D = 1e11, 4 bits: 0.0598·1e11^0.5068/8.278e8^0.3439·e^(−4/0.5907 + 1.1277).
  const delta = 0.0598 * 1e11 ** 0.5068 / 8.278e8 ** 0.3439 * Math.exp(-4 / 0.5907 + 1.1277);
  const shown = Number((await text(page, 'out-prec_ptq')).match(/^\+([\d.]+)/)[1]);
  assert.ok(Math.abs(shown / delta - 1) < 0.01, `${shown} vs ${delta}`);
  assert.notEqual(await canvas(page), full, 'the chart follows the run');
  await panelShot(page, 'precision-wide-light');
  const again = await context.newPage();
  await again.goto(page.url());
  await again.waitForFunction(() => document.body.dataset.module === 'workbench', null, { timeout: 60_000 });
  await settle(again);
  assert.equal(await text(again, 'out-prec_share'), await text(page, 'out-prec_share'));
  await again.close();

  for (const [id, field, bad, says] of [['#prec-w', 'prec_w', '0', /weight bits/], ['#prec-kv', 'prec_kv', '2', /KV cache no effective parameters/], ['#prec-post', 'prec_post', 'four', /post-training bits/]]) {
    const keep = await page.inputValue(id);
    await page.fill(id, bad);
    await settle(page);
    assert.match(await text(page, `err-${field}`), says);
    assert.equal(await page.inputValue('#prec-n'), '1B', 'other inputs kept');
    await page.fill(id, keep);
    await settle(page);
    assert.equal(await text(page, `err-${field}`), '');
  }
  assert.deepEqual(problems, []);
  await context.close();

  const narrow = await openPage(browser, origin, { tool: 'prec', viewport: { width: 390, height: 900 }, colorScheme: 'dark' });
  const overflow = await narrow.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px`);
  await panelShot(narrow.page, 'precision-narrow-dark');
  assert.deepEqual(narrow.problems, []);
  await narrow.context.close();
});
