// The W3C-only entry in a page: the same calls, when traceparent and tracestate are
// all a page sends, in a fraction of the bytes.
import init, { continueTrace, diagnose, extract } from 'tracewire-wasm/w3c';

await init(); // loads tracewire_w3c.wasm from beside the entry

// Say the page was served with the trace of the request that rendered it.
const served = { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', tracestate: 'congo=t61rcWkgMzE' };
const span = continueTrace(served); // same trace, a fresh span id, the server's span as parent
const headers = span.inject(new Headers({ 'content-type': 'application/json' }));
// await fetch('/orders', { method: 'POST', headers, body });

const received = extract(headers);
console.log(received.traceId === span.traceId, received.spanId === span.spanId, received.tracestate);

const bad = [['traceparent', '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01']];
console.log(extract(bad), diagnose(bad).map((d) => d.code)); // null [ 'uppercase_hex' ]

export const result = { span, received, codes: diagnose(bad).map((d) => d.code) };
