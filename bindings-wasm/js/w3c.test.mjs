// The W3C-only module as built (pkg/tracewire_w3c.wasm): what it imports and
// exports, that it carries no panic machinery, and how it seeds its ids.
// `node --test bindings-wasm/js/w3c.test.mjs` after build.sh.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';

const bytes = await readFile(new URL('../pkg/tracewire_w3c.wasm', import.meta.url));
const module = new WebAssembly.Module(bytes);

test('imports only entropy and exports only its calls and memory', () => {
  assert.deepEqual(WebAssembly.Module.imports(module), [{ module: 'tracewire', name: 'random', kind: 'function' }]);
  assert.deepEqual(
    WebAssembly.Module.exports(module).map(({ name }) => name).sort(),
    ['buffer', 'child', 'continue_trace', 'diagnose', 'extract', 'memory', 'new_root'],
  );
  assert.equal(WebAssembly.Module.customSections(module, 'name').length, 0);
});

test('has no panic messages or formatting code', () => {
  const text = bytes.toString('latin1');
  for (const sign of ['panicked', 'out of range for slice', 'index out of bounds', 'does not match destination', 'unwrap()']) {
    assert.equal(text.includes(sign), false, sign);
  }
});

/** An instance whose entropy is all sevens, and the lengths it asked for. */
async function instance() {
  const draws = [];
  let memory;
  const random = (at, len) => {
    draws.push(len);
    new Uint8Array(memory.buffer, at, len).fill(7);
  };
  const { exports } = await WebAssembly.instantiate(module, { tracewire: { random } });
  memory = exports.memory;
  /** The records of two new roots (each answer is read before the next call). */
  const roots = () => {
    const base = exports.buffer(0);
    const root = () => Buffer.from(memory.buffer, base, exports.new_root()).toString();
    return [root(), root()];
  };
  return { draws, roots };
}

test('seeds its generator once, from its one import, and answers in its memory', async () => {
  const first = await instance();
  const roots = first.roots();
  assert.deepEqual(first.draws, [8]);
  assert.match(roots[0], /^00-[0-9a-f]{32}-[0-9a-f]{16}-030{16}03$/);
  assert.notEqual(roots[0], roots[1]);
  // The same entropy, the same ids: the import is the generator's only seed.
  assert.deepEqual((await instance()).roots(), roots);
});
