// End-to-end: the page as people host static sites — served from a sub-path, and opened from
// a file (where it cannot run, and says what to do instead).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer, launch, openPage, openView, settle, text, root, screenshot } from './harness.mjs';

let server, origin, browser;
before(async () => {
  ({ server, origin } = await startServer({ prefix: '/tools/scalecalc/' }));
  browser = await launch();
});
after(async () => {
  await browser?.close();
  server?.close();
});

function runs() {
  const rows = ['N,D,loss'];
  for (const n of [2e7, 5e7, 1e8, 2e8]) for (const k of [5, 20, 80]) rows.push(`${n},${n * k},${1.7 + 400 / n ** 0.34 + 410 / (n * k) ** 0.28}`);
  return rows.join('\n');
}

test('served from a sub-path: loads, links and fits in workers, nothing fetched outside it', async () => {
  assert.match(origin, /\/tools\/scalecalc$/);
  const { page, context, problems } = await openPage(browser, origin);
  await page.fill('#compute', '3e22');
  await settle(page);
  const url = page.url();
  assert.ok(url.startsWith(`${origin}/#v=1&c=3e22`), url);
  const nStar = await text(page, 'out-n_star');
  // The tools' module loads from the sub-path too.
  await openView(page, 'fit');
  await page.fill('#fit-data', runs());
  await page.fill('#fit-boot', '50');
  await page.click('#fit-run');
  await page.waitForSelector('#fit-report:is([data-state="done"], [data-state="error"])', { timeout: 90_000 });
  assert.equal(await page.getAttribute('#fit-report', 'data-state'), 'done', await text(page, 'fit-error'));
  assert.deepEqual(problems, []);
  await context.close();

  const again = await openPage(browser, origin, { hash: new URL(url).hash });
  assert.equal(await text(again.page, 'out-n_star'), nStar);
  assert.deepEqual(again.problems, []);
  await again.context.close();
});

test('opened from a file: says it must be served, and how', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 700 } });
  const page = await context.newPage();
  await page.goto(`file://${join(root, 'index.html')}`);
  await page.waitForFunction(() => document.getElementById('loading').classList.contains('file-warning'));
  const message = await text(page, 'loading');
  assert.match(message, /cannot run from a file/);
  assert.match(message, /http:\/\/127\.0\.0\.1:8000\//);
  assert.equal(await page.isVisible('#loading'), true);
  await screenshot(page, 'file-url');
  await context.close();
});
