// The Fit panel's thin layer: plans a fit in wasm, hands its shares to a pool of Web Workers,
// hands the results back to wasm to merge, and shows the report. No math here.

import { fillList, fillTable } from './dom.js';

const $ = (id) => document.getElementById(id);
const STARTS_PER_JOB = 75;
const RESAMPLES_PER_JOB = 50;

let sc = null;
let hooks = null;
let run = null; // the fit in progress
let workers = [];

function workerCount() {
  return Math.max(1, Math.min(navigator.hardwareConcurrency || 2, 8));
}

function stopWorkers() {
  for (const w of workers) w.terminate();
  workers = [];
}

function startWorkers() {
  if (workers.length) return;
  for (let i = 0; i < workerCount(); i++) {
    const w = new Worker(new URL('fit-worker.js', import.meta.url), { type: 'module' });
    w.onmessage = (e) => onResult(w, e.data);
    w.onerror = (e) => fail(`a fitting worker failed: ${e.message ?? 'unknown error'}`);
    w.busy = false;
    workers.push(w);
  }
}

function setBusy(busy) {
  $('fit-run').disabled = busy;
  $('fit-cancel').disabled = !busy;
  $('fit-progress').hidden = !busy;
}

function fail(message) {
  stopWorkers();
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
  const plan = sc.planFit(hooks.inputs());
  if (Object.keys(plan.fieldErrors).length) {
    showFieldErrors(plan.fieldErrors);
    $('fit-error').textContent = 'Fix the options marked in red, then press Fit again.';
    return;
  }
  if (plan.error) {
    $('fit-error').textContent = plan.error;
    $('fit-report').dataset.state = 'error';
    return;
  }
  const { request, tasks } = plan;
  const jobs = [];
  tasks.forEach((task, index) => {
    for (let from = 0; from < task.starts; from += STARTS_PER_JOB) {
      jobs.push({ kind: 'share', index, task, from, to: Math.min(from + STARTS_PER_JOB, task.starts) });
    }
  });
  const units = tasks.reduce((sum, t) => sum + t.starts, 0) + 2 * plan.bootstrap;
  run = {
    request, tasks, jobs, units, done: 0, nextId: 0, pending: new Map(),
    slices: tasks.map(() => []), remaining: tasks.map((t) => Math.ceil(t.starts / STARTS_PER_JOB)),
    fits: tasks.map(() => undefined), samples: new Array(plan.bootstrap), bootLeft: plan.bootstrap,
    started: performance.now(), fitMs: null, bootMs: null,
  };
  $('fit-report').dataset.state = 'running';
  setBusy(true);
  $('fit-progress').value = 0;
  $('fit-status').textContent = `Fitting ${tasks.length} model${tasks.length === 1 ? '' : 's'} on ${workerCount()} worker${workerCount() === 1 ? '' : 's'}…`;
  startWorkers();
  dispatch();
}

/** Stops the fit in progress; the last finished report stays. */
export function cancelFit(say = true) {
  if (!run) return;
  stopWorkers();
  run = null;
  setBusy(false);
  $('fit-report').dataset.state = $('fit-body').hidden ? 'empty' : 'done';
  if (say) $('fit-status').textContent = 'Cancelled; the previous results (if any) are unchanged.';
}

function dispatch() {
  for (const w of workers) {
    if (w.busy || !run || run.jobs.length === 0) continue;
    const job = run.jobs.shift();
    const id = run.nextId++;
    run.pending.set(id, job);
    w.busy = true;
    const message = { id, kind: job.kind, request: run.request, from: job.from, to: job.to };
    if (job.kind === 'share') message.task = job.task;
    else message.theta = job.theta;
    w.postMessage(message);
  }
}

