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
const HEX_32 = /^[0-9a-f]{32}$/;
const HEX_16 = /^[0-9a-f]{16}$/;

/**
 * Every case, for one implementation of the API.
 *
 * @param {object} api the module: extract, continueTrace, diagnose, Context, Propagator, Diagnostic, TracewireError
 * @param {object[] | Record<string, object>} vectors the parsed files of tests/vectors/
 * @returns {{ name: string, run: () => void }[]}
 */
export function cases(api, vectors) {
  const list = [];
  for (const file of Object.values(vectors)) {
    for (const vector of file.cases) {
      list.push({ name: `vector ${vector.name}`, run: () => checkVector(api, vector) });
    }
  }
  for (const [name, run] of Object.entries(bindingChecks(api))) {
    list.push({ name: `api ${name}`, run });
  }
  return list;
}

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

const codes = (diagnostics) => diagnostics.map((d) => d.code);
const json = (context) => (context === null ? null : context.toJSON());

// ---------------------------------------------------------------- vectors

function checkVector(api, vector) {
  const headers = vector.headers.map(([name, value]) => [
    name,
    typeof value === 'string' ? value : fromHex(value.bytes),
  ]);
  const propagator = new api.Propagator(vector.propagator);
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

  if (vector.expect === null) {
    equal(context, null, 'extract');
    const root = propagator.continueTrace(headers);
    equal(root.parentSpanId, null, 'continueTrace: new root has no parent');
    equal(root.flags, 3, 'continueTrace: new root flags');
    return;
  }
  const { trace_id, span_id, flags, tracestate } = vector.expect;
  equal(context.traceId, trace_id, 'traceId');
  equal(context.spanId, span_id, 'spanId');
  equal(context.flags, flags, 'flags');
  equal(context.sampled, (flags & 1) === 1, 'sampled');
  equal(context.tracestate, tracestate, 'tracestate');
  equal(context.parentSpanId, null, 'parentSpanId of an extracted context');
  same(propagator.inject(context, []), vector.inject, 'inject');

  const child = context.child();
  equal(child.traceId, trace_id, 'child traceId');
  equal(child.flags, flags & 3, 'child flags');
  equal(child.parentSpanId, span_id, 'child parentSpanId');
  ok(child.spanId !== span_id && HEX_16.test(child.spanId), 'child draws a new span id');
  equal(child.tracestate, tracestate, 'child tracestate');

  const continued = propagator.continueTrace(headers);
  equal(continued.traceId, trace_id, 'continueTrace traceId');
  equal(continued.parentSpanId, span_id, 'continueTrace parentSpanId');
}

// ---------------------------------------------------------------- the JS API

function bindingChecks(api) {
  const { Context, Propagator, Diagnostic, TracewireError } = api;
  const remote = () => api.extract([['traceparent', TP]]);

  return {
    'exports the same names everywhere'() {
      for (const name of ['extract', 'continueTrace', 'diagnose', 'Context', 'Propagator', 'Diagnostic', 'TracewireError']) {
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
      same(codes(api.diagnose(headers)), ['invalid_utf8'], 'tracestate diagnostics');
    },

    'encodes text values as UTF-8'() {
      for (const value of ['a=é', 'a=\ud800']) {
        const headers = { traceparent: TP, tracestate: value };
        equal(api.extract(headers).tracestate, '', `tracestate ${show(value)}`);
        same(codes(api.diagnose(headers)), ['invalid_tracestate_value'], `diagnostics ${show(value)}`);
      }
      equal(api.extract({ traceparent: `${TP.slice(0, -2)}é1` }), null, 'non-ASCII traceparent');
    },

    'reads values of any size'() {
      const members = Array.from({ length: 32 }, (_, i) => `k${i}=${'v'.repeat(200)}`).join(',');
      equal(api.extract({ traceparent: TP, tracestate: members }).tracestate, members, '32 long members');
      const huge = { traceparent: TP, tracestate: `a=${'x'.repeat(300_000)}` };
      same(codes(api.diagnose(huge)), ['invalid_tracestate_value'], 'a 300 kB value');
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
        },
        'toJSON',
      );
      equal(JSON.parse(JSON.stringify({ context })).context.traceparent, TP, 'JSON.stringify');
    },

    'lists the fields of a propagator'() {
      same(new Propagator().fields, ['traceparent', 'tracestate'], 'default');
      same(new Propagator({ inject: [] }).fields, ['traceparent', 'tracestate'], 'extract only');
      same(new Propagator({ extract: [], inject: [] }).fields, [], 'none');
    },

    'extracts nothing without extract formats'() {
      const propagator = new Propagator({ extract: [] });
      equal(propagator.extract({ traceparent: TP }), null, 'extract');
      same(propagator.diagnose({ traceparent: TP }), [], 'diagnose');
      equal(propagator.continueTrace({ traceparent: TP }).parentSpanId, null, 'continueTrace');
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
      same(api.diagnose({ traceparent: TP }), [], 'nothing to say');
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
      throws(() => new Propagator().inject({ traceparent: TP }, {}), TypeError, undefined, 'not a Context');
      throws(() => new Propagator({ extract: 'tracecontext' }), TypeError, undefined, 'formats');
      throws(() => new Propagator(null), TypeError, undefined, 'options');
      throws(() => remote().withTracestate(1, 'x'), TypeError, undefined, 'tracestate key');
      throws(() => new Context(), TypeError, undefined, 'new Context()');
    },
  };
}
