// The page's thin layer: DOM events in, wasm calls, DOM updates out. No math here.
//
// Two builds of one Rust crate: `home` (the Budget panel, its charts and links) loads on every
// visit; `scalecalc`, the whole page (the Fit panel, the tools, the workers' jobs), loads the
// first time a tool opens or a link needs it. Once it is there it answers everything.
import initHome, * as home from './pkg/home.js';
import { setupFit, refreshColumns, startFit, fitJobDone } from './fit.js';
import { fillList, fillTable } from './dom.js';
import { createPool } from './worker-bridge.js';
import { setupExports, setupCite } from './exports.js';

const $ = (id) => document.getElementById(id);
let inputs = null;
let chartFrame = 0;
let sc = home; // the module that answers: `home` until the workbench module is in
let workbench = null; // a promise of the workbench module, once asked for
let pool = null; // the workers, with the workbench module
let cite = null; // the Cite panel (follows the open view)
const isWorkbench = () => sc !== home;

// A module is compiled once, here: the workbench's is handed to the page and to every worker, so
// a worker instantiates it without compiling 1 MB of wasm again (and engines that tier code up
// per module, like WebKit's, do it once for all workers).
async function compileWasm(name) {
  const url = new URL(`./pkg/${name}`, import.meta.url);
  try {
    return await WebAssembly.compileStreaming(fetch(url));
  } catch {
    // A server that does not say application/wasm: compile from the bytes.
    return WebAssembly.compile(await (await fetch(url)).arrayBuffer());
  }
}

/// Loads the workbench module (once): the workers, the Fit panel, then it answers everything.
function loadWorkbench() {
  workbench ??= (async () => {
    document.body.dataset.module = 'loading';
    const status = $('workbench-loading');
    status.textContent = 'Loading the tools…';
    status.hidden = false;
    try {
      const wasm = compileWasm('scalecalc_bg.wasm');
      const module = await import('./pkg/scalecalc.js');
      await module.default({ module_or_path: await wasm });
      pool = createPool(wasm);
      module.deferSlowWork();
      pool.warm(module.warmUpJob(), () => pump());
      populate($('fit-law'), module.choices().fitLaws);
      sc = module;
      setupFit(sc, fitHooks);
      status.hidden = true;
      document.body.dataset.module = 'workbench';
    } catch (e) {
      workbench = null; // the next tool opened tries again
      status.textContent = `The tools could not load (${e.message ?? e}); open one again to retry.`;
      document.body.dataset.module = 'failed';
      throw e;
    }
  })();
  return workbench;
}

function showFatal(message) {
  const box = $('fatal');
  box.textContent = `Internal error — please reload the page: ${message}`;
  box.hidden = false;
}
window.scalecalcPanic = showFatal;
// The size-built module compiles a Rust panic to a trap: it reaches here as an uncaught RuntimeError.
const trapped = (e) => { if (e instanceof WebAssembly.RuntimeError) showFatal(`the wasm module stopped (${e.message})`); };
// Every uncaught error, failed resource and CSP violation, for the tests of engines whose
// console WebDriver cannot read.
const errors = (window.scalecalcErrors = []);
window.addEventListener('error', (event) => {
  errors.push(event.error ? String(event.error.stack ?? event.error) : `failed to load ${event.target?.src ?? event.target?.href ?? event.message}`);
  trapped(event.error);
}, true);
window.addEventListener('unhandledrejection', (event) => { errors.push(`unhandled rejection: ${event.reason}`); trapped(event.reason); });
document.addEventListener('securitypolicyviolation', (event) => errors.push(`CSP blocked ${event.blockedURI} (${event.violatedDirective})`));

function showTable(table, data) {
  table.hidden = !data;
  if (data) fillTable(table, data.head, data.rows);
}

function showMessages(messages) {
  fillList($('message-list'), messages);
  $('messages').hidden = messages.length === 0;
}

function fillFields(values) {
  for (const el of document.querySelectorAll('[data-field]')) {
    const value = values[el.dataset.field] ?? '';
    if (el.type === 'radio') el.checked = el.value === value;
    else if (el.type === 'checkbox') el.checked = value === '1';
    else el.value = value;
  }
}

