// Shared e2e plumbing: a static server for www/ on a free loopback port, and Debian's
// Chromium through playwright-core, with every console error and off-origin request recorded.
import { createServer } from 'node:http';
import { readFile, mkdir, stat } from 'node:fs/promises';
import { extname, join, normalize, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { before, after } from 'node:test';

const here = dirname(fileURLToPath(import.meta.url));
export const root = join(here, '..', '..', 'www');
export const shotDir = join(here, 'screenshots');

const types = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css',
  '.wasm': 'application/wasm', '.json': 'application/json', '.png': 'image/png',
  '.svg': 'image/svg+xml', '.webmanifest': 'application/manifest+json', '.csv': 'text/csv; charset=utf-8',
};

/// Serves www/ (or `dir`) on a free loopback port, at `prefix` (e.g. '/tools/scalecalc/', as a
/// static host serves a site from a sub-path; everything outside it is 404).
export async function startServer({ prefix = '/', dir = root } = {}) {
  const server = createServer(async (req, res) => {
    let path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
    if (!path.startsWith(prefix)) { res.writeHead(404).end('not found'); return; }
    path = `/${path.slice(prefix.length)}`;
    const file = join(dir, path.endsWith('/') ? `${path}index.html` : path);
    if (!file.startsWith(dir)) { res.writeHead(403).end(); return; }
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return { server, origin: `http://127.0.0.1:${server.address().port}${prefix.replace(/\/$/, '')}` };
}

const LAUNCH = {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
};

export async function launch() {
  return chromium.launch(LAUNCH);
}

/// Chromium with a profile on disk in `dir` (a context that is not off the record, as a user's).
export async function launchProfile(dir) {
  return chromium.launchPersistentContext(dir, LAUNCH);
}

/// Starts the server and Chromium before a test file's tests and stops them after;
/// `ready(browser, origin)` receives them.
export function useBrowser(ready) {
  let server, browser;
  before(async () => {
    let origin;
    ({ server, origin } = await startServer());
    browser = await launch();
    ready(browser, origin);
  });
  after(async () => {
    await browser?.close();
    server?.close();
  });
}

/// A page that records console errors, page errors, failed and off-origin requests. With `tool`
/// ("fit" or a tool's key) the page opens on that view (the link says `tool=…`), with the
/// workbench module loaded.
export async function openPage(browser, origin, { hash = '', viewport = { width: 1280, height: 900 },
  colorScheme = 'light', deviceScaleFactor = 1, tool = '' } = {}) {
  if (tool && !/[#&]tool=/.test(hash)) hash = `${hash || '#v=1'}&tool=${tool}`;
  const context = await browser.newContext({ viewport, colorScheme, deviceScaleFactor });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
  page.on('request', (r) => { if (!r.url().startsWith(origin) && !r.url().startsWith('data:')) problems.push(`off-origin request: ${r.url()}`); });
  await page.goto(`${origin}/${hash}`);
  await page.waitForSelector('#loading[hidden]', { state: 'attached' });
  await page.waitForFunction(() => document.getElementById('out-n_star').textContent !== '');
  if (tool) await page.waitForFunction(() => document.body.dataset.module === 'workbench', null, { timeout: 60_000 });
  await settle(page);
  return { page, context, problems };
}

/// Opens a view from the navigation ("" for the Budget panel) and waits until it is drawn.
export async function openView(page, tool) {
  await page.click(`#tools-nav a[data-tool="${tool}"]`);
  await page.waitForFunction((t) => !document.querySelector(`[data-view="${t}"]`).hidden, tool);
  await settle(page);
}

/// Waits until the background worker has handed back every slow result and every chart is
/// drawn (the page draws one per animation frame).
export async function settle(page) {
  await page.evaluate(() => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok))));
  await page.waitForFunction(() => document.body.dataset.slow === 'idle' && document.body.dataset.charts === 'idle'
    && document.body.dataset.module !== 'loading', null, { timeout: 60_000 });
}

export async function screenshot(page, name) {
  await mkdir(shotDir, { recursive: true });
  const path = join(shotDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  const { size } = await stat(path);
  if (size < 10_000) throw new Error(`screenshot ${path} is only ${size} bytes`);
  return path;
}

export async function text(page, id) {
  return page.locator(`#${id}`).textContent();
}
