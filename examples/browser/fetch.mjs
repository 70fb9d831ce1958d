// In a page: every request a user action makes carries that action's trace.
import init, { Context } from 'tracewire-wasm';
import { tracingFetch } from 'tracewire-wasm/fetch';
import { run } from 'tracewire-wasm/scope';

await init();

// Injects the current context; `tracingFetch({ context })` would fix one instead.
const tracedFetch = tracingFetch();

/** @param {{ item: string, quantity: number }} order */
async function placeOrder(order) {
  const span = Context.newRoot(); // the click starts a trace
  // A page has no async context: the span is current while `run` calls fetch,
  // which is when the headers are written.
  const response = await run(span, () =>
    tracedFetch('/orders', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(order),
    }),
  );
  return { span, answer: await response.json() };
}

export const result = await placeOrder({ item: 'book', quantity: 1 });
