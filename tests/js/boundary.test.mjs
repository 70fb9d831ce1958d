// The language boundary of the implementation TRACEWIRE_IMPL names (the Node-API
// package, or the WebAssembly package in Node): whatever a caller passes, every
// export returns a result or throws a TypeError, or a TracewireError with a code
// the export documents. Never a process abort, never a throw that is no Error.
//
// One more throw is allowed, the caller's own: what a container throws while it is
// read or written (a getter, a Proxy trap, an iterator: Boom here) comes through
// unchanged, as it does from Object.entries or Array.from.
//
// TRACEWIRE_BOUNDARY_RUNS sets the runs per property (default 60).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

import fc from 'fast-check';

import { impl, loadApi } from './impl.mjs';

const api = await loadApi();
const { Context, Propagator, Diagnostic, TracewireError } = api;

fc.configureGlobal({ numRuns: Number(process.env.TRACEWIRE_BOUNDARY_RUNS ?? 60) });
const MIB = 1 << 20;
const FORMATS = ['tracecontext', 'baggage', 'b3', 'b3multi', 'jaeger', 'xray', 'datadog'];
const EVERY = new Propagator({ extract: FORMATS, inject: FORMATS });
const PROPAGATORS = [
  new Propagator(),
  EVERY,
  new Propagator({ extract: [...FORMATS].reverse(), inject: [...FORMATS].reverse(), repeated: 'first' }),
  new Propagator({ extract: [], inject: [], repeated: 'last' }),
];
/** Every header a format reads; a prefix field (`uberctx-*`) with a name after it. */
const NAMES = EVERY.fields.map((field) => field.replace('*', 'user'));
/** Their environment variables (`x-b3-traceid` → `X_B3_TRACEID`), Lambda's X-Ray one. */
const VARIABLES = NAMES.map((name) =>
  name === 'x-amzn-trace-id' ? '_X_AMZN_TRACE_ID' : name.toUpperCase().replaceAll('-', '_'),
);

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';
const VALID = [
  `00-${TRACE_ID}-${SPAN_ID}-01`,
  'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7',
  'user=alice%20smith;p=1,k=v',
  `${TRACE_ID}-${SPAN_ID}-1-${SPAN_ID}`,
  TRACE_ID,
  SPAN_ID,
  '1',
  'd',
  `${TRACE_ID}:${SPAN_ID}:0:1`,
  'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
  '13088165645273925489',
  '_dd.p.tid=4bf92f3577b34da6,_dd.p.dm=-4',
];
/** What the grammars split on, and what breaks them. */
const SYNTAX = [...',;=:-% \t\r\n\0"\'\\{}[]0123456789abcdefABCDEF.*/_'];

// Codes: every diagnostic is one of the core's; errors, those their export documents.
const CODES = new Set(
  [...(await readFile(new URL('../../core/src/diagnostic.rs', import.meta.url), 'utf8')).matchAll(/=> "(\w+)"/g)].map(
    (match) => match[1],
  ),
);
const NO_ERROR = new Set();
const PROPAGATOR_ERRORS = new Set(['unknown_format', 'invalid_policy']);
const TRACESTATE_ERRORS = new Set(['invalid_tracestate_key', 'invalid_tracestate_value']);
const BAGGAGE_ERRORS = new Set(['invalid_baggage_key', 'baggage_too_large']);
const JSON_ERRORS = new Set(['invalid_json']);

const HEX_32 = /^[0-9a-f]{32}$/;
const HEX_16 = /^[0-9a-f]{16}$/;
/** An injected header name (a lowercase token) and value (visible ASCII). */
const TOKEN = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;
const VISIBLE = /^[\x20-\x7e]*$/;

/** What the hostile containers and values below throw. */
class Boom extends Error {}

// ---------------------------------------------------------------- outcomes

/** `{ ok: true, value }`, or `{ ok: false, error }` for a throw the boundary allows. */
function outcome(run, codes) {
  try {
    return { ok: true, value: run() };
  } catch (error) {
    if (error instanceof TracewireError) {
      assert.equal(error.constructor, TracewireError);
      assert.ok(codes.has(error.code), `code ${error.code} is not documented here`);
    } else if (!(error instanceof TypeError || error instanceof Boom)) {
      assert.fail(`threw ${error instanceof Error ? error.stack : `a non-Error: ${String(error)}`}`);
    }
    return { ok: false, error };
  }
}

/** The result of a call that must not throw at all. */
function settles(run, codes = NO_ERROR) {
  const { ok, value, error } = outcome(run, codes);
  if (!ok) assert.fail(`well-formed input threw ${error.stack}`);
  return value;
}

/** Every getter of a Context answers, with values of its grammar. */
function checkContext(ctx) {
  assert.ok(ctx instanceof Context);
  assert.match(ctx.traceId, HEX_32);
  assert.notEqual(ctx.traceId, '0'.repeat(32));
  assert.match(ctx.spanId, HEX_16);
  assert.notEqual(ctx.spanId, '0'.repeat(16));
  assert.ok(ctx.parentSpanId === null || HEX_16.test(ctx.parentSpanId));
  assert.ok(Number.isInteger(ctx.flags) && ctx.flags >= 0 && ctx.flags <= 255);
  assert.equal(ctx.sampled, (ctx.flags & 1) === 1);
  assert.equal(ctx.traceparent, `00-${ctx.traceId}-${ctx.spanId}-${ctx.flags.toString(16).padStart(2, '0')}`);
  assert.match(ctx.tracestate, VISIBLE);
  assert.ok(Object.isFrozen(ctx.baggage));
  for (const value of Object.values(ctx.baggage)) assert.equal(typeof value, 'string');
  for (const link of ctx.links) {
    assert.match(link.traceId, HEX_32);
    assert.match(link.spanId, HEX_16);
  }
  assert.equal(typeof ctx.debug, 'boolean');
  assert.equal(typeof ctx.deferred, 'boolean');
  assert.equal(JSON.parse(JSON.stringify(ctx)).traceId, ctx.traceId);
  // Whatever any format injects for it is a header that cannot be misread.
  for (const propagator of PROPAGATORS) {
    for (const [name, value] of propagator.inject(ctx, [])) {
      assert.match(name, TOKEN);
      assert.match(value, VISIBLE);
    }
  }
}

