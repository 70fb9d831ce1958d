/**
 * tracewire-wasm: trace-context propagation (W3C Trace Context level 2, W3C Baggage,
 * B3, Jaeger, AWS X-Ray, Datadog, JSON event payloads) in the browser and any other
 * JavaScript runtime with WebAssembly. The same API as the Node package `tracewire`,
 * once {@link init} has loaded the module; where there is no `process.env`, the
 * environment-variable functions need the variables passed explicitly.
 *
 * @example
 * ```js
 * import init, { Context } from 'tracewire-wasm';
 * await init();
 * const headers = Context.newRoot().inject(new Headers());
 * await fetch('/api/orders', { method: 'POST', headers });
 * ```
 * @packageDocumentation
 */

export * from './api.js';

/** Where {@link init} takes the WebAssembly module from. */
export type InitInput = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;

/**
 * Loads and instantiates the WebAssembly module. Await it once before using the
 * API; later calls reuse the instance.
 *
 * @param input The module or where to fetch it; by default the `.wasm` file next
 *   to the package's entry (read from disk in Node).
 */
export default function init(input?: InitInput | Promise<InitInput>): Promise<void>;
