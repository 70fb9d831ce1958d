'use strict';
// The package's CommonJS entry. The ESM entry (index.mjs) re-exports this one, so
// `require` and `import` share one API: one Context class, one default propagator.
const native = require('../index.js');
const { createApi } = require('./api.cjs');

/** Frames larger than this get a one-off buffer instead of growing the shared one. */
const KEEP_LIMIT = 64 * 1024;
let shared = new Uint8Array(1024);

module.exports = createApi({
  ...native,
  scratch(size) {
    if (size <= shared.length) return shared;
    if (size > KEEP_LIMIT) return new Uint8Array(size);
    shared = new Uint8Array(Math.min(KEEP_LIMIT, Math.max(size, shared.length * 2)));
    return shared;
  },
});