function checkDiagnostics(diagnostics) {
  assert.ok(Array.isArray(diagnostics));
  for (const diagnostic of diagnostics) {
    assert.ok(diagnostic instanceof Diagnostic);
    assert.ok(FORMATS.includes(diagnostic.format), diagnostic.format);
    assert.match(diagnostic.header, /^[a-z0-9*_-]+$/);
    assert.ok(CODES.has(diagnostic.code), diagnostic.code);
  }
}

/** A reading export's result: a Context, null, or diagnostics. */
function checkRead(kind, result) {
  if (kind === 'diagnose') checkDiagnostics(result);
  else if (result !== null || kind === 'continueTrace') checkContext(result);
}

// ---------------------------------------------------------------- arbitraries

/**
 * A value made fresh for each call (hostile ones included: fast-check never
 * touches them), with a label for failure reports, and whether it is well formed:
 * a well-formed input must give a result.
 */
function made(label, make, wellFormed) {
  const show = () => label;
  return { make, wellFormed, toString: show, [fc.toStringMethod]: show };
}

const repeatTo = (seed, size) => seed.repeat(Math.ceil(size / seed.length)).slice(0, size);
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code));
const unit = fc.oneof(fc.constantFrom(...SYNTAX), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), loneSurrogate);
const text = fc.oneof(
  fc.string({ unit, maxLength: 40 }),
  fc.tuple(fc.string({ unit, maxLength: 20 }), loneSurrogate, fc.string()).map((parts) => parts.join('')),
  fc.constantFrom(...VALID),
);
/** Up to 1 MiB of what grammars split on, built without drawing a character at a time. */
const big = fc
  .tuple(
    fc.constantFrom(',', '=', ' ', '%', ';', 'k=v,', 'a,', '%zz', '\ud800', 'é', `${VALID[0]},`),
    fc.constantFrom(300, 70_000, MIB),
  )
  .map(([seed, size]) => repeatTo(seed, size));

const bytes = fc.uint8Array({ maxLength: 40 });
/** Text or bytes of every kind a header value may be. */
const leaf = fc.oneof(
  text.map((s) => made(JSON.stringify(s).slice(0, 80), () => s, true)),
  big.map((s) => made(`${s.length} chars of ${JSON.stringify(s.slice(0, 4))}`, () => s, true)),
  bytes.map((b) => made(`Buffer ${b}`, () => Buffer.from(b), true)),
  bytes.map((b) => made(`Uint8Array ${b}`, () => new Uint8Array(b), true)),
  bytes.map((b) => made(`view ${b}`, () => new Uint8Array([7, ...b, 7]).subarray(1, b.length + 1), true)),
  bytes.map((b) =>
    made(`shared ${b}`, () => {
      const shared = new Uint8Array(new SharedArrayBuffer(b.length));
      shared.set(b);
      return shared;
    }, true),
  ),
  fc.constant(made('a detached Uint8Array', detached, true)),
);

function detached() {
  const array = new Uint8Array(8);
  structuredClone(array.buffer, { transfer: [array.buffer] });
  return array;
}

const goodValue = fc.oneof(
  leaf,
  fc.constantFrom(made('null', () => null, true), made('undefined', () => undefined, true)),
  fc.array(leaf, { maxLength: 3 }).map((items) => made(`[${items.map(String)}]`, () => items.map((i) => i.make()), true)),
);
const hostileValues = [
  made('a number', () => 42, false),
  made('a bigint', () => 1n, false),
  made('true', () => true, false),
  made('a symbol', () => Symbol('v'), false),
  made('a function', () => () => 'v', false),
  made('an object', () => ({ value: 'v' }), false),
  made('nested arrays', () => [['v']], false),
  made('a DataView', () => new DataView(new ArrayBuffer(4)), false),
  made('an ArrayBuffer', () => new ArrayBuffer(4), false),
  made('a Uint16Array', () => new Uint16Array(2), false),
  made('a Date', () => new Date(0), false),
  made('an array with a number', () => ['v', 1], false),
  made('an object whose toString throws', () => ({ toString: () => { throw new Boom(); } }), false),
  made('a throwing Proxy', () => new Proxy({}, throwingHandler), false),
  made('a revoked Proxy', revokedProxy, false),
];
const anyValue = fc.oneof(goodValue, fc.constantFrom(...hostileValues));

/** A Proxy handler whose every trap throws. */
const throwingHandler = Object.fromEntries(
  ['get', 'has', 'ownKeys', 'getOwnPropertyDescriptor', 'getPrototypeOf', 'set', 'deleteProperty', 'defineProperty'].map(
    (trap) => [
      trap,
      () => {
        throw new Boom();
      },
    ],
  ),
);

