// `tracewire/kafkajs` (Node package) against a real Kafka broker
// (examples/kafka/broker.sh on a free port): the relay of examples/node/kafkajs.mjs
// continues the producer's trace; repeated and Buffer headers read as the core says.
// test.sh runs it with TRACEWIRE_EXAMPLES naming the directory where the examples
// are installed with their packages.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

import { Kafka, logLevel } from 'kafkajs';
import { Context, Propagator } from 'tracewire';
import { continueFrom, current, extractFrom, headers, traced } from 'tracewire/kafkajs';

const examples = process.env.TRACEWIRE_EXAMPLES;
if (examples === undefined) throw new Error('set TRACEWIRE_EXAMPLES to the installed examples (see test.sh)');
const { relay } = await import(pathToFileURL(join(examples, 'kafkajs.mjs')).href);

const broker = fileURLToPath(new URL('../../../examples/kafka/broker.sh', import.meta.url));
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';
const TP = `00-${TRACE_ID}-${SPAN_ID}-01`;
const OTHER_SPAN_ID = '2'.repeat(16);
const OTHER_TP = `00-${'1'.repeat(32)}-${OTHER_SPAN_ID}-01`;

/** A free port on 127.0.0.1 whose successor (the KRaft controller's) is free too. */
async function freePorts() {
  const listen = (port) =>
    new Promise((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(null));
      server.listen(port, '127.0.0.1', () => {
        const { port: bound } = server.address();
        server.close(() => resolve(bound));
      });
    });
  for (;;) {
    const port = await listen(0);
    if (port < 65535 && (await listen(port + 1)) !== null) return port;
  }
}

/** Consumes `topic` from the start; `take(n)` waits for the first n messages, each with its `current()`. */
async function collect(kafka, topic) {
  const consumer = kafka.consumer({ groupId: `collect-${topic}` });
  const received = [];
  let wake = () => {};
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    eachMessage: traced(async ({ message }) => {
      received.push({ message, ctx: current() });
      wake();
    }),
  });
  return {
    consumer,
    async take(n) {
      while (received.length < n) await new Promise((resolve) => (wake = resolve));
      return received.slice(0, n);
    },
  };
}

const run = promisify(execFile);
let env;
let stops = [];
let producer;
let forwarded;
let raw;

before(async () => {
  env = { ...process.env, KAFKA_PORT: String(await freePorts()), KAFKA_TOPICS: 'orders-in,orders-out,raw' };
  const { stdout } = await run(broker, ['start'], { env });
  const kafka = new Kafka({ clientId: 'tracewire-test', brokers: [stdout.trim()], logLevel: logLevel.NOTHING });
  producer = kafka.producer();
  await producer.connect();
  stops.push(() => producer.disconnect());
  stops.push(await relay(kafka, { from: 'orders-in', to: 'orders-out', groupId: 'relay' }));
  forwarded = await collect(kafka, 'orders-out');
  raw = await collect(kafka, 'raw');
  stops.push(() => forwarded.consumer.disconnect(), () => raw.consumer.disconnect());
});

after(async () => {
  try {
    await Promise.all(stops.map((stop) => stop()));
  } finally {
    if (env !== undefined) await run(broker, ['stop'], { env });
  }
});

test('the relay continues the producer trace, and the consumer continues the relay', async () => {
  const root = Context.newRoot().withBaggage('order.id', 'ord-42');
  const stamped = headers(root, { 'content-type': 'application/json' });
  assert.deepEqual(stamped, { 'content-type': 'application/json', traceparent: root.traceparent, baggage: 'order.id=ord-42' });
  await producer.send({ topic: 'orders-in', messages: [{ key: 'ord-42', value: '{"quantity":1}', headers: stamped }] });
  const [{ message, ctx }] = await forwarded.take(1);
  const relayed = extractFrom(message);
  assert.equal(relayed.traceId, root.traceId);
  assert.notEqual(relayed.spanId, root.spanId);
  assert.deepEqual(relayed.baggage, { 'order.id': 'ord-42' });
  assert.equal(message.headers['content-type'].toString(), 'application/json', 'other headers passed on');
  assert.equal(message.key.toString(), 'ord-42');
  // The consuming handler's current() is a span under the relay's.
  assert.equal(ctx.traceId, root.traceId);
  assert.equal(ctx.parentSpanId, relayed.spanId);
});

test('repeated and Buffer headers: combined, restarted, or picked by policy', async () => {
  await producer.send({
    topic: 'raw',
    messages: [
      { value: 'same twice', headers: { traceparent: [TP, Buffer.from(TP)], tracestate: ['a=1', 'b=2'], 'x-id': 'm1' } },
      { value: 'two parents', headers: { traceparent: [TP, OTHER_TP] } },
    ],
  });
  const [first, second] = await raw.take(2);
  // kafkajs hands repeated keys over as arrays of Buffers.
  assert.ok(Array.isArray(first.message.headers.traceparent));
  assert.ok(Buffer.isBuffer(first.message.headers.traceparent[0]));
  const same = extractFrom(first.message);
  assert.equal(same.spanId, SPAN_ID);
  assert.equal(same.tracestate, 'a=1,b=2');
  assert.equal(first.ctx.parentSpanId, SPAN_ID);
  const out = headers(first.ctx, first.message.headers);
  assert.deepEqual(Object.keys(out).sort(), ['traceparent', 'tracestate', 'x-id']);
  assert.equal(out.traceparent, first.ctx.traceparent);
  assert.equal(out.tracestate, 'a=1,b=2');
  assert.ok(Buffer.isBuffer(out['x-id']));
  assert.ok(Array.isArray(first.message.headers.traceparent), 'the consumed headers are left as they were');

  assert.equal(extractFrom(second.message), null, 'two different parents: restart');
  assert.equal(second.ctx.parentSpanId, null);
  assert.equal(continueFrom(second.message, new Propagator({ repeated: 'last' })).parentSpanId, OTHER_SPAN_ID);
  assert.equal(continueFrom(second.message, new Propagator({ repeated: 'first' })).parentSpanId, SPAN_ID);
  assert.throws(() => headers({ traceparent: TP }), TypeError);
});
