// The Fit panel's thin layer: starts a fit in wasm (Rust plans it as jobs, which the page's
// worker pool carries), follows its progress, and shows the report. No math here.

import { fillList, fillTable } from './dom.js';
import { download } from './exports.js';

const $ = (id) => document.getElementById(id);

let sc = null;
let hooks = null;
let run = null; // timings of the fit in progress
let live = false; // the fit in progress follows a run ticked off: the Budget panel follows it too

function setBusy(busy) {
  $('fit-run').disabled = busy;
  $('fit-cancel').disabled = !busy;
  $('fit-progress').hidden = !busy;
}

function fail(message) {
  sc.cancelFit();
  run = null;
  setBusy(false);
  $('fit-status').textContent = '';
  $('fit-error').textContent = message;
  $('fit-report').dataset.state = 'error';
}

function showFieldErrors(errors) {
  for (const [field, message] of Object.entries(errors)) {
    const p = $(`err-${field}`);
    if (p) p.textContent = message;
  }
}

/** Starts a fit of the panel's current inputs. */
export function startFit() {
  cancelFit(false);
  $('fit-error').textContent = '';
  // The fit's times count from here: reading the runs and planning the jobs are part of them.
  const pressed = performance.now();
  const started = sc.startFit(hooks.inputs());
  if (Object.keys(started.fieldErrors).length) {
    showFieldErrors(started.fieldErrors);
    $('fit-error').textContent = 'Fix the options marked in red, then press Fit again.';
    return;
  }
  if (started.error) {
    $('fit-error').textContent = started.error;
    $('fit-report').dataset.state = 'error';
    return;
  }
  const models = started.progress.models;
  run = { started: pressed, fitMs: null, bootMs: null, mainMs: null };
  delete $('fit-report').dataset.mainMs;
  $('fit-report').dataset.state = 'running';
  setBusy(true);
  $('fit-progress').value = 0;
  $('fit-status').textContent = `Fitting ${models} model${models === 1 ? '' : 's'} on ${hooks.workers} worker${hooks.workers === 1 ? '' : 's'}…`;
  // Every task taken from earlier fits and no resamples: nothing for the workers to do.
  if (started.progress.finished) return fitJobDone(true);
  hooks.pump();
}

/** Stops the fit in progress; the last finished report stays. */
export function cancelFit(say = true) {
  if (!run) return;
  sc.cancelFit();
  run = null;
  setBusy(false);
  $('fit-report').dataset.state = $('fit-body').hidden ? 'empty' : 'done';
  if (say) $('fit-status').textContent = 'Cancelled; the previous results (if any) are unchanged.';
}

// Repainting the bar costs the main thread (and so the workers sharing its cores) far more than
// a job takes; a few updates a second read as smooth.
const PROGRESS_EVERY_MS = 120;
let progressShownAt = 0;

/** A job of the fit came back (`finished`: it was the last). */
export function fitJobDone(finished) {
  if (!run) return;
  const progress = sc.fitProgress();
  const now = performance.now();
  if (progress?.fitted && run.fitMs === null) {
    run.fitMs = now - run.started;
    run.bootStarted = now;
  }
  if (progress?.bootstrapped && run.bootMs === null && run.fitMs !== null) run.bootMs = now - run.bootStarted;
  if (finished) return finish();
  if (progress?.main_done && run.mainMs === null) showMain(now);
  if (progress && now - progressShownAt >= PROGRESS_EVERY_MS) {
    progressShownAt = now;
    $('fit-progress').value = progress.done / Math.max(progress.total, 1);
  }
}

/** The main law's report, shown while the comparison laws are still being fitted. */
function showMain(now) {
  run.mainMs = now - run.started;
  let view;
  try {
    view = sc.partialFit();
  } catch (e) {
    return;
  }
  if (!view || view.error) return;
  hooks.holdJobs();
  render(view);
  followBudget(view);
  $('fit-status').textContent = `Fitted in ${(run.mainMs / 1000).toFixed(2)} s; fitting the other laws and the rolling-forward validation…`;
  // data-main-ms: from the click to the main report with its charts and the Budget panel drawn
  // (in this task: the report, the page and the link; the charts in the next frame).
  const { started } = run;
  hooks.fitted(view).then(() => {
    $('fit-report').dataset.mainMs = Math.round(performance.now() - started);
  });
}

