/**
 * tracewire as an OpenTelemetry `TextMapPropagator`: the formats of a tracewire
 * `Propagator` (W3C Trace Context and Baggage by default; B3, Jaeger, X-Ray,
 * Datadog on request) read and written by the core for the OpenTelemetry API.
 *
 * Extract maps the incoming context to a remote `SpanContext` (trace id, span id,
 * all 8 flag bits, the tracestate as the API's `TraceState`) and its baggage to
 * the API's `Baggage`; inject maps the active span's `SpanContext` and the
 * context's baggage back. `@opentelemetry/api` is a peer dependency, needed by
 * this module only.
 *
 * Shared by the `tracewire` and `tracewire-wasm` packages as `<package>/opentelemetry`.
 *
 * @module
 */
import {
  createTraceState,
  defaultTextMapGetter,
  defaultTextMapSetter,
  isSpanContextValid,
  propagation,
  trace,
} from '@opentelemetry/api';
import { Propagator } from 'tracewire';

/**
 * Reads an OpenTelemetry SpanContext: W3C Trace Context, the form the API's fields
 * mirror. Made on first use: the WebAssembly package has no backend before `init()`.
 */
let spanContexts;

/**
 * The tracewire context of an OpenTelemetry span context and baggage, or `null`
 * when the core rejects the span context's ids.
 */
function contextOf(spanContext, baggage) {
  // The API's fields as the header that carries all of them; the core validates it.
  const flags = (spanContext.traceFlags & 0xff).toString(16).padStart(2, '0');
  const headers = [['traceparent', `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`]];
  const traceState = spanContext.traceState?.serialize();
  if (traceState) headers.push(['tracestate', traceState]);
  spanContexts ??= new Propagator({ extract: ['tracecontext'], inject: [] });
  let context = spanContexts.extract(headers);
  if (context === null) return null;
  for (const [key, entry] of baggage?.getAllEntries() ?? []) {
    try {
      context = context.withBaggage(key, entry.value);
    } catch (error) {
      // A key that is not an HTTP token cannot travel in a baggage header: left out.
      if (error?.code !== 'invalid_baggage_key') throw error;
    }
  }
  return context;
}

/** An OpenTelemetry `TextMapPropagator` over a tracewire `Propagator`. */
export class TracewirePropagator {
  #propagator;
  #fields;

  /**
   * @param {Propagator} [propagator] The formats to read and write; by default
   *   W3C Trace Context and Baggage.
   */
  constructor(propagator = new Propagator()) {
    if (!(propagator instanceof Propagator)) {
      throw new TypeError('tracewire: TracewirePropagator needs a tracewire Propagator');
    }
    this.#propagator = propagator;
    // Prefix fields (`uberctx-*`) are patterns, not header names.
    this.#fields = Object.freeze(propagator.fields.filter((name) => !name.endsWith('*')));
  }

  /** Writes the active span's context and the baggage of `context` into `carrier`. */
  inject(context, carrier, setter = defaultTextMapSetter) {
    const spanContext = trace.getSpanContext(context);
    if (spanContext === undefined || !isSpanContextValid(spanContext)) return;
    const found = contextOf(spanContext, propagation.getBaggage(context));
    if (found === null) return;
    for (const [name, value] of Object.entries(this.#propagator.inject(found, {}))) {
      setter.set(carrier, name, value);
    }
  }

  /**
   * `context` with the incoming span context (remote) and baggage of `carrier`; as
   * it was when `carrier` holds neither.
   */
  extract(context, carrier, getter = defaultTextMapGetter) {
    const headers = [];
    for (const name of getter.keys(carrier)) {
      const value = getter.get(carrier, name);
      if (value !== undefined) headers.push([name, value]);
    }
    let found = this.#propagator.extract(headers);
    if (found !== null) {
      context = trace.setSpanContext(context, {
        traceId: found.traceId,
        spanId: found.spanId,
        traceFlags: found.flags,
        isRemote: true,
        traceState: found.tracestate === '' ? undefined : createTraceState(found.tracestate),
      });
    } else if (headers.length > 0) {
      // Baggage may arrive without a trace: a new trace carries it, and only it is kept.
      found = this.#propagator.continueTrace(headers);
    }
    const entries = Object.entries(found?.baggage ?? {});
    if (entries.length === 0) return context;
    return propagation.setBaggage(
      context,
      propagation.createBaggage(Object.fromEntries(entries.map(([key, value]) => [key, { value }]))),
    );
  }

  /** The header names the propagator's formats read or write. */
  fields() {
    return [...this.#fields];
  }
}
