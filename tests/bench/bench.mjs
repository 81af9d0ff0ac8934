// The browser half of `./build.sh bench`, and the table that puts it next to native and scipy.
//
//   node tests/bench/bench.mjs [CSV]
//       Opens the page (www/, as built) in headless Chromium, pastes CSV (default: the Epoch file)
//       into the Fit panel and runs the 4 500-start Chinchilla fit with the 5 highest losses
//       dropped: twice without a bootstrap (data-fit-ms, data-objective), twice with 1000
//       resamples (data-boot-ms), keeping the faster of each pair (the first run includes wasm
//       compilation in the workers). Main-thread long tasks are recorded during every fit.
//       Progress goes to stderr; the last stdout line is one JSON object. Exit 1, with the reason
//       on stderr and as {"error": …} on stdout, when the page cannot be benchmarked.
//   node tests/bench/bench.mjs --table NATIVE.jsonl SCIPY.json BROWSER.json
//       Prints the comparison table and the goals (any file may be missing or empty: n/a).
//
// BENCH_TIMEOUT_S (default 300) bounds each fit; CHROMIUM overrides /usr/bin/chromium.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startServer, launch, root } from '../e2e/harness.mjs';

const EPOCH = join(root, '..', '..', 'shared', 'data', 'chinchilla_epoch', 'svg_extracted_data.csv');
const FIT_TIMEOUT_MS = 1000 * Number(process.env.BENCH_TIMEOUT_S ?? 300);
const LOAD_TIMEOUT_MS = 60_000;
/// A fit that changes nothing on the page for this long is not running at all.
const SIGN_OF_LIFE_MS = 15_000;
// `button#fit-run`, not `#fit-run`: keep working if another element shares the id.
const CONTRACT = ['#fit-data', '#fit-drop', '#fit-boot', '#fit-hold', '#fit-grid', 'button#fit-run',
  '#fit-cancel', 'progress#fit-progress', '#fit-report'];

const log = (...a) => console.error('[bench]', ...a);

// Installed before any page script: every main-thread long task's duration in ms.
function recordLongTasks() {
  window.__longTasks = [];
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longTasks.push(e.duration);
    }).observe({ type: 'longtask', buffered: true });
  } catch (e) {
    window.__longTasksUnsupported = String(e);
  }
}

class BenchError extends Error {}

async function openFitPage(browser, origin, problems) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.addInitScript(recordLongTasks);
  const page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
  // The Fit panel is a view of the workbench: open it from the link (which loads its module).
  await page.goto(`${origin}/#v=1&tool=fit`, { timeout: LOAD_TIMEOUT_MS });
  // Loaded when #loading is hidden (as the e2e harness waits); failed when it or #fatal says so.
  const started = await page.waitForFunction(() => {
    const loading = document.getElementById('loading');
    const fatal = document.getElementById('fatal');
    if (!loading || loading.hidden) return { ok: true };
    if (fatal && !fatal.hidden) return { ok: false, why: fatal.textContent.trim() };
    if (/could not|error|fail/i.test(loading.textContent)) return { ok: false, why: loading.textContent.trim() };
    return false;
  }, null, { timeout: LOAD_TIMEOUT_MS, polling: 100 }).then((h) => h.jsonValue(), () => ({ ok: false, why: 'timed out' }));
  if (!started.ok) {
    throw new BenchError(`the page did not start (${started.why}); www/ as last built: ./build.sh build rebuilds www/pkg`
      + (problems.length ? `\n${problems.join('\n')}` : ''));
  }
  const missing = [];
  for (const sel of CONTRACT) if (!(await page.$(sel))) missing.push(sel);
  if (missing.length) {
    throw new BenchError(`page has no ${missing.join(', ')}; is the Fit panel built? (www/ as last built by ./build.sh)`);
  }
  if (await page.locator('#fit-run').count() > 1) {
    log('note: more than one element has id="fit-run"; clicking button#fit-run');
  }
  if (await page.evaluate(() => window.__longTasksUnsupported)) {
    log(`note: no long-task observer in this Chromium (${await page.evaluate(() => window.__longTasksUnsupported)})`);
  }
  return { page, context };
}

