// Draws span ids with child() and sends them back packed, two 32-bit halves each.
import { parentPort, workerData } from 'node:worker_threads';

import { loadApi } from './impl.mjs';

const { Context } = await loadApi();
const ids = new Uint32Array(workerData.count * 2);
let context = Context.newRoot();
for (let i = 0; i < ids.length; i += 2) {
  context = context.child();
  const span = context.spanId;
  ids[i] = parseInt(span.slice(0, 8), 16);
  ids[i + 1] = parseInt(span.slice(8), 16);
}
parentPort.postMessage(ids, [ids.buffer]);
