// The API from TypeScript: an HTTP handler that passes its trace on to Kafka.
import type { IncomingHttpHeaders } from 'node:http';

import { Context, Propagator, TracewireError, continueTrace, type Carrier, type ContextJSON } from 'tracewire';

/** kafkajs's `IHeaders`. */
interface KafkaHeaders {
  [key: string]: Buffer | string | (Buffer | string)[] | undefined;
}

export function outgoingHeaders(incoming: IncomingHttpHeaders): KafkaHeaders {
  const ctx: Context = continueTrace(incoming);
  const headers: KafkaHeaders = { 'content-type': 'application/json' };
  return ctx.inject(headers);
}

// Kafka producers that append instead of replace: trust the last traceparent.
const kafka = new Propagator({ extract: ['tracecontext'], inject: ['tracecontext'], repeated: 'last' });

export function parentOf(record: Array<[string, Buffer]>): string | null {
  return kafka.extract(record)?.spanId ?? null;
}

export function describe(headers: Carrier | null): ContextJSON | string[] {
  const found = kafka.extract(headers);
  return found ? found.toJSON() : kafka.diagnose(headers).map((d) => d.code);
}

export function tagged(ctx: Context, value: string): Context {
  try {
    return ctx.withTracestate('orders', value);
  } catch (error) {
    if (error instanceof TracewireError && error.code === 'invalid_tracestate_value') return ctx;
    throw error;
  }
}

const fresh: Record<string, string> = Context.newRoot().inject();
const sampled: boolean = Context.newRoot().child().sampled;
const fetchHeaders: Headers = Context.newRoot().inject(new Headers());
export { fresh, sampled, fetchHeaders };
