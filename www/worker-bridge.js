// A pool of Web Workers that carry jobs Rust planned: {id, method, args} in, the result (JSON
// text) out. No planning here: the page asks Rust for the next job whenever a worker is free.
// Workers start on demand, up to one per core (at most 8); they stay warm between jobs (their
// compiled wasm makes the next fit faster) and shut down after a minute without work. In the
// manner of squoosh's worker bridge.

const IDLE_MS = 60_000;

export function poolSize() {
  return Math.max(1, Math.min(navigator.hardwareConcurrency || 2, 8));
}

/** A pool of `size` workers running www/worker.js on `module` (a promise of the compiled wasm
 * module, sent to each worker before its first job). */
export function createPool(module, size = poolSize()) {
  const slots = []; // { worker, task: { resolve, reject } | null }
  let idleTimer = 0;

  function spawn() {
    const worker = new Worker(new URL('worker.js', import.meta.url), { type: 'module' });
    // Jobs are posted after this resolves, so the module is always the worker's first message.
    const ready = module.then((m) => worker.postMessage({ module: m }));
    const slot = { worker, ready, task: null };
    slot.worker.onmessage = (e) => settle(slot, e.data);
    slot.worker.onerror = (e) => drop(slot, new Error(`a worker failed: ${e.message ?? 'unknown error'}`));
    slots.push(slot);
    return slot;
  }

  function settle(slot, message) {
    const task = slot.task;
    slot.task = null;
    if (message.fatal) drop(slot, null); // its wasm module panicked: it cannot run another job
    if (task) {
      if (message.error !== undefined) task.reject(new Error(message.error));
      else task.resolve(message.result);
    }
    if (slots.every((s) => !s.task)) {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(shutdown, IDLE_MS);
    }
  }

  function drop(slot, error) {
    slot.worker.terminate();
    slots.splice(slots.indexOf(slot), 1);
    if (error && slot.task) slot.task.reject(error);
    slot.task = null;
  }

  function give(slot, job) {
    return new Promise((resolve, reject) => {
      slot.task = { resolve, reject };
      slot.ready.then(() => slot.worker.postMessage(job), reject);
    });
  }

  function shutdown() {
    for (const slot of [...slots]) if (!slot.task) drop(slot, null);
  }

  return {
    size,
    /** Whether a job given now would start at once. */
    hasIdle: () => slots.length < size || slots.some((s) => !s.task),
    /** Runs a job on a free worker: a promise of its result. */
    run(job) {
      clearTimeout(idleTimer);
      return give(slots.find((s) => !s.task) ?? spawn(), job);
    },
    /** Starts every worker now, each running `job` (Rust's warm-up fit, whose result is not
     * needed), so that the engine has compiled the hot code before the first real job;
     * `freed()` is called as each worker finishes it. */
    warm(job, freed) {
      clearTimeout(idleTimer);
      while (slots.length < size) give(spawn(), job).catch(() => {}).then(freed);
    },
  };
}
