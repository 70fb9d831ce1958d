// Node's http: each request is handled in its caller's trace, and the calls the
// handler makes with `fetch` carry the handler's span.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';

import { tracingFetch } from 'tracewire/fetch';
import { current, traced } from 'tracewire/http';

const tracedFetch = tracingFetch(); // injects current()

const server = createServer(
  traced(async (request, response) => {
    const ctx = current(); // continued from the request's headers
    response.setHeader('content-type', 'application/json');
    if (request.url === '/stock') {
      response.end(JSON.stringify({ parentSpanId: ctx?.parentSpanId }));
      return;
    }
    const stock = await (await tracedFetch(`${origin}/stock`)).json();
    response.end(JSON.stringify({ traceId: ctx?.traceId, spanId: ctx?.spanId, stock }));
  }),
);
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
const origin = `http://127.0.0.1:${port}`;

const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const answer = await (await fetch(`${origin}/orders`, { headers: { traceparent } })).json();
server.close();
console.log(answer);
assert.equal(answer.traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
assert.equal(answer.stock.parentSpanId, answer.spanId); // /stock ran under /orders
