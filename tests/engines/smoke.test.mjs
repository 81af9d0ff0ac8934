// The smoke suite in Firefox and WebKit (Chromium runs the full suite in tests/e2e): load, type
// a budget, reopen a link, a garbage link, paste runs and fit, every tool panel renders, no
// uncaught errors. Engines: SCALECALC_ENGINES (default "firefox,webkit").
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startServer } from '../e2e/harness.mjs';
import { startEngine, open, openView, settled, setField, problems, run, until } from './harness.mjs';

const EPOCH_PATH = new URL('../../../shared/data/chinchilla_epoch/svg_extracted_data.csv', import.meta.url);
const engines = (process.env.SCALECALC_ENGINES ?? 'firefox,webkit').split(',').map((s) => s.trim()).filter(Boolean);
const OUTPUTS = ['n_star', 'd_star', 'tpp', 'loss_star', 'compute_flop', 'wall', 'gpu_hours', 'cost'];
const NON_FINITE = /NaN|Infinity|undefined/;

let server, origin;
before(async () => { ({ server, origin } = await startServer()); });
after(() => server?.close());

const outputs = (driver) => run(driver, (keys) => Object.fromEntries(keys.map((k) => [k, document.getElementById(`out-${k}`).textContent])), OUTPUTS);
/// Per chart on screen: how many distinct colours it has (a blank or failed chart has one or two).
const chartColours = (driver, selector) => run(driver, (selector) => [...document.querySelectorAll(selector)].filter((c) => c.getClientRects().length).map((c) => {
  const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
  const seen = new Set();
  for (let i = 0; i < data.length && seen.size < 50; i += 4 * 97) seen.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2] | (data[i + 3] << 24));
  return [c.dataset.chart, c.width, c.height, seen.size];
}), selector);

