/**
 * The checkout page starts the trace: "Place order" is a client span whose
 * context travels to user-service in the `traceparent` header of the request.
 * When the call returns, the page reports its own span record to `/spans`, so
 * the trace shows the click that started it.
 */
import init, { Context } from 'tracewire-wasm';

const form = /** @type {HTMLFormElement} */ (document.querySelector('#checkout'));
const button = /** @type {HTMLButtonElement} */ (document.querySelector('#place-order'));
const status = /** @type {HTMLOutputElement} */ (document.querySelector('#status'));

/** Nanoseconds since the Unix epoch (sub-microsecond digits are rounding). */
const nowNs = () => Math.round((performance.timeOrigin + performance.now()) * 1e6);

function show(state, text) {
  status.dataset.state = state;
  status.textContent = text;
}

async function placeOrder(order) {
  const span = Context.newRoot();
  const start = nowNs();
  let error = null;
  let reply = null;
  try {
    const response = await fetch('/orders', {
      method: 'POST',
      headers: span.inject(new Headers({ 'content-type': 'application/json' })),
      body: JSON.stringify(order),
    });
    reply = await response.json();
    if (!response.ok) error = `HTTP ${response.status}: ${reply.error ?? ''}`;
  } catch (failure) {
    error = String(failure);
  }
  const record = {
    trace_id: span.traceId,
    span_id: span.spanId,
    parent_span_id: span.parentSpanId,
    service: 'checkout-page',
    name: 'POST /orders',
    kind: 'client',
    start_unix_nano: start,
    end_unix_nano: nowNs(),
    status: error ? 'error' : 'ok',
    status_message: error,
    links: [],
    attributes: { 'http.request.method': 'POST', 'url.path': '/orders', 'user_agent.original': navigator.userAgent },
  };
  await fetch('/spans', { method: 'POST', body: JSON.stringify(record) });
  return { span, reply, error };
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  button.disabled = true;
  show('placing', 'Placing order…');
  const data = new FormData(form);
  const { span, reply, error } = await placeOrder({
    item: 'tracewire mug',
    quantity: Number(data.get('quantity')),
    email: String(data.get('email')),
  });
  if (error) {
    show('failed', `Order failed: ${error}\ntrace ${span.traceId}`);
  } else {
    show('placed', `Order ${reply.orderId} placed.\ntrace ${span.traceId}`);
  }
  status.dataset.traceId = span.traceId;
  button.disabled = false;
});

await init();
button.disabled = false;
show('ready', 'Ready.');
