/**
 * Trace ids in structured logs, so that a log line and the trace it belongs to
 * can be joined: `trace_id` and `span_id` (the OpenTelemetry log field names) of
 * the current context, for pino's `mixin` or any JSON logger.
 *
 * Shared by the `tracewire` and `tracewire-wasm` packages as `<package>/logs`.
 *
 * @module
 */
import { Context } from 'tracewire';

import { current } from './scope.mjs';

/**
 * `{ trace_id, span_id }` of `context` (by default the current one), or `{}`
 * when there is none.
 *
 * @param {Context | null} [context]
 * @returns {{ trace_id?: string, span_id?: string }}
 */
export function traceFields(context = current()) {
  if (context === null || context === undefined) return {};
  if (!(context instanceof Context)) throw new TypeError('tracewire: expected a Context');
  return { trace_id: context.traceId, span_id: context.spanId };
}

/** pino's `mixin` option: the current context's fields on every line. */
export function pinoMixin() {
  return traceFields();
}

const LEVELS = ['debug', 'info', 'warn', 'error'];

/**
 * A logger writing one JSON line per call through a console-like `sink`'s method
 * of the same level: `{ time, level, msg, trace_id, span_id, ...fields }`.
 *
 * @param {Pick<Console, 'debug' | 'info' | 'warn' | 'error'>} [sink] `console` by default.
 */
export function jsonLogger(sink = globalThis.console) {
  const logger = {};
  for (const level of LEVELS) {
    if (typeof sink?.[level] !== 'function') throw new TypeError(`tracewire: the sink has no ${level} method`);
    logger[level] = (msg, fields = {}) => {
      sink[level](JSON.stringify({ time: new Date().toISOString(), level, msg, ...traceFields(), ...fields }));
    };
  }
  return Object.freeze(logger);
}
