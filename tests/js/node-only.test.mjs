// Node-specific checks of the implementation TRACEWIRE_IMPL names: Buffers, worker
// threads, and properties over generated input (fast-check).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';

import fc from 'fast-check';

import { loadApi } from './impl.mjs';

const api = await loadApi();
const { Context, Propagator, TracewireError } = api;

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';
const TP = `00-${TRACE_ID}-${SPAN_ID}-01`;

test('reads kafkajs headers with Buffer values, pooled ones included', () => {
  // Short Buffer.from() values share one pool: each is a view at some offset.
  const headers = { traceparent: Buffer.from(TP), tracestate: [Buffer.from('a=1'), Buffer.from('b=2')] };
  assert.ok(headers.traceparent.byteOffset > 0 || headers.tracestate[0].byteOffset > 0);
  const context = api.extract(headers);
  assert.equal(context.spanId, SPAN_ID);
  assert.equal(context.tracestate, 'a=1,b=2');
  context.child().inject(headers);
  assert.deepEqual(Object.keys(headers), ['traceparent', 'tracestate']);
  assert.equal(typeof headers.traceparent, 'string');
});

test('JSON bodies: a Buffer in gives a Buffer out, pooled views included', () => {
  const body = Buffer.from(`{"orderId":42,"traceId":"${TRACE_ID}","spanId":"${SPAN_ID}"}`);
  assert.ok(body.byteOffset > 0 || body.buffer.byteLength > body.length, 'a view into the pool');
  const ctx = api.extractJson(body);
  assert.equal(ctx.spanId, SPAN_ID);
  const child = ctx.child();
  const out = child.injectJson(body);
  assert.ok(Buffer.isBuffer(out));
  assert.equal(out.toString(), `{"orderId":42,"traceId":"${TRACE_ID}","spanId":"${child.spanId}"}`);
  assert.equal(child.injectJson(new Uint8Array(body)).constructor, Uint8Array, 'a Uint8Array stays one');
  assert.throws(() => child.injectJson(Buffer.from('[]')), (error) => error instanceof TracewireError && error.code === 'invalid_json');
});

