// The interop peer for tracewire's Node package.
import { Propagator, extract } from 'tracewire';

import { serve, sortedPairs } from './serve.mjs';

// A tracewire context holding exactly the ids, flag, tracestate and baggage of
// `wire`, read through the package's own W3C parser.
function toContext(wire) {
  const headers = { traceparent: `00-${wire.trace_id}-${wire.span_id}-${wire.sampled ? '01' : '00'}` };
  if (wire.tracestate) headers.tracestate = wire.tracestate;
  let ctx = extract(headers);
  for (const [key, value] of Object.entries(wire.baggage)) ctx = ctx.withBaggage(key, value);
  return ctx;
}

const toWire = (ctx) =>
  ctx && {
    trace_id: ctx.traceId,
    span_id: ctx.spanId,
    sampled: ctx.sampled,
    tracestate: ctx.tracestate,
    baggage: ctx.baggage,
  };

await serve((request) => {
  const propagator = new Propagator({ extract: request.formats, inject: request.formats });
  if (request.op === 'inject') {
    return { headers: sortedPairs(propagator.inject(toContext(request.context), {})) };
  }
  return { context: toWire(propagator.extract(request.headers)) };
});
