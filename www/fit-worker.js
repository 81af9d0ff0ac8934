// A fitting worker: runs shares of a fit (multistart starts, bootstrap resamples) in wasm.
import init, * as sc from './pkg/scalecalc.js';

// The wasm module reports panics through window.scalecalcPanic; a worker has no window.
self.window = self;
self.scalecalcPanic = (message) => postMessage({ type: 'panic', message });
const ready = init();

self.onmessage = async (event) => {
  await ready;
  const m = event.data;
  try {
    const result = m.kind === 'share'
      ? sc.runShare(m.request, m.task, m.from, m.to)
      : sc.runBootstrapShare(m.request, new Float64Array(m.theta), m.from, m.to);
    postMessage({ id: m.id, result });
  } catch (e) {
    postMessage({ id: m.id, error: String(e?.message ?? e) });
  }
};
