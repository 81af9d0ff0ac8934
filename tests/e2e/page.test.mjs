// End-to-end: the page driven in headless Chromium as a person would use it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { useBrowser, openPage, openView, screenshot, settle, text, shotDir } from './harness.mjs';

let origin, browser;
useBrowser((b, o) => { browser = b; origin = o; });

const outputs = ['n_star', 'd_star', 'tpp', 'loss_star', 'compute_flop', 'wall', 'gpu_hours', 'cost'];
async function readOutputs(page) {
  const values = {};
  for (const key of outputs) values[key] = await text(page, `out-${key}`);
  return values;
}
async function chartPixels(page) {
  return page.evaluate(() => [...document.querySelectorAll('canvas[data-chart]')].map((c) => c.toDataURL()));
}
/// Every result the page shows (not the messages, which may quote what the user typed). The
/// formatters write a non-finite number as "—", so results are checked for that too.
async function visibleText(page) {
  return page.evaluate(() => [...document.querySelectorAll('dd')].map((e) => e.textContent).join('\n'));
}
const NON_FINITE = /NaN|Infinity|undefined|—/;
function assertClean(problems) {
  assert.deepEqual(problems, [], `console errors or off-origin requests:\n${problems.join('\n')}`);
}

test('defaults show a full answer, a CSP, and no console errors', async () => {
  const { page, context, problems } = await openPage(browser, origin);
  const values = await readOutputs(page);
  for (const [key, value] of Object.entries(values)) assert.ok(value && value !== '—', `${key} is empty`);
  assert.match(values.n_star, /^\d+(\.\d+)?[kMBT]$/);
  const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  assert.match(csp, /default-src 'none'/);
  assert.doesNotMatch(csp, /https?:/);
  assert.doesNotMatch(await visibleText(page), NON_FINITE);
  await screenshot(page, 'default-desktop');
  assertClean(problems);
  await context.close();
});

test('MFU as a fraction reads as a percent, says so, and gives the same budget', async () => {
  const { page, context, problems } = await openPage(browser, origin);
  await page.check('input[name="mode"][value="hardware"]');
  await settle(page);
  const percent = await readOutputs(page);
  assert.equal(await text(page, 'out-mfu_reading'), '');
  await page.fill('#mfu', '0.4');
  await settle(page);
  assert.equal(await text(page, 'out-mfu_reading'), '0.4 → 40 %');
  assert.equal(await page.locator('#out-mfu_reading').isVisible(), true);
  assert.deepEqual(await readOutputs(page), percent, 'the same 30-day budget, not 7.8 years');
  assert.match(page.url(), /mfu=0\.4/);
  // The Fit panel's law list comes from the laws' registry.
  await openView(page, 'fit');
  const offered = await page.locator('#fit-law option').evaluateAll((os) => os.map((o) => o.value));
  assert.ok(offered.includes('chinchilla') && offered.includes('farseer') && offered.includes('power-d'), offered.join(','));
  assertClean(problems);
  await context.close();
});

test("Kaplan's overfitting bound: for N*, for a planned run below it, for a resized model, on the contours", async () => {
  const { page, context, problems } = await openPage(browser, origin);
  assert.match(await text(page, 'out-overfit_star'), /^≥ [\d.]+[kMBT] tokens; D is [\d.]+× that$/);
  assert.match(await text(page, 'out-overfit_note'), /eq\. 4\.4.*non-embedding/);
  // 7B parameters on 20B tokens: eq. 4.4 asks 5e3·(7e9)^0.74 ≈ 96.5B tokens.
  await page.selectOption('#solve', 'c');
  await page.fill('#given_n', '7B');
  await page.fill('#given_d', '20B');
  await page.fill('#model_size', '30B');
  await settle(page);
  assert.equal(await text(page, 'out-triple_overfit'), '≥ 96.5B tokens; D is only 21 % of it: overfitting risk');
  assert.match(await text(page, 'out-resize_overfit'), /^a 30B model needs ≥ 283B tokens; D is /);
  await page.locator('#given_n').scrollIntoViewIfNeeded();
  await screenshot(page, 'overfit-bound');
  assertClean(problems);
  await context.close();
});

