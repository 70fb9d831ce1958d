// The workload both propagators run, and the interleaved timing loop. Shared by the
// Node harness (run.mjs: the Node-API and WebAssembly packages) and the Chromium
// page (bindings-wasm/bench), so every figure comes from the same inputs and loop.
// Nothing here imports a package: each runner passes in what it loaded.

/** Six headers every request carries that neither propagator reads. */
const UNRELATED = {
  host: 'orders.internal:8080',
  'user-agent': 'checkout/4.2.1 (+https://example.com)',
  accept: 'application/json',
  'accept-encoding': 'gzip, deflate, br',
  'content-type': 'application/json; charset=utf-8',
  'x-request-id': '7f3c1d2e-5a4b-4c6d-8e9f-0a1b2c3d4e5f',
};
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const TRACESTATE = 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE';

/** 32 members, the most a tracestate may carry: 693 characters, which injection cuts to 512. */
const TRACESTATE_32 = Array.from({ length: 32 }, (_, i) => `vendor${i}=value-${i.toString(16).padStart(6, '0')}`).join(',');

/** Sixteen members of 64 bytes each: 1 KiB of baggage. */
const BAGGAGE_1K = Array.from({ length: 16 }, (_, i) => {
  const key = `key${i.toString().padStart(2, '0')}`;
  return `${key}=${'v'.repeat(64 - key.length - 2)}`;
}).join(',');

/**
 * The cases: name, incoming headers, and what each propagator does per operation.
 *
 * @param {object} env
 * @param {(text: string) => Uint8Array} env.bytes Header bytes as a Kafka client
 *   hands them over (a Buffer in Node).
 * @param {object} tracewire The tracewire API (`continueTrace`, `extract`).
 * @param {object} otel The OpenTelemetry side (see `openTelemetry`).
 */
export function cases({ bytes }, tracewire, otel) {
  const hit = { ...UNRELATED, traceparent: TRACEPARENT, tracestate: TRACESTATE };
  const miss = { ...UNRELATED };
  const kafka = Object.fromEntries(Object.entries(hit).map(([name, value]) => [name, bytes(value)]));
  const continueAndInject = (headers, otelGetter) => ({
    headers,
    tracewire: () => tracewire.continueTrace(headers).inject({}),
    otel: () => otel.continueAndInject(headers, otelGetter),
  });
  const injectedAgain = tracewire.continueTrace(hit);
  const otelAgain = otel.continueTrace(hit);
  // Contexts extracted before the batch, each injected once in it.
  const fresh = { tracewire: [], otel: [] };
  let next = 0;
  return [
    { name: 'hit', ...continueAndInject(hit) },
    { name: 'miss', ...continueAndInject(miss) },
    {
      name: 'extract only',
      headers: hit,
      tracewire: () => {
        const context = tracewire.extract(hit);
        return context.traceId.length + context.spanId.length;
      },
      otel: () => {
        const context = otel.spanContext(otel.extract(hit));
        return context.traceId.length + context.spanId.length;
      },
    },
    {
      name: 'inject only',
      headers: hit,
      prepare: {
        tracewire: (n) => {
          fresh.tracewire = Array.from({ length: n }, () => tracewire.extract(hit));
          next = 0;
        },
        otel: (n) => {
          fresh.otel = Array.from({ length: n }, () => otel.continueTrace(hit));
          next = 0;
        },
      },
      tracewire: () => fresh.tracewire[next++ % fresh.tracewire.length].inject({}),
      otel: () => otel.inject(fresh.otel[next++ % fresh.otel.length], {}),
    },
    {
      // A context keeps what it injected (OpenTelemetry formats it each time).
      name: 'inject again',
      headers: hit,
      tracewire: () => injectedAgain.inject({}),
      otel: () => otel.inject(otelAgain, {}),
    },
    { name: '32-member tracestate', ...continueAndInject({ ...hit, tracestate: TRACESTATE_32 }) },
    { name: '1 KiB baggage', ...continueAndInject({ ...hit, baggage: BAGGAGE_1K }) },
    { name: 'Kafka byte headers', ...continueAndInject(kafka, otel.bufferGetter) },
  ];
}

/**
 * OpenTelemetry JS as a service uses it: the global propagator (W3C Trace Context
 * and W3C Baggage, composed), `propagation.extract`/`inject` with the default
 * getter and setter, and the span context the SDK's tracer makes for a new span
 * (the parent's trace id, flags and trace state, a fresh span id; a new trace id
 * when there is no valid parent). The span object itself (attributes, timing,
 * processors) is left out, which only flatters OpenTelemetry.
 *
 * @param {object} modules
 * @param {typeof import('@opentelemetry/api')} modules.api
 * @param {typeof import('@opentelemetry/core')} modules.core
 * @param {{ generateTraceId(): string, generateSpanId(): string }} modules.ids The SDK's RandomIdGenerator.
 * @param {(bytes: Uint8Array) => string} modules.text What a Kafka instrumentation's getter does to a byte value.
 */