function finish() {
  const { fitMs, bootMs, started, mainMs } = run;
  const shownMain = mainMs !== null;
  run = null;
  setBusy(false);
  let view;
  try {
    view = sc.finishFit();
  } catch (e) {
    return fail(e.message ?? String(e));
  }
  if (!view || view.error) return fail(view?.error ?? 'The fit ended without a report.');
  const seconds = (performance.now() - started) / 1000;
  $('fit-status').textContent = `Done in ${seconds.toFixed(seconds < 10 ? 2 : 1)} s.`;
  render(view);
  followBudget(view);
  const report = $('fit-report');
  Object.assign(report.dataset, {
    state: 'done', fitMs: Math.round(fitMs ?? 0), bootMs: bootMs === null ? '' : Math.round(bootMs),
    objective: view.objective, workers: hooks.workers,
  });
  // The Budget panel and link update in a task of their own, after the report is on screen.
  setTimeout(() => hooks.fitted(view).then(() => {
    if (!shownMain) $('fit-report').dataset.mainMs = Math.round(performance.now() - started);
  }), 0);
}

/// A fit table whose first row is its header; column 1 holds the values.
function table(el, rows) {
  fillTable(el, rows[0] ?? [], rows.slice(1), 1);
}

function render(view) {
  $('fit-empty').hidden = true;
  $('fit-body').hidden = false;
  $('fit-title').textContent = view.title;
  table($('fit-params'), [['parameter', 'estimate', '95% CI'], ...view.params]);
  $('fit-budget-title').textContent = view.budget_title;
  table($('fit-budget'), view.budget.length ? [['', 'value', '95% CI'], ...view.budget] : []);
  fillList($('fit-warnings'), view.warnings);
  $('fit-holdout').textContent = view.holdout;
  $('fit-identification').textContent = view.identification;
  fillTable($('fit-at-table'), view.at[0] ?? [], view.at.slice(1), 2);
  table($('fit-comparison'), view.comparison);
  $('fit-joint-title').textContent = view.joint_title;
  fillTable($('fit-joint'), view.joint[0] ?? [], view.joint.slice(1), 1);
  fillList($('fit-rolling'), view.rolling);
  fillList($('fit-approaches'), view.approaches);
  fillList($('fit-notes'), view.notes);
  $('fit-pending').textContent = view.pending;
  renderRuns(view.runs);
  $('fit-use').hidden = !view.fit_spec;
  $('fit-use').dataset.spec = view.fit_spec ?? '';
  $('fit-use-status').textContent = '';
}

/** After a live refit, the Budget panel follows the new fit when it was using the fit. */
function followBudget(view) {
  if (live && hooks.inputs().law === 'fit' && view.fit_spec && hooks.inputs().fit !== view.fit_spec) hooks.useFit(view.fit_spec);
}

/** The runs table: one row per run, a box to tick it off (a live refit). */
function renderRuns(runs) {
  const table = $('fit-runs');
  const head = document.createElement('tr');
  head.replaceChildren(...['in fit', 'row', 'N', 'D', 'loss', 'fitted', 'fitted − observed (%)'].map((t) => Object.assign(document.createElement('th'), { textContent: t })));
  const rows = runs.map((r) => {
    const tr = document.createElement('tr');
    const box = Object.assign(document.createElement('input'), { type: 'checkbox', checked: r.included });
    box.dataset.line = r.line;
    box.setAttribute('aria-label', `row ${r.line} in the fit`);
    const tick = document.createElement('td');
    tick.append(box);
    const cells = [String(r.line), ...r.cells].map((t, i) => Object.assign(document.createElement('td'), { textContent: t + (i === 0 && r.held_out ? ' (held out)' : '') }));
    tr.replaceChildren(tick, ...cells);
    if (!r.included) tr.className = 'excluded';
    return tr;
  });
  const thead = document.createElement('thead');
  thead.append(head);
  const tbody = document.createElement('tbody');
  tbody.append(...rows);
  table.replaceChildren(thead, tbody);
  const out = runs.filter((r) => !r.included).length;
  $('fit-runs-summary').textContent = `Runs in the fit: ${runs.length - out} of ${runs.length}${out ? ` (${out} excluded)` : ''}`;
}

/** A run ticked on or off: the excluded rows become the field's value and the fit runs again. */
function runToggled(e) {
  if (e.target.type !== 'checkbox') return;
  const off = [...$('fit-runs').querySelectorAll('input[type=checkbox]')].filter((b) => !b.checked).map((b) => b.dataset.line);
  $('fit-exclude').value = off.join(', ');
  $('fit-exclude').dispatchEvent(new Event('input', { bubbles: true }));
  live = true;
  startFit();
}

