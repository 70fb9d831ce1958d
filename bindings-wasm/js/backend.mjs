// The tracewire backend over the WebAssembly module: the same functions, with the
// same in-band `!code` answers, as the Node-API addon, so one JS layer serves both.
// Each call crosses once with numbers only: inputs go into the module's scratch
// buffer, the answer (text; bytes for a JSON body given as bytes) is read from
// its output buffer.

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const empty = new Uint8Array(0);

/**
 * Writes `text` as UTF-8 at byte `at` of `into` (with room for it); returns its
 * length. Short ASCII text, as header values and records are, goes by a loop:
 * browsers run that several times faster than a call to TextEncoder.
 */
export function encodeInto(text, into, at) {
  if (text.length <= 128) {
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code > 0x7f) return encoder.encodeInto(text, into.subarray(at)).written;
      into[at + i] = code;
    }
    return text.length;
  }
  return encoder.encodeInto(text, into.subarray(at)).written;
}

/**
 * The backend over a module instance's exports (given to `use` once loaded).
 *
 * @param {() => WebAssembly.Exports} replace makes a fresh instance (after a
 *   trap) and returns its exports
 */
export function createBackend(replace) {
  /** The exports in use: `undefined` before `use`, `null` once none is usable. */
  let wasm;
  /** All of linear memory; a view is detached (length 0) once memory grows. */
  let memory = empty;
  let scratchView = empty;
  /**
   * Spec text → its handle: `{ spec, id, instance }`, `id` being the propagator's
   * number in instance number `instance` (an instance that trapped is replaced).
   */
  const handles = new Map();
  let instance = 0;

  const start = (exports) => {
    wasm = exports;
    memory = scratchView = empty;
    instance += 1;
  };

  const bytes = () =>
    memory.length ? memory : (memory = new Uint8Array(wasm.memory.buffer));

  const scratch = (size) => {
    if (scratchView.length < size) {
      const at = wasm.scratch(size) >>> 0;
      scratchView = bytes().subarray(at, at + size);
    }
    return scratchView;
  };

  /** Writes `text` as UTF-8 at byte `at` of the scratch buffer; returns its length. */
  const put = (text, at) => encodeInto(text, scratch(at + text.length * 3), at);

  /** Writes text or bytes at byte `at` of the scratch buffer; returns the length. */
  const putBody = (body, at) => {
    if (typeof body === 'string') return put(body, at);
    // (Setting from a detached array, which reads as empty, would throw.)
    if (body.length === 0) return 0;
    scratch(at + body.length).set(body, at);
    return body.length;
  };

  /** The number of `handle`'s propagator in the instance in use; its spec, when new
   * there, is written after `at` bytes of input. */
  const idOf = (handle, at) => {
    if (handle.instance !== instance) {
      handle.id = wasm.propagator(at, put(handle.spec, at));
      handle.instance = instance;
    }
    return handle.id;
  };

  /** Rust panics abort on this target, as a trap: the instance's state can no
   * longer be trusted, so it is replaced, or, if that fails, no longer used. */
  const recover = (error) => {
    if (!(error instanceof WebAssembly.RuntimeError)) throw error;
    try {
      start(replace());
    } catch {
      start(null);
    }
  };

  /**
   * Runs one call and decodes its answer, or copies it out `asBytes` (unless it is
   * a `!code`); a trap answers `!internal_error`.
   */
  const answer = (call, asBytes = false) => {
    if (wasm === undefined) throw new Error('tracewire-wasm: await init() before use');
    if (wasm) {
      try {
        const len = call();
        if (len === 0) return '';
        const at = wasm.output() >>> 0;
        const out = bytes().subarray(at, at + len);
        return asBytes && out[0] !== 0x21 ? out.slice() : decoder.decode(out);
      } catch (error) {
        recover(error);
      }
    }
    return '!internal_error';
  };

  return {
    /** Starts using an instantiated module's exports. */
    use: start,
    encodeInto,
    scratch(size) {
      if (wasm) {
        try {
          return scratch(size);
        } catch (error) {
          recover(error);
          throw new RangeError(`tracewire-wasm: no memory for ${size} bytes of headers`);
        }
      }
      // No instance: the call this frame is for reports that.
      return new Uint8Array(size);
    },
    spec: (extract, inject, repeated) =>
      answer(() => wasm.spec(put(`${extract};${inject};${repeated}`, 0))),
    propagator(spec) {
      let handle = handles.get(spec);
      if (handle === undefined) handles.set(spec, (handle = { spec, id: 0, instance: 0 }));
      return handle;
    },
    fields: (handle) => answer(() => wasm.fields(idOf(handle, 0))),
    extract: (handle, _scratch, len) => answer(() => wasm.extract(idOf(handle, len), len)),
    continueTrace: (handle, _scratch, len) =>
      answer(() => wasm.continue_trace(idOf(handle, len), len)),
    continueTraceInject: (handle, _scratch, len) =>
      answer(() => wasm.continue_trace_inject(idOf(handle, len), len)),
    diagnose: (handle, _scratch, len) => answer(() => wasm.diagnose(idOf(handle, len), len)),
    extractEnv: (handle, _scratch, len) => answer(() => wasm.extract_env(idOf(handle, len), len)),
    continueTraceEnv: (handle, _scratch, len) =>
      answer(() => wasm.continue_trace_env(idOf(handle, len), len)),
    diagnoseEnv: (handle, _scratch, len) => answer(() => wasm.diagnose_env(idOf(handle, len), len)),
    newRoot: () => answer(() => wasm.new_root()),
    child: (record) => answer(() => wasm.child(put(record, 0))),
    withTracestate: (record, key, value) =>
      answer(() => {
        const recordLen = put(record, 0);
        const keyLen = put(key, recordLen);
        return wasm.with_tracestate(recordLen, keyLen, put(value, recordLen + keyLen));
      }),
    withBaggage: (record, key, value) =>
      answer(() => {
        const recordLen = put(record, 0);
        const keyLen = put(key, recordLen);
        return wasm.with_baggage(recordLen, keyLen, put(value, recordLen + keyLen));
      }),
    details: (record) => answer(() => wasm.details(put(record, 0))),
    inject: (handle, record) =>
      answer(() => {
        const id = idOf(handle, 0);
        return wasm.inject(id, put(record, 0));
      }),
    injectEnv: (handle, record) =>
      answer(() => {
        const id = idOf(handle, 0);
        return wasm.inject_env(id, put(record, 0));
      }),
    extractJson: (body, traceIdField, spanIdField) =>
      answer(() => {
        const bodyLen = putBody(body, 0);
        const traceLen = put(traceIdField, bodyLen);
        return wasm.extract_json(bodyLen, traceLen, put(spanIdField, bodyLen + traceLen));
      }),
    injectJson: (record, body, traceIdField, spanIdField) =>
      answer(() => {
        const recordLen = put(record, 0);
        const bodyLen = putBody(body, recordLen);
        const traceLen = put(traceIdField, recordLen + bodyLen);
        const spanLen = put(spanIdField, recordLen + bodyLen + traceLen);
        return wasm.inject_json(recordLen, bodyLen, traceLen, spanLen);
      }, typeof body !== 'string'),
  };
}
