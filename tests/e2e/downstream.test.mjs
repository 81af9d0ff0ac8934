// End-to-end: the downstream-accuracy panel — its example loads in one click and gives back
// the sigmoid it was drawn from, the accuracy at the budget with its interval, the link, bad
// input at its field, the chart; screenshots wide light, narrow dark.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { useBrowser, openPage, settle, text, shotDir } from './harness.mjs';

let origin, browser;
useBrowser((b, o) => { browser = b; origin = o; });

const NON_FINITE = /NaN|Infinity|undefined|—/;
const canvas = (page) => page.evaluate(() => document.querySelector('canvas[data-chart="acc-map"]').toDataURL());
async function panelShot(page, name) {
  await mkdir(shotDir, { recursive: true });
  await page.locator('#tool-acc').screenshot({ path: join(shotDir, `${name}.png`) });
}

test('downstream accuracy: the example fits its sigmoid, predicts at the budget, survives a link and bad input', async () => {
  const { page, context, problems } = await openPage(browser, origin, { tool: 'acc' });
  assert.match(await text(page, 'err-acc_pairs'), /paste \(loss, accuracy\) pairs/);
  const empty = await canvas(page);
  await page.selectOption('#acc-example', 'downstream-synthetic');
  await page.waitForFunction(() => document.getElementById('acc-example-info').dataset.example === 'downstream-synthetic');
  await settle(page);
  assert.match(await text(page, 'acc-example-info'), /Expect: .*ceiling ≈ 0\.81/);
  assert.equal(await page.inputValue('#acc-chance'), '0.25');
  const map = await text(page, 'out-acc_map');
  assert.match(map, /^acc = 0\.25 \+ \(0\.81\d? − 0\.25\)\/\(1 \+ exp\(5\.\d+·\(L − 2\.68\d?\)\)\)$/, map);
  assert.match(await text(page, 'out-acc_quality'), /^24 pairs: RMSE 1\.4 points, leave-one-out 1\.6$/);
  assert.match(await text(page, 'out-acc_verdict'), /the sigmoid predicts held-out pairs better/);
  for (const k of ['acc_loss_used', 'acc_at', 'acc_ci_map', 'acc_ci_both', 'acc_gadre_at']) {
    const t = await text(page, `out-${k}`);
    assert.ok(t.trim(), `${k} is empty`);
    assert.doesNotMatch(t, NON_FINITE, `${k} = ${t}`);
  }
  assert.match(await text(page, 'out-acc_loss_used'), /^L\* = /);
  assert.notEqual(await canvas(page), empty, 'the chart draws the fit');
  await panelShot(page, 'downstream-wide-light');

  // A typed loss in the middle of the sigmoid; the link keeps it.
  await page.fill('#acc-loss', '2.684');
  await settle(page);
  const at = Number((await text(page, 'out-acc_at')).replace(' %', ''));
  assert.ok(Math.abs(at - 53.1) < 1, `${at}`);
  const again = await context.newPage();
  await again.goto(page.url());
  await again.waitForFunction(() => document.body.dataset.module === 'workbench', null, { timeout: 60_000 });
  await settle(again);
  assert.equal(await text(again, 'out-acc_at'), await text(page, 'out-acc_at'));
  await again.close();

  // Bad input at its field; the pairs stay.
  for (const [id, field, bad, says] of [['#acc-chance', 'acc_chance', '1.4', /\[0, 1\]/], ['#acc-boot', 'acc_boot', '99999', /between 0 and 1000/], ['#acc-loss', 'acc_loss', 'x', /loss/]]) {
    const keep = await page.inputValue(id);
    await page.fill(id, bad);
    await settle(page);
    assert.match(await text(page, `err-${field}`), says);
    assert.match(await page.inputValue('#acc-pairs'), /^# Synthetic/);
    await page.fill(id, keep);
    await settle(page);
  }
  assert.deepEqual(problems, []);
  await context.close();

  const narrow = await openPage(browser, origin, { tool: 'acc', viewport: { width: 390, height: 900 }, colorScheme: 'dark' });
  await narrow.page.selectOption('#acc-example', 'downstream-synthetic');
  await narrow.page.waitForFunction(() => document.getElementById('acc-example-info').dataset.example === 'downstream-synthetic');
  await settle(narrow.page);
  const overflow = await narrow.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px`);
  await panelShot(narrow.page, 'downstream-narrow-dark');
  assert.deepEqual(narrow.problems, []);
  await narrow.context.close();
});