function readFields() {
  const values = { ...inputs };
  for (const el of document.querySelectorAll('[data-field]')) {
    // A selector the workbench fills (the Fit panel's laws) keeps its value until it is filled.
    if (el.tagName === 'SELECT' && el.options.length === 0) continue;
    if (el.type === 'radio') { if (el.checked) values[el.dataset.field] = el.value; }
    else if (el.type === 'checkbox') values[el.dataset.field] = el.checked ? '1' : '';
    else values[el.dataset.field] = el.value;
  }
  return values;
}

/// A tool's buttons that fill fields (Rust says which fields get which text).
function fillActions(row, actions) {
  row.replaceChildren(...actions.map((a) => {
    const button = Object.assign(document.createElement('button'), { type: 'button', textContent: a.label, title: a.title });
    button.dataset.set = JSON.stringify(a.set);
    return button;
  }));
}

/// A click on an action's button: its values go into their fields, and the page evaluates again.
document.addEventListener('click', (event) => {
  const button = event.target.closest?.('[id^="act-"] button[data-set]');
  if (!button) return;
  for (const [field, value] of JSON.parse(button.dataset.set)) {
    for (const el of document.querySelectorAll(`[data-field="${field}"]`)) {
      if (el.type === 'radio') el.checked = el.value === value;
      else if (el.type === 'checkbox') el.checked = value === '1';
      else el.value = value;
    }
  }
  update();
});

function render(view) {
  for (const dd of document.querySelectorAll('[id^="out-"]')) {
    const key = dd.id.slice(4);
    dd.textContent = view.outputs[key] ?? '';
    // "fitting…", "simulating 200 sweeps…": a result on its way from the workers.
    dd.classList.toggle('busy', view.pending.includes(key));
  }
  // Tests wait for this: "busy" while a tool's slow result is being computed.
  document.body.dataset.slow = view.working ? 'busy' : 'idle';
  for (const p of document.querySelectorAll('[id^="err-"]')) {
    const field = p.id.slice(4);
    const error = view.errors[field] ?? '';
    p.textContent = error || (view.unanswered[field] ?? '');
    p.classList.toggle('unanswered', !error);
    const input = $(field);
    if (input) input.setAttribute('aria-invalid', error ? 'true' : 'false');
  }
  fillList($('notes'), view.notes);
  for (const ul of document.querySelectorAll('[id^="list-"]')) fillList(ul, view.lists[ul.id.slice(5)] ?? []);
  for (const table of document.querySelectorAll('table[id^="tbl-"]')) showTable(table, view.tables[table.id.slice(4)]);
  for (const row of document.querySelectorAll('[id^="act-"]')) fillActions(row, view.actions[row.id.slice(4)] ?? []);
  const hardware = inputs.mode === 'hardware';
  $('compute').disabled = hardware;
  $('days').disabled = !hardware;
  for (const box of document.querySelectorAll('[data-given]')) {
    box.classList.toggle('solved', box.dataset.given === inputs.solve);
  }
  const gpu = $('gpu').selectedOptions[0];
  $('gpu-source').textContent = gpu ? gpu.dataset.detail : '';
  const fitLaw = $('fit-law').selectedOptions[0];
  $('fit-law-cite').textContent = fitLaw ? `${fitLaw.textContent}: ${fitLaw.dataset.detail}` : '';
}

/// Shows the open view (the Budget panel, the Fit panel or one tool) and marks it in the
/// navigation; a view other than the Budget panel needs the workbench module. Returns whether the
/// view changed.
let shownView = null;
function showView() {
  const view = inputs.tool ?? '';
  // The first time a tool opens, the workbench loads and then shows the inputs again (a load
  // already under way, e.g. for a link, does that itself).
  if (view !== '' && !isWorkbench() && !workbench) {
    loadWorkbench().then(() => {
      refreshColumns(inputs);
      fillFields(inputs);
      update();
    }, (e) => console.warn(`workbench: ${e.message ?? e}`));
  }
  if (view === shownView) return false;
  shownView = view;
  listExamples(view);
  for (const el of document.querySelectorAll('[data-view]')) el.hidden = el.dataset.view !== view;
  const nav = $('tools-nav');
  for (const a of nav.querySelectorAll('a[data-tool]')) {
    if (a.dataset.tool !== view) {
      a.removeAttribute('aria-current');
      continue;
    }
    a.setAttribute('aria-current', 'page');
    // On a phone the navigation scrolls sideways: bring the open view's entry into it.
    if (nav.scrollWidth > nav.clientWidth) nav.scrollLeft = a.offsetLeft - (nav.clientWidth - a.offsetWidth) / 2;
  }
  return true;
}

