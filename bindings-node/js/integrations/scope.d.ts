/**
 * The context of the work under way: `run(ctx, fn)` makes `ctx` what `current()`
 * answers while `fn` runs, across `await` in Node (AsyncLocalStorage), for the
 * synchronous part of `fn` in a browser.
 * @packageDocumentation
 */
import type { Context } from './index.js';

/** The context that {@link run} made current here, or `undefined` outside any. */
export declare function current(): Context | undefined;

/** Calls `fn(...args)` with `context` current; returns what `fn` returns. */
export declare function run<A extends unknown[], R>(context: Context, fn: (...args: A) => R, ...args: A): R;
