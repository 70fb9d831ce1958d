/**
 * The one JS test suite of tracewire: the shared vectors plus the checks of the JS
 * API, run unchanged against the Node-API package, the WebAssembly package in Node
 * and the WebAssembly package in Chromium. Framework-free and import-free, so a
 * browser page can load it as is: each case is `{ name, run }`, and `run` throws
 * on failure.
 *
 * @module
 */

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';
const OTHER_SPAN_ID = 'b7ad6b7169203331';
const TP = `00-${TRACE_ID}-${SPAN_ID}-01`;
const OTHER_TP = `00-${TRACE_ID}-${OTHER_SPAN_ID}-01`;
const B3_TRACE_ID = '80f198ee56343ba864fe8b2a57d3eff7';
const UBER = `${TRACE_ID}:${SPAN_ID}:0:1`;
const XRAY = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
const HEX_32 = /^[0-9a-f]{32}$/;
const HEX_16 = /^[0-9a-f]{16}$/;

/**
 * Every case, for one implementation of the API.
 *
 * @param {object} api the module: extract, continueTrace, diagnose, extractEnv, ..., Context, Propagator, Diagnostic, TracewireError
 * @param {object[] | Record<string, object>} vectors the parsed files of tests/vectors/, by file name
 * @returns {{ name: string, run: () => void }[]}
 */
export function cases(api, vectors) {
  // The W3C-only entry (`tracewire-wasm/w3c`) has no Propagator: it runs what needs
  // only W3C Trace Context with the default policy, and lists the rest with why.
  const w3cOnly = api.Propagator === undefined;
  const list = [];
  for (const [file, doc] of Object.entries(vectors)) {
    list.push({ name: `vectors ${file} has a known shape`, run: () => checkFile(doc) });
    for (const vector of Array.isArray(doc?.cases) ? doc.cases : []) {
      const skip = w3cOnly ? beyondW3c(vector) : undefined;
      list.push({ name: `vector ${vector.name}`, skip, run: () => checkVector(api, vector) });
    }
  }
  for (const [name, run] of Object.entries(bindingChecks(api))) {
    list.push({ name: `api ${name}`, skip: w3cOnly ? BEYOND_W3C[name] : undefined, run });
  }
  return list;
}

/** Why the W3C-only entry cannot run a vector, or `undefined` when it can. */
function beyondW3c(vector) {
  const { extract = ['tracecontext'], inject = ['tracecontext'], repeated = 'restart' } = vector.propagator ?? {};
  if (!('headers' in vector)) return 'JSON bodies and environment variables are in the full entry only';
  if (extract.join() !== 'tracecontext' || inject.join() !== 'tracecontext') return 'other formats than tracecontext';
  if (repeated !== 'restart') return 'repeated-header policies need a Propagator';
  const { baggage = {}, links = [], debug = false, deferred = false } = vector.expect ?? {};
  if (Object.keys(baggage).length > 0 || links.length > 0 || debug || deferred || vector.continued_baggage) {
    return 'baggage, links, debug and deferred are in the full entry only';
  }
  return undefined;
}

/** The API checks the W3C-only entry cannot run, and why. */
const BEYOND_W3C = {
  'exports the same names everywhere': 'the W3C entry exports extract, continueTrace, diagnose, Context, Diagnostic, TracewireError',
  'applies the repeated-traceparent policy to arrays of values': 'policies need a Propagator',
  'injects into kafkajs headers with byte values': 'uses withTracestate',
  'injects into a Map': 'uses withTracestate',
  'injects into an array of pairs without duplicates': 'uses withTracestate',
  'injects into a new plain object when given none': 'also checks Propagator.inject',
  'injects nothing when the propagator has no inject format': 'needs a Propagator',
  'withTracestate puts the key first and leaves the original alone': 'withTracestate is in the full entry only',
  'toJSON has every field, null for no parent': 'checks baggage and links too',
  'lists the fields of a propagator': 'needs a Propagator',
  'defaults to W3C Trace Context and Baggage both ways': 'baggage is in the full entry only',
  'extracts nothing without extract formats': 'needs a Propagator',
  'reads uberctx-* by prefix from every container, in any case': 'Jaeger is in the full entry only',
  'round-trips baggage with properties and percent-encoding': 'baggage is in the full entry only',
  'withBaggage returns a new context and checks the key': 'baggage is in the full entry only',
  'baggage and links are frozen and read once': 'baggage is in the full entry only',
  'reports links, debug and deferred': 'other formats are in the full entry only',
  'extractJson reads text and bytes, with configurable field names': 'JSON bodies are in the full entry only',
  'injectJson gives text for text and bytes for bytes, other bytes untouched': 'JSON bodies are in the full entry only',
  'extracts from and injects into environment variables': 'environment variables are in the full entry only',
  'throws TracewireError with a code': 'its codes come from Propagator and withTracestate',
  'throws TypeError for options and arguments of the wrong type': 'checks Propagator and withTracestate',
};

// ---------------------------------------------------------------- assertions

class AssertionError extends Error {}

function equal(actual, expected, what) {
  if (!Object.is(actual, expected)) {
    throw new AssertionError(`${what}: expected ${show(expected)}, got ${show(actual)}`);
  }
}

function same(actual, expected, what) {
  const [a, e] = [JSON.stringify(actual), JSON.stringify(expected)];
  if (a !== e) throw new AssertionError(`${what}: expected ${e}, got ${a}`);
}

function ok(value, what) {
  if (!value) throw new AssertionError(what);
}

/** Runs `fn`, expecting it to throw an instance of `type` (and, if given, with `code`). */
function throws(fn, type, code, what) {
  try {
    fn();
  } catch (error) {
    ok(error instanceof type, `${what}: expected ${type.name}, got ${show(error)}`);
    if (code !== undefined) equal(error.code, code, `${what}: code`);
    return error;
  }
  throw new AssertionError(`${what}: did not throw`);
}