function revokedProxy() {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

/** Header names: the formats' own in any case, any text, 1 MiB ones. */
const names = (fields) =>
  fc.oneof(
    fc.constantFrom(...fields).chain((name) =>
      fc.constantFrom(name, name.toUpperCase(), name[0].toUpperCase() + name.slice(1)),
    ),
    text,
    big,
  );

/** `made` containers of `fields`: well formed, or anything a caller might pass. */
function containers(fields, { headers = true } = {}) {
  const pairs = fc.array(fc.tuple(names(fields), goodValue), { maxLength: 8 });
  const realPairs = (list) => list.map(([name, value]) => [name, value.make()]);
  const show = (kind, list) =>
    `${kind} ${list.map(([name, value]) => `${JSON.stringify(name).slice(0, 40)}: ${value}`).join(', ')}`;
  const object = (list) => Object.fromEntries(realPairs(list));
  const good = pairs.chain((list) =>
    fc.constantFrom(
      made(show('pairs', list), () => realPairs(list), true),
      made(show('pairs with extra items', list), () => realPairs(list).map((pair) => [...pair, 'extra']), true),
      made(show('object', list), () => object(list), true),
      made(show('null-prototype object', list), () => Object.assign(Object.create(null), object(list)), true),
      made(show('frozen object', list), () => Object.freeze(object(list)), true),
      made(show('inherited', list), () => Object.create(object(list)), true),
      made(show('Map', list), () => new Map(realPairs(list)), true),
      ...(headers ? [made(show('Headers', list), () => fetchHeaders(realPairs(list)), true)] : []),
    ),
  );
  const nothing = headers
    ? [made('null', () => null, true), made('undefined', () => undefined, true)]
    : [made('null', () => null, false), made('undefined (process.env)', () => undefined, true)];
  const badPairs = fc.array(fc.tuple(names(fields), anyValue), { minLength: 1, maxLength: 6 });
  const bad = fc.oneof(
    badPairs.map((list) => made(show('object, any values', list), () => object(list), false)),
    badPairs.map((list) => made(show('Map, any values', list), () => new Map(realPairs(list)), false)),
    badPairs.map((list) => made(show('pairs, any values', list), () => realPairs(list), false)),
    pairs.map((list) => made(show('a getter that throws', list), () => withThrowingGetter(realPairs(list), fields), false)),
    pairs.map((list) => made(show('pairs and a hole', list), () => [, ...realPairs(list)], false)),
    pairs.map((list) => made(show('a Proxy over pairs', list), () => new Proxy(realPairs(list), throwingHandler), false)),
    pairs.map((list) => made(show('a Proxy over an object', list), () => new Proxy(object(list), throwingHandler), false)),
    pairs.map((list) => made(show('a Map whose iterator throws', list), () => throwingMap(realPairs(list)), false)),
    fc.constantFrom(
      made('a string', () => 'traceparent', false),
      made('a number', () => 1, false),
      made('a bigint', () => 1n, false),
      made('a symbol', () => Symbol('headers'), false),
      made('a function', () => () => ({}), false),
      made('a Set', () => new Set([['traceparent', VALID[0]]]), false),
      made('a Buffer', () => Buffer.from(VALID[0]), false),
      made('a generator', () => (function* pairs() { yield ['traceparent', VALID[0]]; })(), false),
      made('pairs that are no arrays', () => [{ 0: 'traceparent', 1: VALID[0] }], false),
      made('a Map with a number key', () => new Map([[1, 'v']]), false),
      made('a Map with a symbol key', () => new Map([[Symbol('k'), 'v']]), false),
      made('a revoked Proxy', revokedProxy, false),
      made('a Headers look-alike that throws', () => ({ get: () => { throw new Boom(); }, append() {} }), false),
      made('a Headers look-alike giving numbers', () => headersLike(() => 1, ['uberctx-a', 1]), false),
      made('a Headers look-alike giving junk pairs', () => headersLike(() => null, 5), false),
      ...nothing,
    ),
  );
  return fc.oneof(good, bad);
}

/** Shaped like fetch's Headers: `get`, `append`, iteration (yielding `entry`). */
function headersLike(get, entry) {
  return {
    get,
    append() {},
    *[Symbol.iterator]() {
      yield entry;
    },
  };
}

function fetchHeaders(pairs) {
  const headers = new Headers();
  for (const [name, value] of pairs) {
    try {
      if (typeof value === 'string') headers.append(name, value);
    } catch {
      // Headers refuses names that are not tokens, values with CR, LF or NUL.
    }
  }
  return headers;
}

function withThrowingGetter(pairs, fields) {
  const object = Object.fromEntries(pairs);
  Object.defineProperty(object, fields[0], {
    enumerable: true,
    get() {
      throw new Boom();
    },
  });
  return object;
}

function throwingMap(pairs) {
  const map = new Map(pairs);
  map[Symbol.iterator] = () => {
    throw new Boom();
  };
  map.entries = map[Symbol.iterator];
  return map;
}

const headerContainers = containers(NAMES);
const envContainers = containers(VARIABLES, { headers: false });
const propagators = fc.constantFrom(...PROPAGATORS);

/** Contexts with all a context can carry: trace state, baggage, links, B3 debug. */
const INCOMING = [
  ['traceparent', VALID[0]],
  ['tracestate', VALID[1]],
  ['baggage', VALID[2]],
  ['b3', `${'a'.repeat(32)}-${SPAN_ID}-d`],
  ['uberctx-user', 'alice'],
];
const contexts = fc.constantFrom(
  Context.newRoot(),
  Context.newRoot().child().withTracestate('k', 'v').withBaggage('k', 'v'),
  EVERY.continueTrace(INCOMING),
  EVERY.extract([...INCOMING].reverse()),
);

// ---------------------------------------------------------------- reading

const READERS = {
  extract: [(p) => (h) => p.extract(h), (h) => api.extract(h)],
  continueTrace: [(p) => (h) => p.continueTrace(h), (h) => api.continueTrace(h)],
  diagnose: [(p) => (h) => p.diagnose(h), (h) => api.diagnose(h)],
};
const ENV_READERS = {
  extract: [(p) => (e) => p.extractEnv(e), (e) => api.extractEnv(e)],
  continueTrace: [(p) => (e) => p.continueTraceEnv(e), (e) => api.continueTraceEnv(e)],
  diagnose: [(p) => (e) => p.diagnoseEnv(e), (e) => api.diagnoseEnv(e)],
};

for (const [kind, [method, fn]] of Object.entries(READERS)) {
  test(`${kind} (module and Propagator) on any container: a result, a TypeError or the container's own throw`, () => {
    fc.assert(
      fc.property(headerContainers, propagators, (container, propagator) => {
        for (const call of [method(propagator), fn]) {
          const { ok, value, error } = outcome(() => call(container.make()), NO_ERROR);
          if (ok) checkRead(kind, value);
          else assert.ok(!container.wellFormed, `well-formed input threw ${error?.stack}`);
        }
      }),
    );
  });
}

for (const [kind, [method, fn]] of Object.entries(ENV_READERS)) {
  test(`${kind}Env (module and Propagator) on any environment: a result, a TypeError or the container's own throw`, () => {
    fc.assert(
      fc.property(envContainers, propagators, (container, propagator) => {
        for (const call of [method(propagator), fn]) {
          const { ok, value, error } = outcome(() => call(container.make()), NO_ERROR);
          if (ok) checkRead(kind, value);
          else assert.ok(!container.wellFormed, `well-formed input threw ${error?.stack}`);
        }
      }),
    );
  });
}

// ---------------------------------------------------------------- writing

const targetPairs = fc.array(fc.tuple(names(NAMES), text), { maxLength: 4 });
const targets = fc.oneof(
  targetPairs.chain((list) =>
    fc.constantFrom(
      made('undefined', () => undefined, true),
      made('null', () => null, true),
      made(`object ${list}`, () => Object.fromEntries(list), true),
      made(`null-prototype object ${list}`, () => Object.assign(Object.create(null), Object.fromEntries(list)), true),
      made(`pairs ${list}`, () => list.map((pair) => [...pair]), true),
      made(`pairs and junk ${list}`, () => [...list.map((pair) => [...pair]), 5, null, ['x'], [1, 'v']], true),
      made(`Map ${list}`, () => new Map(list), true),
    ),
  ),
  fc.constantFrom(
    made('a string', () => 'headers', false),
    made('a number', () => 1, false),
    made('a Set', () => new Set(), false),
    made('a Uint8Array', () => new Uint8Array(4), false),
    made('a function', () => () => ({}), false),
    made('a frozen object', () => Object.freeze({ traceparent: VALID[0] }), false),
    made('a frozen array', () => Object.freeze([]), false),
    made('a throwing Proxy', () => new Proxy({}, throwingHandler), false),
    made('a revoked Proxy', revokedProxy, false),
    made('a Map that refuses writes', () => refusingMap(), false),
    made('Headers', () => new Headers({ traceparent: VALID[0] }), 'headers'),
  ),
);

function refusingMap() {
  const map = new Map([['traceparent', VALID[0]]]);
  map.set = map.delete = () => {
    throw new Boom();
  };
  return map;
}

const WRITERS = {
  'Context.inject': (p, ctx) => (t) => ctx.inject(t),
  'Context.injectEnv': (p, ctx) => (t) => ctx.injectEnv(t),
  'Propagator.inject': (p, ctx) => (t) => p.inject(ctx, t),
  'Propagator.injectEnv': (p, ctx) => (t) => p.injectEnv(ctx, t),
};

for (const [name, writer] of Object.entries(WRITERS)) {
  test(`${name} into any target: the target, a TypeError or the target's own throw`, () => {
    fc.assert(
      fc.property(targets, contexts, propagators, (target, ctx, propagator) => {
        const container = target.make();
        const { ok, value, error } = outcome(() => writer(propagator, ctx)(container), NO_ERROR);
        // Headers is a header container, not an environment.
        const wellFormed = target.wellFormed === true || (target.wellFormed === 'headers' && name.endsWith('inject'));
        if (!ok) assert.ok(!wellFormed, `well-formed target threw ${error?.stack}`);
        else if (container === undefined || container === null) assert.equal(Object.getPrototypeOf(value), Object.prototype);
        else assert.equal(value, container);
      }),
    );
  });
}

test('a container that calls tracewire while it is read or written gets the right answers', () => {
  const OTHER = '1'.repeat(16);
  const codes = (headers) => api.diagnose(headers).map((d) => d.code);
  const bad = codes([['traceparent', 'x']]);
  /** Headers whose `name` getter makes calls of its own first, `depth` deep. */
  const calling = (name, value, depth) => {
    const headers = { other: 'v' };
    Object.defineProperty(headers, name, {
      enumerable: true,
      get() {
        if (depth > 0) {
          const other = calling('traceparent', `00-${TRACE_ID}-${OTHER}-01`, depth - 1);
          assert.equal(api.continueTrace(other).parentSpanId, OTHER);
          assert.equal(api.extractEnv(calling('TRACEPARENT', VALID[0], depth - 1)).spanId, SPAN_ID);
          assert.deepEqual(codes([['traceparent', 'x']]), bad);
          EVERY.inject(Context.newRoot(), []);
        }
        return value;
      },
    });
    return headers;
  };
  for (const read of [
    (h) => api.extract(h).spanId,
    (h) => api.continueTrace(h).parentSpanId,
    (h) => EVERY.extract(h).spanId,
    (h) => EVERY.continueTrace(h).parentSpanId,
  ]) {
    assert.equal(read(calling('traceparent', VALID[0], 2)), SPAN_ID);
  }
  assert.equal(api.extractEnv(calling('TRACEPARENT', VALID[0], 2)).spanId, SPAN_ID);
  assert.equal(api.diagnose(calling('traceparent', VALID[0], 2))[0].code, 'extracted');
  // Writing: a target whose setter extracts what was written so far.
  const root = Context.newRoot().withTracestate('k', 'v');
  const seen = [];
  const target = new Proxy({}, {
    set(object, name, value) {
      object[name] = value;
      seen.push(api.extract(object)?.spanId);
      return true;
    },
  });
  assert.equal(EVERY.inject(root, target), target);
  assert.equal(api.extract(target).spanId, root.spanId);
  assert.ok(seen.includes(root.spanId));
});

test('inject and injectEnv take a Context, nothing else', () => {
  const root = Context.newRoot();
  const others = [null, undefined, {}, 'ctx', 1, JSON.parse(JSON.stringify(root)), Object.create(root), new Proxy(root, {})];
  for (const propagator of PROPAGATORS.slice(0, 2)) {
    for (const other of others) {
      assert.throws(() => propagator.inject(other, {}), TypeError);
      assert.throws(() => propagator.injectEnv(other, {}), TypeError);
    }
  }
});

test('methods and getters called on something else than a Context or a Propagator: a TypeError, or no harm', () => {
  const strangers = [{}, Object.create(Context.prototype), new Proxy(Context.newRoot(), {}), null, undefined, 1];
  for (const cls of [Context, Propagator]) {
    for (const [key, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(cls.prototype))) {
      if (key === 'constructor') continue;
      const call = descriptor.get ?? descriptor.value;
      for (const stranger of strangers) {
        // (A getter made of other getters, `sampled`, answers for a plain object.)
        const { ok, error } = outcome(() => call.call(stranger, {}, {}), NO_ERROR);
        assert.ok(ok || error instanceof TypeError, `${cls.name}.${key}`);
      }
    }
  }
  assert.throws(() => new Context(), TypeError);
  assert.throws(() => new Context(undefined, `${VALID[0]}0000000000000000${'01'}\n\n\n`), TypeError);
  assert.throws(() => Context(), TypeError);
});

// ---------------------------------------------------------------- building

const argument = fc.oneof(
  text.map((s) => made(JSON.stringify(s), () => s)),
  big.map((s) => made(`${s.length} chars of ${JSON.stringify(s.slice(0, 4))}`, () => s)),
  fc.constantFrom(
    ...hostileValues,
    made('null', () => null),
    made('undefined', () => undefined),
    made('a Buffer', () => Buffer.from('k')),
  ),
);

test('withTracestate and withBaggage on any key and value: a Context, a TypeError or their code', () => {
  fc.assert(
    fc.property(contexts, argument, argument, (ctx, keyMaker, valueMaker) => {
      const [key, value] = [keyMaker.make(), valueMaker.make()];
      const texts = typeof key === 'string' && typeof value === 'string';
      for (const [call, codes] of [
        [() => ctx.withTracestate(key, value), TRACESTATE_ERRORS],
        [() => ctx.withBaggage(key, value), BAGGAGE_ERRORS],
      ]) {
        const { ok, value: result, error } = outcome(call, codes);
        if (ok) checkContext(result);
        else assert.ok(texts ? error instanceof TracewireError : error instanceof TypeError, error.stack);
      }
    }),
  );
});

const formatName = fc.oneof(fc.constantFrom(...FORMATS, 'TraceContext', ' b3', 'b3,jaeger', 'b3;x', ''), text);
const formatList = fc.oneof(
  fc.constant(undefined),
  fc.array(formatName, { maxLength: 4 }),
  fc.array(fc.oneof(formatName, fc.constantFrom(null, 1, Buffer.from('b3'), ['b3'])), { maxLength: 3 }),
  fc.array(formatName, { maxLength: 3 }).map((list) => new Proxy(list, {})),
  fc.array(formatName, { maxLength: 3 }).map((list) => new Set(list)),
  text,
  fc.constantFrom(null, 1, {}, { length: 1, 0: 'b3' }),
);
const policy = fc.oneof(fc.constantFrom('restart', 'first', 'last', 'RESTART', '', undefined, null, 1, {}), text);
const options = fc.oneof(
  fc.record({ extract: formatList, inject: formatList, repeated: policy }, { requiredKeys: [] }).map((o) =>
    made(`options ${JSON.stringify(o)}`, () => o),
  ),
  fc.constantFrom(
    made('undefined', () => undefined),
    made('null', () => null),
    made('a string', () => 'b3'),
    made('an array', () => ['b3']),
    made('a getter that throws', () => ({ get extract() { throw new Boom(); } })),
    made('a throwing Proxy', () => new Proxy({}, throwingHandler)),
    made('a revoked Proxy', revokedProxy),
  ),
);

test('new Propagator(any options): a Propagator, a TypeError or unknown_format / invalid_policy', () => {
  fc.assert(
    fc.property(options, (option) => {
      const { ok, value: propagator } = outcome(() => new Propagator(option.make()), PROPAGATOR_ERRORS);
      if (ok) {
        assert.ok(propagator.fields.every((field) => typeof field === 'string'));
        checkContext(propagator.continueTrace(propagator.inject(Context.newRoot(), [])));
      }
    }),
  );
});

// ---------------------------------------------------------------- JSON bodies

const jsonMembers = fc.dictionary(
  fc.oneof(fc.constantFrom('traceId', 'spanId', 'traceparent', 'tracestate', 'x'), text),
  fc.oneof(fc.constantFrom(TRACE_ID, SPAN_ID, VALID[0], VALID[1]), fc.integer(), text),
  { maxKeys: 5 },
);
const bodies = fc.oneof(
  jsonMembers.map((m) => made(`text ${JSON.stringify(m)}`, () => JSON.stringify(m), true)),
  jsonMembers.map((m) => made(`Buffer ${JSON.stringify(m)}`, () => Buffer.from(JSON.stringify(m)), true)),
  jsonMembers.map((m) => made(`Uint8Array ${JSON.stringify(m)}`, () => new TextEncoder().encode(JSON.stringify(m)), true)),
  jsonMembers.map((m) =>
    made(`shared ${JSON.stringify(m)}`, () => {
      const encoded = Buffer.from(JSON.stringify(m));
      const shared = new Uint8Array(new SharedArrayBuffer(encoded.length));
      shared.set(encoded);
      return shared;
    }, true),
  ),
  fc
    .oneof(text, big, fc.constantFrom('{', '['.repeat(200), `{"a":${'['.repeat(200)}`, '{}{}', ' {} ', '\ufeff{}'))
    .map((s) => made(`text ${JSON.stringify(s).slice(0, 60)}`, () => s, true)),
  bytes.map((b) => made(`bytes ${b}`, () => Buffer.from(b), true)),
  fc.constant(made('a detached Uint8Array', detached, true)),
  jsonMembers.map((m) => made(`an object ${JSON.stringify(m)}`, () => m, false)),
  fc.constantFrom(...hostileValues, made('null', () => null, false), made('undefined', () => undefined, false)),
);
const fieldName = fc.oneof(fc.constantFrom('traceId', 'spanId', 'trace_id', 'traceparent', undefined), text, big);
const fieldOptions = fc.oneof(
  fc
    .record({ traceIdField: fieldName, spanIdField: fieldName }, { requiredKeys: [] })
    .map((o) => made(JSON.stringify(o).slice(0, 80), () => o, true)),
  fc.constantFrom(
    made('undefined', () => undefined, true),
    made('null', () => null, false),
    made('a string', () => 'traceId', false),
    made('a number field', () => ({ traceIdField: 1 }), false),
    made('a getter that throws', () => ({ get traceIdField() { throw new Boom(); } }), false),
    made('a throwing Proxy', () => new Proxy({}, throwingHandler), false),
  ),
);

test('extractJson and injectJson on any body and options: a result, a TypeError or invalid_json', () => {
  fc.assert(
    fc.property(bodies, fieldOptions, contexts, (body, fields, ctx) => {
      const wellFormed = body.wellFormed && fields.wellFormed;
      const found = outcome(() => api.extractJson(body.make(), fields.make()), JSON_ERRORS);
      if (found.ok && found.value !== null) checkContext(found.value);
      if (!found.ok) assert.ok(!wellFormed || found.error instanceof TracewireError, found.error.stack);
      const input = body.make();
      const stamped = outcome(() => ctx.injectJson(input, fields.make()), JSON_ERRORS);
      if (stamped.ok) assert.equal(typeof stamped.value, typeof input);
      if (stamped.ok && typeof input !== 'string') assert.equal(Buffer.isBuffer(stamped.value), Buffer.isBuffer(input));
      if (!stamped.ok) assert.ok(!wellFormed || stamped.error instanceof TracewireError, stamped.error.stack);
    }),
  );
});

// ---------------------------------------------------------------- the worst inputs

const FILLS = [',', '=', ' ', '%', 'k=v,', ';', '-', 'a', ':', '%e2%82', '\ud800', 'é,'];

/** Every header at 1 MiB of a different fill; 10,000 repeats of every header; 1 MiB names; 10,000 other headers. */
function worstHeaders(fields, round) {
  const huge = fields.map((name, i) => [name, repeatTo(FILLS[(i + round) % FILLS.length], MIB)]);
  const repeated = fields.flatMap((name) => [...Array(5_000).fill([name, VALID[0]]), ...Array(5_000).fill([name, 'k=v'])]);
  const longNames = [[repeatTo('uberctx-', MIB), 'v'], [repeatTo('x', MIB), 'v']];
  const others = Array.from({ length: 10_000 }, (_, i) => [`x-other-${i}`, 'v'.repeat(100)]);
  const bytesToo = huge.map(([name, value]) => [name, Buffer.from(value)]);
  return [huge, repeated, longNames, others, bytesToo];
}

for (const [kind, [method, fn]] of Object.entries(READERS)) {
  test(`${kind} on the worst headers: 1 MiB values and names, 10,000 repeats, in every container`, () => {
    for (const headers of worstHeaders(NAMES, kind.length)) {
      for (const form of [headers, Object.fromEntries(headers), new Map(headers)]) {
        checkRead(kind, settles(() => method(EVERY)(form)));
        checkRead(kind, settles(() => fn(form)));
      }
    }
  });
}

for (const [kind, [method, fn]] of Object.entries(ENV_READERS)) {
  test(`${kind}Env on the worst environments`, () => {
    for (const env of worstHeaders(VARIABLES, kind.length)) {
      for (const form of [env, Object.fromEntries(env), new Map(env)]) {
        checkRead(kind, settles(() => method(EVERY)(form)));
        checkRead(kind, settles(() => fn(form)));
      }
    }
  });
}

/** A context at the limits: 32 tracestate members, baggage near 8 KiB, a link. */
function fullestContext() {
  let ctx = EVERY.continueTrace(INCOMING);
  for (let i = 0; i < 32; i++) ctx = ctx.withTracestate(`k${i}`, 'v'.repeat(200));
  for (let i = 0; i < 60; i++) ctx = ctx.withBaggage(`k${i}`, 'é'.repeat(20));
  return ctx;
}

test('every writer on the worst targets: 27,000 headers, stale ones in every spelling', () => {
  const ctx = fullestContext();
  const stale = [
    ...Array.from({ length: 1_000 }, () => NAMES.map((name) => [name.toUpperCase(), VALID[0]])).flat(),
    ...Array.from({ length: 10_000 }, (_, i) => [`x-${i}`, 'v']),
  ];
  for (const [name, writer] of Object.entries(WRITERS)) {
    for (const propagator of [EVERY, PROPAGATORS[0]]) {
      for (const target of [stale.map((pair) => [...pair]), Object.fromEntries(stale), new Map(stale)]) {
        assert.equal(settles(() => writer(propagator, ctx)(target)), target, name);
      }
    }
  }
});

test('every builder on 1 MiB arguments', () => {
  const ctx = fullestContext();
  for (const fill of FILLS) {
    const huge = repeatTo(fill, MIB);
    outcome(() => ctx.withTracestate(huge, 'v'), TRACESTATE_ERRORS);
    outcome(() => ctx.withTracestate('k', huge), TRACESTATE_ERRORS);
    outcome(() => ctx.withBaggage(huge, 'v'), BAGGAGE_ERRORS);
    outcome(() => ctx.withBaggage('k', huge), BAGGAGE_ERRORS);
    outcome(() => new Propagator({ extract: [huge] }), PROPAGATOR_ERRORS);
    outcome(() => new Propagator({ repeated: huge }), PROPAGATOR_ERRORS);
  }
  const many = new Propagator({ extract: Array(2_000).fill(FORMATS).flat(), inject: Array(2_000).fill(FORMATS).flat() });
  checkContext(many.continueTrace(INCOMING));
});

test('extractJson and injectJson on 1 MiB bodies and field names', () => {
  const ctx = fullestContext();
  const members = Array.from({ length: MIB / 12 }, (_, i) => `"k${i}":${i}`).join(',');
  const ids = `"traceId":"${TRACE_ID}","spanId":"${SPAN_ID}"`;
  const bodies = [
    '['.repeat(MIB),
    `{"a":${'['.repeat(MIB)}`,
    `{"a":"${'\\u0000'.repeat(MIB / 6)}"}`,
    `{"a":"${'x'.repeat(MIB)}",${ids}}`,
    `{${members},${ids}}`,
    `{${Array(Math.floor(MIB / 46)).fill(`"traceId":"${TRACE_ID}"`).join(',')}}`,
    `${' '.repeat(MIB)}{}`,
    `{"${'\\'.repeat(MIB)}`,
  ];
  const fields = { traceIdField: repeatTo('k', MIB), spanIdField: repeatTo('\ud800', MIB) };
  for (const body of bodies) {
    for (const form of [body, Buffer.from(body)]) {
      for (const options of [undefined, fields]) {
        outcome(() => api.extractJson(form, options), JSON_ERRORS);
        outcome(() => ctx.injectJson(form, options), JSON_ERRORS);
      }
    }
  }
});

// ---------------------------------------------------------------- threads and instances

test('4 worker threads using the whole API at once see no error and draw no id twice', async () => {
  const rounds = 2_000;
  const results = await Promise.all(
    Array.from({ length: 4 }, () => {
      const worker = new Worker(new URL('./boundary.worker.mjs', import.meta.url), { workerData: { rounds } });
      return new Promise((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
    }),
  );
  const ids = results.flatMap((result) => result.spanIds);
  assert.equal(ids.length, 4 * rounds * 2);
  assert.equal(new Set(ids).size, ids.length, 'a span id was drawn twice');
});

if (impl === 'node') {
  test('every function of the addon runs under catch_unwind (a panic answers !internal_error)', async () => {
    const source = await readFile(new URL('../../bindings-node/src/lib.rs', import.meta.url), 'utf8');
    // Comments and string contents out, then each function's body by its braces.
    const code = source.replace(/\/\/[^\n]*/g, '').replace(/"(?:\\.|[^"\\])*"/g, '""');
    const bodies = new Map();
    const exported = [];
    for (const match of code.matchAll(/(#\[napi\]\s*)?pub fn (\w+)|\bfn (\w+)/g)) {
      let depth = 0;
      let end = code.indexOf('{', match.index);
      const start = end;
      do depth += { '{': 1, '}': -1 }[code[end++]] ?? 0;
      while (depth > 0);
      const name = match[2] ?? match[3];
      bodies.set(name, code.slice(start, end));
      if (match[1]) exported.push(name);
    }
    assert.ok(exported.length >= 15, `only ${exported.length} #[napi] functions found`);
    assert.match(bodies.get('guard'), /catch_unwind\(/);
    assert.match(bodies.get('with_propagator'), /\bguard\(/);
    for (const name of exported) {
      assert.match(bodies.get(name), /\b(guard|with_propagator|catch_unwind)\(/, `${name} is not guarded`);
    }
  });
}

if (impl === 'wasm') {
  /**
   * Ids drawn by `instances` separately instantiated modules, `count` roots each: another
   * URL is another module, with its own glue and its own instance. Runs in a page too.
   */
  const drawIds = async ([entry, instances, count]) => {
    const ids = [];
    for (let instance = 0; instance < instances; instance++) {
      const fresh = await import(`${entry}?instance=${instance}-${Math.random()}`);
      await fresh.default();
      for (let i = 0; i < count; i++) {
        const root = fresh.Context.newRoot();
        ids.push(root.traceId, root.spanId, root.child().spanId);
      }
    }
    return ids;
  };

  test('separately instantiated WebAssembly modules in Node draw ids no other instance draws', async () => {
    const drawn = await drawIds([import.meta.resolve('tracewire-wasm'), 8, 1_000]);
    assert.equal(drawn.length, 8 * 3_000);
    assert.equal(new Set(drawn).size, drawn.length, 'two instances drew the same id');
  });

  test('WebAssembly instances in several Chromium pages draw ids no other instance draws', async () => {
    const { chromium } = await import('playwright-core');
    const server = await serveTestsDirectory();
    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      timeout: 60_000,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    });
    try {
      const origin = `http://127.0.0.1:${server.address().port}`;
      const entry = `${origin}/node_modules/tracewire-wasm/index.js`;
      const pages = await Promise.all([0, 1, 2].map(() => browser.newPage()));
      const drawn = await Promise.all(
        pages.map(async (page) => {
          await page.goto(`${origin}/`);
          return page.evaluate(drawIds, [entry, 3, 1_000]);
        }),
      );
      const all = drawn.flat();
      assert.equal(all.length, 3 * 3 * 3_000);
      assert.equal(new Set(all).size, all.length, 'two instances drew the same id');
    } finally {
      await browser.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  const glueDir = process.env.TRACEWIRE_WASM_GLUE;
  const trapTest = 'a trap in the module is a TracewireError internal_error, and the next call works';
  test(trapTest, { skip: !glueDir && 'set TRACEWIRE_WASM_GLUE (bindings-wasm/test.sh does)' }, async () => {
    // The package's own layers, over the module wasm-bindgen wrote.
    const { createApi } = await import('../../bindings-node/js/api.mjs');
    const { createBackend } = await import('../../bindings-wasm/js/backend.mjs');
    const glue = await import(pathToFileURL(join(glueDir, 'tracewire_wasm.js')).href);
    await glue.default({ module_or_path: await readFile(join(glueDir, 'tracewire_wasm_bg.wasm')) });
    // A real trap: a module whose one function is `unreachable`.
    const unreachable = [
      ...[0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0], // "\0asm", version 1
      ...[1, 4, 1, 0x60, 0, 0], // types: () -> ()
      ...[3, 2, 1, 0], // functions: one of type 0
      ...[7, 8, 1, 4, ...new TextEncoder().encode('trap'), 0, 0], // exports: "trap", function 0
      ...[10, 5, 1, 3, 0, 0x00, 0x0b], // code: no locals, unreachable, end
    ];
    const { trap } = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(unreachable))).exports;
    const trapping = new Set();
    /** The instance's exports, each trapping once when its name is in `trapping`. */
    const wrap = (exports) =>
      Object.create(
        exports,
        Object.fromEntries(
          Object.entries(exports)
            .filter(([, value]) => typeof value === 'function')
            .map(([name, real]) => [
              name,
              {
                value: (...args) => {
                  if (trapping.delete(name)) trap();
                  return real(...args);
                },
              },
            ]),
        ),
      );
    const backend = createBackend(() => {
      glue.__wbg_reset_state();
      return wrap(glue.initSync());
    });
    backend.use(wrap(glue.initSync()));
    const wasm = createApi(backend);
    const propagator = new wasm.Propagator({ extract: FORMATS, inject: FORMATS });
    const root = wasm.Context.newRoot().withBaggage('k', 'v');
    const env = { TRACEPARENT: VALID[0] };
    let specs = 0;
    // One call per export (a context is read, in case its crossing is deferred).
    const calls = {
      new_root: () => wasm.Context.newRoot().traceId,
      child: () => root.child().traceId,
      with_tracestate: () => root.withTracestate('k', 'v').traceId,
      with_baggage: () => root.withBaggage('k', 'v').traceId,
      details: () => wasm.continueTrace({ baggage: 'a=b' }).baggage,
      extract: () => propagator.extract(INCOMING).traceId,
      continue_trace: () => propagator.continueTrace(INCOMING).traceId,
      continue_trace_inject: () => propagator.inject(propagator.continueTrace(INCOMING), []),
      diagnose: () => propagator.diagnose(INCOMING),
      extract_env: () => propagator.extractEnv(env).traceId,
      continue_trace_env: () => propagator.continueTraceEnv(env).traceId,
      diagnose_env: () => propagator.diagnoseEnv(env),
      // (A context keeps what it injected: a fresh one crosses.)
      inject: () => propagator.inject(root.child(), []),
      inject_env: () => propagator.injectEnv(root, {}),
      extract_json: () => wasm.extractJson(`{"traceId":"${TRACE_ID}","spanId":"${SPAN_ID}"}`).traceId,
      inject_json: () => root.injectJson('{}'),
      spec: () => new wasm.Propagator({ extract: ['b3'] }),
      // (A spec's handle is kept per instance: each call needs a new spec.)
      propagator: () => new wasm.Propagator({ extract: FORMATS.slice(0, ++specs) }),
      fields: () => new wasm.Propagator({ extract: ['datadog'], inject: ['b3multi'] }),
      output: () => wasm.Context.newRoot().traceId,
    };
    const exports = glue.initSync();
    // Every export but the scratch buffer's (out of memory there is a RangeError, by design).
    const covered = Object.keys(exports).filter(
      (name) => typeof exports[name] === 'function' && !name.startsWith('__') && name !== 'scratch',
    );
    assert.deepEqual(covered.filter((name) => !(name in calls)), [], 'exports without a call here');
    for (const name of covered) {
      const expected = calls[name]();
      trapping.add(name);
      assert.throws(calls[name], (error) => error instanceof wasm.TracewireError && error.code === 'internal_error', name);
      assert.ok(!trapping.has(name), `${name} was not called`);
      const again = calls[name]();
      assert.equal(again?.constructor, expected?.constructor, name);
    }
    assert.match(wasm.Context.newRoot().child().traceparent, /^00-[0-9a-f]{32}-[0-9a-f]{16}-03$/);
  });
}

/** Serves an empty page at `/` and the files of tests/js/ on 127.0.0.1, GET only. */
async function serveTestsDirectory() {
  const { createServer } = await import('node:http');
  const { realpath } = await import('node:fs/promises');
  const { extname } = await import('node:path');
  const root = await realpath(new URL('.', import.meta.url).pathname);
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm' };
  const server = createServer(async (request, response) => {
    if (request.url === '/') {
      response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>tracewire</title>');
      return;
    }
    try {
      const file = await realpath(join(root, decodeURIComponent(new URL(request.url, 'http://localhost').pathname)));
      if (request.method !== 'GET' || !file.startsWith(`${root}/`) || !(extname(file) in types)) {
        throw new Error('not served');
      }
      response.writeHead(200, { 'content-type': types[extname(file)] });
      response.end(await readFile(file));
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}
