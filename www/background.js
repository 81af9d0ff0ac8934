// The planning tools' slow results (fits, bootstraps, simulations), computed in a worker so the
// page never freezes. The page's wasm defers them and lists their ids in each evaluation; this
// hands the same inputs to a worker, which runs the same code and sends each result back as
// soon as it is known; the page then evaluates again. No math here.
//
// document.body.dataset.slow is "busy" while anything is deferred, "idle" otherwise (tests wait on it).

let sc = null;
let hooks = null;
let worker = null;
let job = null; // { wanted: Set of ids } while the worker computes
let queued = null; // the latest { inputs, wanted } asked for while a job ran
let waiting = false; // whether the page's latest evaluation deferred anything
// Ids a finished job was asked for and did not hand back: asking again would loop, so they
// are left alone (the tool keeps saying it is computing) and reported once.
const unreachable = new Set();

/** `module` is the page's wasm; `changed(tools)` re-evaluates the page and redraws those tools'
 * charts (all charts without `tools`); `failed(message)` reports an internal error. */
export function setupBackground(module, pageHooks) {
  sc = module;
  hooks = pageHooks;
  sc.deferSlowWork();
}

/** Called after every evaluation with its `pending` ids. */
export function requestSlowWork(inputs, pending) {
  waiting = pending.length > 0;
  if (!waiting) {
    queued = null;
    if (!job) document.body.dataset.slow = 'idle';
    return;
  }
  if (pending.every((id) => unreachable.has(id))) {
    if (!job) document.body.dataset.slow = 'idle';
    return;
  }
  document.body.dataset.slow = 'busy';
  if (job && pending.every((id) => job.wanted.has(id))) return;
  // A job that no longer covers what is asked finishes first: the worker keeps what it
  // computed (a pasted table's fit survives editing the other table), and the wait is one job.
  queued = { inputs, wanted: pending };
  if (!job) startNext();
}

function ensureWorker() {
  if (worker) return worker;
  worker = new Worker(new URL('fit-worker.js', import.meta.url), { type: 'module' });
  worker.onmessage = (e) => onMessage(e.data);
  worker.onerror = (e) => fail(`the background worker failed: ${e.message ?? 'unknown error'}`);
  return worker;
}

function startNext() {
  const next = queued;
  queued = null;
  if (!next) return;
  job = { wanted: new Set(next.wanted), handed: new Set() };
  ensureWorker().postMessage({ kind: 'slow', inputs: next.inputs, wanted: next.wanted });
}

function onMessage(message) {
  if (message.type === 'result') {
    job?.handed.add(message.result.id);
    sc.handIn([message.result]);
    // Slots are named after their tool ("cmp_fit_a", "sw-sim"), as its charts are ("cmp-frontiers").
    hooks.changed([message.result.slot.split(/[-_]/)[0]]);
  } else if (message.type === 'done') {
    const missing = [...job.wanted].filter((id) => !job.handed.has(id));
    if (missing.length) {
      missing.forEach((id) => unreachable.add(id));
      console.warn(`the background worker did not compute ${missing.join(', ')}`);
    }
    job = null;
    if (queued) startNext();
    else if (waiting) hooks.changed([]); // asks again for whatever is still missing
    else document.body.dataset.slow = 'idle';
  } else if (message.type === 'panic' || message.type === 'error') {
    fail(message.message);
  }
}

function fail(message) {
  worker?.terminate();
  worker = null;
  job = null;
  queued = null;
  document.body.dataset.slow = 'idle';
  hooks.failed(`Internal error in the background worker: ${message}`);
}
