'use strict';
// The package's CommonJS entry. The ESM entry (index.mjs) re-exports this one, so
// `require` and `import` share one API: one Context class, one default propagator.
const native = require('../index.js');
const { createApi } = require('./api.cjs');

/** Frames larger than this get a one-off buffer instead of growing the shared one. */
const KEEP_LIMIT = 64 * 1024;
/** Buffers: their own UTF-8 writer is faster than TextEncoder's for short text. */
let shared = Buffer.alloc(1024);

module.exports = createApi({
  spec: native.spec,
  // The addon keeps propagators per thread, and a worker thread loads this module
  // afresh, so handles never cross threads.
  propagator: native.propagator,
  fields: native.fields,
  extract: native.extract,
  continueTrace: native.continueTrace,
  continueTraceInject: native.continueTraceInject,
  diagnose: native.diagnose,
  extractEnv: native.extractEnv,
  continueTraceEnv: native.continueTraceEnv,
  diagnoseEnv: native.diagnoseEnv,
  newRoot: native.newRoot,
  child: native.child,
  withTracestate: native.withTracestate,
  withBaggage: native.withBaggage,
  details: native.details,
  inject: native.inject,
  injectEnv: native.injectEnv,
  extractJson: native.extractJson,
  injectJson: native.injectJson,
  scratch(size) {
    if (size <= shared.length) return shared;
    if (size > KEEP_LIMIT) return Buffer.alloc(size);
    shared = Buffer.alloc(Math.min(KEEP_LIMIT, Math.max(size, shared.length * 2)));
    return shared;
  },
  // `utf8Write` is what `write` calls after checking its arguments, which are right here.
  encodeInto: typeof shared.utf8Write === 'function'
    ? (text, frame, at) => frame.utf8Write(text, at)
    : (text, frame, at) => frame.write(text, at),
});
