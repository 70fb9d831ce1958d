// The interop peer for OpenTelemetry JS (@opentelemetry/api, core, propagator-b3,
// propagator-jaeger).
import {
  ROOT_CONTEXT,
  TraceFlags,
  defaultTextMapGetter,
  defaultTextMapSetter,
  isSpanContextValid,
  propagation,
  trace,
} from '@opentelemetry/api';
import {
  CompositePropagator,
  TraceState,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import { B3InjectEncoding, B3Propagator } from '@opentelemetry/propagator-b3';
import { JaegerPropagator } from '@opentelemetry/propagator-jaeger';

import { serve, sortedPairs } from './serve.mjs';

const PROPAGATORS = {
  tracecontext: new W3CTraceContextPropagator(),
  baggage: new W3CBaggagePropagator(),
  b3: new B3Propagator({ injectEncoding: B3InjectEncoding.SINGLE_HEADER }),
  b3multi: new B3Propagator({ injectEncoding: B3InjectEncoding.MULTI_HEADER }),
  jaeger: new JaegerPropagator(),
};

function toContext(wire) {
  const ctx = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: wire.trace_id,
    spanId: wire.span_id,
    traceFlags: wire.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
    traceState: new TraceState(wire.tracestate),
    isRemote: true,
  });
  const entries = Object.fromEntries(Object.entries(wire.baggage).map(([k, value]) => [k, { value }]));
  return Object.keys(entries).length ? propagation.setBaggage(ctx, propagation.createBaggage(entries)) : ctx;
}

function toWire(ctx) {
  const span = trace.getSpanContext(ctx);
  if (!span || !isSpanContextValid(span)) return null;
  const bag = propagation.getBaggage(ctx);
  return {
    trace_id: span.traceId,
    span_id: span.spanId,
    sampled: (span.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED,
    tracestate: span.traceState ? span.traceState.serialize() : '',
    baggage: Object.fromEntries((bag ? bag.getAllEntries() : []).map(([k, entry]) => [k, entry.value])),
  };
}

await serve((request) => {
  const propagator = new CompositePropagator({ propagators: request.formats.map((f) => PROPAGATORS[f]) });
  if (request.op === 'inject') {
    const headers = {};
    propagator.inject(toContext(request.context), headers, defaultTextMapSetter);
    return { headers: sortedPairs(headers) };
  }
  // Header names as Node's http module hands them over: lower-case.
  const carrier = Object.fromEntries(request.headers.map(([name, value]) => [name.toLowerCase(), value]));
  return { context: toWire(propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter)) };
});