/// One fit through the panel; returns the report's data attributes and the long tasks.
async function runFit(page, { drop, boot, hold, grid, search = 'auto', seed = '42', cold = true }) {
  // A fit reuses the tasks an earlier fit already computed (the same law, runs and options):
  // forget them, so that each timed fit computes everything — unless `cold` is false.
  if (cold) await page.evaluate(async () => (await import('./pkg/scalecalc.js')).forgetFits());
  await page.fill('#fit-seed', String(seed));
  await page.selectOption('#fit-search', search);
  await page.fill('#fit-drop', String(drop));
  await page.fill('#fit-boot', String(boot));
  await page.fill('#fit-hold', String(hold));
  await page.fill('#fit-grid', grid);
  try {
    await page.waitForSelector('button#fit-run:not([disabled])', { timeout: LOAD_TIMEOUT_MS });
  } catch {
    throw new BenchError(`the Fit button stayed disabled for ${LOAD_TIMEOUT_MS / 1000} s`);
  }
  // Watch #fit-report's data-state and count any change on the page (progress, status, …).
  await page.evaluate(() => {
    const report = document.getElementById('fit-report');
    window.__fitObservers?.forEach((o) => o.disconnect());
    window.__fitMutations = 0;
    window.__fitStates = [];
    window.__fitDone = new Promise((resolve) => {
      const terminal = (s) => s === 'done' || /error|fail|cancel/.test(s ?? '');
      const states = new MutationObserver(() => {
        const s = report.getAttribute('data-state');
        window.__fitStates.push(s);
        if (terminal(s)) resolve({ state: s, at: performance.now() });
      });
      states.observe(report, { attributes: true, attributeFilter: ['data-state'] });
      const any = new MutationObserver((records) => { window.__fitMutations += records.length; });
      any.observe(document.body, { attributes: true, childList: true, characterData: true, subtree: true });
      window.__fitObservers = [states, any];
    });
    window.__longTasks = [];
  });
  const t0 = Date.now();
  await page.click('button#fit-run');
  const clickedAt = await page.evaluate(() => performance.now());
  let done = null;
  let lost = null;
  const finished = page.evaluate(() => window.__fitDone).then((d) => { done = d; }, (e) => { lost = e; });
  while (!done) {
    await Promise.race([finished, new Promise((ok) => setTimeout(ok, 1000))]);
    if (done) break;
    if (lost) throw new BenchError(`lost the page while waiting for the fit: ${lost.message}`);
    const elapsed = Date.now() - t0;
    const { mutations, state } = await page.evaluate(() => ({
      mutations: window.__fitMutations, state: document.getElementById('fit-report').getAttribute('data-state'),
    }));
    if (elapsed > SIGN_OF_LIFE_MS && mutations === 0) {
      throw new BenchError(`clicking Fit changed nothing on the page in ${SIGN_OF_LIFE_MS / 1000} s `
        + `(#fit-report data-state is still "${state}"); is the Fit panel wired up in app.js?`);
    }
    if (elapsed > FIT_TIMEOUT_MS) {
      throw new BenchError(`no data-state="done" on #fit-report ${FIT_TIMEOUT_MS / 1000} s after clicking Fit `
        + `(data-state "${state}"; BENCH_TIMEOUT_S to wait longer)`);
    }
  }
  const wallMs = done.at - clickedAt;
  // Long-task entries are delivered asynchronously: give them two frames and a moment.
  await page.evaluate(() => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(ok, 200)))));
  const r = await page.evaluate(() => {
    const el = document.getElementById('fit-report');
    const attr = (k) => el.getAttribute(k);
    return {
      state: attr('data-state'), fitMs: attr('data-fit-ms'), bootMs: attr('data-boot-ms'), mainMs: attr('data-main-ms'),
      objective: attr('data-objective'), workers: attr('data-workers'),
      error: document.getElementById('fit-error')?.textContent?.trim() ?? '',
      longTasks: [...window.__longTasks],
    };
  });
  if (r.state !== 'done') throw new BenchError(`the fit ended with data-state="${r.state}": ${r.error}`);
  const num = (name, text) => {
    const x = Number(text);
    if (text === null || text === '' || !Number.isFinite(x)) {
      throw new BenchError(`#fit-report has data-state="done" but ${name}=${JSON.stringify(text)}, not a number`);
    }
    return x;
  };
  return {
    boot,
    fit_ms: num('data-fit-ms', r.fitMs),
    boot_ms: boot > 0 ? num('data-boot-ms', r.bootMs) : null,
    objective: num('data-objective', r.objective),
    objective_text: r.objective,
    workers: r.workers === null ? null : num('data-workers', r.workers),
    click_to_done_ms: wallMs,
    click_to_main_ms: r.mainMs === null || r.mainMs === '' ? null : Number(r.mainMs),
    long_tasks: r.longTasks.length,
    long_task_max_ms: r.longTasks.length ? Math.max(...r.longTasks) : 0,
  };
}