function onResult(worker, message) {
  worker.busy = false;
  if (message.type === 'panic') return fail(`Internal error in a fitting worker: ${message.message}`);
  if (!run) return;
  const job = run.pending.get(message.id);
  run.pending.delete(message.id);
  if (!job) return;
  if (message.error) return fail(message.error);
  if (job.kind === 'share') {
    run.slices[job.index].push(message.result);
    run.done += job.to - job.from;
    if (--run.remaining[job.index] === 0) finishTask(job.index);
  } else {
    message.result.forEach((theta, k) => { run.samples[job.from + k] = theta; });
    run.done += 2 * (job.to - job.from);
    run.bootLeft -= job.to - job.from;
    if (run.bootLeft === 0) run.bootMs = performance.now() - run.bootStarted;
  }
  if (!run) return;
  showProgress();
  if (run.fits.every((f) => f !== undefined) && run.bootLeft === 0) return finish();
  dispatch();
}

// Repainting the bar costs the main thread (and so the workers sharing its cores) far more than
// a job takes; a few updates a second read as smooth.
const PROGRESS_EVERY_MS = 120;
let progressShownAt = 0;

function showProgress() {
  const now = performance.now();
  if (now - progressShownAt < PROGRESS_EVERY_MS) return;
  progressShownAt = now;
  $('fit-progress').value = run.done / Math.max(run.units, 1);
}

function finishTask(index) {
  const fit = sc.finishTask(run.request, run.tasks[index], run.slices[index]);
  run.fits[index] = fit;
  if (index !== 0) return;
  run.fitMs = performance.now() - run.started;
  if (!fit) return fail('No start of the fit gave a finite objective: check that every loss, N and D is positive and sensible.');
  const boot = [];
  for (let from = 0; from < run.samples.length; from += RESAMPLES_PER_JOB) {
    boot.push({ kind: 'boot', theta: fit.theta, from, to: Math.min(from + RESAMPLES_PER_JOB, run.samples.length) });
  }
  // The bootstrap goes ahead of the comparison laws: it is what the intervals need.
  run.jobs.unshift(...boot);
  run.bootStarted = performance.now();
}

function finish() {
  const { request, fits, samples, fitMs, bootMs, started } = run;
  run = null;
  setBusy(false);
  // The workers stay: their compiled, warmed-up wasm makes the next fit faster.
  let view;
  try {
    view = sc.buildFitReport(request, fits.filter((f) => f), samples.map((s) => s ?? null));
  } catch (e) {
    return fail(e.message ?? String(e));
  }
  const seconds = (performance.now() - started) / 1000;
  $('fit-status').textContent = `Done in ${seconds.toFixed(seconds < 10 ? 2 : 1)} s.`;
  render(view);
  const report = $('fit-report');
  Object.assign(report.dataset, {
    state: 'done', fitMs: Math.round(fitMs), bootMs: bootMs === null ? '' : Math.round(bootMs),
    objective: view.objective, workers: workerCount(),
  });
  // The Budget panel and link update in a task of their own, after the report is on screen.
  setTimeout(() => hooks.fitted(view), 0);
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
  table($('fit-comparison'), view.comparison);
  fillList($('fit-approaches'), view.approaches);
  fillList($('fit-notes'), view.notes);
  $('fit-use').hidden = !view.fit_spec;
  $('fit-use').dataset.spec = view.fit_spec ?? '';
  $('fit-use-status').textContent = '';
}

/** Fills the column selectors from the pasted table's headers. */
export function refreshColumns(values) {
  const info = sc.tableColumns(values.fit_data);
  const headers = info.headers;
  for (const role of ['n', 'd', 'c', 'loss', 'run']) {
    const select = $(`fit-col-${role}`);
    const guessed = info.guess[role];
    const guessText = guessed === null || guessed === undefined ? 'none' : headers[guessed];
    const options = [Object.assign(document.createElement('option'), { value: '', textContent: `auto (${guessText})` })];
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

/** Wires the panel to the page. `hooks`: inputs(), setData(text), fitted(view), useFit(spec). */
export function setupFit(module, pageHooks) {
  sc = module;
  hooks = pageHooks;
  $('fit-run').addEventListener('click', startFit);
  $('fit-cancel').addEventListener('click', () => cancelFit(true));
  $('fit-use').addEventListener('click', () => {
    hooks.useFit($('fit-use').dataset.spec);
    $('fit-use-status').textContent = 'The Budget panel now uses this fit.';
  });
  // Start the workers now, so their wasm is compiled before the first fit.
  startWorkers();
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
