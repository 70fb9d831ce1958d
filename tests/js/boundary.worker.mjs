// One of the worker threads of boundary.test.mjs: the whole API of the
// implementation TRACEWIRE_IMPL names, in a loop, with every kind of container;
// sends back the span ids it drew.
import { parentPort, workerData } from 'node:worker_threads';

import { loadApi } from './impl.mjs';

const api = await loadApi();
const { Context, Propagator } = api;
const formats = ['tracecontext', 'baggage', 'b3', 'b3multi', 'jaeger', 'xray', 'datadog'];
const propagator = new Propagator({ extract: formats, inject: formats, repeated: 'first' });
const root = Context.newRoot().withTracestate('k', 'v').withBaggage('user', 'alice');
const incoming = propagator.inject(root, []);
const containers = [incoming, Object.fromEntries(incoming), new Map(incoming), propagator.inject(root, new Headers())];
const spanIds = [];

function check(condition, what) {
  if (!condition) throw new Error(`worker: ${what}`);
}

for (let round = 0; round < workerData.rounds; round++) {
  const headers = containers[round % containers.length];
  const ctx = propagator.continueTrace(headers);
  check(ctx.traceId === root.traceId && ctx.parentSpanId === root.spanId, 'continueTrace');
  check(ctx.baggage.user === 'alice', 'baggage');
  check(propagator.extract(propagator.inject(ctx, {})).spanId === ctx.spanId, 'inject then extract');
  check(propagator.diagnose(headers)[0].code === 'extracted', 'diagnose');
  check(api.extractEnv(ctx.injectEnv()).spanId === ctx.spanId, 'environment');
  check(api.extractJson(ctx.injectJson(Buffer.from('{"a":1}'))).spanId === ctx.spanId, 'JSON');
  check(api.extract({ traceparent: 'garbage' }) === null, 'garbage');
  const child = root.child();
  spanIds.push(ctx.spanId, child.spanId);
}
parentPort.postMessage({ spanIds });