for (const name of engines) {
  test(`${name}: smoke`, { timeout: 600_000 }, async (t) => {
    const { driver, quit } = await startEngine(name);
    try {
      await t.test('loads with a full answer and its charts', async () => {
        await open(driver, origin);
        const values = await outputs(driver);
        for (const [k, v] of Object.entries(values)) assert.ok(v && !NON_FINITE.test(v), `${k}: "${v}"`);
        const charts = await chartColours(driver, 'canvas[data-chart]');
        assert.equal(charts.length, 3, 'the Budget panel shows its three charts');
        for (const [chart, w, h, colours] of charts) {
          assert.ok(w > 0 && h > 0 && colours > 3, `${chart}: ${w}×${h}, ${colours} colours`);
        }
        assert.equal(await run(driver, () => document.body.dataset.module), 'home');
        assert.deepEqual(await problems(driver), []);
      });

      let link, typed;
      await t.test('typing a budget updates the numbers and the link', async () => {
        const before = await outputs(driver);
        const el = await driver.findElement({ id: 'compute' });
        await el.clear();
        await el.sendKeys('2000 PF-days');
        await until(driver, () => document.getElementById('out-compute_flop').textContent === '1.73e23 FLOP', { what: 'the typed budget' });
        await settled(driver);
        typed = await outputs(driver);
        assert.notEqual(typed.n_star, before.n_star);
        link = await driver.getCurrentUrl();
        assert.match(link, /#v=1&c=2000\+PF-days/);
        assert.deepEqual(await problems(driver), []);
      });

      await t.test('the link reopens the same numbers', async () => {
        await open(driver, origin, new URL(link).hash);
        assert.deepEqual(await outputs(driver), typed);
        assert.equal(await run(driver, () => document.getElementById('compute').value), '2000 PF-days');
        assert.deepEqual(await problems(driver), []);
      });

      await t.test('a garbage link opens the defaults and says what was wrong', async () => {
        await open(driver, origin, '#v=1&c=abc&law=gpt9');
        const message = await run(driver, () => document.getElementById('messages').hidden ? '' : document.getElementById('message-list').textContent);
        assert.match(message, /"abc" is not a number/);
        assert.match(message, /unknown law "gpt9"/);
        assert.deepEqual(await problems(driver), []);
      });

      await t.test('pasted runs fit in workers to the reference objective', async () => {
        await open(driver, origin);
        await openView(driver, 'fit');
        await setField(driver, 'fit-data', readFileSync(EPOCH_PATH, 'utf8'));
        await setField(driver, 'fit-drop', '5');
        await setField(driver, 'fit-boot', '1000');
        const started = Date.now();
        await (await driver.findElement({ id: 'fit-run' })).click();
        await until(driver, () => ['done', 'error'].includes(document.getElementById('fit-report').dataset.state),
          { timeout: 120_000, what: 'the fit' });
        const seconds = (Date.now() - started) / 1000;
        const report = await run(driver, () => ({ ...document.getElementById('fit-report').dataset, error: document.getElementById('fit-error')?.textContent ?? '' }));
        assert.equal(report.state, 'done', report.error);
        // The same optimum as Chromium and the native fit (profile search, Epoch data less the
        // 5 highest losses: 0.00101827401780064).
        assert.ok(Math.abs(Number(report.objective) / 0.00101827401780064 - 1) < 1e-9, report.objective);
        t.diagnostic(`${name}: fit with 1000 resamples in ${seconds.toFixed(2)} s (fit ${report.fitMs} ms, bootstrap ${report.bootMs} ms, ${report.workers} workers)`);
        const body = await run(driver, () => document.getElementById('fit-body').textContent);
        assert.doesNotMatch(body, NON_FINITE);
        await settled(driver);
        for (const [chart, w, h, colours] of await chartColours(driver, '#fit canvas[data-chart]')) {
          assert.ok(w > 0 && h > 0 && colours > 3, `${chart}: ${w}×${h}, ${colours} colours`);
        }
        assert.deepEqual(await problems(driver), []);
      });

      await t.test('after one visit a service worker holds the page for offline use', async () => {
        await open(driver, origin);
        await until(driver, () => navigator.serviceWorker?.controller != null || document.body.dataset.offline,
          { timeout: 30_000, what: 'the service worker' });
        const state = await run(driver, async () => ({
          unavailable: document.body.dataset.offline ?? '',
          cached: (await caches.keys()).length,
        }));
        assert.equal(state.unavailable, '');
        assert.equal(state.cached, 1);
        assert.deepEqual(await problems(driver), []);
      });

      await t.test('every tool panel renders its numbers and charts', async () => {
        await open(driver, origin);
        const tools = await run(driver, () => [...document.querySelectorAll('section.tool-panel')].map((s) => s.dataset.view));
        assert.ok(tools.length >= 9, `only ${tools.length} tool panels`);
        for (const tool of tools) {
          await openView(driver, tool);
          const p = await run(driver, (tool) => {
            const s = document.querySelector(`[data-view="${tool}"]`);
            return {
              bad: [...s.querySelectorAll('[id^="out-"], td')].map((o) => o.textContent).filter((t) => /NaN|Infinity|undefined/.test(t)),
              // Errors, not the notes on a question a default leaves unanswered (class "unanswered").
              errors: [...s.querySelectorAll('[id^="err-"]:not(.unanswered)')]
                .map((e) => `${e.id}: ${e.textContent.trim()}`).filter((t) => !t.endsWith(': ')),
            };
          }, tool);
          assert.deepEqual(p.bad, [], `${tool} shows non-finite values`);
          assert.deepEqual(p.errors, [], `${tool} shows errors with its defaults`);
          for (const [chart, w, h, colours] of await chartColours(driver, `[data-view="${tool}"] canvas[data-chart]`)) {
            assert.ok(w > 0 && h > 0 && colours > 3, `${chart}: ${w}×${h}, ${colours} colours`);
          }
        }
        assert.deepEqual(await problems(driver), []);
      });
    } finally {
      await quit();
    }
  });
}