// The examples (www/examples/): a catalogue and data files fetched when a user picks one, never
// part of the wasm. Each fills its panel's fields, says where it comes from, under what licence,
// and what to expect.
let catalogue = null;
const examplesUrl = (file) => new URL(`./examples/${file}`, import.meta.url);
async function fetchText(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url.pathname}: HTTP ${response.status}`);
  return response.text();
}
const examples = () => (catalogue ??= fetchText(examplesUrl('index.json')).then(JSON.parse).catch((e) => { catalogue = null; throw e; }));

/// Lists the open view's examples in its selector (once).
async function listExamples(view) {
  const select = document.querySelector(`select[data-example-panel="${view}"]`);
  if (!select || select.options.length > 1) return;
  try {
    const mine = (await examples()).filter((e) => e.panel === view);
    if (select.options.length > 1) return;
    select.append(...mine.map((e) => Object.assign(document.createElement('option'), { value: e.key, textContent: e.title })));
  } catch (e) {
    document.querySelector(`[data-example-info="${view}"]`).textContent = `The examples could not load (${e.message ?? e}).`;
  }
}

/// Loads the example picked in `select` into its panel's fields.
async function loadExample(select) {
  const view = select.dataset.examplePanel;
  const info = document.querySelector(`[data-example-info="${view}"]`);
  const key = select.value;
  select.value = '';
  if (!key) return;
  info.textContent = 'Loading the example…';
  try {
    const example = (await examples()).find((e) => e.key === key);
    const texts = await Promise.all(Object.entries(example.fields).map(async ([field, file]) => [field, await fetchText(examplesUrl(file))]));
    for (const [field, text] of texts) document.querySelector(`[data-field="${field}"]`).value = text.replace(/\n$/, '');
    // Short settings the example needs (a chance level) are given as values, not files.
    for (const [field, value] of Object.entries(example.values ?? {})) document.querySelector(`[data-field="${field}"]`).value = value;
    const link = Object.assign(document.createElement('a'), { href: example.url, textContent: example.link, rel: 'noopener' });
    info.replaceChildren(`${example.title}. ${example.source}: `, link, `. Licence: ${example.licence}. ${example.expect}`);
    info.dataset.example = key;
    update();
    if (view === 'fit') {
      await loadWorkbench();
      startFit();
    }
  } catch (e) {
    info.textContent = `The example could not load (${e.message ?? e}).`;
  }
}

/// Opens a view from the navigation: a new entry in the browser's history.
function openView(view) {
  if ((inputs.tool ?? '') === view) return;
  $('tool').value = view;
  update(null, undefined, true);
  window.scrollTo(0, 0);
}

/// Re-reads the fields, evaluates, shows the answers, updates the link and redraws the charts
/// (only `tools`' charts when given: a result from the background worker changes only its tool).
/// `push` makes the link a new history entry (a view opened) instead of replacing it.
function update(event, tools, push = false) {
  const before = inputs?.fit_data;
  inputs = readFields();
  if (isWorkbench() && (event?.target?.id === 'fit-data' || before !== inputs.fit_data)) {
    refreshColumns(inputs);
    inputs = readFields();
  }
  let view;
  try {
    view = sc.evaluate(inputs);
    render(view);
  } catch (e) {
    showFatal(e.message ?? e);
    return;
  }
  const viewChanged = showView();
  // An open Cite panel follows what the view now shows.
  cite?.refresh();
  pump();
  const fragment = sc.toFragment(inputs);
  if (location.hash.slice(1) !== fragment) {
    // Browsers may throttle replaceState; the link then catches up on the next keystroke.
    try {
      if (push) history.pushState(null, '', `#${fragment}`);
      else history.replaceState(null, '', `#${fragment}`);
    } catch { /* keep the old URL */ }
  }
  $('link-text').value = linkFor(fragment);
  scheduleCharts(viewChanged ? undefined : tools);
}

