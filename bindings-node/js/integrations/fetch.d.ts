/**
 * `fetch` that carries the trace in each request's headers.
 * @packageDocumentation
 */
import type { Context, Propagator } from './index.js';

/** Options of {@link tracingFetch}. */
export interface TracingFetchOptions {
  /** The `fetch` to call; the global one by default. */
  fetch?: typeof globalThis.fetch;
  /** The context to inject, or a function answering it; the current one by default. */
  context?: Context | (() => Context | null | undefined);
  /** The formats to write; W3C Trace Context and Baggage by default. */
  propagator?: Propagator;
}

/**
 * A `fetch` that injects a context into each request's headers (a request made
 * with no context goes out unchanged).
 */
export declare function tracingFetch(options?: TracingFetchOptions): typeof globalThis.fetch;
