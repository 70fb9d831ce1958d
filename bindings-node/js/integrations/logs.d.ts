/**
 * Trace ids in structured logs: `trace_id` and `span_id` of the current context.
 * @packageDocumentation
 */
import type { Context } from './index.js';

/** What {@link traceFields} returns: both ids, or neither. */
export type TraceFields = { trace_id: string; span_id: string } | { trace_id?: undefined; span_id?: undefined };

/** `{ trace_id, span_id }` of `context` (the current one by default), or `{}`. */
export declare function traceFields(context?: Context | null): TraceFields;

/** pino's `mixin` option: `pino({ mixin: pinoMixin })`. */
export declare function pinoMixin(): TraceFields;

/** What {@link jsonLogger} writes through. */
export type LogSink = Pick<Console, 'debug' | 'info' | 'warn' | 'error'>;

/** One method per level; each writes one JSON line. */
export interface JsonLogger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/**
 * A logger writing `{ time, level, msg, trace_id, span_id, ...fields }` as one
 * JSON line through the sink's method of the same level (`console` by default).
 */
export declare function jsonLogger(sink?: LogSink): JsonLogger;