async function browserBench(csvPath) {
  const csv = await readFile(csvPath, 'utf8').catch((e) => { throw new BenchError(`cannot read ${csvPath}: ${e.message}`); });
  const problems = [];
  const { server, origin } = await startServer();
  const browser = await launch();
  try {
    log(`page ${origin}/ in ${process.env.CHROMIUM ?? '/usr/bin/chromium'}`);
    const { page } = await openFitPage(browser, origin, problems);
    await page.fill('#fit-data', csv);
    const base = { drop: 5, hold: 0, grid: '' };
    // The 4 500-start grid as before (one run after a warm-up), for the ratio to the profile.
    const gridRuns = [];
    for (let i = 0; i < 2; i++) {
      log('fit: drop 5, no bootstrap, holdout 0, search grid (4 500 starts) …');
      const run = await runFit(page, { ...base, boot: 0, search: 'grid' });
      log(`  grid ${run.fit_ms.toFixed(0)} ms, objective ${run.objective_text}, click→done ${run.click_to_done_ms.toFixed(0)} ms`);
      gridRuns.push(run);
    }
    // The page's defaults (about a tenth held out, every law compared, 1 000 resamples).
    const pageRuns = [];
    for (let i = 0; i < 5; i++) {
      log('fit: drop 5, page defaults (holdout auto, comparison, bootstrap 1000) …');
      const run = await runFit(page, { ...base, hold: '', boot: 1000 });
      log(`  click→main report ${run.click_to_main_ms} ms, click→done ${run.click_to_done_ms.toFixed(0)} ms,`
        + ` ${run.long_tasks} long tasks (max ${run.long_task_max_ms.toFixed(0)} ms)`);
      pageRuns.push(run);
    }
    // Only the bootstrap's seed changed since the last fit: every other task is taken from it.
    const warmRuns = [];
    for (let i = 0; i < 5; i++) {
      log('fit: as the last, another bootstrap seed (the laws\' fits reused) …');
      const run = await runFit(page, { ...base, hold: '', boot: 1000, seed: String(43 + i), cold: false });
      log(`  click→main report ${run.click_to_main_ms} ms, click→done ${run.click_to_done_ms.toFixed(0)} ms`);
      warmRuns.push(run);
    }
    const runs = [];
    for (const boot of [0, 0, 1000, 1000]) {
      log(`fit: drop 5, bootstrap ${boot}, holdout 0, profile search …`);
      const run = await runFit(page, { ...base, boot });
      log(`  multistart ${run.fit_ms.toFixed(0)} ms`
        + (run.boot_ms !== null ? `, bootstrap ${run.boot_ms.toFixed(0)} ms` : '')
        + `, objective ${run.objective_text}, ${run.workers ?? '?'} workers, click→main report ${run.click_to_main_ms ?? '?'} ms, click→done ${run.click_to_done_ms.toFixed(0)} ms,`
        + ` ${run.long_tasks} long tasks (max ${run.long_task_max_ms.toFixed(0)} ms)`);
      runs.push(run);
    }
    const fits = runs.filter((r) => r.boot === 0);
    const boots = runs.filter((r) => r.boot > 0);
    const best = fits.reduce((a, b) => (b.fit_ms < a.fit_ms ? b : a));
    const objectives = new Set(runs.map((r) => r.objective));
    if (objectives.size > 1) log(`note: the runs' objectives differ: ${[...objectives].join(', ')}`);
    if (problems.length) log(`console errors on the page:\n  ${problems.join('\n  ')}`);
    const median = (xs) => { const v = [...xs].sort((a, b) => a - b); return v[Math.floor(v.length / 2)]; };
    const all = [...runs, ...pageRuns, ...gridRuns, ...warmRuns];
    return {
      grid_fit_s: Math.min(...gridRuns.map((r) => r.fit_ms)) / 1000, grid_objective: gridRuns[0].objective,
      page_main_ms: median(pageRuns.map((r) => r.click_to_main_ms)), page_done_ms: median(pageRuns.map((r) => r.click_to_done_ms)),
      reseed_done_ms: median(warmRuns.map((r) => r.click_to_done_ms)),
      main_ms: median(runs.filter((r) => r.boot > 0).map((r) => r.click_to_main_ms)),
      what: 'browser', fit_s: best.fit_ms / 1000, objective: best.objective, objective_text: best.objective_text,
      boot_s: Math.min(...boots.map((r) => r.boot_ms)) / 1000, resamples: 1000, workers: best.workers,
      long_tasks: all.reduce((n, r) => n + r.long_tasks, 0),
      long_task_max_ms: Math.max(...all.map((r) => r.long_task_max_ms)),
      long_tasks_observed: !(await page.evaluate(() => window.__longTasksUnsupported)),
      problems, runs: all,
    };
  } finally {
    await browser.close();
    server.close();
  }
}

