// OpenTelemetry makes the spans, tracewire reads and writes the headers: here W3C
// Trace Context, B3 and Baggage both ways, for a fleet that speaks both.
import assert from 'node:assert/strict';

import { ROOT_CONTEXT, context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { Propagator } from 'tracewire';
import { TracewirePropagator } from 'tracewire/opentelemetry';

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
trace.setGlobalTracerProvider(new BasicTracerProvider());
/** @type {import('tracewire').Format[]} */
const formats = ['tracecontext', 'b3', 'baggage'];
propagation.setGlobalPropagator(new TracewirePropagator(new Propagator({ extract: formats, inject: formats })));

// A request from a B3 service, with baggage.
const incoming = { b3: '4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1', baggage: 'user.id=alice' };

const tracer = trace.getTracer('orders');
const parent = propagation.extract(ROOT_CONTEXT, incoming);
const outgoing = tracer.startActiveSpan('POST /orders', {}, parent, (span) => {
  /** @type {Record<string, string>} */
  const headers = {};
  propagation.inject(context.active(), headers); // the SDK's span, in every format
  span.end();
  return { headers, spanId: span.spanContext().spanId };
});
console.log(outgoing.headers);
assert.equal(outgoing.headers.traceparent, `00-4bf92f3577b34da6a3ce929d0e0e4736-${outgoing.spanId}-01`);
assert.equal(outgoing.headers.b3, `4bf92f3577b34da6a3ce929d0e0e4736-${outgoing.spanId}-1`);
assert.equal(outgoing.headers.baggage, 'user.id=alice');
