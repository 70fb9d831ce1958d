/**
 * The context of the work under way: `run(ctx, fn)` makes `ctx` what `current()`
 * answers while `fn` runs. In Node (and Node-compatible runtimes) the context
 * follows `fn` across `await`, timers and callbacks (AsyncLocalStorage); in a
 * browser, which has no such storage, it holds while `fn` runs synchronously, and
 * code after an `await` passes its context explicitly.
 *
 * Shared by the `tracewire` and `tracewire-wasm` packages as `<package>/scope`.
 *
 * @module
 */
import { Context } from 'tracewire';

/** A store with AsyncLocalStorage's `run` and `getStore`, for runtimes without one. */
class SynchronousStorage {
  #store;

  getStore() {
    return this.#store;
  }

  run(store, fn, ...args) {
    const outer = this.#store;
    this.#store = store;
    try {
      return fn(...args);
    } finally {
      this.#store = outer;
    }
  }
}

function asyncLocalStorage() {
  const process = globalThis.process;
  if (typeof process?.versions?.node === 'string' && typeof process.getBuiltinModule !== 'function') {
    throw new Error('tracewire/scope: needs Node 20.16 or later (process.getBuiltinModule)');
  }
  const AsyncLocalStorage = process?.getBuiltinModule?.('node:async_hooks')?.AsyncLocalStorage;
  return AsyncLocalStorage === undefined ? undefined : new AsyncLocalStorage();
}

const storage = asyncLocalStorage() ?? new SynchronousStorage();

/**
 * The context that `run` made current here, or `undefined` outside any `run`.
 *
 * @returns {Context | undefined}
 */
export function current() {
  return storage.getStore();
}

/**
 * Calls `fn(...args)` with `context` as the current context, and returns what it
 * returns (a promise for an async function).
 *
 * @template {unknown[]} A
 * @template R
 * @param {Context} context
 * @param {(...args: A) => R} fn
 * @param {A} args
 * @returns {R}
 */
export function run(context, fn, ...args) {
  if (!(context instanceof Context)) throw new TypeError('tracewire: run needs a Context');
  if (typeof fn !== 'function') throw new TypeError('tracewire: run needs a function to call');
  return storage.run(context, fn, ...args);
}
