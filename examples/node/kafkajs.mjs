// kafkajs: a service that consumes a topic and produces to the next, in the trace
// its upstream producer started. Tracing takes two lines of the handler.
import { continueFrom, headers } from 'tracewire/kafkajs';

/**
 * Forwards every message of topic `from` to topic `to`, each in a span under the
 * span that produced it. Returns a function that stops it.
 *
 * @param {import('kafkajs').Kafka} kafka
 * @param {{ from: string, to: string, groupId: string }} topics
 */
export async function relay(kafka, { from, to, groupId }) {
  const producer = kafka.producer();
  const consumer = kafka.consumer({ groupId });
  await Promise.all([producer.connect(), consumer.connect()]);
  await consumer.subscribe({ topics: [from], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const ctx = continueFrom(message); // the producer's trace, a new span
      // The incoming headers go on, with the trace headers replaced by this span's.
      await producer.send({
        topic: to,
        messages: [{ key: message.key, value: message.value, headers: headers(ctx, message.headers) }],
      });
    },
  });
  return async () => {
    await consumer.disconnect();
    await producer.disconnect();
  };
}