export function openTelemetry({ api, core, ids, text }) {
  const { propagation, trace, ROOT_CONTEXT, TraceFlags } = api;
  propagation.setGlobalPropagator(
    new core.CompositePropagator({
      propagators: [new core.W3CTraceContextPropagator(), new core.W3CBaggagePropagator()],
    }),
  );
  /** The getter of the kafkajs instrumentation: byte values as text, names matched loosely. */
  const bufferGetter = {
    get(carrier, key) {
      for (const name of Object.keys(carrier)) {
        if (name === key || name.toLowerCase() === key) {
          const value = carrier[name];
          return value === undefined ? undefined : text(value);
        }
      }
      return undefined;
    },
    keys: (carrier) => Object.keys(carrier),
  };
  const extract = (headers, getter) => propagation.extract(ROOT_CONTEXT, headers, getter);
  const continueTrace = (headers, getter) => {
    const context = extract(headers, getter);
    const parent = trace.getSpanContext(context);
    const valid = parent !== undefined && trace.isSpanContextValid(parent);
    return trace.setSpanContext(context, {
      traceId: valid ? parent.traceId : ids.generateTraceId(),
      spanId: ids.generateSpanId(),
      traceFlags: valid ? parent.traceFlags : TraceFlags.SAMPLED,
      traceState: valid ? parent.traceState : undefined,
    });
  };
  const inject = (context, carrier) => {
    propagation.inject(context, carrier);
    return carrier;
  };
  return {
    bufferGetter,
    extract,
    continueTrace,
    inject,
    spanContext: (context) => trace.getSpanContext(context),
    continueAndInject: (headers, getter) => inject(continueTrace(headers, getter), {}),
  };
}

/** Checks that both sides produce the same headers for each case, before timing them. */
export function check(list) {
  for (const { name, headers, prepare, tracewire, otel } of list) {
    if (name === 'extract only') continue;
    prepare?.tracewire(1);
    prepare?.otel(1);
    const ours = tracewire();
    const theirs = otel();
    const keys = (headers) => Object.keys(headers).sort().join();
    const sameTrace = !('traceparent' in headers) || ours.traceparent.slice(0, 36) === theirs.traceparent.slice(0, 36);
    if (keys(ours) !== keys(theirs) || !sameTrace || ours.tracestate !== theirs.tracestate) {
      throw new Error(`${name}: tracewire wrote ${JSON.stringify(ours)}, OpenTelemetry ${JSON.stringify(theirs)}`);
    }
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** Runs `op` `n` times (after `prepare(n)`, untimed); returns nanoseconds per operation. */
function batch(op, n, now, prepare) {
  prepare?.(n);
  let sink = 0;
  const start = now();
  for (let i = 0; i < n; i++) sink ^= op() === undefined ? 1 : 0;
  const elapsed = now() - start;
  if (sink === -1) throw new Error('unreachable');
  return (elapsed * 1e6) / n;
}

/** How many operations take about `ms` milliseconds. */
function calibrate(op, ms, now, prepare) {
  let n = 64;
  for (;;) {
    prepare?.(n);
    const start = now();
    for (let i = 0; i < n; i++) op();
    const elapsed = now() - start;
    if (elapsed >= ms / 4 || n >= 1 << 24) return Math.max(1, Math.round((n * ms) / Math.max(elapsed, 1e-3)));
    n *= 4;
  }
}

/**
 * Times every case: after a warm-up of both, `rounds` rounds that each run one batch of
 * tracewire and one of OpenTelemetry, alternating which goes first, so that both
 * see the same machine noise. Per case: the median ns/op of each and their ratio.
 *
 * @param {ReturnType<typeof cases>} list
 * @param {{ rounds?: number, batchMs?: number, warmUpMs?: number, now?: () => number, gc?: () => void,
 *   progress?: (line: string) => void }} [options] `gc` (`node --expose-gc`) runs before each batch.
 */
export function measure(
  list,
  { rounds = 31, batchMs = 4, warmUpMs = 500, now = () => performance.now(), gc, progress = () => {} } = {},
) {
  // Collecting before each batch keeps one side's garbage out of the other's time.
  const clean = typeof gc === 'function' ? gc : () => {};
  const results = [];
  for (const { name, prepare = {}, tracewire, otel } of list) {
    const n = {
      tracewire: calibrate(tracewire, batchMs, now, prepare.tracewire),
      otel: calibrate(otel, batchMs, now, prepare.otel),
    };
    // Warm-up: long enough for the engine to optimize OpenTelemetry's deeper call chains too.
    for (const start = now(); now() - start < warmUpMs; ) {
      batch(tracewire, n.tracewire, now, prepare.tracewire);
      batch(otel, n.otel, now, prepare.otel);
    }
    const samples = { tracewire: [], otel: [] };
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 ? ['tracewire', 'otel'] : ['otel', 'tracewire'];
      for (const side of order) {
        clean();
        samples[side].push(batch(side === 'tracewire' ? tracewire : otel, n[side], now, prepare[side]));
      }
    }
    const result = { name, tracewire: median(samples.tracewire), otel: median(samples.otel) };
    result.ratio = result.otel / result.tracewire;
    results.push(result);
    progress(row(result));
  }
  return results;
}

const row = ({ name, tracewire, otel, ratio }) =>
  `| ${name.padEnd(20)} | ${tracewire.toFixed(0).padStart(9)} | ${otel.toFixed(0).padStart(13)} | ${ratio.toFixed(1).padStart(5)}× |`;

/** The results as a Markdown table. */
export function table(results) {
  return [
    `| ${'case'.padEnd(20)} | tracewire | OpenTelemetry | ratio  |`,
    `|${'-'.repeat(22)}|----------:|--------------:|-------:|`,
    ...results.map(row),
  ].join('\n');
}
