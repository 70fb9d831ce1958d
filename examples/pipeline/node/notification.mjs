/**
 * notification-service: consumes `PaymentProcessed` from `payments` and
 * `InventoryReserved` from `inventory`, and once both arrived for an order,
 * "sends" the confirmation email (writes it to its log).
 *
 * Fan-in: the span continues the payment's trace (its parent is the
 * PaymentProcessed producer span) and links the InventoryReserved producer span.
 *
 * Environment: KAFKA_BOOTSTRAP [127.0.0.1:19092], SPAN_FILE
 * [notification-service.spans.jsonl]. Logs are JSON lines on stdout.
 */
import { appendFileSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import { continueFrom, extractFrom } from 'tracewire/kafkajs';

const SERVICE = 'notification-service';
const PAYMENTS = 'payments';
const INVENTORY = 'inventory';
const spanFile = process.env.SPAN_FILE ?? `${SERVICE}.spans.jsonl`;

/** Nanoseconds since the Unix epoch (sub-microsecond digits are rounding). */
const nowNs = () => Math.round((performance.timeOrigin + performance.now()) * 1e6);

/** One JSON log line: time, service, event, the span's ids, then `fields`. */
function log(event, ctx, fields = {}) {
  const line = {
    time_unix_nano: nowNs(),
    service: SERVICE,
    event,
    trace_id: ctx?.traceId ?? null,
    span_id: ctx?.spanId ?? null,
    parent_span_id: ctx?.parentSpanId ?? null,
    ...fields,
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/** Appends the span record of `ctx`, which started at `start` and ends now. */
function record(ctx, name, kind, start, { links = [], attributes = {} } = {}) {
  const span = {
    trace_id: ctx.traceId,
    span_id: ctx.spanId,
    parent_span_id: ctx.parentSpanId,
    service: SERVICE,
    name,
    kind,
    start_unix_nano: start,
    end_unix_nano: nowNs(),
    status: 'ok',
    status_message: null,
    links: links.map((link) => ({ trace_id: link.traceId, span_id: link.spanId })),
    attributes,
  };
  appendFileSync(spanFile, `${JSON.stringify(span)}\n`);
}

/** Record headers for a log line: name to text, repeats as arrays. */
function headersJson(headers = {}) {
  const text = (value) => (value == null ? '' : value.toString('utf8'));
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [
      name,
      Array.isArray(value) ? value.map(text) : text(value),
    ]),
  );
}

/** What arrived so far per order: the payment's consumer span, the inventory's context. */
const orders = new Map();

function received(topic, message) {
  const orderId = message.key?.toString() ?? '';
  const event = JSON.parse(message.value?.toString() ?? '{}');
  const state = orders.get(orderId) ?? {};
  orders.set(orderId, state);
  const fields = {
    topic,
    offset: Number(message.offset),
    key: orderId,
    headers: headersJson(message.headers),
  };
  if (topic === PAYMENTS) {
    // The span starts when the payment arrives, under the PaymentProcessed span.
    state.span = continueFrom(message);
    state.start = nowNs();
    state.payment = event;
    log('kafka.received', state.span, fields);
  } else {
    // The other branch of the fan-out: linked, not parent.
    state.inventory = extractFrom(message);
    state.reservation = event;
    const link = state.inventory && { trace_id: state.inventory.traceId, span_id: state.inventory.spanId };
    log('kafka.received', state.inventory, { ...fields, role: 'link', link });
  }
  if (state.span && state.inventory !== undefined) {
    orders.delete(orderId);
    sendEmail(orderId, state);
  }
}

function sendEmail(orderId, { span, start, payment, inventory, reservation }) {
  const amount = (payment.amountCents / 100).toFixed(2);
  log('email.sent', span, {
    order_id: orderId,
    to: payment.email,
    subject: `Order ${orderId} confirmed`,
    body: `We charged EUR ${amount} (${payment.paymentId}) and reserved ${reservation.quantity} x ${reservation.item} in ${reservation.warehouse}.`,
    link: inventory ? { trace_id: inventory.traceId, span_id: inventory.spanId } : null,
  });
  record(span, `process ${PAYMENTS}`, 'consumer', start, {
    links: inventory ? [inventory] : [],
    attributes: {
      'messaging.system': 'kafka',
      'messaging.destination.name': PAYMENTS,
      'messaging.kafka.message.key': orderId,
    },
  });
}

/** kafkajs' own messages, as JSON lines on stderr (stdout is the service log). */
const kafkaLog = () => ({ namespace, level, log: entry }) => {
  const { message, ...rest } = entry;
  process.stderr.write(`${JSON.stringify({ service: SERVICE, kafkajs: namespace, level, message, ...rest })}\n`);
};

const kafka = new Kafka({
  clientId: SERVICE,
  brokers: (process.env.KAFKA_BOOTSTRAP ?? '127.0.0.1:19092').split(','),
  logLevel: logLevel.WARN,
  logCreator: kafkaLog,
});
const consumer = kafka.consumer({ groupId: SERVICE });

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  // Outside eachMessage: disconnecting from inside it never returns.
  await consumer.disconnect();
  log('stopped', null);
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

await consumer.connect();
await consumer.subscribe({ topics: [PAYMENTS, INVENTORY], fromBeginning: true });
await consumer.run({ eachMessage: async ({ topic, message }) => received(topic, message) });
log('ready', null, { topics: [PAYMENTS, INVENTORY] });
