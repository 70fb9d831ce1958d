// The W3C-only entry of the `tracewire-wasm` package (`tracewire-wasm/w3c`): W3C
// Trace Context with the names and semantics of the full entry, over a module a
// tenth of its size (bindings-wasm/w3c: the core's allocation-free W3C path with
// plain exports, no wasm-bindgen). A call packs the `traceparent` and
// `tracestate` headers into the module's memory as a frame (core `host::Frame`),
// crosses once with numbers, and reads back a record (core `host::layout`; a
// tracestate to cut for injection follows a `\n`) that the getters slice.
import { Diagnostic, TracewireError } from '../../bindings-node/js/api.mjs';
import { encodeInto } from './backend.mjs';

export { Diagnostic, TracewireError };

// Offsets in a record (core `host::layout`).
const TRACEPARENT_END = 55;
const TRACE_ID = 3;
const SPAN_ID = 36;
const SPAN_ID_END = 52;
const PARENT_SPAN_ID = 55;
const FLAGS = 71;
const TRACESTATE = 73;
const NO_PARENT = '0000000000000000';

const NAMES = ['traceparent', 'tracestate'];
const CONTAINER = 'tracewire: headers must be an object, Map, Headers or [name, value] pairs';
const VALUE = 'tracewire: header values must be strings, Uint8Arrays or arrays of them';
/** Guards the Context constructor: contexts come from the module only. */
const INTERNAL = Symbol('tracewire.internal');
const decoder = new TextDecoder();

/** The module's exports, once `init` has run. */
let wasm;
/** All of its memory, a view made again whenever memory grows. */
let memory;
/** Where the input of a call goes (the answer follows it), and for how many bytes. */
let base = 0;
let reserved = -1;
/** The tracestate of the headers packed last, when they had one, as text (see `text`). */
let packedTracestate = null;

/** Memory with room for `size` bytes of input at `base`, and the answer after them. */
function room(size) {
  if (wasm === undefined) throw new Error('tracewire-wasm/w3c: await init() before use');
  if (size > reserved) {
    base = wasm.buffer(size);
    if (base === 0) throw new RangeError(`tracewire-wasm/w3c: no memory for ${size} bytes of headers`);
    reserved = size;
    memory = new Uint8Array(wasm.memory.buffer);
  }
  return memory;
}

/**
 * The answer of `answer` bytes to `len` bytes of input, as text. `tracestate` is
 * the one tracestate value of the input, when it came once as text. (Each export
 * is called at a call site of its own: one that called several would be slower.)
 */
function text(answer, len, tracestate = null) {
  if (answer < 0) throw new TracewireError('internal_error');
  const at = base + len;
  // The commonest record ends with that value as it came (the canonical form only
  // drops whitespace and empty members, and is cut only past 512 characters):
  // then it is taken as it is, and only the head is decoded.
  const tail = answer - TRACESTATE;
  if (tail > 0 && tail === tracestate?.length && tail <= 512) return ascii(at, TRACESTATE) + tracestate;
  return ascii(at, answer);
}

const char = String.fromCharCode;

/**
 * `len` bytes at `at` of memory as text: ASCII, as all the module writes. Eight
 * characters at a time, which browsers run several times faster than a
 * TextDecoder call for short text; long text goes to the TextDecoder.
 */
function ascii(at, len) {
  const bytes = memory;
  const end = at + len;
  if (len > 1024) return decoder.decode(bytes.subarray(at, end));
  let out = '';
  let i = at;
  for (; i + 8 <= end; i += 8) {
    out += char(bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3], bytes[i + 4], bytes[i + 5], bytes[i + 6], bytes[i + 7]);
  }
  while (i < end) out += char(bytes[i++]);
  return out;
}

/**
 * The pairs of a header container (itself, for pairs, a `Map` or fetch `Headers`),
 * or `null` for a plain object; a TypeError for anything else.
 */
function pairsOf(headers) {
  if (typeof headers !== 'object' || headers === null) throw new TypeError(CONTAINER);
  if (Array.isArray(headers) || headers instanceof Map || typeof headers.append === 'function') return headers;
  if (Symbol.iterator in headers) throw new TypeError(CONTAINER);
  return null;
}

