// A worker running wasm off the page's thread: shares of a fit (multistart starts, bootstrap
// resamples) for the Fit panel's pool, and the planning tools' slow results (background.js).
import init, * as sc from './pkg/scalecalc.js';

// The wasm module reports panics through window.scalecalcPanic; a worker has no window.
self.window = self;
self.scalecalcPanic = (message) => postMessage({ type: 'panic', message });
const ready = init();

self.onmessage = async (event) => {
  await ready;
  const m = event.data;
  if (m.kind === 'slow') {
    try {
      sc.computeSlowWork(m.inputs, m.wanted, (result) => postMessage({ type: 'result', result }));
      postMessage({ type: 'done' });
    } catch (e) {
      postMessage({ type: 'error', message: String(e?.message ?? e) });
    }
    return;
  }
  try {
    const result = m.kind === 'share'
      ? sc.runShare(m.request, m.task, m.from, m.to)
      : sc.runBootstrapShare(m.request, new Float64Array(m.theta), m.from, m.to);
    postMessage({ id: m.id, result });
  } catch (e) {
    postMessage({ id: m.id, error: String(e?.message ?? e) });
  }
};
