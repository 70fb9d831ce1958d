// Trace ids on every log line of the work under way: pino's mixin, or a
// console-style JSON logger.
import pino from 'pino';
import { Context } from 'tracewire';
import { jsonLogger, pinoMixin } from 'tracewire/logs';
import { run } from 'tracewire/scope';

const logger = pino({ mixin: pinoMixin });
const log = jsonLogger(console);

run(Context.newRoot(), () => {
  logger.info({ orderId: 42 }, 'order received'); // {..."trace_id":"…","span_id":"…","orderId":42,"msg":"order received"}
  log.info('order received', { orderId: 42 }); // {"time":…,"level":"info","msg":"order received","trace_id":"…",…}
});
logger.info('outside any trace'); // no trace_id
