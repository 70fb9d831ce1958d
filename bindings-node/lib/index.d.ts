/**
 * tracewire: trace-context propagation (W3C Trace Context level 2). The API of the
 * Node package `tracewire`, shared as is by the WebAssembly package `tracewire-wasm`.
 *
 * Extract the incoming context from a message's headers, start a span under it,
 * and inject that span into every message or call the service makes.
 *
 * @example
 * ```js
 * import { continueTrace } from 'tracewire';
 * const ctx = continueTrace(req.headers);        // the span handling this request
 * await producer.send({ topic, messages: [{ value, headers: ctx.inject({}) }] });
 * ```
 * @packageDocumentation
 */

/** A header value: text (HTTP) or bytes (Kafka; a `Buffer` is a `Uint8Array`). */
export type HeaderValue = string | Uint8Array;

/** The parts of fetch's `Headers` that tracewire uses. */
export interface HeadersLike {
  get(name: string): string | null;
  set(name: string, value: string): void;
  delete(name: string): void;
  append(name: string, value: string): void;
}

/**
 * A header container to read: a plain object (Node's `IncomingHttpHeaders`, kafkajs
 * headers), a `Map`, fetch `Headers`, or an array of `[name, value]` pairs. Names
 * match case-insensitively; the trace headers' values are a {@link HeaderValue},
 * an array of them (repeats), or `undefined`. `null` and `undefined` read as empty.
 */
export type Carrier =
  | { readonly [name: string]: unknown }
  | ReadonlyMap<string, HeaderValue | readonly HeaderValue[] | null | undefined>
  | HeadersLike
  | ReadonlyArray<readonly [string, HeaderValue | null | undefined]>;

/** A header container to write into; injected values are strings with lowercase names. */
export type WritableCarrier =
  | { [name: string]: unknown }
  | Map<string, unknown>
  | HeadersLike
  | Array<[string, unknown]>;

/** A wire format. */
export type Format = 'tracecontext';

/** What to do when `traceparent` arrives several times with different values. */
export type Repeated = 'restart' | 'first' | 'last';

/** What {@link Context.toJSON} returns. */
export interface ContextJSON {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  flags: number;
  sampled: boolean;
  traceparent: string;
  tracestate: string;
}

/**
 * The current span of a trace, as received or started here. Immutable:
 * {@link Context.child} and {@link Context.withTracestate} return new contexts.
 */
export declare class Context {
  private constructor();
  /** A new trace: random ids, flags `0x03` (sampled, random trace id), no parent. */
  static newRoot(): Context;
  /** The trace id, 32 lowercase hex digits. */
  get traceId(): string;
  /** This span's id, 16 lowercase hex digits. */
  get spanId(): string;
  /** The parent span's id, or `null` for a root or a context just extracted. */
  get parentSpanId(): string | null;
  /** All 8 trace-flag bits, as received. */
  get flags(): number;
  /** Whether the sampled flag (`0x01`) is set. */
  get sampled(): boolean;
  /** The `traceparent` value this context injects. */
  get traceparent(): string;
  /** The full canonical `tracestate` value; `""` when there is none. */
  get tracestate(): string;
  /** A span under this one: same trace, a fresh span id, this span as parent. */
  child(): Context;
  /**
   * This context with `key=value` first in its tracestate.
   * @throws {TracewireError} `invalid_tracestate_key` or `invalid_tracestate_value`.
   */
  withTracestate(key: string, value: string): Context;
  /**
   * Writes this context into `headers` with the default propagator, replacing what
   * is there under the same names (any case) and removing a stale `tracestate`.
   * @returns `headers`
   */
  inject<H extends WritableCarrier>(headers: H): H;
  /** Writes this context into a new plain object. */
  inject(): Record<string, string>;
  toJSON(): ContextJSON;
}

/** Options of a {@link Propagator}; defaults: `['tracecontext']` both ways, `'restart'`. */
export interface PropagatorOptions {
  /** Formats tried on extract, in order; the first valid context wins. */
  extract?: readonly Format[];
  /** Formats written on inject. */
  inject?: readonly Format[];
  /** The repeated-`traceparent` policy. */
  repeated?: Repeated;
}

/** Which formats to extract and inject, and the policies between them. */
export declare class Propagator {
  /** @throws {TracewireError} `unknown_format` or `invalid_policy`. */
  constructor(options?: PropagatorOptions);
  /** Every header name the formats read or write (lowercase). */
  readonly fields: string[];
  /** The incoming context, or `null` when there is no valid one. */
  extract(headers?: Carrier | null): Context | null;
  /** A child of the incoming context, or a new root when there is none. */
  continueTrace(headers?: Carrier | null): Context;
  /** Why nothing (or only part) was extracted; empty when all was well. */
  diagnose(headers?: Carrier | null): Diagnostic[];
  /** Writes `context` into `headers`, replacing what is there under the same names. */
  inject<H extends WritableCarrier>(context: Context, headers: H): H;
  /** Writes `context` into a new plain object. */
  inject(context: Context): Record<string, string>;
}

/** One reason extraction ignored (part of) what arrived. */
export declare class Diagnostic {
  constructor(format: string, header: string, code: string);
  /** The format whose header was rejected (`tracecontext`). */
  readonly format: string;
  /** The lowercase header name. */
  readonly header: string;
  /** Why, as a stable code (`missing_traceparent`, `uppercase_hex`, `invalid_utf8`, ...). */
  readonly code: string;
}

/** An error with a stable `code` (`unknown_format`, `invalid_policy`, `invalid_tracestate_key`, ...). */
export declare class TracewireError extends Error {
  constructor(code: string);
  readonly code: string;
}

/**
 * The incoming context, with the default propagator (W3C Trace Context), or `null`.
 * Never throws for bad header contents: {@link diagnose} says why nothing was found.
 * @throws {TypeError} when `headers` is not a supported container.
 */
export declare function extract(headers?: Carrier | null): Context | null;

/** A child of the incoming context, or a new root when there is none. */
export declare function continueTrace(headers?: Carrier | null): Context;

/** Why the default propagator extracted nothing (or only part). */
export declare function diagnose(headers?: Carrier | null): Diagnostic[];
