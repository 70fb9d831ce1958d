'use strict';
// The package's CommonJS entry. The ESM entry (index.mjs) re-exports this one, so
// `require` and `import` share one API: one Context class, one default propagator.
const native = require('../index.js');
const { createApi } = require('./api.cjs');

/** Frames larger than this get a one-off buffer instead of growing the shared one. */
const KEEP_LIMIT = 64 * 1024;
let shared = new Uint8Array(1024);

/**
 * Spec → the addon's handle for it. The addon keeps propagators per thread, and a
 * worker thread loads this module afresh, so handles never cross threads.
 */
const handles = new Map();
const handle = (spec) => {
  let found = handles.get(spec);
  if (found === undefined) handles.set(spec, (found = native.propagator(spec)));
  return found;
};

module.exports = createApi({
  spec: native.spec,
  fields: (spec) => native.fields(handle(spec)),
  extract: (spec, frame, len) => native.extract(handle(spec), frame, len),
  continueTrace: (spec, frame, len) => native.continueTrace(handle(spec), frame, len),
  diagnose: (spec, frame, len) => native.diagnose(handle(spec), frame, len),
  extractEnv: (spec, frame, len) => native.extractEnv(handle(spec), frame, len),
  continueTraceEnv: (spec, frame, len) => native.continueTraceEnv(handle(spec), frame, len),
  diagnoseEnv: (spec, frame, len) => native.diagnoseEnv(handle(spec), frame, len),
  newRoot: native.newRoot,
  child: native.child,
  withTracestate: native.withTracestate,
  withBaggage: native.withBaggage,
  details: native.details,
  inject: (spec, record) => native.inject(handle(spec), record),
  injectEnv: (spec, record) => native.injectEnv(handle(spec), record),
  extractJson: native.extractJson,
  injectJson: native.injectJson,
  scratch(size) {
    if (size <= shared.length) return shared;
    if (size > KEEP_LIMIT) return new Uint8Array(size);
    shared = new Uint8Array(Math.min(KEEP_LIMIT, Math.max(size, shared.length * 2)));
    return shared;
  },
});
