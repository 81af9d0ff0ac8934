// Offline and installable: after one visit the page reloads and fits with the network off (the
// service worker answers from its cache); Chromium finds it installable; a new deployment is
// offered with a "reload" notice and taken over cleanly. Served from a copy of www/ so the test
// can deploy a new version into it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, launch, launchProfile, root, settle, text, openView } from './harness.mjs';

const RUNS = await readFile(new URL('../../../shared/data/chinchilla_epoch/svg_extracted_data.csv', import.meta.url), 'utf8');
let dir, server, origin, browser;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scalecalc-site-'));
  await cp(root, dir, { recursive: true });
  ({ server, origin } = await startServer({ dir }));
  browser = await launch();
});
after(async () => {
  await browser?.close();
  server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/// Opens the page and waits until the service worker controls it with every file cached.
async function visit(context) {
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.goto(`${origin}/`);
  await page.waitForSelector('#loading[hidden]', { state: 'attached' });
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });
  await settle(page);
  return { page, problems };
}

const cacheNames = (page) => page.evaluate(() => caches.keys());

test('after one visit the page reloads and fits with the network off', async () => {
  const context = await browser.newContext();
  const { page, problems } = await visit(context);
  const cached = await page.evaluate(async () => {
    const [name] = await caches.keys();
    return (await (await caches.open(name)).keys()).map((r) => new URL(r.url).pathname);
  });
  for (const file of ['/', '/app.js', '/pkg/home_bg.wasm', '/pkg/scalecalc_bg.wasm', '/manifest.webmanifest']) {
    assert.ok(cached.includes(file), `${file} is not cached: ${cached.join(' ')}`);
  }
  await context.setOffline(true);
  await page.reload();
  await page.waitForSelector('#loading[hidden]', { state: 'attached' });
  await page.waitForFunction(() => document.getElementById('out-n_star').textContent !== '');
  await page.fill('#compute', '1e23');
  await settle(page);
  assert.match(await text(page, 'out-compute_flop'), /1e23/);
  await openView(page, 'fit');
  await page.fill('#fit-data', RUNS);
  await page.fill('#fit-boot', '100');
  await page.click('#fit-run');
  await page.waitForSelector('#fit-report:is([data-state="done"], [data-state="error"])', { timeout: 90_000 });
  assert.equal(await page.getAttribute('#fit-report', 'data-state'), 'done', await text(page, 'fit-error'));
  assert.match(await text(page, 'fit-title'), /245 runs/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('Chromium finds the page installable', async () => {
  // A profile on disk: Chromium installs nothing from an off-the-record context.
  const profile = await mkdtemp(join(tmpdir(), 'scalecalc-profile-'));
  const context = await launchProfile(profile);
  const { page, problems } = await visit(context);
  const cdp = await context.newCDPSession(page);
  const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
  assert.deepEqual(installabilityErrors, []);
  const { url, errors: manifestErrors, data } = await cdp.send('Page.getAppManifest');
  assert.ok(url.endsWith('/manifest.webmanifest'), url);
  assert.deepEqual(manifestErrors, []);
  assert.equal(JSON.parse(data).short_name, 'scalecalc');
  assert.deepEqual(problems, []);
  await context.close();
  await rm(profile, { recursive: true, force: true });
});

test('a new deployment is offered with a notice and taken over on reload', async () => {
  const context = await browser.newContext();
  const { page, problems } = await visit(context);
  const [before] = await cacheNames(page);
  assert.equal(await page.isVisible('#update'), false);
  // Deploy: a changed file, and build.sh's list of files with a new version.
  await writeFile(join(dir, 'style.css'), `${await readFile(join(dir, 'style.css'), 'utf8')}\n/* next version */\n`);
  const precache = join(dir, 'pkg', 'precache.js');
  await writeFile(precache, (await readFile(precache, 'utf8')).replace(/version: '([0-9a-f]+)'/, "version: 'next$1'"));
  await page.evaluate(() => navigator.serviceWorker.getRegistration().then((r) => r.update()));
  await page.waitForSelector('#update:not([hidden])', { timeout: 30_000 });
  assert.match(await text(page, 'update'), /new version/);
  await page.fill('#compute', '3e22');
  await settle(page);
  const hash = await page.evaluate(() => location.hash);
  await Promise.all([page.waitForEvent('load'), page.click('#update-reload')]);
  await page.waitForSelector('#loading[hidden]', { state: 'attached' });
  await settle(page);
  assert.equal(await page.evaluate(() => location.hash), hash, 'the reload kept the link');
  assert.equal(await page.inputValue('#compute'), '3e22');
  assert.equal(await page.isVisible('#update'), false);
  const names = await cacheNames(page);
  assert.equal(names.length, 1, names.join(' '));
  assert.notEqual(names[0], before);
  assert.match(names[0], /^scalecalc-next/);
  const css = await page.evaluate(() => fetch('style.css').then((r) => r.text()));
  assert.match(css, /next version/);
  assert.deepEqual(problems, []);
  await context.close();
});
