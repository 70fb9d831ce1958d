/**
 * `fetch` that carries the trace: every request goes out with the headers of a
 * context (the current one by default) injected by the core. Works with the
 * browser's `fetch` and Node's global `fetch` alike.
 *
 * Shared by the `tracewire` and `tracewire-wasm` packages as `<package>/fetch`.
 *
 * @module
 */
import { Context, Propagator } from 'tracewire';

import { current } from './scope.mjs';

/**
 * A `fetch` that injects a context into each request's headers: `context` (a
 * `Context`, or a function answering one, or nothing), by default the current one
 * (see `tracewire/scope`). A request made with no context goes out unchanged.
 *
 * @param {{
 *   fetch?: typeof globalThis.fetch,
 *   context?: Context | (() => Context | null | undefined),
 *   propagator?: Propagator,
 * }} [options]
 * @returns {typeof globalThis.fetch}
 */
export function tracingFetch({ fetch = globalThis.fetch, context = current, propagator } = {}) {
  if (typeof fetch !== 'function') throw new TypeError('tracewire: tracingFetch needs a fetch function');
  if (!(context instanceof Context) && typeof context !== 'function') {
    throw new TypeError('tracewire: context must be a Context or a function answering one');
  }
  if (propagator !== undefined && !(propagator instanceof Propagator)) {
    throw new TypeError('tracewire: propagator must be a tracewire Propagator');
  }
  return (input, init) => {
    const ctx = typeof context === 'function' ? context() : context;
    if (ctx === null || ctx === undefined) return fetch(input, init);
    // As fetch itself does: the init's headers replace the Request's.
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    if (propagator === undefined) ctx.inject(headers);
    else propagator.inject(ctx, headers);
    return fetch(input, { ...init, headers });
  };
}
