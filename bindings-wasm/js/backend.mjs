// The tracewire backend over the WebAssembly module: the same functions, with the
// same in-band `!code` answers, as the Node-API addon, so one JS layer serves both.
// Each call crosses once with numbers only: inputs go into the module's scratch
// buffer, the answer (text; bytes for a JSON body given as bytes) is read from
// its output buffer.

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const empty = new Uint8Array(0);

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
  /** Spec text → propagator handle in the instance in use. */
  const handles = new Map();

  const start = (exports) => {
    wasm = exports;
    memory = scratchView = empty;
    handles.clear();
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
  const put = (text, at) =>
    encoder.encodeInto(text, scratch(at + text.length * 3).subarray(at)).written;

  /** Writes text or bytes at byte `at` of the scratch buffer; returns the length. */
  const putBody = (body, at) => {
    if (typeof body === 'string') return put(body, at);
    scratch(at + body.length).set(body, at);
    return body.length;
  };

  /** The handle of `spec`, written (once per instance) after `at` bytes of input. */
  const handle = (spec, at) => {
    let found = handles.get(spec);
    if (found === undefined) {
      found = wasm.propagator(at, put(spec, at));
      handles.set(spec, found);
    }
    return found;
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
    fields: (spec) => answer(() => wasm.fields(handle(spec, 0))),
    extract: (spec, _scratch, len) => answer(() => wasm.extract(handle(spec, len), len)),
    continueTrace: (spec, _scratch, len) =>
      answer(() => wasm.continue_trace(handle(spec, len), len)),
    diagnose: (spec, _scratch, len) => answer(() => wasm.diagnose(handle(spec, len), len)),
    extractEnv: (spec, _scratch, len) => answer(() => wasm.extract_env(handle(spec, len), len)),
    continueTraceEnv: (spec, _scratch, len) =>
      answer(() => wasm.continue_trace_env(handle(spec, len), len)),
    diagnoseEnv: (spec, _scratch, len) => answer(() => wasm.diagnose_env(handle(spec, len), len)),
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
    inject: (spec, record) =>
      answer(() => {
        const propagator = handle(spec, 0);
        return wasm.inject(propagator, put(record, 0));
      }),
    injectEnv: (spec, record) =>
      answer(() => {
        const propagator = handle(spec, 0);
        return wasm.inject_env(propagator, put(record, 0));
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
