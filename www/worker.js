// A worker: runs jobs Rust planned on its own instance of the page's compiled wasm module. One
// message protocol: {id, method, args} in, {id, result} or {id, error[, fatal]} out.
import init, * as sc from './pkg/scalecalc.js';

// A stable-built wasm module reports panics through window.scalecalcPanic (a worker has no window).
let panic = null;
self.window = self;
self.scalecalcPanic = (message) => { panic = message; };
// The page sends the compiled module first ({module}); jobs follow.
let ready = null;

self.onmessage = async (event) => {
  if (event.data.module) {
    ready = init({ module_or_path: event.data.module });
    return;
  }
  const { id, method, args } = event.data;
  try {
    await (ready ??= init());
    postMessage({ id, result: sc.runJob(method, args) });
  } catch (e) {
    // A panic is a trap (RuntimeError) in the size-built module, a message in the stable one.
    const fatal = panic !== null || e instanceof WebAssembly.RuntimeError;
    postMessage({ id, error: panic ?? String(e?.message ?? e), fatal });
  }
};
