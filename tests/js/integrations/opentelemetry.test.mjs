// `<package>/opentelemetry` with the real OpenTelemetry API and SDK: tracewire as the
// global propagator, an SDK tracer continuing incoming headers and injecting its spans.
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';

import { ROOT_CONTEXT, context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

import { impl, loadApi, packages } from '../impl.mjs';

const api = await loadApi();
const { TracewirePropagator } = await import(`${packages[impl]}/opentelemetry`);

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';
const INCOMING = {
  host: 'orders.example',
  traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`,
  tracestate: 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7',
  baggage: 'user.id=alice,tenant=acme%20co',
};

const exporter = new InMemorySpanExporter();
const tracer = trace.getTracer('tracewire-test');

before(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  propagation.setGlobalPropagator(new TracewirePropagator());
});
beforeEach(() => exporter.reset());
after(() => {
  propagation.disable();
  trace.disable();
  context.disable();
});

test('extract: a remote span context with flags and TraceState, and the baggage', () => {
  const extracted = propagation.extract(ROOT_CONTEXT, INCOMING);
  const remote = trace.getSpanContext(extracted);
  assert.equal(remote.traceId, TRACE_ID);
  assert.equal(remote.spanId, SPAN_ID);
  assert.equal(remote.traceFlags, 1);
  assert.equal(remote.isRemote, true);
  assert.equal(remote.traceState.get('congo'), 't61rcWkgMzE');
  assert.equal(remote.traceState.serialize(), INCOMING.tracestate);
  const baggage = propagation.getBaggage(extracted);
  assert.deepEqual(
    baggage.getAllEntries().map(([key, entry]) => [key, entry.value]),
    [['user.id', 'alice'], ['tenant', 'acme co']],
  );
});

test('an SDK tracer continues the incoming trace and injects its own span', async () => {
  const parent = propagation.extract(ROOT_CONTEXT, INCOMING);
  const outgoing = await tracer.startActiveSpan('handle order', {}, parent, async (span) => {
    // Across an await: the context manager keeps the span active.
    await new Promise((resolve) => setImmediate(resolve));
    const headers = { 'content-type': 'application/json' };
    propagation.inject(context.active(), headers);
    span.end();
    return { headers, spanId: span.spanContext().spanId };
  });
  assert.deepEqual(outgoing.headers, {
    'content-type': 'application/json',
    traceparent: `00-${TRACE_ID}-${outgoing.spanId}-01`,
    tracestate: INCOMING.tracestate,
    baggage: 'user.id=alice,tenant=acme%20co',
  });
  const [finished] = exporter.getFinishedSpans();
  assert.equal(finished.spanContext().traceId, TRACE_ID);
  assert.equal(finished.parentSpanContext.spanId, SPAN_ID);
  assert.equal(finished.parentSpanContext.isRemote, true);
  // What tracewire reads back is the SDK's span.
  assert.equal(api.extract(outgoing.headers).spanId, outgoing.spanId);
});

test('a root span of the SDK, and baggage set through the API', () => {
  const headers = {};
  const bag = propagation.createBaggage({ 'order.id': { value: 'ord 42' }, 'not a token': { value: 'dropped' } });
  tracer.startActiveSpan('checkout', {}, propagation.setBaggage(ROOT_CONTEXT, bag), (span) => {
    propagation.inject(context.active(), headers);
    span.end();
  });
  const { traceId, spanId } = exporter.getFinishedSpans()[0].spanContext();
  assert.deepEqual(headers, { traceparent: `00-${traceId}-${spanId}-01`, baggage: 'order.id=ord%2042' });
});

test('unsampled and random flags survive the round trip', () => {
  const incoming = { traceparent: `00-${TRACE_ID}-${SPAN_ID}-02` };
  const extracted = propagation.extract(ROOT_CONTEXT, incoming);
  assert.equal(trace.getSpanContext(extracted).traceFlags, 2);
  const headers = {};
  propagation.inject(extracted, headers);
  assert.deepEqual(headers, incoming);
});

test('nothing valid arrives: the context is unchanged; baggage alone is kept', () => {
  const invalid = { traceparent: `00-${TRACE_ID.toUpperCase()}-${SPAN_ID}-01`, tracestate: 'a=1' };
  assert.equal(propagation.extract(ROOT_CONTEXT, invalid), ROOT_CONTEXT);
  assert.equal(propagation.extract(ROOT_CONTEXT, {}), ROOT_CONTEXT);
  const onlyBaggage = propagation.extract(ROOT_CONTEXT, { baggage: 'k=v' });
  assert.equal(trace.getSpanContext(onlyBaggage), undefined);
  assert.equal(propagation.getBaggage(onlyBaggage).getEntry('k').value, 'v');
  const headers = {};
  propagation.inject(onlyBaggage, headers);
  assert.deepEqual(headers, {}, 'no span, nothing injected');
});

test('other formats through a configured tracewire Propagator, with a custom getter', () => {
  const b3 = new TracewirePropagator(new api.Propagator({ extract: ['b3', 'tracecontext'], inject: ['b3'] }));
  // What the formats read and write: what a reused carrier is cleared of.
  assert.deepEqual(b3.fields(), ['traceparent', 'tracestate', 'b3', 'x-b3-traceid', 'x-b3-spanid', 'x-b3-parentspanid', 'x-b3-sampled', 'x-b3-flags']);
  // A carrier of repeated fields, read through the getter OpenTelemetry hands over.
  const carrier = new Map([['B3', [`${TRACE_ID}-${SPAN_ID}-1`]]]);
  const getter = { keys: (map) => [...map.keys()], get: (map, key) => map.get(key) };
  const extracted = b3.extract(ROOT_CONTEXT, carrier, getter);
  assert.equal(trace.getSpanContext(extracted).spanId, SPAN_ID);
  const written = new Map();
  b3.inject(extracted, written, { set: (map, key, value) => map.set(key, value) });
  assert.deepEqual([...written], [['b3', `${TRACE_ID}-${SPAN_ID}-1`]]);
  assert.deepEqual(new TracewirePropagator().fields(), ['traceparent', 'tracestate', 'baggage']);
  assert.throws(() => new TracewirePropagator({ extract: ['b3'] }), TypeError);
});