// ---- the table -----------------------------------------------------------------------------

async function readJsonLines(path) {
  if (!path) return [];
  let text;
  try { text = await readFile(path, 'utf8'); } catch { return []; }
  return text.split('\n').filter((l) => l.trim().startsWith('{')).map((l) => {
    try { return JSON.parse(l); } catch { return null; }
  }).filter(Boolean);
}

const sig = (x) => (Number.isFinite(x) ? x.toPrecision(10) : 'n/a');
const secs = (x) => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(1)}×` : 'n/a');
const pad = (s, n) => String(s).padEnd(n);
const lpad = (s, n) => String(s).padStart(n);

async function table(nativePath, scipyPath, browserPath) {
  const native = await readJsonLines(nativePath);
  const own = native.find((l) => l.what === 'fit' && l.optimizer === 'own');
  const prof = native.find((l) => l.what === 'fit' && l.optimizer === 'profile');
  const argmin = native.find((l) => l.what === 'fit' && l.optimizer === 'argmin');
  const nboot = native.find((l) => l.what === 'bootstrap');
  const scipy = (await readJsonLines(scipyPath)).at(-1);
  const browserLines = await readJsonLines(browserPath);
  const browser = browserLines.find((l) => l.what === 'browser' && !l.error);
  const browserError = browserLines.find((l) => l.error)?.error;

  const workers = browser?.workers ?? '?';
  const rows = [
    ['native, profile search (1 core)', prof?.wall_s, prof?.objective],
    ['native, grid, own L-BFGS (1 core)', own?.wall_s, own?.objective],
    ['native, grid, argmin L-BFGS (1 core)', argmin?.wall_s, argmin?.objective],
    [`browser, profile (${workers} workers)`, browser?.fit_s, browser?.objective],
    [`browser, grid (${workers} workers)`, browser?.grid_fit_s, browser?.grid_objective],
    ['scipy L-BFGS-B, grid (reference)', scipy?.wall_s, scipy?.objective],
  ];
  const out = [];
  const starts = own?.starts ?? scipy?.starts ?? 4500;
  const points = own?.points ?? scipy?.points ?? 240;
  out.push('', `Chinchilla fit, ${points} runs (5 highest losses dropped), ${starts} starts`, '');
  out.push(`${pad('', 38)}${lpad('fit (s)', 10)}  ${pad('objective', 16)}${lpad('scipy / this', 13)}`);
  for (const [name, s, obj] of rows) {
    out.push(`${pad(name, 38)}${lpad(secs(s), 10)}  ${pad(sig(obj), 16)}${lpad(ratio(scipy?.wall_s, s), 13)}`);
  }
  out.push(`evaluations: profile ${prof?.evaluations ?? 'n/a'} (${prof?.cells ?? '?'} profile points), grid ${own?.evaluations ?? 'n/a'}`);
  out.push('');
  out.push(`argmin / own (native): ${ratio(argmin?.wall_s, own?.wall_s)}`);
  out.push(`scipy / browser: ${ratio(scipy?.wall_s, browser?.fit_s)}    scipy / native own: ${ratio(scipy?.wall_s, own?.wall_s)}`);
  out.push(`bootstrap, 1000 resamples: native ${secs(nboot?.wall_s)} s (1 core), browser ${secs(browser?.boot_s)} s (${workers} workers)`);
  out.push(`click→main report with 1000 resamples, charts drawn (median): holdout 0 ${browser?.main_ms ?? 'n/a'} ms; page defaults ${browser?.page_main_ms ?? 'n/a'} ms`);
  out.push(`click→every law compared, page defaults (median): ${Number.isFinite(browser?.page_done_ms) ? browser.page_done_ms.toFixed(0) : 'n/a'} ms`);
  out.push(`click→every law compared after changing only the bootstrap's seed (the laws' fits reused, median): ${Number.isFinite(browser?.reseed_done_ms) ? browser.reseed_done_ms.toFixed(0) : 'n/a'} ms`);
  const lt = browser ? (browser.long_tasks_observed
    ? `${browser.long_tasks} during ${browser.runs.length} fits, longest ${browser.long_task_max_ms.toFixed(0)} ms`
    : 'not observable in this Chromium') : 'n/a';
  out.push(`main-thread long tasks in the browser: ${lt}`);
  if (browserError) out.push(`browser: not measured: ${browserError}`);
  if (browser?.problems?.length) out.push(`browser console errors: ${browser.problems.length} (see above)`);

  const verdict = (ok, detail) => `${ok === null ? 'MISS' : ok ? 'PASS' : 'MISS'}  ${detail}${ok === null ? ' (not measured)' : ''}`;
  const measured = (...xs) => xs.every((x) => Number.isFinite(x));
  const nativeSpeedup = measured(scipy?.wall_s, prof?.wall_s) ? scipy.wall_s / prof.wall_s : null;
  out.push('', 'goals:');
  out.push('  ' + verdict(nativeSpeedup === null ? null : nativeSpeedup >= 200,
    `native fit ≥ 200× faster than scipy's 4 500-start fit: ${ratio(scipy?.wall_s, prof?.wall_s)}`));
  out.push('  ' + verdict(measured(browser?.page_main_ms) ? browser.page_main_ms <= 150 : null,
    `click→main report (1000 resamples, charts) ≤ 150 ms median, page defaults: ${browser?.page_main_ms ?? 'n/a'} ms`));
  out.push('  ' + verdict(measured(browser?.page_done_ms) ? browser.page_done_ms <= 150 : null,
    `click→every number incl. the slow comparison laws ≤ 150 ms: ${Number.isFinite(browser?.page_done_ms) ? browser.page_done_ms.toFixed(0) : 'n/a'} ms`));
  out.push('  ' + verdict(measured(prof?.evaluations) ? prof.evaluations <= 12000 : null,
    `≤ 12 000 objective evaluations on the Epoch data: ${prof?.evaluations ?? 'n/a'}`));
  out.push('  ' + verdict(measured(scipy?.objective, browser?.objective) ? browser.objective <= scipy.objective + 1e-12 : null,
    `browser objective ≤ scipy's + 1e-12: ${sig(browser?.objective)} vs ${sig(scipy?.objective)}`
    + (measured(scipy?.objective, browser?.objective) ? ` (difference ${(browser.objective - scipy.objective).toExponential(2)})` : '')));
  out.push('  ' + verdict(measured(browser?.boot_s) ? browser.boot_s < 5 : null,
    `1000-resample bootstrap in the browser < 5 s: ${secs(browser?.boot_s)} s`));
  out.push('  ' + verdict(browser?.long_tasks_observed ? browser.long_task_max_ms <= 50 : null,
    `no main-thread long task > 50 ms: longest ${browser?.long_tasks_observed ? browser.long_task_max_ms.toFixed(0) : 'n/a'} ms`));
  out.push('  (informational: the bench never fails the build)', '');
  console.log(out.join('\n'));
}

// ---- main ----------------------------------------------------------------------------------

const argv = process.argv.slice(2);
if (argv[0] === '--table') {
  await table(argv[1], argv[2], argv[3]);
} else {
  try {
    const result = await browserBench(argv[0] ?? EPOCH);
    console.log(JSON.stringify(result));
  } catch (e) {
    const message = e instanceof BenchError ? e.message : (e?.stack ?? String(e));
    log(`browser bench failed: ${message}`);
    console.log(JSON.stringify({ what: 'browser', error: message.split('\n')[0] }));
    process.exitCode = 1;
  }
}
