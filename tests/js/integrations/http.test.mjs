// `tracewire/http` (Node package): a real `http.createServer` on 127.0.0.1 whose
// handler is wrapped with `traced`, called with real fetch and http.request.
import assert from 'node:assert/strict';
import { OutgoingMessage, createServer, request as httpRequest } from 'node:http';
import { after, before, test } from 'node:test';

import { Context, Propagator } from 'tracewire';
import { tracingFetch } from 'tracewire/fetch';
import { continueFrom, current, injectRequest, traced } from 'tracewire/http';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';
const TP = `00-${TRACE_ID}-${SPAN_ID}-01`;

/** JSON answers: `/orders` calls `/stock` with the current context and reports both sides. */
const server = createServer(
  traced(async (request, response) => {
    const ctx = current();
    let body;
    if (request.url === '/orders') {
      // Across awaits and another request: still this request's context.
      const stock = await (await tracingFetch()(`${base}/stock`)).json();
      body = { handler: ctx.toJSON(), stillCurrent: current() === ctx, stock };
    } else if (request.url === '/last') {
      body = continueFrom(request, new Propagator({ repeated: 'last' })).toJSON();
    } else {
      body = { handler: ctx.toJSON(), headers: request.headersDistinct };
    }
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify(body));
  }),
);
let base;

before(async () => {
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${server.address().port}`;
});
after(() => server.close());

/** Sends `request` (ended here) and parses the JSON answer. */
function answer(request) {
  return new Promise((resolve, reject) => {
    request.on('error', reject);
    request.on('response', async (response) => {
      let text = '';
      for await (const chunk of response) text += chunk;
      resolve(JSON.parse(text));
    });
    request.end();
  });
}

test('a traced handler continues the caller and passes its span on', async () => {
  const response = await fetch(`${base}/orders`, { headers: { traceparent: TP, tracestate: 'congo=t61rcWkgMzE' } });
  const { handler, stillCurrent, stock } = await response.json();
  assert.equal(handler.traceId, TRACE_ID);
  assert.equal(handler.parentSpanId, SPAN_ID);
  assert.notEqual(handler.spanId, SPAN_ID);
  assert.equal(stillCurrent, true);
  // The downstream call carried the handler's span, and was continued under it.
  assert.deepEqual(stock.headers.traceparent, [`00-${TRACE_ID}-${handler.spanId}-01`]);
  assert.deepEqual(stock.headers.tracestate, ['congo=t61rcWkgMzE']);
  assert.equal(stock.handler.parentSpanId, handler.spanId);
});

test('repeated fields stay apart: tracestate combined, a second traceparent restarts', async () => {
  // An array value: one header line each.
  const { handler, headers } = await answer(httpRequest(`${base}/echo`, { headers: { traceparent: TP, tracestate: ['a=1', 'b=2'] } }));
  assert.deepEqual(headers.tracestate, ['a=1', 'b=2']);
  assert.equal(handler.parentSpanId, SPAN_ID);
  assert.equal(handler.tracestate, 'a=1,b=2');
  const twoParents = { traceparent: [TP, `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01`] };
  const restarted = (await answer(httpRequest(`${base}/echo`, { headers: twoParents }))).handler;
  assert.notEqual(restarted.traceId, TRACE_ID);
  assert.equal(restarted.parentSpanId, null);
  const last = await answer(httpRequest(`${base}/last`, { headers: twoParents }));
  assert.equal(last.parentSpanId, '2'.repeat(16));
});

test('injectRequest sets the headers of a ClientRequest and removes a stale one', async () => {
  const ctx = Context.newRoot();
  const request = httpRequest(`${base}/echo`, { headers: { TraceParent: 'stale', tracestate: 'old=1', 'x-kept': 'yes' } });
  assert.equal(injectRequest(request, ctx), request);
  const { headers, handler } = await answer(request);
  assert.deepEqual(headers.traceparent, [ctx.traceparent]);
  assert.equal(headers.tracestate, undefined);
  assert.deepEqual(headers['x-kept'], ['yes']);
  assert.equal(handler.parentSpanId, ctx.spanId);
  assert.throws(() => injectRequest(new OutgoingMessage()), TypeError, 'no current context');
  assert.throws(() => injectRequest({}, ctx), TypeError);
  assert.equal(current(), undefined);
});