/** Leaves run `line` out of the fit (or puts it back) and refits at once. */
function setExcluded(line, out) {
  const field = $('fit-exclude');
  const lines = field.value.split(/[\s,;]+/).filter(Boolean);
  const kept = lines.filter((l) => l !== String(line));
  field.value = (out ? [...kept, String(line)] : kept).join(', ');
  field.dispatchEvent(new Event('input', { bubbles: true }));
  live = true;
  startFit();
}

/** A click on a run drawn on the loss or residual chart: Rust finds the run, it toggles. */
function chartClicked(kind, e) {
  const canvas = e.currentTarget;
  const scale = canvas.width / Math.max(1, canvas.clientWidth);
  const hit = sc.fitChartRun(kind, e.offsetX * scale, e.offsetY * scale, 8 * scale);
  if (hit) setExcluded(hit.line, !hit.excluded);
}

/** Fills the column selectors from the pasted table's headers. */
export function refreshColumns(values) {
  const info = sc.tableColumns(values.fit_data);
  const headers = info.headers;
  for (const role of ['n', 'd', 'c', 'loss', 'run', 'weight', 'group']) {
    const select = $(`fit-col-${role}`);
    const guessed = info.guess[role];
    const guessText = guessed === null || guessed === undefined ? 'none' : headers[guessed];
    // Weights and variants are never guessed: chosen or none.
    const first = role === 'weight' ? 'none (every run 1)' : role === 'group' ? 'none (one law)' : `auto (${guessText})`;
    const options = [Object.assign(document.createElement('option'), { value: '', textContent: first })];
    for (const h of headers) options.push(Object.assign(document.createElement('option'), { value: h, textContent: h }));
    const chosen = values[`fit_${role}`] ?? '';
    if (chosen && !headers.includes(chosen)) {
      options.push(Object.assign(document.createElement('option'), { value: chosen, textContent: `${chosen} (not in the table)` }));
    }
    select.replaceChildren(...options);
    select.value = chosen;
  }
  $('fit-data-info').textContent = values.fit_data.trim() === '' ? ''
    : info.error ? '' : `${info.rows} row${info.rows === 1 ? '' : 's'}, columns: ${headers.join(', ')}`;
  $('err-fit_data').textContent = values.fit_data.trim() === '' ? '' : (info.error ?? '');
}

async function readFile(file) {
  const text = await file.text();
  const info = sc.tableColumns(text);
  if (info.error && info.headers.length === 0) {
    // Keep what is in the box: a bad file must not replace the user's data.
    $('err-fit_data').textContent = `${file.name}: ${info.error}`;
    return;
  }
  hooks.setData(text);
}

/** Wires the panel to the page. `hooks`: inputs(), pump(), workers, setData(text),
 * fitted(view), useFit(spec). */
export function setupFit(module, pageHooks) {
  sc = module;
  hooks = pageHooks;
  $('fit-run').addEventListener('click', () => { live = false; startFit(); });
  $('fit-runs').addEventListener('change', runToggled);
  for (const kind of ['fit-loss', 'fit-residuals']) {
    document.querySelector(`canvas[data-chart="${kind}"]`).addEventListener('click', (e) => chartClicked(kind, e));
  }
  // Where the charts drew each run, for tests: [{line, x, y, excluded}] in canvas pixels.
  window.scalecalcFitMarks = (kind) => sc.fitChartMarks(kind);
  $('fit-cancel').addEventListener('click', () => cancelFit(true));
  for (const [id, kind, type] of [['fit-json', 'json', 'application/json'], ['fit-python', 'python', 'text/x-python']]) {
    $(id).addEventListener('click', () => {
      const made = sc.fitExport(kind);
      $('fit-export-status').textContent = made.error ? `Could not export: ${made.error}` : '';
      if (!made.error) download(new Blob([made.text], { type }), made.name);
    });
  }
  $('fit-use').addEventListener('click', () => {
    hooks.useFit($('fit-use').dataset.spec);
    $('fit-use-status').textContent = 'The Budget panel now uses this fit.';
  });
  $('fit-file').addEventListener('change', (e) => { if (e.target.files[0]) readFile(e.target.files[0]); });
  const box = $('fit-data');
  box.addEventListener('dragover', (e) => { e.preventDefault(); box.classList.add('dragging'); });
  box.addEventListener('dragleave', () => box.classList.remove('dragging'));
  box.addEventListener('drop', (e) => {
    e.preventDefault();
    box.classList.remove('dragging');
    const file = e.dataTransfer?.files?.[0];
    if (file) readFile(file);
  });
}
