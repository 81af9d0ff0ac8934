// Firefox and WebKit through WebDriver (selenium-webdriver against a driver we start ourselves:
// geckodriver, Debian's WebKitWebDriver), for the smoke suite that runs in every engine besides
// Chromium. WebKitGTK needs a display: build.sh runs this under `xvfb-run -a`.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Builder } from 'selenium-webdriver';

const MINIBROWSER = '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';

export const ENGINES = {
  firefox: {
    driver: () => [process.env.GECKODRIVER ?? which('geckodriver'), (port) => ['--host', '127.0.0.1', '--port', String(port)]],
    capabilities: {
      browserName: 'firefox',
      'moz:firefoxOptions': { binary: process.env.FIREFOX ?? '/usr/bin/firefox-esr', args: ['-headless'] },
    },
  },
  // Not part of the smoke suite (Chromium runs the full one): here to measure engines side by side.
  chromium: {
    driver: () => [process.env.CHROMEDRIVER ?? '/usr/bin/chromedriver', (port) => [`--port=${port}`]],
    capabilities: {
      browserName: 'chrome',
      'goog:chromeOptions': { binary: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--headless=new', '--no-sandbox', '--disable-gpu'] },
    },
  },
  webkit: {
    driver: () => [process.env.WEBKITDRIVER ?? '/usr/bin/WebKitWebDriver', (port) => [`--port=${port}`, '--host=127.0.0.1']],
    capabilities: {
      browserName: 'MiniBrowser',
      'webkitgtk:browserOptions': { binary: process.env.MINIBROWSER ?? MINIBROWSER, args: ['--automation'] },
    },
  },
};

function which(name) {
  for (const dir of [...(process.env.PATH ?? '').split(':'), join(homedir(), '.cargo', 'bin')]) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  throw new Error(`${name} not found on PATH (build.sh installs it)`);
}

async function freePort() {
  const server = createServer();
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address();
  await new Promise((ok) => server.close(ok));
  return port;
}

/// Starts the engine's WebDriver server and a session; `quit()` ends both.
export async function startEngine(name) {
  const engine = ENGINES[name];
  const [binary, args] = engine.driver();
  const port = await freePort();
  const log = [];
  const child = spawn(binary, args(port), { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (d) => log.push(String(d)));
  child.stderr.on('data', (d) => log.push(String(d)));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      const res = await fetch(`${url}/status`);
      if (res.ok) break;
    } catch { /* not up yet */ }
    if (i > 150 || child.exitCode !== null) throw new Error(`${name} driver did not start:\n${log.join('')}`);
    await new Promise((ok) => setTimeout(ok, 100));
  }
  let driver;
  try {
    driver = await new Builder().usingServer(url).withCapabilities(engine.capabilities).build();
  } catch (e) {
    child.kill();
    throw new Error(`${name}: no session: ${e.message}\n${log.join('')}`);
  }
  await driver.manage().setTimeouts({ script: 120_000, pageLoad: 60_000 });
  return {
    driver,
    async quit() {
      try { await driver.quit(); } finally { child.kill(); }
    },
  };
}

/// Runs `fn` in the page and returns its value (a function body as text keeps engines alike).
export function run(driver, fn, ...args) {
  return driver.executeScript(`return (${fn}).apply(null, arguments)`, ...args);
}

/// Waits until `fn` (run in the page) returns a truthy value.
export async function until(driver, fn, { timeout = 60_000, what = String(fn) } = {}, ...args) {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await run(driver, fn, ...args);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((ok) => setTimeout(ok, 50));
  }
}

/// Opens the page at `hash` and waits until it has drawn everything (as the Chromium harness's
/// `openPage` does).
export async function open(driver, origin, hash = '') {
  await driver.get('about:blank');
  await driver.get(`${origin}/${hash}`);
  await until(driver, () => document.getElementById('loading')?.hidden && document.getElementById('out-n_star').textContent !== '',
    { what: 'the page to load' });
  await settled(driver);
}

/// Every slow result back and every chart drawn.
export async function settled(driver) {
  await run(driver, () => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok))));
  await until(driver, () => document.body.dataset.slow === 'idle' && document.body.dataset.charts === 'idle'
    && document.body.dataset.module !== 'loading', { what: 'slow results and charts' });
}

/// Opens a view from the navigation ("" for the Budget panel; a tool loads the workbench module).
export async function openView(driver, tool) {
  await (await driver.findElement({ css: `#tools-nav a[data-tool="${tool}"]` })).click();
  await until(driver, (t) => !document.querySelector(`[data-view="${t}"]`).hidden
    && (t === '' || document.body.dataset.module === 'workbench'), { what: `the view "${tool}"` }, tool);
  await settled(driver);
}

/// Sets a field's value as a paste would, firing the event the page listens to.
export function setField(driver, id, value) {
  return run(driver, (id, value) => {
    const el = document.getElementById(id);
    el.value = value;
    el.dispatchEvent(new Event(el.tagName === 'SELECT' ? 'change' : 'input', { bubbles: true }));
  }, id, value);
}

/// Uncaught errors the page recorded (app.js keeps them in window.scalecalcErrors) and whether
/// its fatal message is showing.
export function problems(driver) {
  return run(driver, () => [
    ...(window.scalecalcErrors ?? ['app.js did not start']),
    ...(document.getElementById('fatal').hidden ? [] : [document.getElementById('fatal').textContent]),
  ]);
}
