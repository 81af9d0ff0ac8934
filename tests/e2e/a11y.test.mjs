// Every view of the workbench, wide and light and narrow and dark, with a fit shown: axe-core (the
// engine behind Lighthouse's and browsers' audits) finds zero violations of any impact (each
// finding names the rule, the elements and what to fix); at 1 280 px no table is cut off; a
// screenshot of each (tests/e2e/screenshots/view-*.png).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { useBrowser, openPage, openView, settle, shotDir } from './harness.mjs';

let origin, browser;
useBrowser((b, o) => { browser = b; origin = o; });
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const RUNS = readFileSync(new URL('../../../shared/data/chinchilla_epoch/svg_extracted_data.csv', import.meta.url), 'utf8');

/// axe's violations on the page as it is now, one line each.
async function violations(page) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE);
  const found = await page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}${v.nodes.length > 3 ? ` (+${v.nodes.length - 3})` : ''}`);
  });
  return found;
}

for (const [name, options] of [
  ['wide, light', { viewport: { width: 1280, height: 900 }, colorScheme: 'light' }],
  ['laptop, light', { viewport: { width: 1024, height: 768 }, colorScheme: 'light' }],
  ['narrow, dark', { viewport: { width: 390, height: 844 }, colorScheme: 'dark' }],
]) {
  test(`no accessibility violations in any view (${name})`, async () => {
    const { page, context, problems } = await openPage(browser, origin, options);
    const found = [];
    const views = await page.evaluate(() => [...document.querySelectorAll('#tools-nav a[data-tool]')].map((a) => a.dataset.tool));
    assert.ok(views.length >= 11, views.join(','));
    for (const view of views) {
      await openView(page, view);
      if (view === 'fit') {
        await page.fill('#fit-data', RUNS);
        await page.fill('#fit-boot', '50');
        await page.click('#fit-run');
        await page.waitForSelector('#fit-report[data-state="done"]', { timeout: 90_000 });
        await settle(page);
      }
      for (const v of await violations(page)) found.push(`[${view || 'budget'}] ${v}`);
      if (options.viewport.width >= 1024) {
        const clipped = await page.evaluate(() => [...document.querySelectorAll('.table-scroll')]
          .filter((d) => d.getClientRects().length && d.scrollWidth > d.clientWidth + 1).map((d) => d.querySelector('table')?.id));
        for (const id of clipped) found.push(`[${view || 'budget'}] table ${id} is cut off at ${options.viewport.width} px`);
      }
      await page.screenshot({ path: join(shotDir, `view-${view || 'budget'}-${options.viewport.width}-${options.colorScheme}.png`), fullPage: true });
    }
    assert.deepEqual(found, []);
    assert.deepEqual(problems, []);
    await context.close();
  });
}
