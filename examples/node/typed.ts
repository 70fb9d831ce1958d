// The API from TypeScript: an HTTP handler that passes its trace on to Kafka.
import type { IncomingHttpHeaders } from 'node:http';

import {
  Context,
  Propagator,
  TracewireError,
  continueTrace,
  continueTraceEnv,
  extractEnv,
  extractJson,
  type Carrier,
  type ContextJSON,
  type Format,
  type Link,
} from 'tracewire';

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

// A mixed fleet: read every format, answer in W3C and B3, keep the baggage.
const formats: Format[] = ['tracecontext', 'b3', 'jaeger', 'xray', 'datadog', 'baggage'];
const fleet = new Propagator({ extract: formats, inject: ['tracecontext', 'b3multi', 'baggage'] });

export function forward(incoming: IncomingHttpHeaders): Record<string, string> {
  const ctx = fleet.continueTrace(incoming);
  const user: string | undefined = ctx.baggage['user.id'];
  const linked: readonly Link[] = ctx.links;
  const flagged: boolean = ctx.debug || ctx.deferred;
  const tagged = user === undefined || linked.length > 0 || flagged ? ctx : ctx.withBaggage('tenant', 'acme');
  return fleet.inject(tagged, {});
}

export function withUser(ctx: Context, id: string): Context {
  try {
    return ctx.withBaggage('user.id', id);
  } catch (error) {
    if (error instanceof TracewireError && error.code === 'invalid_baggage_key') return ctx;
    throw error;
  }
}

// Events that carry the ids in their body: text stays text, a Buffer stays a Buffer.
export function stampEvent(ctx: Context, value: Buffer): Buffer {
  return ctx.injectJson(value, { traceIdField: 'trace_id', spanIdField: 'span_id' });
}
export function stampText(ctx: Context, value: string): string {
  return ctx.injectJson(value);
}
export function fromEvent(value: string | Uint8Array): Context | null {
  return extractJson(value);
}

// A batch job and its subprocess: the trace travels in the environment.
export function childEnv(ctx: Context): NodeJS.ProcessEnv {
  return ctx.injectEnv({ ...process.env });
}
export const job: Context = continueTraceEnv();
export const fromLambda: Context | null = new Propagator({ extract: ['xray'] }).extractEnv(process.env);
export const explicit: Context | null = extractEnv(new Map([['TRACEPARENT', 'x']]));
export const envCodes: string[] = fleet.diagnoseEnv([['UBER_TRACE_ID', 'x']]).map((d) => d.code);

const fresh: Record<string, string> = Context.newRoot().inject();
const sampled: boolean = Context.newRoot().child().sampled;
const fetchHeaders: Headers = Context.newRoot().inject(new Headers());
export { fresh, sampled, fetchHeaders };
