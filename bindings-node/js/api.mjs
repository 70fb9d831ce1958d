/**
 * The JavaScript API of tracewire, shared by the Node-API package (`tracewire`)
 * and the WebAssembly package (`tracewire-wasm`).
 *
 * Each call reads the header container once, keeps the values of the headers the
 * propagator uses, packs them into one byte frame (`[name length: u8][name][value
 * length: u32 LE][value]` per header, the core's `host::Frame`), and crosses into
 * the core once. The core answers with text: a context record with fixed offsets
 * (`host::record`), `name\nvalue\n` header lines or `format\theader\tcode\n`
 * diagnostic lines; an error comes back as `!code`. Context getters slice the
 * record when asked, so nothing is parsed or formatted on this side.
 *
 * @module
 */

/**
 * What a binding provides: the core's host encodings behind plain functions.
 * Every function answers `!code` instead of throwing.
 *
 * @typedef {object} Backend
 * @property {(extract: string, inject: string, repeated: string) => string} spec
 *   The spec of a propagator from comma-separated format names and a policy.
 * @property {(spec: string) => string} fields Comma-separated header names a spec reads or writes.
 * @property {(spec: string, frame: Uint8Array, len: number) => string} extract A record, or `""`.
 * @property {(spec: string, frame: Uint8Array, len: number) => string} continueTrace A record.
 * @property {(spec: string, frame: Uint8Array, len: number) => string} diagnose Diagnostic lines.
 * @property {() => string} newRoot A record.
 * @property {(record: string) => string} child A record.
 * @property {(record: string, key: string, value: string) => string} withTracestate A record.
 * @property {(spec: string, record: string) => string} inject Header lines.
 * @property {(size: number) => Uint8Array} scratch A buffer of at least `size` bytes to pack
 *   a frame into; only the first `len` bytes passed along with it are read.
 */

// Offsets in a record (core `host::layout`).
const TRACEPARENT_END = 55;
const TRACE_ID = 3;
const SPAN_ID = 36;
const SPAN_ID_END = 52;
const PARENT_SPAN_ID = 55;
const FLAGS = 71;
const TRACESTATE = 73;
const NO_PARENT = '0000000000000000';

const DEFAULT_FORMATS = ['tracecontext'];
const encoder = new TextEncoder();
/** Guards the Context constructor: contexts come from the core only. */
const INTERNAL = Symbol('tracewire.internal');

/** An error with a stable snake_case `code` (`unknown_format`, `invalid_tracestate_key`, ...). */
class TracewireError extends Error {
  /** @param {string} code */
  constructor(code) {
    super(code);
    this.name = 'TracewireError';
    /** The stable code; test and branch on this, never on the message. */
    this.code = code;
  }
}

/** One reason extraction ignored (part of) what arrived. */
class Diagnostic {
  /**
   * @param {string} format The format whose header was rejected (`tracecontext`).
   * @param {string} header The lowercase header name.
   * @param {string} code Why, as a stable code (`uppercase_hex`, `invalid_utf8`, ...).
   */
  constructor(format, header, code) {
    this.format = format;
    this.header = header;
    this.code = code;
  }
}

/**
 * The public API over one backend.
 *
 * @param {Backend} backend
 */
