/**
 * kafkajs: continue the trace of a consumed message and stamp the messages a
 * handler produces.
 *
 * ```js
 * eachMessage: async ({ message }) => {
 *   const ctx = continueFrom(message);
 *   await producer.send({ topic: 'out', messages: [{ value, headers: headers(ctx) }] });
 * }
 * ```
 *
 * kafkajs hands header values over as Buffers, a repeated header as an array of
 * them; the core reads both, and follows the propagator's `repeated` policy when
 * `traceparent` repeats (producers that append instead of replacing may want
 * `new Propagator({ repeated: 'last' })`).
 *
 * @module
 */
import { Context, continueTrace, extract } from 'tracewire';

import { current, run } from './scope.mjs';

export { current, run };

function headersOf(message) {
  if (typeof message !== 'object' || message === null) throw new TypeError('tracewire: expected a kafkajs message');
  return message.headers;
}

/**
 * The context the producer of `message` sent, or `null`.
 *
 * @param {{ headers?: object }} message A kafkajs message (consumed or to produce).
 * @param {Propagator} [propagator]
 */
export function extractFrom(message, propagator) {
  const found = headersOf(message);
  return propagator === undefined ? extract(found) : propagator.extract(found);
}

/**
 * A child of the context the producer of `message` sent, or a new root when
 * there is none.
 *
 * @param {{ headers?: object }} message
 * @param {Propagator} [propagator]
 */
export function continueFrom(message, propagator) {
  const found = headersOf(message);
  return propagator === undefined ? continueTrace(found) : propagator.continueTrace(found);
}

/**
 * kafkajs message headers carrying `context`: a copy of `existing` (say, the
 * consumed message's headers, to pass them on) with the trace headers set, every
 * other spelling of their names and a stale `tracestate` removed.
 *
 * @param {Context} context
 * @param {Record<string, unknown>} [existing]
 * @param {Propagator} [propagator]
 */
export function headers(context, existing = {}, propagator) {
  if (!(context instanceof Context)) throw new TypeError('tracewire: expected a Context');
  if (typeof existing !== 'object' || existing === null || Array.isArray(existing)) {
    throw new TypeError('tracewire: existing headers must be a kafkajs headers object');
  }
  const copy = { ...existing };
  return propagator === undefined ? context.inject(copy) : propagator.inject(context, copy);
}

/**
 * Wraps an `eachMessage` handler: each message is handled with the context
 * continued from its headers as `current()`.
 *
 * @param {(payload: { message: { headers?: object } }) => Promise<void>} handler
 * @param {{ propagator?: Propagator }} [options]
 */
export function traced(handler, { propagator } = {}) {
  if (typeof handler !== 'function') throw new TypeError('tracewire: traced needs an eachMessage handler');
  return (payload) => run(continueFrom(payload.message, propagator), handler, payload);
}
