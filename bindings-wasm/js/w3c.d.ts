/**
 * tracewire-wasm/w3c: W3C Trace Context (`traceparent`, `tracestate`) only, with
 * the names and semantics of the full entry, over a module of a few kilobytes.
 * Load it once with {@link init}.
 *
 * @example
 * ```js
 * import init, { continueTrace } from 'tracewire-wasm/w3c';
 * await init();
 * const headers = continueTrace(incoming).inject(new Headers());
 * ```
 * @packageDocumentation
 */

import type { Carrier, Diagnostic, WritableCarrier } from './api.js';

export type { Carrier, WritableCarrier };
export { Diagnostic, TracewireError } from './api.js';

/** The current span of a trace, as received or started here. Immutable. */
export declare class Context {
  private constructor();
  /** A new trace: random ids, flags 03 (sampled, random trace id), no parent. */
  static newRoot(): Context;
  /** The trace id, 32 lowercase hex digits. */
  readonly traceId: string;
  /** This span's id, 16 lowercase hex digits. */
  readonly spanId: string;
  /** The parent span's id, or `null` for a root or a context just extracted. */
  readonly parentSpanId: string | null;
  /** All 8 trace-flag bits, as received. */
  readonly flags: number;
  /** Whether the sampled flag (`0x01`) is set. */
  readonly sampled: boolean;
  /** The `traceparent` value this context injects. */
  readonly traceparent: string;
  /** The full canonical `tracestate` value; `""` when there is none. */
  readonly tracestate: string;
  /** A span under this one: same trace, a fresh span id, this span as parent. */
  child(): Context;
  /**
   * Writes `traceparent` and `tracestate` into `headers`, replacing what is there
   * under those names in any case; with no argument, into a new object.
   */
  inject<H extends WritableCarrier>(headers: H): H;
  inject(): Record<string, string>;
  toJSON(): {
    traceId: string;
    spanId: string;
    parentSpanId: string | null;
    flags: number;
    sampled: boolean;
    traceparent: string;
    tracestate: string;
  };
}

/**
 * The incoming context, or `null`. Never throws for bad header contents:
 * {@link diagnose} says why nothing was found.
 * @throws {TypeError} when `headers` is not a supported container.
 */
export declare function extract(headers?: Carrier | null): Context | null;

/** A child of the incoming context, or a new root when there is none. */
export declare function continueTrace(headers?: Carrier | null): Context;

/** Why nothing (or only part) was extracted; `extracted` last when a context was. */
export declare function diagnose(headers?: Carrier | null): Diagnostic[];

/** Where {@link init} takes the WebAssembly module from. */
export type InitInput = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;

/**
 * Loads and instantiates the module (`tracewire_w3c.wasm` beside this file by
 * default, read from disk in Node). Await it once before using the API.
 */
export default function init(input?: InitInput | Promise<InitInput>): Promise<void>;
