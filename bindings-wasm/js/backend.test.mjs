// The WebAssembly backend when the module fails: Rust panics abort on wasm32, as a
// trap that JS sees as a WebAssembly.RuntimeError. The backend must answer
// `!internal_error` (the API throws it as a TracewireError), or a RangeError when
// memory ran out, and not use that instance again. Run with `node --test` and
// TRACEWIRE_WASM_GLUE naming the directory wasm-bindgen wrote (test.sh sets it).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';

import { createBackend } from './backend.mjs';

const dir = process.env.TRACEWIRE_WASM_GLUE;
assert.ok(dir, 'set TRACEWIRE_WASM_GLUE to the directory of the wasm-bindgen output');
const glue = await import(pathToFileURL(join(dir, 'tracewire_wasm.js')).href);
await glue.default({ module_or_path: await readFile(join(dir, 'tracewire_wasm_bg.wasm')) });
/** The exports of the instance in use (a test that traps replaces it). */
const current = () => glue.initSync();
const SPEC = 'tracecontext;tracecontext;restart';
/** A context record (core `host::record`) of a root: traceparent, no parent, flags 03, empty sections. */
const ROOT_RECORD = /^00-[0-9a-f]{32}-[0-9a-f]{16}-030{16}03\n\n\n$/;

/** A backend whose replacement instance comes from the real module. */
function backend() {
  const made = createBackend(() => {
    glue.__wbg_reset_state();
    return current();
  });
  made.use(current());
  return made;
}

test('answers with the core before anything fails', () => {
  const b = backend();
  assert.equal(b.spec('tracecontext', 'tracecontext', 'restart'), SPEC);
  assert.equal(b.spec('b9', '', 'restart'), '!unknown_format');
  assert.equal(b.fields(b.propagator(SPEC)), 'traceparent,tracestate');
  assert.equal(b.child('nonsense'), '!invalid_context');
  const root = b.newRoot();
  const body = new TextEncoder().encode('{"a":1}');
  const stamped = b.injectJson(root, body, 'traceId', 'spanId');
  assert.ok(stamped instanceof Uint8Array, 'bytes in, bytes out');
  assert.ok(new TextDecoder().decode(stamped).startsWith(`{"a":1,"traceId":"${root.slice(3, 35)}"`));
  assert.equal(b.injectJson(root, new TextEncoder().encode('[1]'), 'traceId', 'spanId'), '!invalid_json');
  assert.equal(typeof b.injectJson(root, '{}', 'traceId', 'spanId'), 'string', 'text in, text out');
});

test('no memory for a frame is a RangeError, and a fresh instance serves', () => {
  const b = backend();
  assert.match(b.newRoot(), ROOT_RECORD);
  assert.throws(() => b.scratch(2 ** 32 - 1), RangeError);
  assert.match(b.newRoot(), ROOT_RECORD);
  assert.equal(b.fields(b.propagator(SPEC)), 'traceparent,tracestate');
});

test('a trap inside a call answers internal_error, then a fresh instance serves', () => {
  const failing = Object.create(current(), {
    child: {
      value() {
        throw new WebAssembly.RuntimeError('unreachable');
      },
    },
  });
  const b = createBackend(current);
  b.use(failing);
  const root = b.newRoot();
  assert.equal(b.child(root), '!internal_error');
  assert.equal(b.child(root).slice(3, 35), root.slice(3, 35));
});

test('an instance that cannot be replaced is no longer called', () => {
  let calls = 0;
  const b = createBackend(() => {
    throw new WebAssembly.CompileError('no instance');
  });
  b.use({
    new_root() {
      calls += 1;
      throw new WebAssembly.RuntimeError('unreachable');
    },
  });
  assert.equal(b.newRoot(), '!internal_error');
  assert.equal(b.newRoot(), '!internal_error');
  assert.equal(calls, 1);
  assert.equal(b.scratch(10).length, 10);
  assert.equal(b.extract(b.propagator(SPEC), null, 0), '!internal_error');
});

test('other errors are not hidden', () => {
  const b = createBackend(current);
  b.use(
    Object.create(current(), {
      new_root: {
        value() {
          throw new TypeError('a bug in the JS layer');
        },
      },
    }),
  );
  assert.throws(() => b.newRoot(), TypeError);
});

test('calls before init throw', () => {
  const b = createBackend(current);
  assert.equal(b.scratch(10).length, 10);
  assert.throws(() => b.extract(b.propagator(SPEC), null, 0), /await init\(\)/);
});