// While the Fit panel draws its main report, no new job starts: on a 2-core machine a busy worker
// would halve the main thread's speed.
let jobsHeld = false;

/// Gives the workers every job Rust has waiting, as long as one is free.
function pump() {
  while (pool && !jobsHeld && pool.hasIdle()) {
    let job;
    try {
      job = sc.nextJob();
    } catch (e) {
      showFatal(e.message ?? e);
      return;
    }
    if (!job) return;
    pool.run(job).then((result) => received(job, result), (e) => showFatal(`Internal error in a worker: ${e.message ?? e}`));
  }
}

/// A worker's result: Rust merges it; the Fit panel follows its fit, a tool that has its result
/// is shown again (and only its charts redrawn).
function received(job, result) {
  let accepted;
  try {
    accepted = sc.acceptJob(job.id, result);
  } catch (e) {
    showFatal(e.message ?? e);
    return;
  }
  if (accepted.owner === 'fit') fitJobDone(accepted.finished);
  else if (accepted.owner && accepted.finished) update(null, [accepted.owner]);
  pump();
}

function linkFor(fragment) {
  return `${location.href.split('#')[0]}#${fragment}`;
}

// Charts are drawn a few per animation frame, up to FRAME_BUDGET_MS of drawing, so no frame (and
// no main-thread task) draws them all at once. A fit's report is one picture: its charts get up to
// REPORT_BUDGET_MS a frame. The frame then commits the canvases it drew, which costs about as much
// again (headless Chromium, software compositing: 36 ms after 32 ms of drawing, an 84 ms task,
// with 40 ms), so the budget is half the 50 ms at which a task counts as long. A chart is drawn in
// a frame only if its last drawing fits in what is left of it.
const FRAME_BUDGET_MS = 12;
const REPORT_BUDGET_MS = 24;
let frameBudget = FRAME_BUDGET_MS;
/// How long each kind of chart took to draw last time (ms).
const chartCost = new Map();
let chartQueue = [];
let idleWaiters = [];

/// Resolves once no queued chart's kind starts with `prefix` (every chart: '').
function chartsDrawn(prefix = '') {
  const pending = () => chartQueue.some((c) => c.dataset.chart.startsWith(prefix));
  return pending() ? new Promise((resolve) => idleWaiters.push({ pending, resolve })) : Promise.resolve();
}

/// The charts of the open view (a chart of another tool waits for the workbench module).
function visibleCharts() {
  return [...document.querySelectorAll('canvas[data-chart]')].filter((c) =>
    c.getClientRects().length > 0 && (isWorkbench() || c.closest('[data-view]')?.dataset.view === ''));
}

/// Queues every chart, or (with `tools`, a list of tool keys) only those tools' charts, ahead
/// of whatever is already queued.
function scheduleCharts(tools) {
  // Only the open view's charts: the others are drawn when their view opens.
  const all = visibleCharts();
  if (Array.isArray(tools)) {
    // Those tools' charts go first: they are what just changed.
    const mine = all.filter((c) => tools.some((t) => c.dataset.chart.startsWith(`${t}-`)));
    if (mine.length === 0) return;
    chartQueue = [...mine, ...chartQueue.filter((c) => !mine.includes(c))];
  } else {
    chartQueue = all;
  }
  cancelAnimationFrame(chartFrame);
  document.body.dataset.charts = 'drawing';
  chartFrame = requestAnimationFrame(drawNextChart);
}

/// Queues the charts whose canvas no longer matches its size on screen.
function scheduleResized() {
  const ratio = Math.min(Math.max(window.devicePixelRatio || 1, 2), 4);
  const resized = visibleCharts().filter((c) =>
    c.width !== Math.round(c.clientWidth * ratio) || c.height !== Math.round(c.clientHeight * ratio));
  if (resized.length === 0) return;
  chartQueue = [...chartQueue, ...resized.filter((c) => !chartQueue.includes(c))];
  cancelAnimationFrame(chartFrame);
  document.body.dataset.charts = 'drawing';
  chartFrame = requestAnimationFrame(drawNextChart);
}