export function createApi(backend) {
  /** @type {(context: Context) => string} */
  let recordOf;

  /**
   * The current span of a trace, as received or started here. Immutable: `child()`
   * and `withTracestate()` return new contexts.
   */
  class Context {
    #record;

    /** @private Contexts come from `Context.newRoot()`, `extract()` and `continueTrace()`. */
    constructor(token, record) {
      if (token !== INTERNAL) {
        throw new TypeError('tracewire: use Context.newRoot(), extract() or continueTrace()');
      }
      this.#record = record;
    }

    static {
      recordOf = (context) => {
        if (typeof context !== 'object' || context === null || !(#record in context)) {
          throw new TypeError('tracewire: expected a Context');
        }
        return context.#record;
      };
    }

    /** A new trace: random ids, flags 03 (sampled, random trace id), no parent. */
    static newRoot() {
      return new Context(INTERNAL, answer(backend.newRoot()));
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
      return this.#record.startsWith(NO_PARENT, PARENT_SPAN_ID)
        ? null
        : this.#record.slice(PARENT_SPAN_ID, FLAGS);
    }

    /** All 8 trace-flag bits, as received. */
    get flags() {
      return hex(this.#record.charCodeAt(FLAGS)) * 16 + hex(this.#record.charCodeAt(FLAGS + 1));
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
      return this.#record.slice(TRACESTATE);
    }

    /** A span under this one: same trace, a fresh span id, this span as parent. */
    child() {
      return new Context(INTERNAL, answer(backend.child(this.#record)));
    }

    /**
     * This context with `key=value` first in its tracestate.
     *
     * @param {string} key
     * @param {string} value
     * @throws {TracewireError} `invalid_tracestate_key` or `invalid_tracestate_value`.
     */
    withTracestate(key, value) {
      if (typeof key !== 'string' || typeof value !== 'string') {
        throw new TypeError('tracewire: tracestate key and value must be strings');
      }
      return new Context(INTERNAL, answer(backend.withTracestate(this.#record, key, value)));
    }

    /**
     * Writes this context into `headers` with the default propagator, replacing
     * what is there under the same names; with no argument, into a new object.
     *
     * @template H
     * @param {H} [headers]
     * @returns {H}
     */
    inject(headers) {
      return defaults().inject(this, headers);
    }

    toJSON() {
      return {
        traceId: this.traceId,
        spanId: this.spanId,
        parentSpanId: this.parentSpanId,
        flags: this.flags,
        sampled: this.sampled,
        traceparent: this.traceparent,
        tracestate: this.tracestate,
      };
    }
  }

  /** Which formats to extract and inject, and what to do with a repeated `traceparent`. */
  class Propagator {
    #spec;
    /** Headers the formats read or write. */
    #fields;

    /**
     * @param {{ extract?: string[], inject?: string[], repeated?: 'restart' | 'first' | 'last' }} [options]
     * @throws {TracewireError} `unknown_format` or `invalid_policy`.
     */
    constructor(options = {}) {
      if (typeof options !== 'object' || options === null) {
        throw new TypeError('tracewire: Propagator options must be an object');
      }
      const { extract = DEFAULT_FORMATS, inject = DEFAULT_FORMATS, repeated = 'restart' } = options;
      if (typeof repeated !== 'string') {
        throw new TypeError('tracewire: repeated must be a string');
      }
      this.#spec = answer(backend.spec(names(extract), names(inject), repeated));
      this.#fields = fieldsOf(this.#spec);
    }

    /** Every header name this propagator reads or writes (lowercase). */
    get fields() {
      return this.#fields.map((field) => field.name);
    }

    /**
     * The incoming context, or `null` when there is no valid one.
     *
     * @param {Headers | Map<string, unknown> | Array<[string, unknown]> | Record<string, unknown> | null} [headers]
     */
    extract(headers) {
      const length = this.#pack(headers);
      const record = answer(backend.extract(this.#spec, frame, length));
      return record === '' ? null : new Context(INTERNAL, record);
    }

    /**
     * A child of the incoming context, or a new root when there is none: the span a
     * service starts for the message it handles.
     */
    continueTrace(headers) {
      const length = this.#pack(headers);
      return new Context(INTERNAL, answer(backend.continueTrace(this.#spec, frame, length)));
    }

    /** Why nothing (or only part) was extracted; empty when all was well. */
    diagnose(headers) {
      const length = this.#pack(headers);
      const lines = answer(backend.diagnose(this.#spec, frame, length));
      const diagnostics = [];
      for (const line of lines.split('\n')) {
        if (line !== '') {
          const [format, header, code] = line.split('\t');
          diagnostics.push(new Diagnostic(format, header, code));
        }
      }
      return diagnostics;
    }

    /**
     * Writes `context` into `headers`, replacing (case-insensitively) what is there
     * under the same names and removing a stale header the formats no longer write.
     * With no headers, writes into a new object.
     */
    inject(context, headers) {
      // `name\nvalue\n` lines from the core; an empty value means "remove".
      const lines = answer(backend.inject(this.#spec, recordOf(context)));
      const target = headers ?? {};
      const kind = kindOf(target);
      for (let start = 0; start < lines.length; ) {
        const end = lines.indexOf('\n', start);
        const next = lines.indexOf('\n', end + 1);
        write(target, kind, lines.slice(start, end), next === end + 1 ? null : lines.slice(end + 1, next));
        start = next + 1;
      }
      return target;
    }

    /** Packs the relevant headers into `frame` (the backend's scratch); returns the length. */
    #pack(headers) {
      const found = [];
      gather(headers, this.#fields, found);
      let size = 0;
      for (let i = 0; i < found.length; i += 2) {
        const value = found[i + 1];
        size += 5 + found[i].bytes.length + (typeof value === 'string' ? value.length * 3 : value.length);
      }
      frame = backend.scratch(size);
      let at = 0;
      for (let i = 0; i < found.length; i += 2) {
        const { bytes } = found[i];
        const value = found[i + 1];
        frame[at] = bytes.length;
        frame.set(bytes, at + 1);
        at += 1 + bytes.length;
        let length;
        if (typeof value === 'string') {
          length = encoder.encodeInto(value, frame.subarray(at + 4)).written;
        } else {
          frame.set(value, at + 4);
          length = value.length;
        }
        frame[at] = length & 0xff;
        frame[at + 1] = (length >>> 8) & 0xff;
        frame[at + 2] = (length >>> 16) & 0xff;
        frame[at + 3] = length >>> 24;
        at += 4 + length;
      }
      return at;
    }
  }

  /** The frame of the call under way. */
  let frame;
  let fallback;
  /** The default propagator, made on first use (a backend may need loading first). */
  const defaults = () => (fallback ??= new Propagator());

  /** Throws a `!code` answer as a TracewireError. */
  function answer(text) {
    if (text.charCodeAt(0) === 0x21) throw new TracewireError(text.slice(1));
    return text;
  }

  /** The fields of a spec, with their names encoded once. */
  function fieldsOf(spec) {
    const list = answer(backend.fields(spec));
    return list === '' ? [] : list.split(',').map((name) => ({ name, bytes: encoder.encode(name) }));
  }

  return {
    /**
     * The incoming context, with the default propagator (W3C Trace Context), or `null`.
     * Never throws for bad header contents; `diagnose` says why nothing was found.
     */
    extract: (headers) => defaults().extract(headers),
    /** A child of the incoming context, or a new root when there is none. */
    continueTrace: (headers) => defaults().continueTrace(headers),
    /** Why the default propagator extracted nothing (or only part). */
    diagnose: (headers) => defaults().diagnose(headers),
    Context,
    Propagator,
    Diagnostic,
    TracewireError,
  };
}

/** Format names as the backend takes them; a name must not smuggle in a separator. */
function names(formats) {
  if (!Array.isArray(formats) || !formats.every((name) => typeof name === 'string')) {
    throw new TypeError('tracewire: formats must be an array of format names');
  }
  if (formats.some((name) => name === '' || name.includes(',') || name.includes(';'))) {
    throw new TracewireError('unknown_format');
  }
  return formats.join(',');
}

/** The value of one lowercase hex digit's char code. */
function hex(code) {
  return code <= 0x39 ? code - 0x30 : code - 0x57;
}

/** Whether `name` equals the lowercase `field` ASCII-case-insensitively, as the core compares. */
function sameName(name, field) {
  if (name.length !== field.length) return false;
  for (let i = 0; i < name.length; i++) {
    let code = name.charCodeAt(i);
    if (code >= 0x41 && code <= 0x5a) code += 0x20;
    if (code !== field.charCodeAt(i)) return false;
  }
  return true;
}

const CONTAINER_ERROR =
  'tracewire: headers must be a plain object, a Map, a Headers, an array of [name, value] pairs, null or undefined';
const VALUE_ERROR = 'tracewire: header values must be strings, Uint8Arrays (Buffers) or arrays of them';

// The kinds of header container.
const PAIRS = 0;
const MAP = 1;
const HEADERS = 2;
const OBJECT = 3;

/** The kind of a (non-null) header container; a TypeError for anything else. */
function kindOf(headers) {
  if (typeof headers !== 'object' || headers === null) throw new TypeError(CONTAINER_ERROR);
  if (Array.isArray(headers)) return PAIRS;
  if (headers instanceof Map) return MAP;
  // fetch's Headers, or a look-alike such as another copy of undici's.
  if (typeof headers.get === 'function' && typeof headers.append === 'function') return HEADERS;
  // Other iterables (a Set, a Buffer, an iterator) are mistakes, not header objects.
  if (Symbol.iterator in headers) throw new TypeError(CONTAINER_ERROR);
  return OBJECT;
}

/** Reads `headers` once, appending `field, value` to `found` for each relevant header. */
function gather(headers, fields, found) {
  if (headers === null || headers === undefined) return;
  switch (kindOf(headers)) {
    case PAIRS:
      for (const pair of headers) {
        if (!Array.isArray(pair)) throw new TypeError(CONTAINER_ERROR);
        take(pair[0], pair[1], fields, found);
      }
      break;
    case MAP:
      for (const [name, value] of headers) take(name, value, fields, found);
      break;
    case HEADERS:
      // Headers joins repeated fields with ", ", which the core splits again.
      for (const field of fields) {
        const value = headers.get(field.name);
        if (value !== null) keep(field, value, found);
      }
      break;
    default:
      for (const name in headers) take(name, headers[name], fields, found);
  }
}

function take(name, value, fields, found) {
  if (typeof name !== 'string') throw new TypeError('tracewire: header names must be strings');
  for (const field of fields) {
    if (sameName(name, field.name)) {
      keep(field, value, found);
      return;
    }
  }
}

/** Keeps a value: text, bytes (`Buffer` included), an array of those, or nothing. */
function keep(field, value, found) {
  if (typeof value === 'string' || value instanceof Uint8Array) {
    found.push(field, value);
  } else if (Array.isArray(value)) {
    for (const item of value) {
      if (Array.isArray(item)) throw new TypeError(VALUE_ERROR);
      keep(field, item, found);
    }
  } else if (value !== null && value !== undefined) {
    throw new TypeError(VALUE_ERROR);
  }
}

/** Sets `name` to `value` in `headers` of `kind` (removes it, for `null`), replacing any case of the name. */
function write(headers, kind, name, value) {
  switch (kind) {
    case PAIRS: {
      let kept = 0;
      for (const pair of headers) {
        if (!(Array.isArray(pair) && typeof pair[0] === 'string' && sameName(pair[0], name))) {
          headers[kept++] = pair;
        }
      }
      headers.length = kept;
      if (value !== null) headers.push([name, value]);
      break;
    }
    case MAP:
      for (const key of headers.keys()) {
        if (typeof key === 'string' && sameName(key, name)) headers.delete(key);
      }
      if (value !== null) headers.set(name, value);
      break;
    case HEADERS:
      if (value === null) headers.delete(name);
      else headers.set(name, value);
      break;
    default:
      for (const key in headers) {
        if (sameName(key, name)) delete headers[key];
      }
      if (value !== null) headers[name] = value;
  }
}