/** The name of the trace header `name` is, in any case, or `undefined`. */
function traceHeader(name) {
  if (typeof name !== 'string') fail(CONTAINER);
  if (name === NAMES[0] || name === NAMES[1]) return name;
  // Lower-casing a copy only for names that can be one: the length, a `t` first.
  if ((name.length === 10 || name.length === 11) && (name.charCodeAt(0) | 0x20) === 0x74) {
    const lower = name.toLowerCase();
    if (lower === NAMES[0] || lower === NAMES[1]) return lower;
  }
}

/** Packs a header's value if it is a trace header. */
function visit(name, value) {
  const known = traceHeader(name);
  if (known) keep(known, value);
}

/** Packs a value (text, bytes, or an array of them) of trace header `name`. */
function keep(name, value) {
  if (typeof value === 'string' || value instanceof Uint8Array) put(name, value);
  else if (Array.isArray(value)) value.forEach((item) => Array.isArray(item) ? fail(VALUE) : keep(name, item));
  else if (value != null) fail(VALUE);
}

const fail = (message) => {
  throw new TypeError(message);
};

/** Where the next header of the frame being packed goes, and its tracestate values so far. */
let end = 0;
let tracestates = 0;

/**
 * Packs the trace headers of `headers` into the module's memory as a frame
 * (`[name length: u8][name][value length: u32 LE][value]` each); returns its length.
 */
function pack(headers) {
  room(0);
  end = base;
  tracestates = 0;
  packedTracestate = null;
  if (headers != null) {
    const pairs = pairsOf(headers);
    if (pairs === null) for (const name in headers) visit(name, headers[name]);
    else for (const pair of pairs) Array.isArray(pair) ? visit(pair[0], pair[1]) : fail(CONTAINER);
  }
  // The one tracestate value, when it came once, as text (see `text`).
  if (tracestates > 1) packedTracestate = null;
  return end - base;
}

/** Appends one header to the frame being packed. */
function put(name, value) {
  // Memory keeps what is packed when it grows: the region starts where it did.
  const bytes = room(end - base + 16 + value.length * 3);
  let at = end;
  bytes[at] = encodeInto(name, bytes, at + 1);
  at += 5 + bytes[at];
  let length = value.length;
  if (typeof value === 'string') length = encodeInto(value, bytes, at);
  else if (length > 0) bytes.set(value, at);
  bytes[at - 4] = length;
  bytes[at - 3] = length >>> 8;
  bytes[at - 2] = length >>> 16;
  bytes[at - 1] = length >>> 24;
  end = at + length;
  if (name === NAMES[1] && tracestates++ === 0 && typeof value === 'string') packedTracestate = value;
}

/** Sets `name` to `value` in `target` (removes it, for `null`), replacing any case of the name. */
function set(target, pairs, name, value) {
  if (pairs === null) {
    for (const key in target) if (traceHeader(key) === name) delete target[key];
    if (value !== null) target[name] = value;
  } else if (Array.isArray(pairs)) {
    let kept = 0;
    for (const pair of pairs) if (!(Array.isArray(pair) && typeof pair[0] === 'string' && traceHeader(pair[0]) === name)) pairs[kept++] = pair;
    pairs.length = kept;
    if (value !== null) pairs.push([name, value]);
  } else {
    // A Map keeps every spelling apart; fetch Headers has one, lowercase.
    if (pairs instanceof Map) for (const key of pairs.keys()) if (typeof key === 'string' && traceHeader(key) === name) pairs.delete(key);
    if (value === null) pairs.delete(name);
    else pairs.set(name, value);
  }
}

/** The record of a child of `record`. */
function childOf(record) {
  const len = encodeInto(record, room(record.length), base);
  return text(wasm.child(len), len);
}

/**
 * The current span of a trace, as received or started here. Immutable: `child()`
 * returns a new context.
 */
export class Context {
  /** The module's record. */
  #record;

  /** @private Contexts come from `Context.newRoot()`, `extract()` and `continueTrace()`. */
  constructor(token, record) {
    if (token !== INTERNAL) {
      throw new TypeError('tracewire: use Context.newRoot(), extract() or continueTrace()');
    }
    this.#record = record;
  }

  /** A new trace: random ids, flags 03 (sampled, random trace id), no parent. */
  static newRoot() {
    room(0);
    return new Context(INTERNAL, text(wasm.new_root(), 0));
  }

  /** The trace id, 32 lowercase hex digits. */
  get traceId() {
    return this.#record.slice(TRACE_ID, SPAN_ID - 1);
  }