function drawNextChart() {
  const start = performance.now();
  const fits = (canvas) => performance.now() - start + (chartCost.get(canvas.dataset.chart) ?? 0) < frameBudget;
  do {
    const canvas = chartQueue.shift();
    if (canvas) {
      const t = performance.now();
      drawChart(canvas);
      chartCost.set(canvas.dataset.chart, performance.now() - t);
    }
  } while (chartQueue.length && fits(chartQueue[0]));
  idleWaiters = idleWaiters.filter((w) => w.pending() || (w.resolve(), false));
  if (chartQueue.length) {
    chartFrame = requestAnimationFrame(drawNextChart);
  } else {
    document.body.dataset.charts = 'idle';
    frameBudget = FRAME_BUDGET_MS;
  }
}

// Canvases have at least twice the pixels of their CSS size: plotters draws on whole pixels, and
// at one device pixel per CSS pixel a thick line on a log axis shows its steps.
function drawChart(canvas) {
  const dark = matchMedia('(prefers-color-scheme: dark)').matches;
  const ratio = Math.min(Math.max(window.devicePixelRatio || 1, 2), 4);
  const width = Math.round(canvas.clientWidth * ratio);
  const height = Math.round(canvas.clientHeight * ratio);
  if (width === 0 || height === 0) return;
  if (canvas.width !== width) canvas.width = width;
  if (canvas.height !== height) canvas.height = height;
  try {
    if (canvas.dataset.chart.startsWith('fit-')) sc.drawFitChart(canvas.dataset.chart, canvas, inputs, dark, ratio);
    else sc.drawChart(canvas.dataset.chart, canvas, inputs, dark, ratio);
  } catch (e) {
    console.warn(`chart ${canvas.dataset.chart}: ${e.message ?? e}`);
  }
}

function ensureFitOption() {
  const law = $('law');
  const existing = law.querySelector('option[value="fit"]');
  if (inputs.fit && !existing) {
    law.append(Object.assign(document.createElement('option'), { value: 'fit', textContent: 'Your fit' }));
  }
}

/// Reads the link into the fields. A link that sets more than the Budget panel is read by the
/// workbench module (loaded first): only it judges the tools' fields.
async function loadFromLocation() {
  let read = sc.fromFragment(location.hash);
  if (read.workbench && !isWorkbench()) {
    try {
      await loadWorkbench();
      read = sc.fromFragment(location.hash);
    } catch (e) {
      console.warn(`workbench: ${e.message ?? e}`);
    }
  }
  inputs = read.inputs;
  ensureFitOption();
  if (isWorkbench()) refreshColumns(inputs);
  fillFields(inputs);
  showMessages(read.messages);
  update();
  // A link that carries runs reopens their fit (seeded, so the same numbers come back).
  if (isWorkbench() && inputs.fit_data.trim() !== '') startFit();
}

/// The back and forward buttons: when only the open view differs, switch to it and keep
/// everything else (a fit stays as it is); any other change reads the link afresh.
function followLocation() {
  if (location.hash.slice(1) === sc.toFragment(inputs)) return;
  const read = sc.fromFragment(location.hash);
  const keys = new Set([...Object.keys(read.inputs), ...Object.keys(inputs)]);
  keys.delete('tool');
  if ([...keys].every((k) => (read.inputs[k] ?? '') === (inputs[k] ?? ''))) {
    $('tool').value = read.inputs.tool ?? '';
    update();
  } else {
    loadFromLocation();
  }
}

/// The navigation: a click opens a view; arrow keys, Home and End move between its entries.
function setupNavigation() {
  const nav = $('tools-nav');
  const links = () => [...nav.querySelectorAll('a[data-tool]')];
  nav.addEventListener('click', (e) => {
    const a = e.target.closest('a[data-tool]');
    if (!a) return;
    e.preventDefault();
    openView(a.dataset.tool);
  });
  nav.addEventListener('keydown', (e) => {
    const all = links();
    const at = all.indexOf(document.activeElement);
    if (at < 0) return;
    const to = { ArrowDown: at + 1, ArrowRight: at + 1, ArrowUp: at - 1, ArrowLeft: at - 1, Home: 0, End: all.length - 1 }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    all[(to + all.length) % all.length].focus();
  });
}

