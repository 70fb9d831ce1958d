/**
 * tracewire: trace-context propagation (W3C Trace Context level 2, W3C Baggage, B3,
 * Jaeger, AWS X-Ray, Datadog, JSON event payloads, environment variables). The API
 * of the Node package `tracewire`, shared as is by the WebAssembly package
 * `tracewire-wasm`.
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
export type Format = 'tracecontext' | 'baggage' | 'b3' | 'b3multi' | 'jaeger' | 'xray' | 'datadog';

/** An environment variable's value: text, or bytes (Unix variables are bytes). */
export type EnvValue = string | Uint8Array;

/**
 * Environment variables to read: `process.env`, or an object, a `Map` or an array
 * of `[name, value]` pairs (entries with other values, such as `undefined`, are
 * ignored). Names are case-sensitive: only the canonical upper-case spelling
 * (`TRACEPARENT`, `X_B3_TRACEID`, `_X_AMZN_TRACE_ID`) is read.
 */
export type Env =
  | { readonly [name: string]: EnvValue | undefined }
  | ReadonlyMap<string, EnvValue>
  | ReadonlyArray<readonly [string, EnvValue]>;

/** Environment variables to write into (values written are strings). */
export type WritableEnv =
  | { [name: string]: string | undefined }
  | Map<string, unknown>
  | Array<[string, unknown]>;

/** A JSON event body: text, or its UTF-8 bytes (a `Buffer` is a `Uint8Array`). */
export type JsonBody = string | Uint8Array;

/** The names of the id fields of a JSON body (top-level members). */
export interface JsonFields {
  /** The trace id field; default `'traceId'`. */
  traceIdField?: string;
  /** The span id field; default `'spanId'`. */
  spanIdField?: string;
}

/** Another span that arrived with a message without being its parent. */
export interface Link {
  readonly traceId: string;
  readonly spanId: string;
}

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
  baggage: Readonly<Record<string, string>>;
  links: readonly Link[];
}

/**
 * The current span of a trace, as received or started here. Immutable:
 * {@link Context.child}, {@link Context.withTracestate} and
 * {@link Context.withBaggage} return new contexts.
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
  /** The baggage, key → value (for a key that repeats, the last value), frozen; `{}` when none. */
  get baggage(): Readonly<Record<string, string>>;
  /** Other spans that arrived with this one (a different trace found by a later format), frozen. */
  get links(): readonly Link[];
  /** Whether debug sampling was requested upstream (B3 `d`, Jaeger's debug flag). */
  get debug(): boolean;
  /** Whether the sampling decision was left to this service (B3 without one, X-Ray `Sampled=?`). */
  get deferred(): boolean;
  /** A span under this one: same trace, a fresh span id, this span as parent. */
  child(): Context;
  /**
   * This context with `key=value` first in its tracestate.
   * @throws {TracewireError} `invalid_tracestate_key` or `invalid_tracestate_value`.
   */
  withTracestate(key: string, value: string): Context;
  /**
   * This context with `key=value` in its baggage, replacing earlier values of `key`.
   * @throws {TracewireError} `invalid_baggage_key` when `key` is not an HTTP token;
   *   `baggage_too_large` past 64 members or 8192 bytes (W3C Baggage's limits).
   */
  withBaggage(key: string, value: string): Context;
  /**
   * Writes this context into `headers` with the default propagator, replacing what
   * is there under the same names (any case) and removing a stale `tracestate`.
   * @returns `headers`
   */
  inject<H extends WritableCarrier>(headers: H): H;
  /** Writes this context into a new plain object. */
  inject(): Record<string, string>;
  /**
   * Writes this context into environment variables (`TRACEPARENT`, `TRACESTATE`,
   * `BAGGAGE`, ...) with the default propagator, for a subprocess.
   * @returns `env`
   */
  injectEnv<E extends WritableEnv>(env: E): E;
  /** Writes this context into a new object of environment variables. */
  injectEnv(): Record<string, string>;
  /**
   * `body`, a JSON object, with this context stamped in its top-level fields: the
   * CloudEvents `traceparent`/`tracestate` attributes when the body has a
   * `traceparent`, else the id fields (replaced, or appended). Every other byte
   * stays. Text gives text; bytes give bytes (a `Buffer` for a `Buffer`).
   * @throws {TracewireError} `invalid_json` when `body` is not a JSON object.
   */
  injectJson<B extends JsonBody>(body: B, fields?: JsonFields): B extends string ? string : B;
  toJSON(): ContextJSON;
}

/** Options of a {@link Propagator}; defaults: `['tracecontext', 'baggage']` both ways, `'restart'`. */
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
  /** Every header name the formats read or write (lowercase; a name ending in `*`, such as `uberctx-*`, is a prefix). */
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
  /**
   * The context in environment variables, or `null`.
   * @param env `process.env` by default; required where there is none (browsers).
   */
  extractEnv(env?: Env): Context | null;
  /** A child of the context in environment variables, or a new root when there is none. */
  continueTraceEnv(env?: Env): Context;
  /** Why nothing (or only part) was extracted from environment variables. */
  diagnoseEnv(env?: Env): Diagnostic[];
  /** Writes `context` into environment variables, replacing what the formats write. */
  injectEnv<E extends WritableEnv>(context: Context, env: E): E;
  /** Writes `context` into a new object of environment variables. */
  injectEnv(context: Context): Record<string, string>;
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

/** An error with a stable `code` (`unknown_format`, `invalid_policy`, `invalid_tracestate_key`, `invalid_baggage_key`, `invalid_json`, ...). */
export declare class TracewireError extends Error {
  constructor(code: string);
  readonly code: string;
}

/**
 * The incoming context, with the default propagator (W3C Trace Context and Baggage), or `null`.
 * Never throws for bad header contents: {@link diagnose} says why nothing was found.
 * @throws {TypeError} when `headers` is not a supported container.
 */
export declare function extract(headers?: Carrier | null): Context | null;

/** A child of the incoming context, or a new root when there is none. */
export declare function continueTrace(headers?: Carrier | null): Context;

/** Why the default propagator extracted nothing (or only part). */
export declare function diagnose(headers?: Carrier | null): Diagnostic[];

/**
 * The context in environment variables (`TRACEPARENT`, `TRACESTATE`, `BAGGAGE`),
 * with the default propagator, or `null`.
 * @param env `process.env` by default; required where there is none (browsers).
 * @throws {TypeError} when there is no environment object.
 */
export declare function extractEnv(env?: Env): Context | null;

/** A child of the context in environment variables, or a new root when there is none. */
export declare function continueTraceEnv(env?: Env): Context;

/** Why the default propagator extracted nothing (or only part) from environment variables. */
export declare function diagnoseEnv(env?: Env): Diagnostic[];

/**
 * The context stamped in a JSON body's top-level fields, or `null`: a valid
 * CloudEvents `traceparent` (with `tracestate`; id fields of another trace become a
 * link), else the id fields (a 16-digit trace id is left-padded).
 * @throws {TracewireError} `invalid_json` when `body` is not a JSON object.
 */
export declare function extractJson(body: JsonBody, fields?: JsonFields): Context | null;
