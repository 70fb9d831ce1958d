// `<package>/logs`: trace ids on the lines of a real pino logger and of a Console.
import assert from 'node:assert/strict';
import { Console } from 'node:console';
import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { test } from 'node:test';

import pino from 'pino';

import { impl, loadApi, packages } from '../impl.mjs';

const { Context } = await loadApi();
const { jsonLogger, pinoMixin, traceFields } = await import(`${packages[impl]}/logs`);
const { run } = await import(`${packages[impl]}/scope`);

/** A stream that keeps each written line, parsed, in `lines`. */
function lineStream() {
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line !== '') stream.lines.push(JSON.parse(line));
      done();
    },
  });
  stream.lines = [];
  return stream;
}

test('pino: the current context on every line, nothing outside one', async () => {
  const stream = lineStream();
  const logger = pino({ base: null, timestamp: false, mixin: pinoMixin }, stream);
  const ctx = Context.newRoot();
  logger.info('before');
  await run(ctx, async () => {
    logger.info({ orderId: 42 }, 'received');
    await new Promise((resolve) => setImmediate(resolve));
    logger.child({ step: 'charge' }).warn('charged');
  });
  logger.info('after');
  stream.end();
  await finished(stream);
  const expected = { trace_id: ctx.traceId, span_id: ctx.spanId };
  assert.deepEqual(stream.lines, [
    { level: 30, msg: 'before' },
    { level: 30, ...expected, orderId: 42, msg: 'received' },
    { level: 40, ...expected, step: 'charge', msg: 'charged' },
    { level: 30, msg: 'after' },
  ]);
});

test('a console-style JSON logger writes each level through the sink', async () => {
  const stdout = lineStream();
  const stderr = lineStream();
  const log = jsonLogger(new Console({ stdout, stderr }));
  const ctx = Context.newRoot().child();
  run(ctx, () => {
    log.info('reserved', { sku: 'book' });
    log.error('declined', { trace_id: 'kept when given' });
  });
  log.warn('no trace');
  stdout.end();
  stderr.end();
  await Promise.all([finished(stdout), finished(stderr)]);
  const withoutTime = (lines) => lines.map(({ time, ...rest }) => (assert.ok(!Number.isNaN(Date.parse(time))), rest));
  assert.deepEqual(withoutTime(stdout.lines), [
    { level: 'info', msg: 'reserved', trace_id: ctx.traceId, span_id: ctx.spanId, sku: 'book' },
  ]);
  assert.deepEqual(withoutTime(stderr.lines), [
    { level: 'error', msg: 'declined', trace_id: 'kept when given', span_id: ctx.spanId },
    { level: 'warn', msg: 'no trace' },
  ]);
  assert.throws(() => jsonLogger({ info() {} }), TypeError);
});

test('traceFields of a given context, of none, and of a wrong value', () => {
  const ctx = Context.newRoot();
  assert.deepEqual(traceFields(ctx), { trace_id: ctx.traceId, span_id: ctx.spanId });
  assert.deepEqual(traceFields(null), {});
  assert.deepEqual(traceFields(), {});
  assert.throws(() => traceFields({ traceId: 'x' }), TypeError);
  assert.throws(() => run({ traceId: 'x' }, () => 1), TypeError);
});
