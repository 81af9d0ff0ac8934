// A worker: runs jobs Rust planned on its own copy of the wasm module. One message protocol:
// {id, method, args} in, {id, result} or {id, error[, fatal]} out.
import init, * as sc from './pkg/scalecalc.js';

// A stable-built wasm module reports panics through window.scalecalcPanic (a worker has no window).
let panic = null;
self.window = self;
self.scalecalcPanic = (message) => { panic = message; };
const ready = init();

self.onmessage = async (event) => {
  await ready;
  const { id, method, args } = event.data;
  try {
    postMessage({ id, result: sc.runJob(method, args) });
  } catch (e) {
    // A panic is a trap (RuntimeError) in the size-built module, a message in the stable one.
    const fatal = panic !== null || e instanceof WebAssembly.RuntimeError;
    postMessage({ id, error: panic ?? String(e?.message ?? e), fatal });
  }
};