function show(value) {
  if (value instanceof Error) return `${value.name}(${value.code ?? value.message})`;
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

// ---------------------------------------------------------------- helpers

const encoder = new TextEncoder();
const utf8 = (text) => encoder.encode(text);

function fromHex(hex) {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

function toHex(bytes) {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

const codes = (diagnostics) => diagnostics.map((d) => d.code);
const json = (context) => (context === null ? null : context.toJSON());

/** Baggage objects compared as sets of entries (key order is not part of baggage). */
function sameBaggage(actual, expected, what) {
  const sorted = (bag) => Object.entries(bag).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  same(sorted(actual), sorted(expected), what);
}

// ---------------------------------------------------------------- vectors

// What a vector file and each shape of case may hold: anything else fails loudly,
// so that nothing in the vectors goes unread.
const FILE_KEYS = ['description', 'cases'];
const NOTES = ['name', 'rule', 'description'];
const SHAPES = {
  headers: [...NOTES, 'propagator', 'headers', 'expect', 'diagnostics', 'inject', 'continued_baggage'],
  env: [...NOTES, 'propagator', 'env', 'expect', 'diagnostics', 'inject', 'continued_baggage'],
  body: [...NOTES, 'body', 'fields', 'expect', 'error', 'inject'],
};
const EXPECT_KEYS = ['trace_id', 'span_id', 'flags', 'tracestate', 'baggage', 'links', 'debug', 'deferred'];
const PROPAGATOR_KEYS = ['extract', 'inject', 'repeated'];
const JSON_FIELD_KEYS = ['trace_id', 'span_id'];
const JSON_INJECT_KEYS = ['traceparent', 'tracestate', 'body'];

function onlyKeys(object, allowed, what) {
  const unknown = Object.keys(object ?? {}).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) throw new AssertionError(`${what}: unknown keys ${unknown.join(', ')}`);
}

function checkFile(doc) {
  ok(typeof doc === 'object' && doc !== null && !Array.isArray(doc), 'a vector file is an object');
  onlyKeys(doc, FILE_KEYS, 'file');
  ok(Array.isArray(doc.cases) && doc.cases.length > 0, 'a vector file has cases');
  for (const vector of doc.cases) ok(shapeOf(vector) !== undefined, `${vector.name}: no runnable shape`);
}

function shapeOf(vector) {
  return Object.keys(SHAPES).find((shape) => shape in vector);
}

function checkVector(api, vector) {
  const shape = shapeOf(vector);
  if (shape === undefined) throw new AssertionError(`no runnable shape in keys ${Object.keys(vector)}`);
  onlyKeys(vector, SHAPES[shape], shape);
  onlyKeys(vector.expect, EXPECT_KEYS, 'expect');
  onlyKeys(vector.propagator, PROPAGATOR_KEYS, 'propagator');
  if (shape === 'headers') checkHeadersVector(api, vector);
  else if (shape === 'env') checkEnvVector(api, vector);
  else checkBodyVector(api, vector);
}

/** A vector value: text, or `{ bytes: hex }`. */
const valueOf = (value) => (typeof value === 'string' ? value : fromHex(value.bytes));

/** A vector's propagator; a missing format list is `['tracecontext']`, as in every runner. */
function propagatorOf(api, config) {
  const { extract = ['tracecontext'], inject = ['tracecontext'], repeated } = config;
  if (api.Propagator === undefined) {
    // The W3C-only entry: its module functions are the one propagator it has.
    return { ...api, inject: (context, headers) => context.inject(headers) };
  }
  return new api.Propagator({ extract, inject, repeated });
}

function checkHeadersVector(api, vector) {
  const headers = vector.headers.map(([name, value]) => [name, valueOf(value)]);
  const propagator = propagatorOf(api, vector.propagator);
  const context = propagator.extract(headers);
  same(codes(propagator.diagnose(headers)), vector.diagnostics, 'diagnostics');

  // With distinct names, a plain object and a Map hold the same headers.
  const lower = headers.map(([name]) => name.toLowerCase());
  if (new Set(lower).size === lower.length) {
    for (const other of [Object.fromEntries(headers), new Map(headers)]) {
      same(json(propagator.extract(other)), json(context), `extract from ${other.constructor.name}`);
      same(codes(propagator.diagnose(other)), vector.diagnostics, `diagnostics from ${other.constructor.name}`);
    }
  }
  checkOutcome(vector, context, propagator.continueTrace(headers), (ctx) => propagator.inject(ctx, []));
}

function checkEnvVector(api, vector) {
  const pairs = vector.env.map(([name, value]) => [name, valueOf(value)]);
  const propagator = propagatorOf(api, vector.propagator);
  const forms = [[pairs, (ctx) => propagator.injectEnv(ctx, [])]];
  // With distinct names (what a process environment has), a plain object and a Map too.
  if (new Set(pairs.map(([name]) => name)).size === pairs.length) {
    forms.push(
      [Object.fromEntries(pairs), (ctx) => Object.entries(propagator.injectEnv(ctx, {}))],
      [new Map(pairs), (ctx) => [...propagator.injectEnv(ctx, new Map())]],
    );
  }
  for (const [env, inject] of forms) {
    const context = propagator.extractEnv(env);
    if ('diagnostics' in vector) same(codes(propagator.diagnoseEnv(env)), vector.diagnostics, 'diagnostics');
    checkOutcome(vector, context, propagator.continueTraceEnv(env), inject);
  }
}

/** The checks shared by headers and environment vectors. */
function checkOutcome(vector, context, continued, inject) {
  if (vector.expect === null) {
    equal(context, null, 'extract');
    equal(vector.inject ?? null, null, 'a vector without a context injects nothing');
    equal(continued.parentSpanId, null, 'continueTrace: new root has no parent');
    equal(continued.flags, 3, 'continueTrace: new root flags');
    if (hasExtras(continued)) {
      sameBaggage(continued.baggage, vector.continued_baggage ?? {}, 'continueTrace: baggage of the new root');
    }
    return;
  }
  ok(context !== null, 'extract found no context');
  checkContext(context, vector.expect);
  same(inject(context), vector.inject, 'inject');
  equal(continued.traceId, vector.expect.trace_id, 'continueTrace traceId');
  equal(continued.parentSpanId, vector.expect.span_id, 'continueTrace parentSpanId');
  if (hasExtras(continued)) sameBaggage(continued.baggage, context.baggage, 'continueTrace baggage');
}

/**
 * Whether a context has baggage, links, debug and deferred: every entry's but the
 * W3C-only one's (whose vectors expect none of them, see `beyondW3c`).
 */
const hasExtras = (context) => 'baggage' in context;

/** An extracted context against `expect`, and the rules of its child. */
function checkContext(context, expect) {
  const { trace_id, span_id, flags, tracestate } = expect;
  equal(context.traceId, trace_id, 'traceId');
  equal(context.spanId, span_id, 'spanId');
  equal(context.flags, flags, 'flags');
  equal(context.sampled, (flags & 1) === 1, 'sampled');
  equal(context.tracestate, tracestate, 'tracestate');
  equal(context.parentSpanId, null, 'parentSpanId of an extracted context');
  if (hasExtras(context)) {
    sameBaggage(context.baggage, expect.baggage ?? {}, 'baggage');
    const links = (expect.links ?? []).map((link) => ({ traceId: link.trace_id, spanId: link.span_id }));
    same(context.links, links, 'links');
    equal(context.debug, expect.debug ?? false, 'debug');
    equal(context.deferred, expect.deferred ?? false, 'deferred');
  }

  const child = context.child();
  equal(child.traceId, trace_id, 'child traceId');
  equal(child.flags, flags & 3, 'child flags');
  equal(child.parentSpanId, span_id, 'child parentSpanId');
  ok(child.spanId !== span_id && HEX_16.test(child.spanId), 'child draws a new span id');
  equal(child.tracestate, tracestate, 'child tracestate');
  if (hasExtras(child)) {
    sameBaggage(child.baggage, context.baggage, 'child baggage');
    same(child.links, [], 'child links');
  }
}

function checkBodyVector(api, vector) {
  onlyKeys(vector.fields, JSON_FIELD_KEYS, 'fields');
  onlyKeys(vector.inject, JSON_INJECT_KEYS, 'inject');
  const options = {};
  if (vector.fields?.trace_id !== undefined) options.traceIdField = vector.fields.trace_id;
  if (vector.fields?.span_id !== undefined) options.spanIdField = vector.fields.span_id;
  const body = valueOf(vector.body);
  // Text bodies run as text and as their UTF-8 bytes; byte bodies as bytes.
  for (const form of typeof body === 'string' ? [body, utf8(body)] : [body]) {
    const kind = typeof form === 'string' ? 'text' : 'bytes';
    if (vector.error !== null && vector.error !== undefined) {
      equal(vector.expect, null, 'a body with an error has no context');
      equal(vector.inject, null, 'a body with an error has no injection');
      throws(() => api.extractJson(form, options), api.TracewireError, vector.error, `extractJson (${kind})`);
      const root = api.Context.newRoot();
      throws(() => root.injectJson(form, options), api.TracewireError, vector.error, `injectJson (${kind})`);
      continue;
    }
    const context = api.extractJson(form, options);
    if (vector.expect === null) equal(context, null, `extractJson (${kind})`);
    else checkContext(context, vector.expect);
    if (vector.inject != null) {
      const headers = [['traceparent', vector.inject.traceparent]];
      if (vector.inject.tracestate !== undefined) headers.push(['tracestate', vector.inject.tracestate]);
      const stamp = new api.Propagator({ extract: ['tracecontext'], inject: [] }).extract(headers);
      ok(stamp !== null, 'inject.traceparent is a valid context');
      const out = stamp.injectJson(form, options);
      const expected = valueOf(vector.inject.body);
      if (typeof form === 'string') {
        equal(out, expected, 'injectJson (text)');
      } else {
        ok(out instanceof Uint8Array, 'injectJson gives bytes for bytes');
        equal(toHex(out), toHex(typeof expected === 'string' ? utf8(expected) : expected), 'injectJson (bytes)');
      }
      const again = api.extractJson(out, options);
      same([again?.traceId, again?.spanId], [stamp.traceId, stamp.spanId], `extractJson of the injected body (${kind})`);
    }
  }
}

// ---------------------------------------------------------------- the JS API

function bindingChecks(api) {
  const { Context, Propagator, Diagnostic, TracewireError } = api;
  const remote = () => api.extract([['traceparent', TP]]);

  return {
    'exports the same names everywhere'() {
      const names = ['extract', 'continueTrace', 'diagnose', 'extractEnv', 'continueTraceEnv', 'diagnoseEnv', 'extractJson'];
      for (const name of [...names, 'Context', 'Propagator', 'Diagnostic', 'TracewireError']) {
        equal(typeof api[name], 'function', name);
      }
    },

    'reads a plain object such as IncomingHttpHeaders'() {
      const headers = Object.assign(Object.create(null), {
        host: 'example.com',
        'set-cookie': ['a=1', 'b=2'],
        traceparent: TP,
        tracestate: 'congo=t61rcWkgMzE',
      });
      const context = api.extract(headers);
      equal(context.traceId, TRACE_ID, 'traceId');
      equal(context.spanId, SPAN_ID, 'spanId');
      equal(context.tracestate, 'congo=t61rcWkgMzE', 'tracestate');
      equal(api.extract({ traceparent: TP, 'content-length': 42 }).spanId, SPAN_ID, 'other values are not read');
    },

    'matches names in any case'() {
      const context = api.extract({ TraceParent: TP, TRACESTATE: 'a=1' });
      equal(context.spanId, SPAN_ID, 'spanId');
      equal(context.tracestate, 'a=1', 'tracestate');
      // Only ASCII letters fold: "ſ" upper-cases to "S" but is no "s".
      equal(api.extract({ traceparent: TP, TRACEſTATE: 'a=1' }).tracestate, '', 'non-ASCII name');
    },

    'reads kafkajs headers: bytes and arrays of values'() {
      const context = api.extract({
        traceparent: utf8(TP),
        tracestate: [utf8('a=1'), 'b=2'],
        'content-type': utf8('application/json'),
      });
      equal(context.spanId, SPAN_ID, 'spanId');
      equal(context.tracestate, 'a=1,b=2', 'repeated tracestate values combine in order');
      equal(api.extract({ traceparent: [utf8(TP), TP] }).spanId, SPAN_ID, 'identical repeats are one value');
    },

    'applies the repeated-traceparent policy to arrays of values'() {
      const headers = { traceparent: [utf8(TP), utf8(OTHER_TP)] };
      equal(api.extract(headers), null, 'restart');
      same(codes(api.diagnose(headers)), ['repeated_traceparent'], 'diagnostics');
      equal(new Propagator({ repeated: 'first' }).extract(headers).spanId, SPAN_ID, 'first');
      equal(new Propagator({ repeated: 'last' }).extract(headers).spanId, OTHER_SPAN_ID, 'last');
    },

    'reads a Map'() {
      const context = api.extract(new Map([['TraceParent', TP], ['tracestate', utf8('a=1')], ['x', 'y']]));
      equal(context.spanId, SPAN_ID, 'spanId');
      equal(context.tracestate, 'a=1', 'tracestate');
    },

    'reads fetch Headers, whose repeats arrive joined with ", "'() {
      const headers = new Headers([['TraceParent', TP]]);
      headers.append('tracestate', 'a=1');
      headers.append('tracestate', 'b=2');
      const context = api.extract(headers);
      equal(context.spanId, SPAN_ID, 'spanId');
      equal(context.tracestate, 'a=1,b=2', 'tracestate');
      headers.append('traceparent', OTHER_TP);
      equal(api.extract(headers), null, 'different traceparents restart');
      same(codes(api.diagnose(headers)), ['repeated_traceparent'], 'diagnostics');
    },

    'reads an array of [name, value] pairs with repeats'() {
      const context = api.extract([
        ['traceparent', utf8(TP)],
        ['tracestate', 'a=1'],
        ['other', 'x'],
        ['TRACESTATE', utf8('b=2')],
      ]);
      equal(context.spanId, SPAN_ID, 'spanId');
      equal(context.tracestate, 'a=1,b=2', 'tracestate');
      equal(api.extract([['traceparent', TP], ['traceparent', OTHER_TP]]), null, 'repeated traceparent');
    },

    'reads null, undefined and empty containers as no headers'() {
      for (const empty of [null, undefined, {}, new Map(), new Headers(), []]) {
        equal(api.extract(empty), null, `extract(${show(empty)})`);
        same(codes(api.diagnose(empty)), ['missing_traceparent'], `diagnose(${show(empty)})`);
      }
      equal(api.extract(), null, 'extract()');
      const root = api.continueTrace(null);
      equal(root.parentSpanId, null, 'continueTrace(null) parent');
      equal(root.flags, 3, 'continueTrace(null) flags');
      equal(api.extract({ traceparent: undefined, tracestate: null }), null, 'absent values');
    },

    'reads only the bytes of a Uint8Array view'() {
      const backing = utf8(`xxxx${TP}yyyy`);
      const view = backing.subarray(4, 4 + TP.length);
      equal(api.extract({ traceparent: view }).spanId, SPAN_ID, 'view into a larger buffer');
    },

    'treats invalid UTF-8 as absent, with a diagnostic'() {
      const bad = utf8(TP);
      bad[10] = 0xff;
      equal(api.extract({ traceparent: bad }), null, 'traceparent');
      same(codes(api.diagnose({ traceparent: bad })), ['invalid_utf8'], 'traceparent diagnostics');
      const headers = [['traceparent', TP], ['tracestate', new Uint8Array([0x61, 0x3d, 0xc3, 0x28])]];
      equal(api.extract(headers).tracestate, '', 'tracestate is dropped');
      same(codes(api.diagnose(headers)), ['invalid_utf8', 'extracted'], 'tracestate diagnostics');
    },

    'encodes text values as UTF-8'() {
      for (const value of ['a=é', 'a=\ud800']) {
        const headers = { traceparent: TP, tracestate: value };
        equal(api.extract(headers).tracestate, '', `tracestate ${show(value)}`);
        same(codes(api.diagnose(headers)), ['invalid_tracestate_value', 'extracted'], `diagnostics ${show(value)}`);
      }
      equal(api.extract({ traceparent: `${TP.slice(0, -2)}é1` }), null, 'non-ASCII traceparent');
    },

    'reads values of any size'() {
      const members = Array.from({ length: 32 }, (_, i) => `k${i}=${'v'.repeat(200)}`).join(',');
      equal(api.extract({ traceparent: TP, tracestate: members }).tracestate, members, '32 long members');
      const huge = { traceparent: TP, tracestate: `a=${'x'.repeat(300_000)}` };
      same(codes(api.diagnose(huge)), ['invalid_tracestate_value', 'extracted'], 'a 300 kB value');
      equal(api.extract({ traceparent: TP, tracestate: 'a=1' }).tracestate, 'a=1', 'a small one after it');
    },

    'injects into a plain object, replacing any case'() {
      const headers = { TraceParent: 'old', host: 'example.com', TRACESTATE: 'stale=1' };
      const context = remote();
      equal(context.inject(headers), headers, 'returns the headers');
      same(Object.keys(headers), ['host', 'traceparent'], 'names');
      equal(headers.traceparent, TP, 'traceparent');
    },

    'injects into kafkajs headers with byte values'() {
      const headers = { traceparent: utf8('old'), tracestate: [utf8('stale=1')], other: utf8('x') };
      remote().withTracestate('k', 'v').inject(headers);
      same(Object.keys(headers), ['other', 'traceparent', 'tracestate'], 'names');
      equal(headers.traceparent, TP, 'traceparent');
      equal(headers.tracestate, 'k=v', 'tracestate');
    },

    'injects into a Map'() {
      const headers = new Map([['TraceParent', 'old'], ['other', 'x'], ['tracestate', 'stale=1']]);
      remote().inject(headers);
      same([...headers], [['other', 'x'], ['traceparent', TP]], 'entries');
      remote().withTracestate('k', 'v').inject(headers);
      same([...headers], [['other', 'x'], ['traceparent', TP], ['tracestate', 'k=v']], 'with tracestate');
    },

    'injects into fetch Headers'() {
      const headers = new Headers([['TraceParent', 'old'], ['tracestate', 'stale=1'], ['other', 'x']]);
      equal(remote().inject(headers), headers, 'returns the headers');
      same([...headers], [['other', 'x'], ['traceparent', TP]], 'entries');
    },

    'injects into an array of pairs without duplicates'() {
      const headers = [['TraceParent', 'old'], ['other', 'x'], ['traceparent', 'old too'], ['TRACESTATE', 'stale=1']];
      remote().inject(headers);
      same(headers, [['other', 'x'], ['traceparent', TP]], 'pairs');
      remote().withTracestate('k', 'v').inject(headers);
      same(headers, [['other', 'x'], ['traceparent', TP], ['tracestate', 'k=v']], 'with tracestate');
    },

    'injects into a new plain object when given none'() {
      const headers = remote().inject();
      equal(Object.getPrototypeOf(headers), Object.prototype, 'a plain object');
      same(headers, { traceparent: TP }, 'headers');
      same(new Propagator().inject(remote()), { traceparent: TP }, 'Propagator.inject');
    },

    'injects nothing when the propagator has no inject format'() {
      const headers = { traceparent: 'old', tracestate: 'stale=1' };
      new Propagator({ inject: [] }).inject(remote(), headers);
      same(headers, { traceparent: 'old', tracestate: 'stale=1' }, 'untouched');
    },

    'starts new roots with flags 3 and no parent'() {
      const root = Context.newRoot();
      ok(HEX_32.test(root.traceId), 'traceId');
      ok(HEX_16.test(root.spanId), 'spanId');
      equal(root.flags, 3, 'flags');
      equal(root.sampled, true, 'sampled');
      equal(root.parentSpanId, null, 'parentSpanId');
      equal(root.tracestate, '', 'tracestate');
      equal(root.traceparent, `00-${root.traceId}-${root.spanId}-03`, 'traceparent');
      ok(Context.newRoot().traceId !== root.traceId, 'a second root is another trace');
    },

    'makes children under any context'() {
      const received = api.extract({ traceparent: `00-${TRACE_ID}-${SPAN_ID}-ff` });
      equal(received.flags, 0xff, 'all 8 bits as received');
      const child = received.child();
      equal(child.flags, 3, 'reserved bits are not carried on');
      equal(child.parentSpanId, SPAN_ID, 'parent');
      const grandchild = child.child();
      equal(grandchild.parentSpanId, child.spanId, 'grandchild parent');
      equal(grandchild.traceId, TRACE_ID, 'grandchild trace');
      const unsampled = api.extract({ traceparent: `00-${TRACE_ID}-${SPAN_ID}-00` }).child();
      equal(unsampled.sampled, false, 'unsampled stays unsampled');
    },

    'withTracestate puts the key first and leaves the original alone'() {
      const context = api.extract({ traceparent: TP, tracestate: 'a=1,b=2' });
      const updated = context.withTracestate('b', '3');
      equal(updated.tracestate, 'b=3,a=1', 'updated key moves first');
      equal(updated.withTracestate('c', '4').tracestate, 'c=4,b=3,a=1', 'new key goes first');
      equal(context.tracestate, 'a=1,b=2', 'original');
      equal(updated.spanId, context.spanId, 'same span');
    },

    'toJSON has every field, null for no parent'() {
      const context = remote();
      same(
        context.toJSON(),
        {
          traceId: TRACE_ID,
          spanId: SPAN_ID,
          parentSpanId: null,
          flags: 1,
          sampled: true,
          traceparent: TP,
          tracestate: '',
          baggage: {},
          links: [],
        },
        'toJSON',
      );
      const linked = new Propagator({ extract: ['tracecontext', 'b3'] }).extract({ traceparent: TP, b3: `${B3_TRACE_ID}-${OTHER_SPAN_ID}` });
      same(
        JSON.parse(JSON.stringify(linked.withBaggage('k', 'v'))),
        { ...context.toJSON(), baggage: { k: 'v' }, links: [{ traceId: B3_TRACE_ID, spanId: OTHER_SPAN_ID }] },
        'with baggage and links',
      );
      equal(JSON.parse(JSON.stringify({ context })).context.traceparent, TP, 'JSON.stringify');
    },

    'lists the fields of a propagator'() {
      same(new Propagator().fields, ['traceparent', 'tracestate', 'baggage'], 'default');
      same(new Propagator({ inject: [] }).fields, ['traceparent', 'tracestate', 'baggage'], 'extract only');
      same(new Propagator({ extract: [], inject: [] }).fields, [], 'none');
      same(new Propagator({ extract: ['jaeger'], inject: [] }).fields, ['uber-trace-id', 'uberctx-*'], 'a prefix');
    },

    'defaults to W3C Trace Context and Baggage both ways'() {
      const context = api.extract({ traceparent: TP, baggage: 'user=alice' });
      same(context.baggage, { user: 'alice' }, 'baggage read');
      same(context.inject({}), { traceparent: TP, baggage: 'user=alice' }, 'baggage written');
      same(remote().inject({ baggage: 'stale=1' }), { traceparent: TP }, 'stale baggage removed');
      const root = api.continueTrace({ baggage: 'user=alice' });
      equal(root.parentSpanId, null, 'baggage without a trace: a new root');
      same(root.baggage, { user: 'alice' }, 'carrying the baggage');
    },

    'extracts nothing without extract formats'() {
      const propagator = new Propagator({ extract: [] });
      equal(propagator.extract({ traceparent: TP }), null, 'extract');
      same(propagator.diagnose({ traceparent: TP }), [], 'diagnose');
      equal(propagator.continueTrace({ traceparent: TP }).parentSpanId, null, 'continueTrace');
    },

    'reads uberctx-* by prefix from every container, in any case'() {
      const jaeger = new Propagator({ extract: ['jaeger'], inject: ['jaeger'] });
      const headers = [
        ['uber-trace-id', UBER],
        ['UberCtx-User', 'alice%20smith'],
        ['uberctx-plan', utf8('gold')],
        ['uberctx-', 'no key'],
        ['uberctx', 'no dash'],
        ['x-uberctx-a', 'not the prefix'],
        ['ubérctx-b', 'not ASCII'],
      ];
      const want = { user: 'alice smith', plan: 'gold' };
      const fetchHeaders = new Headers(headers.filter(([name]) => !name.includes('é')).map(([n, v]) => [n, typeof v === 'string' ? v : 'gold']));
      const containers = {
        pairs: headers,
        object: Object.fromEntries(headers),
        map: new Map(headers),
        Headers: fetchHeaders,
        'kafkajs arrays': { 'uber-trace-id': [utf8(UBER)], 'UBERCTX-USER': ['alice%20smith'], 'uberctx-plan': [utf8('gold')] },
      };
      for (const [kind, container] of Object.entries(containers)) {
        const context = jaeger.extract(container);
        equal(context?.spanId, SPAN_ID, `${kind}: spanId`);
        sameBaggage(context.baggage, want, `${kind}: baggage`);
        same(codes(jaeger.diagnose(container)), ['extracted'], `${kind}: diagnostics`);
      }
      same(
        jaeger.inject(jaeger.extract(headers), { 'UberCtx-User': 'old', other: 'x' }),
        { other: 'x', 'uber-trace-id': `${TRACE_ID}:${SPAN_ID}:0:01`, 'uberctx-user': 'alice%20smith', 'uberctx-plan': 'gold' },
        'inject replaces a prefixed header in any case',
      );
    },

    'round-trips baggage with properties and percent-encoding'() {
      const baggage = 'k=v;prop=1;flag,user=alice%20smith,plus=a+b,pct=50%25,eq=a=b';
      const context = api.extract({ traceparent: TP, baggage });
      same(context.baggage, { k: 'v', user: 'alice smith', plus: 'a+b', pct: '50%', eq: 'a=b' }, 'decoded');
      same(context.inject([]), [['traceparent', TP], ['baggage', baggage]], 'properties and encoding kept');
      const child = context.child();
      same(child.baggage, context.baggage, 'a child keeps the baggage');
      equal(child.inject({}).baggage, baggage, 'and sends it on');
      same(api.extract({ traceparent: TP, baggage: ['a=1', utf8('b=2')] }).baggage, { a: '1', b: '2' }, 'repeats combine');
      same(api.extract({ traceparent: TP, baggage: 'k=1,k=2' }).baggage, { k: '2' }, 'the last value wins');
    },

    'withBaggage returns a new context and checks the key'() {
      const context = remote();
      const updated = context.withBaggage('user.id', 'alice smith');
      same(updated.baggage, { 'user.id': 'alice smith' }, 'set');
      same(context.baggage, {}, 'original untouched');
      equal(updated.spanId, context.spanId, 'same span');
      same(updated.inject({}), { traceparent: TP, baggage: 'user.id=alice%20smith' }, 'encoded on inject');
      const replaced = updated.withBaggage('a', '1').withBaggage('user.id', 'bob');
      same(replaced.inject([]), [['traceparent', TP], ['baggage', 'a=1,user.id=bob']], 'a key set again moves last');
      equal(replaced.withBaggage('x', '+ %é').baggage.x, '+ %é', 'any text value');
      for (const key of ['', 'bad key', 'a,b', 'a=b', 'ключ', 'a;b']) {
        throws(() => context.withBaggage(key, 'v'), TracewireError, 'invalid_baggage_key', `key ${show(key)}`);
      }
      throws(() => context.withBaggage('k', 1), TypeError, undefined, 'a number value');
      throws(() => context.withBaggage(undefined, 'v'), TypeError, undefined, 'no key');
    },

    'baggage and links are frozen and read once'() {
      const context = api.extract({ traceparent: TP, baggage: 'a=1' });
      equal(context.baggage, context.baggage, 'the same object each time');
      ok(Object.isFrozen(context.baggage), 'frozen baggage');
      ok(Object.isFrozen(context.links), 'frozen links');
      const proto = api.extract({ traceparent: TP, baggage: '__proto__=x,constructor=y' });
      same(Object.keys(proto.baggage), ['__proto__', 'constructor'], 'any token is an own key');
      equal(proto.baggage.__proto__, 'x', '__proto__ is a value');
    },

    'reports links, debug and deferred'() {
      const linked = new Propagator({ extract: ['tracecontext', 'b3'] }).extract({ traceparent: TP, b3: `${B3_TRACE_ID}-${OTHER_SPAN_ID}-1` });
      same(linked.links, [{ traceId: B3_TRACE_ID, spanId: OTHER_SPAN_ID }], 'another trace becomes a link');
      same(linked.child().links, [], 'links belong to the span, not its children');
      const b3 = new Propagator({ extract: ['b3'], inject: ['b3'] });
      const debug = b3.extract({ b3: `${B3_TRACE_ID}-${OTHER_SPAN_ID}-d` });
      same([debug.debug, debug.deferred, debug.sampled], [true, false, true], 'debug');
      const deferred = b3.extract({ b3: `${B3_TRACE_ID}-${OTHER_SPAN_ID}` });
      same([deferred.debug, deferred.deferred, deferred.sampled], [false, true, false], 'deferred');
      same([remote().debug, remote().deferred], [false, false], 'neither');
    },

    'extractJson reads text and bytes, with configurable field names'() {
      const body = `{"orderId":42,"traceId":"${TRACE_ID}","spanId":"${SPAN_ID}"}`;
      for (const form of [body, utf8(body)]) {
        const context = api.extractJson(form);
        same([context.traceId, context.spanId, context.flags, context.parentSpanId], [TRACE_ID, SPAN_ID, 1, null], show(form));
      }
      const custom = `{"trace_id":"${TRACE_ID}","span_id":"${SPAN_ID}"}`;
      equal(api.extractJson(custom), null, 'other names are other data');
      equal(api.extractJson(custom, { traceIdField: 'trace_id', spanIdField: 'span_id' }).spanId, SPAN_ID, 'custom names');
      equal(api.extractJson(`{"traceparent":"${OTHER_TP}","spanId":"x"}`).spanId, OTHER_SPAN_ID, 'CloudEvents traceparent');
      equal(api.extractJson('{"traceId":"nope","spanId":"x"}'), null, 'ids that do not parse');
      for (const bad of ['[1]', '', '{"a":}', '{"a":1} x', utf8('{"a":"\x01"}')]) {
        throws(() => api.extractJson(bad), TracewireError, 'invalid_json', `body ${show(bad)}`);
      }
      for (const bad of [42, null, undefined, { traceId: TRACE_ID }, [123, 125]]) {
        throws(() => api.extractJson(bad), TypeError, undefined, `body ${show(bad)}`);
      }
      throws(() => api.extractJson('{}', { traceIdField: 1 }), TypeError, undefined, 'a field name that is not a string');
      throws(() => api.extractJson('{}', null), TypeError, undefined, 'null options');
    },

    'injectJson gives text for text and bytes for bytes, other bytes untouched'() {
      const context = remote();
      const body = '{ "orderId" : 42, "traceId": "old", "note": "é" }';
      const expected = `{ "orderId" : 42, "traceId": "${TRACE_ID}", "note": "é","spanId":"${SPAN_ID}" }`;
      const text = context.injectJson(body);
      equal(text, expected, 'text');
      const bytes = context.injectJson(utf8(body));
      ok(bytes instanceof Uint8Array && bytes.constructor === Uint8Array, 'a Uint8Array');
      equal(toHex(bytes), toHex(utf8(text)), 'the same bytes');
      equal(context.injectJson('{}', { traceIdField: 't', spanIdField: 's' }), `{"t":"${TRACE_ID}","s":"${SPAN_ID}"}`, 'custom names');
      const cloud = `{"traceparent":"old","id":1}`;
      const stamped = context.withTracestate('k', 'v').injectJson(cloud);
      ok(stamped.startsWith(`{"traceparent":"${TP}","id":1`), `CloudEvents traceparent updated in place: ${stamped}`);
      same([api.extractJson(stamped).spanId, api.extractJson(stamped).tracestate], [SPAN_ID, 'k=v'], 'and read back');
      for (const bad of ['[1]', utf8('nope'), '{"a":1']) {
        throws(() => context.injectJson(bad), TracewireError, 'invalid_json', `body ${show(bad)}`);
      }
      throws(() => context.injectJson(42), TypeError, undefined, 'a number body');
      throws(() => context.injectJson('{}', { spanIdField: null }), TypeError, undefined, 'a null field name');
      const big = `{"items":[${'1,'.repeat(100_000)}1]}`;
      equal(context.injectJson(big), `${big.slice(0, -1)},"traceId":"${TRACE_ID}","spanId":"${SPAN_ID}"}`, 'a large body');
    },

    'extracts from and injects into environment variables'() {
      const env = { PATH: '/usr/bin', TRACEPARENT: TP, TRACESTATE: 'congo=t61rcWkgMzE', BAGGAGE: 'user=alice', HOME: '/root', N: undefined };
      for (const vars of [env, new Map(Object.entries(env).filter(([, v]) => v !== undefined))]) {
        const context = api.extractEnv(vars);
        same([context.spanId, context.tracestate, context.baggage], [SPAN_ID, 'congo=t61rcWkgMzE', { user: 'alice' }], show(vars));
        equal(api.continueTraceEnv(vars).parentSpanId, SPAN_ID, 'continueTraceEnv');
        same(codes(api.diagnoseEnv(vars)), ['extracted'], 'diagnoseEnv');
      }
      equal(api.extractEnv({ PATH: '/usr/bin' }), null, 'no variables');
      same(codes(api.diagnoseEnv({ TRACEPARENT: TP.toUpperCase() })), ['uppercase_hex'], 'diagnoseEnv of a bad value');
      const root = api.continueTraceEnv({ BAGGAGE: 'user=alice' });
      same([root.parentSpanId, root.baggage], [null, { user: 'alice' }], 'baggage without a trace');

      equal(api.extractEnv({ traceparent: TP, TraceParent: TP }), null, 'names are case-sensitive');
      same(api.extractEnv([['TRACEPARENT', utf8(TP)], ['BAGGAGE', 'a=1']]).baggage, { a: '1' }, 'pairs, bytes values');

      const out = { PATH: '/usr/bin', TRACESTATE: 'stale=1', BAGGAGE: 'stale=1', traceparent: 'other' };
      equal(remote().injectEnv(out), out, 'returns the object');
      same(out, { PATH: '/usr/bin', traceparent: 'other', TRACEPARENT: TP }, 'stale variables removed, other spellings kept');
      const pairs = [['TRACEPARENT', 'old'], ['X', '1'], ['TRACEPARENT', 'older']];
      same(remote().injectEnv(pairs), [['X', '1'], ['TRACEPARENT', TP]], 'pairs');
      same(remote().withBaggage('k', 'v').injectEnv(), { TRACEPARENT: TP, BAGGAGE: 'k=v' }, 'a new object');
      const map = new Map([['TRACESTATE', 'stale=1']]);
      same([...remote().withTracestate('a', '1').injectEnv(map)], [['TRACESTATE', 'a=1'], ['TRACEPARENT', TP]], 'a Map');

      const xray = new Propagator({ extract: ['xray'], inject: ['tracecontext', 'xray'] });
      same(Object.keys(xray.injectEnv(remote(), {})), ['TRACEPARENT', '_X_AMZN_TRACE_ID'], 'Lambda variable name');
      same(Object.keys(xray.injectEnv(remote())), ['TRACEPARENT', '_X_AMZN_TRACE_ID'], 'Propagator.injectEnv into a new object');
      same(xray.extractEnv({ _X_AMZN_TRACE_ID: XRAY }).traceId, '5759e988bd862e3fe1be46a994272793', 'Lambda variable read');

      for (const bad of [42, 'TRACEPARENT', null, new Set(), new Headers(), ['TRACEPARENT']]) {
        throws(() => api.extractEnv(bad), TypeError, undefined, `extractEnv(${show(bad)})`);
      }
      for (const bad of [42, 'TRACEPARENT', new Set(), new Headers()]) {
        throws(() => remote().injectEnv(bad), TypeError, undefined, `injectEnv(${show(bad)})`);
      }
      if (globalThis.process?.env === undefined) {
        throws(() => api.extractEnv(), TypeError, undefined, 'no process.env to default to');
        throws(() => api.continueTraceEnv(), TypeError, undefined, 'continueTraceEnv without process.env');
      } else {
        ok(api.continueTraceEnv() instanceof Context, 'reads process.env by default');
      }
    },

    'diagnoses with Diagnostic objects'() {
      const [diagnostic, ...rest] = api.diagnose({ traceparent: TP.toUpperCase() });
      equal(rest.length, 0, 'one diagnostic');
      ok(diagnostic instanceof Diagnostic, 'a Diagnostic');
      same(
        { format: diagnostic.format, header: diagnostic.header, code: diagnostic.code },
        { format: 'tracecontext', header: 'traceparent', code: 'uppercase_hex' },
        'fields',
      );
      same(codes(api.diagnose({ traceparent: TP })), ['extracted'], 'which format won');
    },

    'throws TracewireError with a code'() {
      const error = throws(() => new Propagator({ extract: ['b4'] }), TracewireError, 'unknown_format', 'extract');
      ok(error instanceof Error, 'an Error');
      equal(error.name, 'TracewireError', 'name');
      throws(() => new Propagator({ inject: ['tracecontext', 'b4'] }), TracewireError, 'unknown_format', 'inject');
      for (const name of ['', 'tracecontext,tracecontext', 'tracecontext;tracecontext']) {
        throws(() => new Propagator({ extract: [name] }), TracewireError, 'unknown_format', show(name));
      }
      throws(() => new Propagator({ repeated: 'sometimes' }), TracewireError, 'invalid_policy', 'policy');
      throws(() => new Propagator({ repeated: 'last;x' }), TracewireError, 'invalid_policy', 'policy with ;');
      throws(() => remote().withTracestate('Bad Key', 'x'), TracewireError, 'invalid_tracestate_key', 'key');
      throws(() => remote().withTracestate('k', 'a,b'), TracewireError, 'invalid_tracestate_value', 'value');
    },

    'throws TypeError for a container of the wrong type'() {
      const wrong = [42, 'traceparent', true, new Set(), utf8(TP), [`traceparent`, TP], new Map([[1, TP]])];
      for (const headers of wrong) {
        throws(() => api.extract(headers), TypeError, undefined, `extract(${show(headers)})`);
        throws(() => api.diagnose(headers), TypeError, undefined, `diagnose(${show(headers)})`);
        throws(() => api.continueTrace(headers), TypeError, undefined, `continueTrace(${show(headers)})`);
      }
      for (const value of [42, { value: TP }, [[TP]]]) {
        throws(() => api.extract({ traceparent: value }), TypeError, undefined, `value ${show(value)}`);
      }
      for (const headers of [42, 'x', new Set()]) {
        throws(() => remote().inject(headers), TypeError, undefined, `inject(${show(headers)})`);
      }
      throws(() => new Context(), TypeError, undefined, 'new Context()');
    },

    'throws TypeError for options and arguments of the wrong type'() {
      throws(() => new Propagator().inject({ traceparent: TP }, {}), TypeError, undefined, 'not a Context');
      throws(() => new Propagator({ extract: 'tracecontext' }), TypeError, undefined, 'formats');
      throws(() => new Propagator(null), TypeError, undefined, 'options');
      throws(() => remote().withTracestate(1, 'x'), TypeError, undefined, 'tracestate key');
    },
  };
}
