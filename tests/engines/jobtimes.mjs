// Informational: the Fit panel's jobs for the Epoch data, each run three times on the page's
// main thread, per engine — to see where an engine spends its time (used to find WebKit's).
// node tests/engines/jobtimes.mjs firefox webkit chromium   (WebKit under xvfb-run -a)
import { readFileSync } from 'node:fs';
import { startServer } from '../e2e/harness.mjs';
import { startEngine, open, openView, setField, run, until } from './harness.mjs';

const data = readFileSync(new URL('../../../shared/data/chinchilla_epoch/svg_extracted_data.csv', import.meta.url), 'utf8');
const { server, origin } = await startServer();
for (const name of process.argv.slice(2)) {
  const { driver, quit } = await startEngine(name);
  try {
    await open(driver, origin);
    await openView(driver, 'fit');
    await run(driver, () => {
      window.__jobs = [];
      const post = Worker.prototype.postMessage;
      Worker.prototype.postMessage = function (m) { if (m?.method) window.__jobs.push(m); return post.call(this, m); };
    });
    if (process.env.PREFIT) {
      // A small fit first (synthetic runs from a known law), to see whether the engine's first fit is slow for warming up.
      const rows = ['N,D,loss'];
      for (const n of [2e7, 5e7, 1e8, 2e8]) for (const t of [5, 20, 80]) rows.push(`${n},${n * t},${1.7 + 400 / n ** 0.34 + 410 / (n * t) ** 0.28}`);
      await setField(driver, 'fit-data', rows.join('\n'));
      await setField(driver, 'fit-boot', '50');
      const t0 = Date.now();
      await (await driver.findElement({ id: 'fit-run' })).click();
      await until(driver, () => document.getElementById('fit-report').dataset.state === 'done', { timeout: 180_000 });
      console.log(name, 'small fit', Date.now() - t0, 'ms', JSON.stringify(await run(driver, () => ({ ...document.getElementById('fit-report').dataset }))));
      await setField(driver, 'fit-boot', '1000');
      await run(driver, () => { document.getElementById('fit-report').dataset.state = 'again'; });
    }
    await setField(driver, 'fit-data', data);
    await setField(driver, 'fit-drop', '5');
    const t1 = Date.now();
    await (await driver.findElement({ id: 'fit-run' })).click();
    await until(driver, () => document.getElementById('fit-report').dataset.state === 'done', { timeout: 180_000 });
    console.log(name, 'first Epoch fit, click to done:', Date.now() - t1, 'ms');
    const fits = [await run(driver, () => ({ ...document.getElementById('fit-report').dataset }))];
    for (let i = 0; i < 2; i++) {
      // Each fit computes every task: the page would take the last fit's (the Session's TaskCache).
      await driver.executeAsyncScript(`const done = arguments[arguments.length - 1];
        import('./pkg/scalecalc.js').then((sc) => { sc.forgetFits(); done(); }, (e) => done(String(e)));`);
      await run(driver, () => { document.getElementById('fit-report').dataset.state = 'again'; document.getElementById('fit-run').click(); });
      await until(driver, () => document.getElementById('fit-report').dataset.state === 'done', { timeout: 180_000 });
      fits.push(await run(driver, () => ({ ...document.getElementById('fit-report').dataset })));
    }
    console.log(name, 'fits (fit, bootstrap, main ms):', fits.map((f) => [f.fitMs, f.bootMs, f.mainMs].join(' / ')).join(' | '));
    const times = await driver.executeAsyncScript(`
      const done = arguments[arguments.length - 1];
      import('./pkg/scalecalc.js').then(async (sc) => {
        await sc.default();
        const out = {};
        for (const job of window.__jobs) {
          const key = job.method;
          const row = (out[key] ??= { count: 0, ms: [0, 0, 0], bytesIn: 0, bytesOut: 0 });
          row.count++;
          row.bytesIn += job.args.length;
          for (let i = 0; i < 3; i++) {
            const t = performance.now();
            const r = sc.runJob(job.method, job.args);
            row.ms[i] += performance.now() - t;
            if (i === 0) row.bytesOut += r.length;
          }
        }
        // Every chart drawn again three times: the main thread's other work after a fit.
        const { inputs } = sc.fromFragment(location.hash.slice(1));
        const dark = matchMedia('(prefers-color-scheme: dark)').matches;
        let chartMs = 0, charts = 0;
        for (const canvas of document.querySelectorAll('canvas[data-chart]')) {
          if (!canvas.width) continue;
          const kind = canvas.dataset.chart;
          const t = performance.now();
          for (let i = 0; i < 3; i++) {
            if (kind.startsWith('fit-')) sc.drawFitChart(kind, canvas, inputs, dark, devicePixelRatio);
            else sc.drawChart(kind, canvas, inputs, dark, devicePixelRatio);
          }
          chartMs += (performance.now() - t) / 3;
          charts++;
        }
        out.charts = { count: charts, ms: Math.round(chartMs) };
        done({ out, cores: navigator.hardwareConcurrency, simd: WebAssembly.validate(new Uint8Array([0,97,115,109,1,0,0,0,1,5,1,96,0,1,123,3,2,1,0,10,10,1,8,0,65,0,253,15,253,98,11])) });
      }).catch((e) => done({ error: String(e) }));`);
    console.log(name, JSON.stringify(times));
  } finally {
    await quit();
  }
}
server.close();
