// Quick start: continue the trace of an incoming HTTP request and pass it on in a
// Kafka message.
import assert from 'node:assert/strict';

import { continueTrace, diagnose, extract } from 'tracewire';

// What Node's http server hands a handler as `req.headers`.
const incoming = {
  host: 'orders.example',
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  tracestate: 'congo=t61rcWkgMzE',
};

// The caller's span as received: `null` when there is none, or it is invalid.
const caller = extract(incoming);

// The span this service works in: a child of the caller's, or a new trace.
const ctx = continueTrace(incoming);
console.log('trace', ctx.traceId, 'span', ctx.spanId, 'parent', ctx.parentSpanId);
assert.equal(ctx.traceId, caller.traceId);
assert.equal(ctx.parentSpanId, caller.spanId);

// kafkajs message headers (string or Buffer values). Injection replaces what is
// there under the same names, in any case, so a record never carries two.
const headers = { 'content-type': Buffer.from('application/json'), TraceParent: Buffer.from('stale') };
ctx.inject(headers);
console.log(headers);
// await producer.send({ topic: 'orders', messages: [{ value, headers }] });
assert.equal(headers.traceparent, ctx.traceparent);
assert.equal(headers.tracestate, 'congo=t61rcWkgMzE');

// Why nothing was picked up: stable codes, never exceptions.
const codes = diagnose({ traceparent: '00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01' });
console.log(codes.map((d) => d.code));
assert.deepEqual(codes.map((d) => d.code), ['uppercase_hex']);
