// `<package>/fetch` with Node's global fetch against a real server on 127.0.0.1
// that answers with the headers it received.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, test } from 'node:test';

import { impl, loadApi, packages } from '../impl.mjs';

const { Context, Propagator } = await loadApi();
const { tracingFetch } = await import(`${packages[impl]}/fetch`);
const { run } = await import(`${packages[impl]}/scope`);

const echo = createServer((request, response) => {
  response.setHeader('content-type', 'application/json');
  response.end(JSON.stringify(request.headersDistinct));
});
let url;

before(async () => {
  await new Promise((resolve) => echo.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${echo.address().port}/echo`;
});
after(() => echo.close());

/** The headers the server received for a call of `fetch`. */
async function received(fetch, input = url, init = undefined) {
  const response = await fetch(input, init);
  assert.equal(response.status, 200);
  return response.json();
}

test('the current context goes out with each request; none, no trace headers', async () => {
  const fetch = tracingFetch();
  const ctx = Context.newRoot().withTracestate('shop', 'web').withBaggage('user.id', 'alice');
  const headers = await run(ctx, () => received(fetch, url, { headers: { 'x-request-id': 'r1' } }));
  assert.deepEqual(headers['x-request-id'], ['r1']);
  assert.deepEqual(headers.traceparent, [ctx.traceparent]);
  assert.deepEqual(headers.tracestate, ['shop=web']);
  assert.deepEqual(headers.baggage, ['user.id=alice']);
  const outside = await received(fetch);
  assert.equal(outside.traceparent, undefined);
});

test('a given context, a Request with headers, a stale traceparent replaced', async () => {
  const ctx = Context.newRoot();
  const fetch = tracingFetch({ context: ctx });
  const request = new Request(url, { headers: { 'x-kept': '1', TraceParent: 'stale' } });
  const headers = await received(fetch, request);
  assert.deepEqual(headers['x-kept'], ['1']);
  assert.deepEqual(headers.traceparent, [ctx.traceparent]);
  const perCall = tracingFetch({ context: () => ctx.child() });
  const first = (await received(perCall)).traceparent[0];
  const second = (await received(perCall)).traceparent[0];
  assert.notEqual(first, second, 'a fresh child per call');
  assert.ok(first.startsWith(`00-${ctx.traceId}-`));
});

test('a configured propagator writes its formats', async () => {
  const ctx = Context.newRoot();
  const b3 = new Propagator({ inject: ['b3'] });
  const headers = await received(tracingFetch({ context: ctx, propagator: b3 }));
  assert.deepEqual(headers.b3, [`${ctx.traceId}-${ctx.spanId}-1`]);
  assert.equal(headers.traceparent, undefined);
  assert.throws(() => tracingFetch({ context: 'x' }), TypeError);
  assert.throws(() => tracingFetch({ fetch: null }), TypeError);
});
