// The Node package's CommonJS entry: `require('tracewire')` works on Node 20 and
// shares its classes with `import`.
const assert = require('node:assert/strict');
const { test } = require('node:test');

const TP = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const impl = process.env.TRACEWIRE_IMPL ?? 'node';

test("require('tracewire')", { skip: impl !== 'node' && 'the CommonJS entry belongs to the Node package' }, async () => {
  const tracewire = require('tracewire');
  const context = tracewire.continueTrace({ traceparent: TP });
  assert.equal(context.parentSpanId, '00f067aa0ba902b7');
  assert.deepEqual(Object.keys(context.inject({})), ['traceparent']);
  assert.throws(() => new tracewire.Propagator({ extract: ['b4'] }), { code: 'unknown_format' });
  const esm = await import('tracewire');
  assert.equal(esm.Context, tracewire.Context, 'import and require share one API');
  assert.ok(esm.continueTrace({ traceparent: TP }) instanceof tracewire.Context);
});
