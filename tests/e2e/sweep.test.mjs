// End-to-end: the Sweep planner in headless Chromium — the default plan's interval, a larger
// budget narrowing it, a link round trip, bad input, timing, and screenshots.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, openPage, openView, screenshot, settle, text } from './harness.mjs';

let origin, browser;
useBrowser((b, o) => { browser = b; origin = o; });

/// The N* interval's width factor from "51.7B – 107B (×2.08 wide: …)".
function factor(ci) {
  const m = ci.match(/×([\d.]+) wide/);
  assert.ok(m, `no width in "${ci}"`);
  return Number(m[1]);
}

async function outputs(page) {
  return page.evaluate(() => Object.fromEntries(
    [...document.querySelectorAll('#tool-sw [id^="out-sw_"]')].map((el) => [el.id, el.textContent])));
}

test('the default plan shows an interval on N* and L*, a table of changes and two charts', async () => {
  const { page, problems } = await openPage(browser, origin, { tool: 'sw' });
  await page.locator('#tool-sw').scrollIntoViewIfNeeded();
  await settle(page);
  const out = await outputs(page);
  assert.match(out['out-sw_n_ci'], /^\S+B – \S+B \(×[\d.]+ wide: −\d+ % \/ \+\d+ % around the truth\)$/);
  assert.ok(factor(out['out-sw_n_ci']) > 1.2 && factor(out['out-sw_n_ci']) < 5, out['out-sw_n_ci']);
  assert.match(out['out-sw_n_fit'], /true 72\.2B/);
  assert.match(out['out-sw_l_ci'], /of L\*\)$/);
  assert.match(out['out-sw_plan'], /^25 runs/);
  assert.match(out['out-sw_failed'], /^\d+ of 200$/);
  const rows = await page.evaluate(() => [...document.querySelectorAll('#tbl-sw_changes tr')].map((tr) => [...tr.children].map((c) => c.textContent)));
  assert.equal(rows[1][0], 'Current plan');
  assert.ok(rows.length >= 8, JSON.stringify(rows));
  for (const v of Object.values(out)) assert.doesNotMatch(v, /NaN|inf/i);
  const drawn = await page.evaluate(() => [...document.querySelectorAll('#tool-sw canvas')].map((c) => c.width > 0 && c.height > 0));
  assert.deepEqual(drawn, [true, true]);
  // The simulation runs on the main thread: time one full re-evaluation.
  const ms = await page.evaluate(async () => {
    const input = document.getElementById('sw-seed');
    const t = performance.now();
    input.value = '12345';
    input.dispatchEvent(new Event('input', { bubbles: true }));
    return performance.now() - t;
  });
  console.log(`sweep re-evaluation: ${ms.toFixed(0)} ms`);
  assert.ok(ms < 1000, `${ms} ms`);
  assert.deepEqual(problems, []);
  await page.close();
});

