// End-to-end: the planning tools' slow results (fits, bootstraps, simulations) are computed in a
// worker — a paste returns at once, the tool says it is computing, the rest of the page keeps
// answering, and the results that arrive are the ones a fresh page computes from a link.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { useBrowser, openPage, settle, text, root } from './harness.mjs';

const EPOCH = readFileSync(join(root, '..', '..', 'shared', 'data', 'chinchilla_epoch', 'svg_extracted_data.csv'), 'utf8').trim();
const ROWS = EPOCH.split('\n'); // the header and 245 runs
const runs = (from, to) => [ROWS[0], ...ROWS.slice(1).slice(from, to)].join('\n');

let origin, browser;
useBrowser((b, o) => { browser = b; origin = o; });

/// Sets a field's value and fires one input event, as a paste does (Playwright's fill fires one
/// per line of a multi-line text). Returns what the page showed right after the event.
async function paste(page, id, value, watch) {
  return page.evaluate(({ id, value, watch }) => {
    const el = document.getElementById(id);
    el.value = value;
    el.dispatchEvent(new Event('input', { bubbles: true }));
    return { slow: document.body.dataset.slow, shown: Object.fromEntries(watch.map((w) => [w, document.getElementById(w).textContent])) };
  }, { id, value, watch });
}

test('a pasted table is fitted in the background while the rest of the page keeps answering', async () => {
  const { page, context, problems } = await openPage(browser, origin, { tool: 'cmp' });
  await page.fill('#cmp-boot', '1000');
  await settle(page);
  const right = runs(0, 139);
  const first = await paste(page, 'cmp-a', EPOCH, ['out-cmp_law_a']);
  assert.equal(first.slow, 'busy');
  assert.equal(first.shown['out-cmp_law_a'], 'fitting…');
  const second = await paste(page, 'cmp-b', right, ['out-cmp_law_b', 'out-cmp_cross']);
  assert.equal(second.shown['out-cmp_law_b'], 'fitting…');
  assert.equal(second.shown['out-cmp_cross'], '');
  // While both fits and their 1 000-resample bootstraps run, the Budget panel still answers.
  const before = await text(page, 'out-n_star');
  await page.click('#tools-nav a[data-tool=""]');
  await page.fill('#compute', '1e22');
  const during = await page.evaluate(() => ({ slow: document.body.dataset.slow, n: document.getElementById('out-n_star').textContent }));
  assert.equal(during.slow, 'busy', 'the fits finished before the Budget panel was used: nothing was shown');
  assert.notEqual(during.n, before);
  assert.match(during.n, /^[\d.]+[MBT]$/);
  await settle(page);
  const lawA = await text(page, 'out-cmp_law_a');
  assert.match(lawA, /^E 1\.\d+, A .* \(245 runs/);
  assert.match(await text(page, 'out-cmp_law_b'), /\(139 runs/);
  assert.match(await text(page, 'out-cmp_verdict'), /lower/);

  assert.deepEqual(problems, []);
  await context.close();
});

test('editing one table refits only that table; a seed change refits both', async () => {
  const { page, context, problems } = await openPage(browser, origin, { tool: 'cmp' });
  await paste(page, 'cmp-a', runs(0, 40), []);
  await paste(page, 'cmp-b', runs(40, 100), []);
  await settle(page);
  const lawA = await text(page, 'out-cmp_law_a');
  const edited = await paste(page, 'cmp-b', runs(40, 90), ['out-cmp_law_a', 'out-cmp_law_b']);
  assert.equal(edited.shown['out-cmp_law_a'], lawA, 'table A was not kept');
  assert.equal(edited.shown['out-cmp_law_b'], 'fitting…');
  await settle(page);
  assert.match(await text(page, 'out-cmp_law_b'), /\(50 runs/);
  // The link carries both tables; a fresh page computes the same, also in the background.
  const copy = await context.newPage();
  await copy.goto(page.url());
  await copy.waitForSelector('#loading[hidden]', { state: 'attached' });
  await settle(copy);
  for (const id of ['out-cmp_law_a', 'out-cmp_law_b', 'out-cmp_verdict', 'out-cmp_cross', 'out-sched_tissue', 'out-sw_n_ci']) {
    assert.equal(await text(copy, id), await text(page, id), id);
  }
  const reseeded = await paste(page, 'cmp-seed', '7', ['out-cmp_law_a', 'out-cmp_law_b']);
  assert.deepEqual(reseeded.shown, { 'out-cmp_law_a': 'fitting…', 'out-cmp_law_b': 'fitting…' });
  await settle(page);
  assert.equal(await text(page, 'out-cmp_law_a'), lawA, 'the fit itself does not depend on the bootstrap seed');
  assert.deepEqual(problems, []);
  await context.close();
});