test('the environment functions default to process.env', () => {
  const saved = { TRACEPARENT: process.env.TRACEPARENT, BAGGAGE: process.env.BAGGAGE };
  try {
    process.env.TRACEPARENT = TP;
    process.env.BAGGAGE = 'job=nightly';
    assert.equal(api.extractEnv().spanId, SPAN_ID);
    assert.deepEqual(api.continueTraceEnv().baggage, { job: 'nightly' });
    assert.deepEqual(api.diagnoseEnv().map((d) => d.code), ['extracted']);
    assert.equal(new Propagator().extractEnv().spanId, SPAN_ID);
    const env = api.continueTraceEnv().injectEnv({ ...process.env });
    assert.equal(env.PATH, process.env.PATH, 'other variables kept');
    assert.equal(api.continueTraceEnv(env).traceId, TRACE_ID);
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
});

test('4 worker threads drawing 1M span ids each see no duplicate', async () => {
  const count = 1_000_000;
  const halves = await Promise.all(
    Array.from({ length: 4 }, () => {
      const worker = new Worker(new URL('./span-ids.worker.mjs', import.meta.url), { workerData: { count } });
      return new Promise((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
    }),
  );
  const ids = new BigUint64Array(4 * count);
  halves.forEach((packed, i) => ids.set(new BigUint64Array(packed.buffer), i * count));
  ids.sort();
  assert.notEqual(ids[0], 0n, 'the all-zero span id is never drawn');
  for (let i = 1; i < ids.length; i++) {
    if (ids[i] === ids[i - 1]) assert.fail(`span id drawn twice: ${ids[i].toString(16)}`);
  }
});

const hexOf = (length) => fc.stringMatching(new RegExp(`^[0-9a-f]{${length}}$`));
const text = fc.string({ unit: 'binary', maxLength: 80 });
const value = fc.oneof(text, fc.uint8Array({ maxLength: 80 }), fc.constant(TP));
const name = fc.constantFrom(
  'traceparent',
  'TraceParent',
  'tracestate',
  'TRACESTATE',
  'baggage',
  'b3',
  'X-B3-TraceId',
  'uber-trace-id',
  'UberCtx-k',
  'uberctx-',
  'x-amzn-trace-id',
  'x-datadog-trace-id',
  'other',
);
const everyFormat = ['tracecontext', 'baggage', 'b3', 'b3multi', 'jaeger', 'xray', 'datadog'];

test('extraction never throws on any header contents, in any container', () => {
  const pairs = fc.array(fc.tuple(name, value), { maxLength: 6 });
  fc.assert(
    fc.property(pairs, fc.constantFrom('last', 'first', 'restart'), (headers, repeated) => {
      const propagator = new Propagator({ extract: everyFormat, inject: everyFormat, repeated });
      const containers = [headers, new Map(headers), Object.fromEntries(headers)];
      for (const container of containers) {
        propagator.extract(container);
        propagator.diagnose(container);
        const ctx = propagator.continueTrace(container);
        assert.ok(ctx instanceof Context);
        assert.equal(typeof ctx.baggage, 'object');
        propagator.inject(ctx, []);
      }
    }),
  );
});

test('JSON extraction and injection throw nothing but invalid_json, on any text or bytes', () => {
  const body = fc.oneof(
    fc.json(),
    fc.string({ unit: 'binary', maxLength: 60 }),
    fc.uint8Array({ maxLength: 60 }),
    fc.dictionary(fc.constantFrom('traceId', 'spanId', 'traceparent', 'x'), fc.oneof(hexOf(16), hexOf(32), fc.string())).map(JSON.stringify),
  );
  const root = Context.newRoot();
  fc.assert(
    fc.property(body, (value) => {
      for (const run of [() => api.extractJson(value), () => root.injectJson(value)]) {
        try {
          run();
        } catch (error) {
          if (!(error instanceof TracewireError && error.code === 'invalid_json')) throw error;
        }
      }
    }),
  );
});

test('what is injected extracts to the same context', () => {
  const ids = fc.tuple(hexOf(32), hexOf(16), fc.integer({ min: 0, max: 255 }));
  fc.assert(
    fc.property(ids, ([traceId, spanId, flags]) => {
      fc.pre(!/^0+$/.test(traceId) && !/^0+$/.test(spanId));
      const flagsHex = flags.toString(16).padStart(2, '0');
      const received = api.extract({ traceparent: `00-${traceId}-${spanId}-${flagsHex}` });
      assert.equal(received.flags, flags);
      const sent = received.child();
      const again = api.extract(sent.inject([]));
      assert.deepEqual([again.traceId, again.spanId, again.flags], [traceId, sent.spanId, flags & 3]);
    }),
  );
});

test('what injectJson stamps, extractJson reads back, every other member kept', () => {
  const special = new Set(['traceId', 'spanId', 'traceparent', 'tracestate', '__proto__']);
  const key = fc.string({ maxLength: 8 }).filter((k) => !special.has(k));
  const root = Context.newRoot();
  fc.assert(
    fc.property(fc.dictionary(key, fc.jsonValue({ maxDepth: 2 })), fc.boolean(), (object, asBytes) => {
      const text = JSON.stringify(object);
      const out = root.injectJson(asBytes ? Buffer.from(text) : text);
      const again = api.extractJson(out);
      assert.deepEqual([again.traceId, again.spanId], [root.traceId, root.spanId]);
      assert.deepEqual(JSON.parse(out.toString()), JSON.parse(JSON.stringify({ ...object, traceId: root.traceId, spanId: root.spanId })));
    }),
  );
});

test('withTracestate either puts the member first or throws a tracestate code', () => {
  const root = Context.newRoot().withTracestate('a', '1');
  fc.assert(
    fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (key, value) => {
      try {
        assert.ok(root.withTracestate(key, value).tracestate.startsWith(`${key}=`));
      } catch (error) {
        if (!(error instanceof TracewireError)) throw error;
        assert.match(error.code, /^invalid_tracestate_(key|value)$/);
      }
    }),
  );
});
