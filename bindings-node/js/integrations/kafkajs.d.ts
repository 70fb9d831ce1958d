/**
 * kafkajs: continue the trace of a consumed message, stamp the messages produced.
 * @packageDocumentation
 */
import type { Context, Propagator } from './index.js';

export { current, run } from './scope.js';

/** kafkajs's `IHeaders`: Buffer or string values, arrays for repeats. */
export interface KafkaHeaders {
  [key: string]: Buffer | string | (Buffer | string)[] | undefined;
}

/** The part of a kafkajs message (consumed or to produce) that is read. */
export interface KafkaMessageLike {
  headers?: KafkaHeaders;
}

/** The context the producer of `message` sent, or `null`. */
export declare function extractFrom(message: KafkaMessageLike, propagator?: Propagator): Context | null;

/** A child of the context the producer of `message` sent, or a new root. */
export declare function continueFrom(message: KafkaMessageLike, propagator?: Propagator): Context;

/** A copy of `existing` (none by default) with the headers of `context` set. */
export declare function headers(context: Context, existing?: KafkaHeaders, propagator?: Propagator): KafkaHeaders;

/** Wraps an `eachMessage` handler: each message runs with its continued context as `current()`. */
export declare function traced<P extends { message: KafkaMessageLike }>(
  handler: (payload: P) => Promise<void>,
  options?: { propagator?: Propagator },
): (payload: P) => Promise<void>;