  /** This span's id, 16 lowercase hex digits. */
  get spanId() {
    return this.#record.slice(SPAN_ID, SPAN_ID_END);
  }

  /** The parent span's id, or `null` for a root or a context just extracted. */
  get parentSpanId() {
    const record = this.#record;
    return record.startsWith(NO_PARENT, PARENT_SPAN_ID) ? null : record.slice(PARENT_SPAN_ID, FLAGS);
  }

  /** All 8 trace-flag bits, as received. */
  get flags() {
    return parseInt(this.#record.slice(FLAGS, TRACESTATE), 16);
  }

  /** Whether the sampled flag (`0x01`) is set. */
  get sampled() {
    return (this.flags & 1) === 1;
  }

  /** The `traceparent` value this context injects. */
  get traceparent() {
    return this.#record.slice(0, TRACEPARENT_END);
  }

  /** The full canonical `tracestate` value; `""` when there is none. */
  get tracestate() {
    const record = this.#record;
    const cut = record.indexOf('\n', TRACESTATE);
    return record.slice(TRACESTATE, cut < 0 ? undefined : cut);
  }

  /** A span under this one: same trace, a fresh span id, this span as parent. */
  child() {
    return new Context(INTERNAL, childOf(this.#record));
  }

  /**
   * Writes `traceparent` and `tracestate` into `headers` (a plain object, `Map`,
   * `Headers` or array of pairs), replacing what is there under those names in
   * any case, and removing a stale `tracestate`; with no argument, into a new object.
   *
   * @template H
   * @param {H} [headers]
   * @returns {H}
   */
  inject(headers) {
    const target = headers ?? {};
    const pairs = pairsOf(target);
    const record = this.#record;
    // The value to inject: the tracestate, or the cut of it that follows a `\n`.
    const cut = record.indexOf('\n', TRACESTATE);
    set(target, pairs, NAMES[0], record.slice(0, TRACEPARENT_END));
    set(target, pairs, NAMES[1], record.slice(cut < 0 ? TRACESTATE : cut + 1) || null);
    return target;
  }

  toJSON() {
    const { traceId, spanId, parentSpanId, flags, sampled, traceparent, tracestate } = this;
    return { traceId, spanId, parentSpanId, flags, sampled, traceparent, tracestate };
  }
}

/**
 * The incoming context (W3C Trace Context), or `null` when there is no valid one.
 * Never throws for bad header contents; `diagnose` says why nothing was found.
 */
export function extract(headers) {
  const len = pack(headers);
  const record = text(wasm.extract(len), len, packedTracestate);
  return record === '' ? null : new Context(INTERNAL, record);
}

/** A child of the incoming context, or a new root when there is none. */
export function continueTrace(headers) {
  const len = pack(headers);
  return new Context(INTERNAL, text(wasm.continue_trace(len), len, packedTracestate));
}

/** Why nothing (or only part) was extracted: `extracted` last when a context was. */
export function diagnose(headers) {
  const len = pack(headers);
  const lines = text(wasm.diagnose(len), len).split('\n');
  lines.pop();
  return lines.map((line) => new Diagnostic(...line.split('\t')));
}

/**
 * Loads and instantiates the WebAssembly module. Await it once before using the
 * API; later calls replace the instance.
 *
 * @param {RequestInfo | URL | Response | BufferSource | WebAssembly.Module} [input]
 *   The module or where to fetch it; by default `tracewire_w3c.wasm` next to this
 *   file (read from disk in Node, whose `fetch` does not read `file:` URLs).
 */
export default async function init(input) {
  let source = await (input ?? new URL('./tracewire_w3c.wasm', import.meta.url));
  const fs = source instanceof URL && source.protocol === 'file:' && globalThis.process?.getBuiltinModule?.('fs');
  if (fs) source = await fs.promises.readFile(source);
  else if (typeof source === 'string' || source instanceof URL || source instanceof Request) source = await fetch(source);
  if (source instanceof Response) source = await source.arrayBuffer();
  const imports = {
    // The one import: entropy for the module's id generator.
    tracewire: { random: (at, len) => crypto.getRandomValues(new Uint8Array(wasm.memory.buffer, at, len)) },
  };
  const instance = await WebAssembly.instantiate(source, imports);
  wasm = (instance.instance ?? instance).exports;
  reserved = -1;
}