async function copyLink() {
  const url = linkFor(sc.toFragment(inputs));
  try {
    await navigator.clipboard.writeText(url);
    $('copy-status').textContent = 'Link copied.';
  } catch {
    const box = $('link-text');
    box.hidden = false;
    box.value = url;
    box.select();
    $('copy-status').textContent = 'Copy the selected link.';
  }
}

function populate(select, items) {
  select.replaceChildren(...items.map((item) => {
    const option = Object.assign(document.createElement('option'), { value: item.key, textContent: item.label });
    option.dataset.detail = item.detail;
    return option;
  }));
}

/// The service worker (www/sw.js) keeps every file for offline use; when a new version has
/// installed beside the running one, a notice offers to reload into it. Where a browser has
/// none (or the page is not served over http), the page works as before, online.
function registerServiceWorker() {
  if (!('serviceWorker' in navigator) || !/^https?:$/.test(location.protocol)) return;
  let takingOver = false;
  navigator.serviceWorker.addEventListener('controllerchange', () => { if (takingOver) location.reload(); });
  navigator.serviceWorker.register(new URL('./sw.js', import.meta.url)).then((registration) => {
    const offer = () => {
      const waiting = registration.waiting;
      if (!waiting || !navigator.serviceWorker.controller) return;
      $('update').hidden = false;
      $('update-reload').onclick = () => { takingOver = true; waiting.postMessage('take-over'); };
    };
    offer();
    registration.addEventListener('updatefound', () => registration.installing?.addEventListener('statechange', offer));
  }, (e) => { document.body.dataset.offline = `unavailable: ${e.message ?? e}`; });
}

// What the Fit panel asks of the page (see fit.js's setupFit).
const fitHooks = {
  inputs: () => inputs,
  pump,
  get workers() { return pool.size; },
  setData: (text) => { $('fit-data').value = text; update(); },
  // A new fit changes the Fit panel's charts; the rest of the page only when the Budget panel
  // uses the fit (nothing else reads it: the inputs and the link are as they were).
  fitted: () => {
    const all = inputs.law === 'fit';
    frameBudget = REPORT_BUDGET_MS;
    if (all) update();
    else scheduleCharts(['fit']);
    return chartsDrawn(all ? '' : 'fit-').then(() => { jobsHeld = false; pump(); });
  },
  holdJobs: () => { jobsHeld = true; },
  useFit: (spec) => {
    inputs = { ...inputs, law: 'fit', fit: spec };
    ensureFitOption();
    fillFields(inputs);
    update();
  },
};

async function main() {
  document.body.dataset.module = 'home';
  await initHome({ module_or_path: compileWasm('home_bg.wasm') });
  const choices = sc.choices();
  populate($('law'), choices.laws);
  populate($('gpu'), choices.gpus);
  $('app').hidden = false;
  $('tools-nav').hidden = false;
  setupNavigation();
  await loadFromLocation();
  $('loading').hidden = true;
  for (const el of document.querySelectorAll('[data-field]')) {
    el.addEventListener(el.tagName === 'SELECT' || el.type === 'radio' ? 'change' : 'input', update);
  }
  setupExports({ module: () => sc, inputs: () => inputs, redraw: drawChart });
  cite = setupCite();
  for (const select of document.querySelectorAll('select[data-example-panel]')) {
    select.addEventListener('change', () => loadExample(select));
  }
  $('copy-link').addEventListener('click', copyLink);
  $('dismiss-messages').addEventListener('click', () => showMessages([]));
  window.addEventListener('hashchange', followLocation);
  window.addEventListener('popstate', followLocation);
  // Only canvases whose size changed are redrawn (a taller report moves charts, it does not resize them).
  new ResizeObserver(() => scheduleResized()).observe($('app'));
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => scheduleCharts());
  registerServiceWorker();
}

main().catch((e) => {
  $('app').hidden = true;
  $('loading').hidden = false;
  $('loading').textContent = `scalecalc could not start: ${e.message ?? e}`;
});
