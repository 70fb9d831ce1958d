/**
 * tracewire as an OpenTelemetry `TextMapPropagator` (peer dependency:
 * `@opentelemetry/api`).
 *
 * @example
 * ```js
 * import { propagation } from '@opentelemetry/api';
 * import { TracewirePropagator } from 'tracewire/opentelemetry';
 * propagation.setGlobalPropagator(new TracewirePropagator());
 * ```
 * @packageDocumentation
 */
import type { Context as OtelContext, TextMapGetter, TextMapPropagator, TextMapSetter } from '@opentelemetry/api';

import type { Propagator } from './index.js';

/**
 * The formats of a tracewire {@link Propagator} (W3C Trace Context and Baggage by
 * default) for the OpenTelemetry API: extract gives a remote `SpanContext` (ids,
 * all 8 flag bits, `TraceState`) and `Baggage`; inject writes the active span's
 * `SpanContext` and the context's baggage.
 */
export declare class TracewirePropagator implements TextMapPropagator {
  constructor(propagator?: Propagator);
  inject(context: OtelContext, carrier: unknown, setter?: TextMapSetter): void;
  extract(context: OtelContext, carrier: unknown, getter?: TextMapGetter): OtelContext;
  /** The header names the propagator's formats read or write. */
  fields(): string[];
}