test('adding a larger budget narrows the interval on the page', async () => {
  const { page, problems } = await openPage(browser, origin, { tool: 'sw' });
  const before = factor(await text(page, 'out-sw_n_ci'));
  await page.fill('#sw-budgets', '1e18, 3e18, 1e19, 3e19, 1e20, 3e20');
  await settle(page);
  const after = factor(await text(page, 'out-sw_n_ci'));
  assert.ok(after < before, `${before} → ${after}`);
  assert.match(await text(page, 'out-sw_plan'), /^30 runs/);
  // An extra run typed in the table counts too.
  await page.fill('#sw-runs', 'C,N\n1e21,2.8B');
  await settle(page);
  assert.match(await text(page, 'out-sw_plan'), /^31 runs/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a link round trip gives the same numbers', async () => {
  const { page, problems } = await openPage(browser, origin, { tool: 'sw' });
  await page.fill('#sw-budgets', '1e18, 1e19, 1e20');
  await page.fill('#sw-sizes', '7');
  await page.fill('#sw-sigma', '1%');
  await page.fill('#sw-seed', '42');
  await page.fill('#sw-reps', '100');
  await page.fill('#sw-target', '1e24');
  await settle(page);
  const first = await outputs(page);
  assert.match(first['out-sw_target'], /^1e24 FLOP, /);
  const url = page.url();
  assert.match(url, /swb=/);
  const second = await openPage(browser, origin, { tool: 'sw', hash: `#${url.split('#')[1]}` });
  assert.equal(await second.page.inputValue('#sw-sigma'), '1%');
  assert.deepEqual(await outputs(second.page), first);
  assert.deepEqual(problems, []);
  assert.deepEqual(second.problems, []);
  await second.page.close();
  await page.close();
});

test('bad input gets a message under its field and the rest keeps working', async () => {
  const { page, problems } = await openPage(browser, origin, { tool: 'sw' });
  const budgetN = await text(page, 'out-n_star');
  await page.fill('#sw-budgets', '1e18, lots');
  await settle(page);
  assert.match(await text(page, 'err-sw_budgets'), /budget/);
  assert.equal(await text(page, 'out-sw_n_ci'), '');
  assert.equal(await page.inputValue('#sw-budgets'), '1e18, lots', 'nothing typed is lost');
  await page.fill('#sw-budgets', '1e19');
  await page.fill('#sw-sizes', '1');
  await settle(page);
  assert.match(await text(page, 'err-sw_budgets'), /cannot pin down/);
  await page.fill('#sw-budgets', '1e18, 1e19, 1e20');
  await page.fill('#sw-sizes', '5');
  await page.fill('#sw-sigma', '-1%');
  await page.fill('#sw-reps', '1000000');
  await settle(page);
  assert.match(await text(page, 'err-sw_sigma'), /must not be negative/);
  assert.match(await text(page, 'err-sw_reps'), /between 20 and 500/);
  assert.equal(await text(page, 'err-sw_budgets'), '');
  assert.equal(await text(page, 'out-n_star'), budgetN, 'the Budget panel is untouched');
  await page.fill('#sw-sigma', '0.5%');
  await page.fill('#sw-reps', '50');
  await settle(page);
  assert.notEqual(await text(page, 'out-sw_n_ci'), '');
  // A law that is not of the Chinchilla form is explained.
  await openView(page, '');
  await page.selectOption('#law', 'kaplan');
  await settle(page);
  assert.match(await text(page, 'err-sw_law'), /Chinchilla form/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('screenshots, wide and narrow, light and dark', async () => {
  for (const [name, viewport, colorScheme] of [
    ['sweep-wide-light', { width: 1280, height: 900 }, 'light'],
    ['sweep-narrow-dark', { width: 390, height: 844 }, 'dark'],
    ['sweep-narrow-light', { width: 390, height: 844 }, 'light'],
    ['sweep-wide-dark', { width: 1280, height: 900 }, 'dark'],
  ]) {
    const { page, problems } = await openPage(browser, origin, { tool: 'sw', viewport, colorScheme });
    await page.locator('#tool-sw').scrollIntoViewIfNeeded();
    await settle(page);
    await page.locator('#tool-sw').screenshot({ path: (await screenshot(page, name)).replace(/\.png$/, '-panel.png') });
    for (const kind of ['sw-plan', 'sw-dist']) {
      await page.locator(`#tool-sw canvas[data-chart="${kind}"]`).screenshot({ path: (await screenshot(page, name)).replace(/\.png$/, `-${kind}.png`) });
    }
    assert.deepEqual(problems, []);
    // Nothing in this panel sticks out of the window (tables scroll inside their box).
    const out = await page.evaluate(() => [...document.querySelectorAll('#tool-sw *')]
      .filter((e) => !e.closest('.table-scroll') && e.getBoundingClientRect().right > window.innerWidth + 1)
      .map((e) => `${e.tagName}#${e.id}`));
    assert.deepEqual(out, [], `${name}: sticks out`);
    await page.close();
  }
});
