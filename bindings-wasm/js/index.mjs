// The entry of the `tracewire-wasm` package: the JS API shared with the Node-API
// package, over the WebAssembly backend, plus `init`, which loads the module.
// build.sh bundles this file; `wasm-bindgen-glue` is the JS that wasm-bindgen
// generates for the module.
import loadModule, { initSync, __wbg_reset_state as resetInstance } from 'wasm-bindgen-glue';
import { createApi } from '../../bindings-node/js/api.mjs';
import { createBackend } from './backend.mjs';

const backend = createBackend(() => {
  resetInstance();
  return initSync();
});

export const {
  extract,
  continueTrace,
  diagnose,
  extractEnv,
  continueTraceEnv,
  diagnoseEnv,
  extractJson,
  Context,
  Propagator,
  Diagnostic,
  TracewireError,
} = createApi(backend);

// The bundle is minified: give the public classes their names back for stack
// traces and consoles (`--keep-names` would name every function, for ten times the bytes).
for (const [name, value] of Object.entries({ Context, Propagator, Diagnostic, TracewireError })) {
  Object.defineProperty(value, 'name', { value: name });
}

/**
 * Loads and instantiates the WebAssembly module. Await it once before using the API;
 * later calls reuse the instance.
 *
 * @param {RequestInfo | URL | Response | BufferSource | WebAssembly.Module} [input]
 *   The module or where to fetch it; by default the `.wasm` file next to this one
 *   (read from disk in Node, whose `fetch` does not read `file:` URLs).
 * @returns {Promise<void>}
 */
export default async function init(input) {
  backend.use(await loadModule({ module_or_path: input ?? (await bundledModule()) }));
}

async function bundledModule() {
  const url = new URL('./tracewire_wasm_bg.wasm', import.meta.url);
  const fs = url.protocol === 'file:' && globalThis.process?.getBuiltinModule?.('fs');
  return fs ? fs.promises.readFile(url) : url;
}
