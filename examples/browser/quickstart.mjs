// Quick start in a page: start a trace where the user clicks, and carry it to the
// backend in the `traceparent` header of the request.
import init, { Context, diagnose, extract } from 'tracewire-wasm';

await init(); // loads tracewire_wasm_bg.wasm from beside the package entry

const span = Context.newRoot(); // sampled, random trace id, no parent
const headers = span.inject(new Headers({ 'content-type': 'application/json' }));
// await fetch('/orders', { method: 'POST', headers, body });

// What the backend will see: the same trace, this span as its parent.
const received = extract(headers);
console.log(received.traceId === span.traceId, received.spanId === span.spanId);

// Malformed input never throws: no context, and diagnose() says why.
const bad = [['traceparent', '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01']];
console.log(extract(bad), diagnose(bad).map((d) => d.code)); // null [ 'uppercase_hex' ]

export const result = { span, received, codes: diagnose(bad).map((d) => d.code) };
