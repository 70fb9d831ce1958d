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
 * record when asked, so nothing is parsed or formatted on this side; what needs
 * decoding (baggage, links) comes back as JSON from one more call, on first use.
 * `continueTrace` keeps the values it read and crosses when the context is first
 * used: when that is an `inject`, one crossing answers both, and a context keeps
 * the header lines it injected, so injecting it again does not cross at all.
 * Environment variables cross the same way (every entry, named as they are; the
 * core picks the variables of the formats' headers), and a JSON body crosses as is.
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
 * @property {(spec: string) => unknown} propagator A handle for a (valid) spec, to pass
 *   to the calls below; the same spec gives the same handle.
 * @property {(handle: unknown) => string} fields Comma-separated header names it reads or writes.
 * @property {(handle: unknown, frame: Uint8Array, len: number) => string} extract A record, or `""`.
 * @property {(handle: unknown, frame: Uint8Array, len: number) => string} continueTrace A record.
 * @property {(handle: unknown, frame: Uint8Array, len: number) => string} continueTraceInject
 *   A record, `\0`, and the header lines the propagator injects for it: both halves of the
 *   commonest call pair in one crossing.
 * @property {(handle: unknown, frame: Uint8Array, len: number) => string} diagnose Diagnostic lines.
 * @property {(handle: unknown, frame: Uint8Array, len: number) => string} extractEnv A record, or
 *   `""`, from a frame of environment variables.
 * @property {(handle: unknown, frame: Uint8Array, len: number) => string} continueTraceEnv A record,
 *   from a frame of environment variables.
 * @property {(handle: unknown, frame: Uint8Array, len: number) => string} diagnoseEnv Diagnostic
 *   lines, for a frame of environment variables.
 * @property {() => string} newRoot A record.
 * @property {(record: string) => string} child A record.
 * @property {(record: string, key: string, value: string) => string} withTracestate A record.
 * @property {(record: string, key: string, value: string) => string} withBaggage A record.
 * @property {(record: string) => string} details `{"baggage":{..},"links":[{traceId, spanId}],
 *   "debug":bool,"deferred":bool}` (core `host::details_json`).
 * @property {(handle: unknown, record: string) => string} inject Header lines.
 * @property {(handle: unknown, record: string) => string} injectEnv Variable lines, as header lines.
 * @property {(body: string | Uint8Array, traceIdField: string, spanIdField: string) => string} extractJson
 *   A record, or `""`, from a JSON body.
 * @property {(record: string, body: string | Uint8Array, traceIdField: string, spanIdField: string)
 *   => string | Uint8Array} injectJson The body with the context stamped in: text for text, a
 *   Uint8Array for bytes (an error is always `!code` text).
 * @property {(size: number) => Uint8Array} scratch A buffer of at least `size` bytes to pack
 *   a frame into; only the first `len` bytes passed along with it are read.
 * @property {(text: string, frame: Uint8Array, at: number) => number} [encodeInto] Writes
 *   text as UTF-8 (lone surrogates as U+FFFD) at `at` in a scratch buffer, with room
 *   for it; returns the byte length. `TextEncoder.encodeInto` when absent.
 */

/**
 * A header a propagator reads or writes: its lowercase name, encoded once; a prefix
 * field (`uberctx-*`) also has its `prefix`.
 *
 * @typedef {{ name: string, bytes: Uint8Array, prefix: string | null }} Field
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
/** The end of a record whose baggage, format state and links are all empty. */
const BARE_TAIL = '\n\n\n';

const DEFAULT_FORMATS = ['tracecontext', 'baggage'];
/** What a record without baggage, format state or links details. */
const NO_DETAILS = Object.freeze({ baggage: Object.freeze({}), links: Object.freeze([]), debug: false, deferred: false });
const encoder = new TextEncoder();
/** Guards the Context constructor: contexts come from the core only. */
const INTERNAL = Symbol('tracewire.internal');

/** An error with a stable snake_case `code` (`unknown_format`, `invalid_tracestate_key`, ...). */
export class TracewireError extends Error {
  /** @param {string} code */
  constructor(code) {
    super(code);
    this.name = 'TracewireError';
    /** The stable code; test and branch on this, never on the message. */
    this.code = code;
  }
}

/** One reason extraction ignored (part of) what arrived. */
export class Diagnostic {
  /**
   * @param {string} format The format the diagnostic is about (`tracecontext`, `b3`, ...).
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
  /** @type {(context: Context, handle: unknown, fields: Field[]) => Array<string | null>} */
  let injectedBy;

  /**
   * The current span of a trace, as received or started here. Immutable: `child()`,
   * `withTracestate()` and `withBaggage()` return new contexts.
   */
  class Context {
    /** The core's record; `undefined` until a deferred `continueTrace` has run. */
    #record;
    /** A deferred `continueTrace`: its propagator's handle, and the headers it read (`name, value, ...`). */
    #handle;
    #found;
    /** What `#injectedBy`'s propagator writes for this context: `name, value` pairs, `null` to remove. */
    #injected;
    #injectedBy;
    /** Baggage, links, debug and deferred: decoded by the core on first use. */
    #details;

    /** @private Contexts come from `Context.newRoot()`, `extract()` and `continueTrace()`. */
    constructor(token, record, handle, found) {
      if (token !== INTERNAL) {
        throw new TypeError('tracewire: use Context.newRoot(), extract() or continueTrace()');
      }
      this.#record = record;
      this.#handle = handle;
      this.#found = found;
    }

    static {
      recordOf = (context) => {
        if (typeof context !== 'object' || context === null || !(#record in context)) {
          throw new TypeError('tracewire: expected a Context');
        }
        return context.#rec();
      };
      injectedBy = (context, handle, fields) => {
        if (typeof context !== 'object' || context === null || !(#record in context)) {
          throw new TypeError('tracewire: expected a Context');
        }
        return context.#injectedBy === handle ? context.#injected : context.#inject(handle, fields);
      };
    }

    /** The record, running a deferred `continueTrace` first. */
    #rec() {
      if (this.#record === undefined) {
        const length = pack(this.#found);
        this.#record = answer(backend.continueTrace(this.#handle, frame, length));
        this.#found = undefined;
      }
      return this.#record;
    }

    /**
     * What `handle`'s propagator (of `fields`) writes for this context; a deferred
     * `continueTrace` of the same propagator crosses once for both.
     */
    #inject(handle, fields) {
      if (this.#record === undefined && this.#handle === handle) {
        const length = pack(this.#found);
        const both = answer(backend.continueTraceInject(handle, frame, length));
        const split = both.indexOf('\0');
        this.#record = both.slice(0, split);
        this.#found = undefined;
        this.#injected = pairsOf(both, fields, split + 1);
      } else {
        this.#injected = pairsOf(answer(backend.inject(handle, this.#rec())), fields);
      }
      this.#injectedBy = handle;
      return this.#injected;
    }

    /** A new trace: random ids, flags 03 (sampled, random trace id), no parent. */
    static newRoot() {
      return new Context(INTERNAL, answer(backend.newRoot()));
    }

    /** The trace id, 32 lowercase hex digits. */
    get traceId() {
      return this.#rec().slice(TRACE_ID, SPAN_ID - 1);
    }

    /** This span's id, 16 lowercase hex digits. */
    get spanId() {
      return this.#rec().slice(SPAN_ID, SPAN_ID_END);
    }

    /** The parent span's id, or `null` for a root or a context just extracted. */
    get parentSpanId() {
      const record = this.#rec();
      return record.startsWith(NO_PARENT, PARENT_SPAN_ID) ? null : record.slice(PARENT_SPAN_ID, FLAGS);
    }

    /** All 8 trace-flag bits, as received. */
    get flags() {
      const record = this.#rec();
      return hex(record.charCodeAt(FLAGS)) * 16 + hex(record.charCodeAt(FLAGS + 1));
    }

    /** Whether the sampled flag (`0x01`) is set. */
    get sampled() {
      return (this.flags & 1) === 1;
    }

    /** The `traceparent` value this context injects. */
    get traceparent() {
      return this.#rec().slice(0, TRACEPARENT_END);
    }

    /** The full canonical `tracestate` value; `""` when there is none. */
    get tracestate() {
      const record = this.#rec();
      const end = record.indexOf('\n', TRACESTATE);
      return record.slice(TRACESTATE, end < 0 ? undefined : end);
    }

    /**
     * The baggage as a frozen object of key → value (for a key that repeats, the
     * last value); `{}` when there is none.
     *
     * @returns {Readonly<Record<string, string>>}
     */
    get baggage() {
      return this.#extra().baggage;
    }

    /**
     * Other spans that arrived with this one without being its parent (a different
     * trace found by a later format), frozen; `[]` when none.
     *
     * @returns {ReadonlyArray<Readonly<{ traceId: string, spanId: string }>>}
     */
    get links() {
      return this.#extra().links;
    }

    /** Whether debug sampling was requested upstream (B3 `d`, Jaeger's debug flag). */
    get debug() {
      return this.#extra().debug;
    }

    /** Whether the sampling decision was left to this service (B3 without one, X-Ray `Sampled=?`). */
    get deferred() {
      return this.#extra().deferred;
    }

    #extra() {
      if (this.#details === undefined) {
        const record = this.#rec();
        this.#details = record.indexOf('\n', TRACESTATE) === record.length - BARE_TAIL.length
          ? NO_DETAILS
          : frozen(JSON.parse(answer(backend.details(record))));
      }
      return this.#details;
    }

    /** A span under this one: same trace, a fresh span id, this span as parent. */
    child() {
      return new Context(INTERNAL, answer(backend.child(this.#rec())));
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
      return new Context(INTERNAL, answer(backend.withTracestate(this.#rec(), key, value)));
    }

    /**
     * This context with `key=value` in its baggage (replacing earlier values of `key`).
     *
     * @param {string} key An HTTP token.
     * @param {string} value Any text; percent-encoded on the wire.
     * @throws {TracewireError} `invalid_baggage_key`.
     */
    withBaggage(key, value) {
      if (typeof key !== 'string' || typeof value !== 'string') {
        throw new TypeError('tracewire: baggage key and value must be strings');
      }
      return new Context(INTERNAL, answer(backend.withBaggage(this.#rec(), key, value)));
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

    /**
     * Writes this context into environment variables (`TRACEPARENT`, ...) with the
     * default propagator, for a subprocess; with no argument, into a new object.
     *
     * @template {object} E
     * @param {E} [env]
     * @returns {E}
     */
    injectEnv(env) {
      return defaults().injectEnv(this, env);
    }

    /**
     * `body`, a JSON object, with this context stamped in its top-level fields: the
     * CloudEvents `traceparent`/`tracestate` attributes when the body has a
     * `traceparent`, else the id fields (replaced, or appended). Every other byte
     * stays as it was. Text gives text, bytes give bytes (a Buffer for a Buffer).
     *
     * @template {string | Uint8Array} B
     * @param {B} body
     * @param {{ traceIdField?: string, spanIdField?: string }} [fields]
     * @returns {B}
     * @throws {TracewireError} `invalid_json` when `body` is not a JSON object.
     */
    injectJson(body, fields) {
      const [traceIdField, spanIdField] = jsonFields(body, fields);
      const out = backend.injectJson(this.#rec(), body, traceIdField, spanIdField);
      return typeof out === 'string' ? answer(out) : sameKind(out, body);
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
        baggage: this.baggage,
        links: this.links,
      };
    }
  }

  /** Which formats to extract and inject, and what to do with a repeated `traceparent`. */
  class Propagator {
    /** The backend's handle for this propagator. */
    #handle;
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
      this.#handle = backend.propagator(answer(backend.spec(names(extract), names(inject), repeated)));
      this.#fields = fieldsOf(this.#handle);
    }

    /** Every header name this propagator reads or writes (lowercase; `uberctx-*` is a prefix). */
    get fields() {
      return this.#fields.list.map((field) => field.name);
    }

    /**
     * The incoming context, or `null` when there is no valid one.
     *
     * @param {Headers | Map<string, unknown> | Array<[string, unknown]> | Record<string, unknown> | null} [headers]
     */
    extract(headers) {
      const length = this.#pack(headers);
      return contextOrNull(answer(backend.extract(this.#handle, frame, length)));
    }

    /**
     * A child of the incoming context, or a new root when there is none: the span a
     * service starts for the message it handles.
     */
    continueTrace(headers) {
      const found = [];
      gather(headers, this.#fields, found);
      // The values wait for the context's first use: bytes are copied, as their
      // owner may reuse them; text is immutable.
      for (let i = 1; i < found.length; i += 2) {
        if (typeof found[i] !== 'string') found[i] = new Uint8Array(found[i]);
      }
      return new Context(INTERNAL, undefined, this.#handle, found);
    }

    /** Why nothing (or only part) was extracted; empty when all was well. */
    diagnose(headers) {
      const length = this.#pack(headers);
      return diagnosticsOf(answer(backend.diagnose(this.#handle, frame, length)));
    }

    /**
     * Writes `context` into `headers`, replacing (case-insensitively) what is there
     * under the same names and removing a stale header the formats no longer write.
     * With no headers, writes into a new object.
     */
    inject(context, headers) {
      const target = headers ?? {};
      const kind = kindOf(target);
      const pairs = injectedBy(context, this.#handle, this.#fields.list);
      if (kind === OBJECT) {
        writeObject(target, pairs);
      } else {
        for (let i = 0; i < pairs.length; i += 2) write(target, kind, pairs[i], pairs[i + 1]);
      }
      return target;
    }

    /**
     * The context in environment variables (`TRACEPARENT`, `TRACESTATE`, `BAGGAGE`,
     * and each format's headers upper-cased with `_` for `-`, `_X_AMZN_TRACE_ID` for
     * X-Ray), or `null`.
     *
     * @param {Record<string, string | undefined> | Map<string, string | Uint8Array> | Array<[string, string | Uint8Array]>} [env]
     *   `process.env` by default; required where there is no `process` (browsers).
     */
    extractEnv(env) {
      const length = packEnv(env);
      return contextOrNull(answer(backend.extractEnv(this.#handle, frame, length)));
    }

    /** A child of the context in environment variables, or a new root when there is none. */
    continueTraceEnv(env) {
      const length = packEnv(env);
      return new Context(INTERNAL, answer(backend.continueTraceEnv(this.#handle, frame, length)));
    }

    /** Why nothing (or only part) was extracted from environment variables. */
    diagnoseEnv(env) {
      const length = packEnv(env);
      return diagnosticsOf(answer(backend.diagnoseEnv(this.#handle, frame, length)));
    }

    /**
     * Writes `context` into environment variables, replacing (and removing) what the
     * formats write; with no `env`, into a new object.
     */
    injectEnv(context, env) {
      const target = env ?? {};
      const kind = envKind(target);
      const pairs = pairsOf(answer(backend.injectEnv(this.#handle, recordOf(context))), []);
      for (let i = 0; i < pairs.length; i += 2) setVariable(target, kind, pairs[i], pairs[i + 1]);
      return target;
    }

    /** Packs the relevant headers into `frame` (the backend's scratch); returns the length. */
    #pack(headers) {
      // The shared list is empty unless a call is under way (a header getter that
      // calls tracewire): then this call gets its own.
      const found = gathered.length === 0 ? gathered : [];
      try {
        gather(headers, this.#fields, found);
        return pack(found);
      } finally {
        found.length = 0;
      }
    }
  }

  /**
   * Packs every variable of an environment with a text or byte value into `frame`
   * (the core picks the ones the formats read); returns the length.
   */
  function packEnv(env) {
    const vars = env === undefined ? globalThis.process?.env : env;
    const found = [];
    const add = (name, value) => {
      if (typeof name === 'string' && (typeof value === 'string' || value instanceof Uint8Array)) {
        found.push(name, bytesOrText(value));
      }
    };
    switch (envKind(vars)) {
      case PAIRS:
        for (const pair of vars) {
          if (!Array.isArray(pair)) throw new TypeError(ENV_ERROR);
          add(pair[0], pair[1]);
        }
        break;
      case MAP:
        for (const [name, value] of vars) add(name, value);
        break;
      default:
        for (const name in vars) add(name, vars[name]);
    }
    return pack(found);
  }

  /**
   * Packs `name, value` pairs into `frame` (the backend's scratch); returns the
   * length. Names are encoded bytes or text; a name over the frame's 255 bytes is
   * left out (no header or variable the core reads has one).
   */
  function pack(found) {
    let size = 0;
    for (const value of found) size += typeof value === 'string' ? value.length * 3 : value.length;
    size += (found.length >>> 1) * 5;
    frame = backend.scratch(size);
    let at = 0;
    for (let i = 0; i < found.length; i += 2) {
      const nameLength = put(found[i], at + 1);
      if (nameLength > 255) continue;
      frame[at] = nameLength;
      at += 1 + nameLength;
      const length = put(found[i + 1], at + 4);
      frame[at] = length & 0xff;
      frame[at + 1] = (length >>> 8) & 0xff;
      frame[at + 2] = (length >>> 16) & 0xff;
      frame[at + 3] = length >>> 24;
      at += 4 + length;
    }
    return at;
  }

  /** Writes text (as UTF-8) or bytes at `at` in `frame`; returns the byte length. */
  function put(value, at) {
    if (typeof value === 'string') return encodeText(value, frame, at);
    frame.set(value, at);
    return value.length;
  }

  /** Diagnostic objects for the core's `format\theader\tcode\n` lines. */
  function diagnosticsOf(lines) {
    const diagnostics = [];
    for (const line of lines.split('\n')) {
      if (line !== '') {
        const [format, header, code] = line.split('\t');
        diagnostics.push(new Diagnostic(format, header, code));
      }
    }
    return diagnostics;
  }

  /** A Context for a record, or `null` for `""`. */
  function contextOrNull(record) {
    return record === '' ? null : new Context(INTERNAL, record);
  }

  /**
   * The context stamped in a JSON body's top-level fields, or `null`: a valid
   * CloudEvents `traceparent` (with `tracestate`), else the id fields.
   *
   * @param {string | Uint8Array} body
   * @param {{ traceIdField?: string, spanIdField?: string }} [fields]
   */
  function extractJson(body, fields) {
    const [traceIdField, spanIdField] = jsonFields(body, fields);
    return contextOrNull(answer(backend.extractJson(body, traceIdField, spanIdField)));
  }

  /** The frame of the call under way. */
  let frame;
  const encodeText = backend.encodeInto ?? ((text, into, at) => encoder.encodeInto(text, into.subarray(at)).written);
  /** The relevant headers of the call under way, as `name, value, ...`. */
  const gathered = [];
  let fallback;
  /** The default propagator, made on first use (a backend may need loading first). */
  const defaults = () => (fallback ??= new Propagator());

  /** Throws a `!code` answer as a TracewireError. */
  function answer(text) {
    if (text.charCodeAt(0) === 0x21) throw new TracewireError(text.slice(1));
    return text;
  }

  /**
   * The fields of a propagator (`list`), with their names encoded once; a prefix
   * field (`uberctx-*`) has its `prefix`. `lengths` lets most other headers be
   * passed over without comparing names.
   */
  function fieldsOf(handle) {
    const names = answer(backend.fields(handle));
    const list = names === '' ? [] : names.split(',').map((name) => ({
      // As a property key, the engine's own copy: header names compare with it by identity.
      name: Object.keys({ [name]: 0 })[0],
      bytes: encoder.encode(name),
      prefix: name.endsWith('*') ? name.slice(0, -1) : null,
    }));
    // Bit n: a name of n characters (31: of 31 or more) may be one of them.
    let lengths = 0;
    for (const { name, prefix } of list) {
      lengths |= prefix === null ? 1 << Math.min(name.length, 31) : -(1 << Math.min(prefix.length + 1, 31));
    }
    return { list, lengths };
  }

  return {
    /**
     * The incoming context, with the default propagator (W3C Trace Context and
     * Baggage), or `null`.
     * Never throws for bad header contents; `diagnose` says why nothing was found.
     */
    extract: (headers) => defaults().extract(headers),
    /** A child of the incoming context, or a new root when there is none. */
    continueTrace: (headers) => defaults().continueTrace(headers),
    /** Why the default propagator extracted nothing (or only part). */
    diagnose: (headers) => defaults().diagnose(headers),
    /** The context in environment variables (`process.env` by default), or `null`. */
    extractEnv: (env) => defaults().extractEnv(env),
    /** A child of the context in environment variables, or a new root. */
    continueTraceEnv: (env) => defaults().continueTraceEnv(env),
    /** Why the default propagator extracted nothing (or only part) from environment variables. */
    diagnoseEnv: (env) => defaults().diagnoseEnv(env),
    extractJson,
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
  return name.length === field.length && startsWithName(name, field);
}

/** Whether `name` starts with the lowercase `prefix`, ASCII-case-insensitively. */
function startsWithName(name, prefix) {
  if (name.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) {
    let code = name.charCodeAt(i);
    if (code >= 0x41 && code <= 0x5a) code += 0x20;
    if (code !== prefix.charCodeAt(i)) return false;
  }
  return true;
}

/** Whether header `name` is `field`: the same name, or a longer one starting with its prefix. */
function isField(name, field) {
  return field.prefix === null
    ? sameName(name, field.name)
    : name.length > field.prefix.length && startsWithName(name, field.prefix);
}

/** Freezes the core's details of a context, so that a getter's answer cannot be changed. */
function frozen(details) {
  Object.freeze(details.baggage);
  details.links.forEach(Object.freeze);
  Object.freeze(details.links);
  return Object.freeze(details);
}

/** The two JSON field names, after checking the body's and the options' types. */
function jsonFields(body, options = {}) {
  if (typeof body !== 'string' && !(body instanceof Uint8Array)) {
    throw new TypeError('tracewire: a JSON body must be a string or a Uint8Array (Buffer)');
  }
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('tracewire: JSON field options must be an object');
  }
  const { traceIdField = 'traceId', spanIdField = 'spanId' } = options;
  if (typeof traceIdField !== 'string' || typeof spanIdField !== 'string') {
    throw new TypeError('tracewire: JSON field names must be strings');
  }
  return [traceIdField, spanIdField];
}

/** `bytes` as the kind of array `like` is: a Buffer for a Buffer, else a Uint8Array (no copy). */
function sameKind(bytes, like) {
  const NodeBuffer = globalThis.Buffer;
  if (NodeBuffer?.isBuffer(like)) {
    return NodeBuffer.isBuffer(bytes) ? bytes : NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  return bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

const NO_BYTES = new Uint8Array(0);

/**
 * A value to pack; an empty one as the shared empty array, for a detached array
 * reads as empty but throws when copied or set from.
 */
function bytesOrText(value) {
  return value.length === 0 ? NO_BYTES : value;
}

const CONTAINER_ERROR =
  'tracewire: headers must be a plain object, a Map, a Headers, an array of [name, value] pairs, null or undefined';
const VALUE_ERROR = 'tracewire: header values must be strings, Uint8Arrays (Buffers) or arrays of them';
const ENV_ERROR =
  'tracewire: the environment must be a plain object, a Map or an array of [name, value] pairs (there is no process.env to default to here)';

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

/** The kind of an environment (a plain object, a Map, or pairs); a TypeError for anything else. */
function envKind(env) {
  const kind = typeof env === 'object' && env !== null ? kindOf(env) : HEADERS;
  if (kind === HEADERS) throw new TypeError(ENV_ERROR);
  return kind;
}

/**
 * Reads `headers` once, appending `name, value` to `found` for each relevant
 * header: the field's encoded name, or the header's own name for a prefix field.
 */
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
    case HEADERS: {
      // Headers joins repeated fields with ", ", which the core splits again.
      let prefixed = false;
      for (const field of fields.list) {
        if (field.prefix !== null) {
          prefixed = true;
        } else {
          const value = headers.get(field.name);
          if (value !== null) keep(field.bytes, value, found);
        }
      }
      // A prefix field takes a walk over every header, only when configured.
      if (prefixed) {
        for (const [name, value] of headers) take(name, value, fields, found, true);
      }
      break;
    }
    default:
      for (const name in headers) {
        const field = fieldOf(name, fields);
        if (field !== null) keep(field.prefix === null ? field.bytes : name, headers[name], found);
      }
  }
}

/** Keeps `value` if `name` is one of `fields` (only a prefix field's, when `prefixOnly`). */
function take(name, value, fields, found, prefixOnly = false) {
  if (typeof name !== 'string') throw new TypeError('tracewire: header names must be strings');
  const field = fieldOf(name, fields, prefixOnly);
  if (field !== null) keep(field.prefix === null ? field.bytes : name, value, found);
}

/** The field that header `name` is, or `null`; only a prefix field when `prefixOnly`. */
function fieldOf(name, fields, prefixOnly = false) {
  if (((fields.lengths >>> Math.min(name.length, 31)) & 1) === 0) return null;
  for (const field of fields.list) {
    if (prefixOnly && field.prefix === null) continue;
    // Most containers' names are lowercase already: the same string, compared first.
    if (name === field.name || isField(name, field)) return field;
  }
  return null;
}

/** Keeps a value: text, bytes (`Buffer` included), an array of those, or nothing. */
function keep(name, value, found) {
  if (typeof value === 'string' || value instanceof Uint8Array) {
    // (One value a push: the engine inlines those.)
    found.push(name);
    found.push(bytesOrText(value));
  } else if (Array.isArray(value)) {
    for (const item of value) {
      if (Array.isArray(item)) throw new TypeError(VALUE_ERROR);
      keep(name, item, found);
    }
  } else if (value !== null && value !== undefined) {
    throw new TypeError(VALUE_ERROR);
  }
}

/**
 * The core's `name\nvalue\n` lines from `start` as `name, value` pairs; an empty
 * value is `null`: remove the name. A name that is one of `fields` is that field's
 * name string, a property key the engine has seen, so writing it needs no look-up.
 *
 * @param {string} lines
 * @param {Field[]} fields
 */
function pairsOf(lines, fields, start = 0) {
  const pairs = [];
  while (start < lines.length) {
    const end = lines.indexOf('\n', start);
    const next = lines.indexOf('\n', end + 1);
    let name;
    for (const field of fields) {
      if (field.name.length === end - start && lines.startsWith(field.name, start)) {
        name = field.name;
        break;
      }
    }
    pairs.push(name ?? lines.slice(start, end));
    pairs.push(next === end + 1 ? null : lines.slice(end + 1, next));
    start = next + 1;
  }
  return pairs;
}

/**
 * Writes `name, value` pairs into a plain object: one pass over its keys removes
 * every spelling of the names, then the values are set (after the other keys).
 */
function writeObject(target, pairs) {
  for (const key in target) {
    for (let i = 0; i < pairs.length; i += 2) {
      if (sameName(key, pairs[i])) {
        delete target[key];
        break;
      }
    }
  }
  for (let i = 0; i < pairs.length; i += 2) {
    if (pairs[i + 1] !== null) target[pairs[i]] = pairs[i + 1];
  }
}

/**
 * Sets variable `name` to `value` in `env` of `kind` (removes it, for `null`).
 * Variable names are case-sensitive: other spellings are other variables.
 */
function setVariable(env, kind, name, value) {
  switch (kind) {
    case PAIRS: {
      let kept = 0;
      for (const pair of env) {
        if (!(Array.isArray(pair) && pair[0] === name)) env[kept++] = pair;
      }
      env.length = kept;
      if (value !== null) env.push([name, value]);
      break;
    }
    case MAP:
      if (value === null) env.delete(name);
      else env.set(name, value);
      break;
    default:
      if (value === null) delete env[name];
      else env[name] = value;
  }
}

/**
 * Sets `name` to `value` in `headers` of `kind` other than a plain object (see
 * `writeObject`), or removes it, for `null`, replacing any case of the name.
 */
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
  }
}