test('typing a budget updates the numbers, the URL and the charts', async () => {
  const { page, context, problems } = await openPage(browser, origin);
  const before = await readOutputs(page);
  const chartsBefore = await chartPixels(page);
  await page.fill('#compute', '2000 PF-days');
  await settle(page);
  const after = await readOutputs(page);
  assert.notEqual(after.n_star, before.n_star);
  assert.equal(after.compute_flop, '1.73e23 FLOP');
  assert.match(page.url(), /#v=1&c=2000\+PF-days/);
  const chartsAfter = await chartPixels(page);
  assert.notEqual(chartsAfter[0], chartsBefore[0], 'allocation chart did not change');
  assert.notEqual(chartsAfter[2], chartsBefore[2], 'iso-FLOP chart did not change');
  await page.selectOption('#law', 'hoffmann');
  await settle(page);
  assert.match(page.url(), /law=hoffmann/);
  assert.match(await text(page, 'out-law_citation'), /2203\.15556/);
  await screenshot(page, 'budget-typed');
  assertClean(problems);
  await context.close();
});

test('a shared link reopens the same numbers and the same charts', async () => {
  const first = await openPage(browser, origin);
  await first.page.fill('#compute', '3e22');
  await first.page.selectOption('#law', 'muennighoff');
  await first.page.fill('#model_size', '2B');
  await first.page.fill('#target_loss', '2.3');
  await first.page.click('input[value=hardware]');
  await first.page.fill('#days', '12');
  await first.page.fill('#gpus', '256');
  await settle(first.page);
  const url = first.page.url();
  const values = await readOutputs(first.page);
  const extra = await Promise.all(['resize_d', 'resize_overhead', 'target_compute'].map((k) => text(first.page, `out-${k}`)));
  const charts = await chartPixels(first.page);
  assertClean(first.problems);
  await first.context.close();

  const hash = new URL(url).hash;
  const second = await openPage(browser, origin, { hash });
  assert.deepEqual(await readOutputs(second.page), values);
  assert.deepEqual(await Promise.all(['resize_d', 'resize_overhead', 'target_compute'].map((k) => text(second.page, `out-${k}`))), extra);
  assert.equal(await second.page.inputValue('#days'), '12');
  assert.equal(await second.page.isChecked('input[value=hardware]'), true);
  assert.deepEqual(await chartPixels(second.page), charts, 'charts differ after reopening the link');
  assert.equal(await second.page.isHidden('#messages'), true);
  await screenshot(second.page, 'shared-link');
  assertClean(second.problems);
  await second.context.close();
});

test('garbage links open the defaults with a message naming what was wrong', async () => {
  const defaults = await openPage(browser, origin);
  const defaultValues = await readOutputs(defaults.page);
  await defaults.context.close();
  const cases = [
    ['#v=1&c=abc&law=gpt9', ['"abc" is not a number', 'unknown law "gpt9"']],
    ['#v=1&c=1e400', ['finite']],
    ['#v=1&c=-1&gpus=0', ['greater than 0']],
    ['#v=7&c=1e20', ['version']],
    ['#%%%garbage', ['no version']],
    ['#v=1&c=5.76e', ['not a number']],
    [`#v=1&c=${'9'.repeat(10000)}`, ['too long']],
  ];
  for (const [hash, expected] of cases) {
    const { page, context, problems } = await openPage(browser, origin, { hash });
    assert.equal(await page.isVisible('#messages'), true, `${hash.slice(0, 40)}: no message shown`);
    const message = await text(page, 'message-list');
    for (const e of expected) assert.ok(message.includes(e), `${hash.slice(0, 40)}: "${message}" lacks "${e}"`);
    assert.deepEqual(await readOutputs(page), defaultValues, `${hash.slice(0, 40)}: not the defaults`);
    assert.doesNotMatch(await visibleText(page), NON_FINITE);
    if (hash.startsWith('#v=1&c=abc')) await screenshot(page, 'garbage-link');
    assertClean(problems);
    await context.close();
  }
});

test('bad input is flagged at the field, nothing else is lost, nothing non-finite is shown', async () => {
  const { page, context, problems } = await openPage(browser, origin);
  await page.fill('#gpus', '512');
  await page.fill('#model_size', '30B');
  await settle(page);
  const good = await readOutputs(page);
  const bad = ['', '   ', 'abc', '-1', '0', 'NaN', '1e400', 'x'.repeat(10000), '数字'];
  for (const field of ['compute', 'gpus', 'mfu', 'price', 'target_loss', 'model_size', 'convert', 'given_n', 'given_d']) {
    const original = await page.inputValue(`#${field}`);
    for (const value of bad) {
      await page.fill(`#${field}`, value);
      const optionalEmpty = ['price', 'target_loss', 'model_size'].includes(field) && value.trim() === '';
      if (!optionalEmpty) {
        const message = await text(page, `err-${field}`);
        assert.ok(message.length > 0, `${field}=${JSON.stringify(value.slice(0, 20))}: no message`);
        assert.ok(message.length < 200, `${field}: message too long`);
        // An empty C/N/D of the "any two" question is a question not asked yet, not an error.
        const unasked = field.startsWith('given_') && value.trim() === '';
        assert.equal(await page.getAttribute(`#${field}`, 'aria-invalid'), unasked ? 'false' : 'true');
      }
      assert.doesNotMatch(await visibleText(page), NON_FINITE, `${field}=${value.slice(0, 20)}`);
      assert.equal(await page.inputValue('#gpus'), field === 'gpus' ? value : '512', 'another field was lost');
    }
    await page.fill(`#${field}`, original);
    assert.equal(await text(page, `err-${field}`), '');
  }
  await page.fill('#compute', 'abc');
  await settle(page);
  await screenshot(page, 'field-error');
  await page.fill('#compute', '5.76e23');
  await settle(page);
  assert.deepEqual(await readOutputs(page), good, 'numbers did not come back after fixing the field');
  assert.equal(await page.isHidden('#fatal'), true, 'a panic was reported');
  assertClean(problems);
  await context.close();
});

test('reverse questions answer on the page', async () => {
  const { page, context, problems } = await openPage(browser, origin);
  await page.selectOption('#solve', 'd');
  await page.fill('#given_c', '1e23');
  await page.fill('#given_n', '1B');
  await page.fill('#target_loss', '1.5');
  await page.fill('#model_size', '30B');
  await settle(page);
  assert.equal(await text(page, 'out-triple_value'), '16.7T tokens');
  assert.equal(await page.isHidden('[data-given=d]'), true);
  assert.match(await text(page, 'err-target_loss'), /irreducible loss 1\.82/);
  assert.match(await text(page, 'out-resize_overhead'), /^\+\d/);
  await page.fill('#target_loss', '2.0');
  assert.match(await text(page, 'out-target_compute'), /e2\d FLOP$/);
  await page.fill('#convert', '1 PF-day');
  assert.equal(await text(page, 'out-conv_flop'), '8.64e19 FLOP');
  assertClean(problems);
  await context.close();
});

test('narrow phone window: no horizontal overflow, charts fit', async () => {
  const { page, context, problems } = await openPage(browser, origin, {
    viewport: { width: 360, height: 780 }, deviceScaleFactor: 3,
  });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the window`);
  // The open view's canvases (the others are drawn when their view opens).
  const sizes = await page.evaluate(() => [...document.querySelectorAll('canvas')].filter((c) => c.getClientRects().length)
    .map((c) => [c.width, c.clientWidth, c.getBoundingClientRect().right]));
  assert.equal(sizes.length, 3);
  for (const [w, cw, right] of sizes) {
    assert.equal(w, Math.round(cw * 3), 'canvas is not sized by devicePixelRatio');
    assert.ok(right <= 360, 'canvas overflows the window');
  }
  await screenshot(page, 'narrow-phone');
  assertClean(problems);
  await context.close();
});

test('dark theme follows prefers-color-scheme, HiDPI canvases are sharp', async () => {
  const { page, context, problems } = await openPage(browser, origin, { colorScheme: 'dark', deviceScaleFactor: 2 });
  const corner = await page.evaluate(() => {
    const c = document.getElementById('chart-allocation');
    return [...c.getContext('2d').getImageData(2, 2, 1, 1).data];
  });
  assert.ok(corner[0] < 60 && corner[1] < 60 && corner[2] < 60, `chart background is not dark: ${corner}`);
  const [w, cw] = await page.evaluate(() => { const c = document.getElementById('chart-contours'); return [c.width, c.clientWidth]; });
  assert.equal(w, cw * 2);
  await screenshot(page, 'dark-hidpi');
  assertClean(problems);
  await context.close();
});

test('editing the URL of an open page loads the new link', async () => {
  const { page, context, problems } = await openPage(browser, origin);
  await page.evaluate(() => { location.hash = '#v=1&c=1e21&law=kaplan'; });
  await page.waitForFunction(() => document.getElementById('law').value === 'kaplan');
  assert.equal(await page.inputValue('#compute'), '1e21');
  assert.equal(await text(page, 'out-compute_flop'), '1e21 FLOP');
  await page.evaluate(() => { location.hash = '#v=1&c=zzz'; });
  await page.waitForFunction(() => !document.getElementById('messages').hidden);
  assert.match(await text(page, 'message-list'), /"zzz" is not a number/);
  assertClean(problems);
  await context.close();
});

test('copy link puts the current URL on the clipboard or shows it', async () => {
  const { page, context, problems } = await openPage(browser, origin, { hash: '#v=1&c=1e22' });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
  await page.click('#copy-link');
  await page.waitForFunction(() => document.getElementById('copy-status').textContent !== '');
  const status = await text(page, 'copy-status');
  if (status === 'Link copied.') {
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), page.url());
  } else {
    assert.equal(await page.inputValue('#link-text'), page.url());
  }
  assert.match(page.url(), /#v=1&c=1e22$/);
  assertClean(problems);
  await context.close();
});

test('the workbench: one view at a time, the tools module only when a tool opens, the back button, the keyboard', async () => {
  const { page, context, problems } = await openPage(browser, origin);
  const wasm = [];
  page.on('request', (r) => { if (r.url().endsWith('.wasm')) wasm.push(r.url().split('/').pop()); });
  assert.equal(await page.evaluate(() => document.body.dataset.module), 'home');
  // Only the Budget panel is shown; its charts drawn, no tool's.
  const shown = () => page.evaluate(() => [...document.querySelectorAll('[data-view]')].filter((e) => !e.hidden).map((e) => e.dataset.view));
  assert.deepEqual(await shown(), ['', '']);
  assert.equal(await page.getAttribute('#tools-nav a[data-tool=""]', 'aria-current'), 'page');
  await page.fill('#compute', '1e23');
  await settle(page);
  const nStar = await text(page, 'out-n_star');
  assert.deepEqual(wasm, [], 'a wasm module was fetched before any tool opened');

  // Opening a tool loads the workbench module once; the link names the tool; inputs stay.
  await openView(page, 'sw');
  assert.deepEqual(await shown(), ['sw']);
  assert.deepEqual(wasm, ['scalecalc_bg.wasm']);
  assert.equal(await page.evaluate(() => document.body.dataset.module), 'workbench');
  assert.match(page.url(), /c=1e23.*tool=sw|tool=sw.*c=1e23/);
  assert.notEqual(await text(page, 'out-sw_n_ci'), '');
  const swChart = await page.evaluate(() => document.querySelector('canvas[data-chart="sw-plan"]')?.width ?? 0);
  assert.ok(swChart > 0, 'the open tool has no drawn chart');
  await openView(page, 'fit');
  assert.deepEqual(await shown(), ['fit']);
  assert.equal(await page.getAttribute('#tools-nav a[data-tool="fit"]', 'aria-current'), 'page');

  // Back: the sweep planner, then the Budget panel, with what was typed.
  await page.goBack();
  await page.waitForFunction(() => !document.querySelector('[data-view="sw"]').hidden);
  await page.goBack();
  await page.waitForFunction(() => !document.querySelector('.panels').hidden);
  await settle(page);
  assert.equal(await text(page, 'out-n_star'), nStar);
  assert.equal(await page.inputValue('#compute'), '1e23');
  assert.deepEqual(wasm, ['scalecalc_bg.wasm'], 'the workbench module was fetched again');

  // Keyboard: arrow keys move along the navigation, Enter opens.
  await page.focus('#tools-nav a[data-tool=""]');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.tool), 'sched');
  await page.keyboard.press('End');
  const last = await page.evaluate(() => [...document.querySelectorAll('#tools-nav a[data-tool]')].pop().dataset.tool);
  assert.equal(await page.evaluate(() => document.activeElement.dataset.tool), last);
  await page.keyboard.press('Enter');
  await page.waitForFunction((t) => !document.querySelector(`[data-view="${t}"]`).hidden, last);

  // A link to a tool that does not exist: the Budget panel, and a message.
  const bad = await openPage(browser, origin, { hash: '#v=1&tool=nope' });
  assert.match(await bad.page.locator('#message-list').textContent(), /no tool "nope"/);
  assert.equal(await bad.page.evaluate(() => document.querySelector('.panels').hidden), false);
  await bad.context.close();
  assertClean(problems);
  await context.close();
});

test('the workbench on a phone: the navigation scrolls sideways above the view', async () => {
  for (const colorScheme of ['light', 'dark']) {
    const { page, context, problems } = await openPage(browser, origin, { viewport: { width: 390, height: 844 }, colorScheme, tool: 'sched' });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `page is ${overflow}px wider than the window`);
    const nav = await page.locator('#tools-nav').boundingBox();
    const panel = await page.locator('#tool-sched').boundingBox();
    assert.ok(nav.y + nav.height <= panel.y + 1, 'the navigation overlaps the tool');
    await page.screenshot({ path: join(shotDir, `workbench-phone-${colorScheme}.png`) });
    assertClean(problems);
    await context.close();
  }
  const wide = await openPage(browser, origin, { colorScheme: 'dark', tool: 'sw' });
  await wide.page.screenshot({ path: join(shotDir, 'workbench-wide-dark.png') });
  await wide.context.close();
});
