"""The language boundary: whatever Python code passes to an export, it gets a
result or a ``TypeError`` or a ``TracewireError`` whose code the export
documents. Nothing else comes out: no ``pyo3_runtime.PanicException``, no
``SystemError``, no ``UnicodeError``, no crash.

One more exception is allowed, the caller's own: an error a container or value
raises while tracewire reads or writes it (``Boom`` here) comes through
unchanged, as it does from ``dict(...)`` or any other builtin.

``TRACEWIRE_BOUNDARY_EXAMPLES`` sets the examples per property (default 60).
"""

from __future__ import annotations

import collections
import collections.abc
import json
import os
import pathlib
import re
import types
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import tracewire
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("TRACEWIRE_BOUNDARY_EXAMPLES", "60"))
PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
MIB = 1 << 20
SRC = pathlib.Path(__file__).resolve().parents[2]

FORMATS = ("tracecontext", "baggage", "b3", "b3multi", "jaeger", "xray", "datadog")
EVERY = tracewire.Propagator(extract=FORMATS, inject=FORMATS)
PROPAGATORS = (
    tracewire.Propagator(),
    EVERY,
    tracewire.Propagator(extract=FORMATS[::-1], inject=FORMATS[::-1], repeated="first"),
    tracewire.Propagator(extract=(), inject=(), repeated="last"),
)
# Every header any format reads, a prefix field (`uberctx-*`) with a name after it.
NAMES = tuple(field.replace("*", "user") for field in EVERY.fields)
# Their environment variables (`x-b3-traceid` → `X_B3_TRACEID`), Lambda's X-Ray one.
VARIABLES = tuple(
    "_X_AMZN_TRACE_ID" if name == "x-amzn-trace-id" else name.upper().replace("-", "_")
    for name in NAMES
)

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
SPAN_ID = "00f067aa0ba902b7"
VALID = (
    f"00-{TRACE_ID}-{SPAN_ID}-01",
    "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7",
    "user=alice%20smith;p=1,k=v",
    f"{TRACE_ID}-{SPAN_ID}-1-{SPAN_ID}",
    TRACE_ID,
    SPAN_ID,
    "1",
    "d",
    f"{TRACE_ID}:{SPAN_ID}:0:1",
    "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
    "13088165645273925489",
    "_dd.p.tid=4bf92f3577b34da6,_dd.p.dm=-4",
)
# What the grammars split on, and what breaks them.
SYNTAX = ",;=:-% \t\r\n\x00\"'\\{}[]0123456789abcdefABCDEF.*/_"

# Codes: every diagnostic is one of the core's; errors, those their export documents.
CODES = frozenset(re.findall(r'=> "(\w+)"', (SRC / "core/src/diagnostic.rs").read_text()))
NO_ERROR: frozenset[str] = frozenset()
PROPAGATOR_ERRORS = frozenset({"unknown_format", "invalid_policy"})
TRACESTATE_ERRORS = frozenset({"invalid_tracestate_key", "invalid_tracestate_value"})
BAGGAGE_ERRORS = frozenset({"invalid_baggage_key", "baggage_too_large"})
LINK_ERRORS = frozenset({"invalid_trace_id", "invalid_span_id"})
JSON_ERRORS = frozenset({"invalid_json"})

HEX_ID = re.compile(r"[0-9a-f]{32}")
HEX_SPAN = re.compile(r"[0-9a-f]{16}")
# What an injected header name and value may hold: lowercase tokens, visible ASCII.
HEADER_NAME = re.compile(rb"[a-z0-9!#$%&'*+.^_`|~-]+")  # a lowercase token
DIAGNOSED_HEADER = re.compile(r"[a-z0-9*_-]+")
HEADER_VALUE = re.compile(rb"[\x20-\x7e]*")


class Boom(Exception):
    """Raised by the hostile containers and values below."""


# == Outcomes


def outcome(call: Callable[[], Any], codes: frozenset[str]) -> tuple[bool, Any]:
    """`(True, result)`, or `(False, error)` for an exception the boundary allows."""
    try:
        return True, call()
    except tracewire.TracewireError as error:
        caught = error
    except (TypeError, Boom) as error:
        return False, error
    assert type(caught) is tracewire.TracewireError
    assert caught.code in codes, f"code {caught.code!r} not documented here: {caught!r}"
    return False, caught


def settles(call: Callable[[], Any], codes: frozenset[str] = NO_ERROR) -> Any:
    """The result; fails on any exception, even an allowed one."""
    ok, result = outcome(call, codes)
    assert ok, f"well-formed input raised {result!r}"
    return result


def check_context(ctx: Any) -> None:
    """Every getter of a Context answers, with values of its grammar."""
    assert type(ctx) is tracewire.Context
    assert HEX_ID.fullmatch(ctx.trace_id)
    assert ctx.trace_id != "0" * 32
    assert HEX_SPAN.fullmatch(ctx.span_id)
    assert ctx.span_id != "0" * 16
    assert ctx.parent_span_id is None or HEX_SPAN.fullmatch(ctx.parent_span_id)
    assert isinstance(ctx.flags, int)
    assert 0 <= ctx.flags <= 255
    assert ctx.sampled == bool(ctx.flags & 1)
    assert ctx.traceparent == f"00-{ctx.trace_id}-{ctx.span_id}-{ctx.flags:02x}"
    assert HEADER_VALUE.fullmatch(ctx.tracestate.encode())
    assert all(type(k) is str and type(v) is str for k, v in ctx.baggage.items())
    for link in ctx.links:
        assert HEX_ID.fullmatch(link.trace_id)
        assert HEX_SPAN.fullmatch(link.span_id)
        assert link == tracewire.Link(link.trace_id, link.span_id)
    assert type(ctx.debug) is bool
    assert type(ctx.deferred) is bool
    assert repr(ctx).startswith("Context(")
    assert hash(ctx) == hash(ctx)
    # Whatever any format injects for it is a header that cannot be misread.
    for propagator in PROPAGATORS:
        for name, value in propagator.inject(ctx, []):
            assert HEADER_NAME.fullmatch(name.encode())
            assert HEADER_VALUE.fullmatch(value)


def check_diagnostics(diagnostics: Any) -> None:
    assert type(diagnostics) is list
    for diagnostic in diagnostics:
        assert type(diagnostic) is tracewire.Diagnostic
        assert diagnostic.format in FORMATS
        assert DIAGNOSED_HEADER.fullmatch(diagnostic.header)
        assert diagnostic.code in CODES
        assert repr(diagnostic).startswith("Diagnostic(")


def check_read(kind: str, result: Any) -> None:
    """A reading export's result: a Context, None, or diagnostics."""
    if kind == "diagnose":
        check_diagnostics(result)
    elif result is not None or kind == "continue_trace":
        check_context(result)


# == Hostile containers and values


class RaisingItems:
    def items(self) -> Any:
        raise Boom


class RaisingIter:
    def __iter__(self) -> Iterator[Any]:
        raise Boom


class RaisingGetattr:
    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        raise Boom

    def __repr__(self) -> str:
        return "RaisingGetattr()"


class ItemsNotCallable:
    items = 5


class ItemsNotIterable:
    def items(self) -> int:
        return 5


class FailingMidway:
    """Yields its pairs, then raises."""

    def __init__(self, pairs: list[Any]) -> None:
        self.pairs = pairs

    def __iter__(self) -> Iterator[Any]:
        yield from self.pairs
        raise Boom


class LyingMapping(collections.abc.Mapping):  # type: ignore[type-arg]
    """Has keys it cannot look up."""

    def __getitem__(self, key: Any) -> Any:
        raise Boom

    def __iter__(self) -> Iterator[str]:
        return iter(NAMES)

    def __len__(self) -> int:
        return len(NAMES)


class MultiDict:
    """Shaped like multidict / werkzeug headers: `items()` yields every pair."""

    def __init__(self, pairs: list[Any]) -> None:
        self.pairs = list(pairs)

    def items(self) -> Iterator[Any]:
        return iter(self.pairs)

    def keys(self) -> list[Any]:
        return [k for k, _ in self.pairs]

    def __setitem__(self, name: str, value: Any) -> None:
        self.pairs = [(k, v) for k, v in self.pairs if k != name] + [(name, value)]

    def __delitem__(self, name: str) -> None:
        self.pairs = [(k, v) for k, v in self.pairs if k != name]


class Reentrant(MultiDict):
    """Calls tracewire while tracewire reads or writes it."""

    def items(self) -> Iterator[Any]:
        assert tracewire.continue_trace({"traceparent": VALID[0]}).parent_span_id == SPAN_ID
        return super().items()

    def __setitem__(self, name: str, value: Any) -> None:
        assert tracewire.extract([("traceparent", VALID[0])]).span_id == SPAN_ID
        super().__setitem__(name, value)


class RaisingWrites(dict):  # type: ignore[type-arg]
    """A mapping that refuses to be written."""

    def __setitem__(self, name: Any, value: Any) -> None:
        raise Boom

    def __delitem__(self, name: Any) -> None:
        raise Boom


class RaisingKeys(dict):  # type: ignore[type-arg]
    def keys(self) -> Any:
        raise Boom


class EncodeRaises(str):
    """Text whose `encode` (used for lone surrogates) fails."""

    def encode(self, *args: Any, **kwargs: Any) -> bytes:
        raise Boom


class Weird:
    def __repr__(self) -> str:
        return "Weird()"


def repeat_to(seed: str, size: int) -> str:
    return (seed * (size // len(seed) + 1))[:size]


characters = st.one_of(
    st.sampled_from(SYNTAX),
    st.characters(exclude_categories=()),
    st.characters(categories=["Cs"]),  # lone surrogates
)
lone_surrogate = st.characters(categories=["Cs"])
text = st.one_of(
    st.text(characters, max_size=40),
    st.builds("{}{}{}".format, st.text(characters, max_size=20), lone_surrogate, st.text()),
    st.sampled_from(VALID),
)
# Up to 1 MiB of what grammars split on, built without drawing a byte at a time.
big = st.builds(
    repeat_to,
    st.sampled_from([",", "=", " ", "%", ";", "k=v,", "a,", "%zz", "\ud800", "é", VALID[0] + ","]),
    st.sampled_from([300, 70_000, MIB]),
)
hex_text = st.text("0123456789abcdef", min_size=1, max_size=34)
junk = st.one_of(
    st.integers(),
    st.floats(),
    st.booleans(),
    st.builds(Weird),
    st.just(Ellipsis),
)


def relevant(names: tuple[str, ...]) -> st.SearchStrategy[str]:
    return st.sampled_from(names).flatmap(lambda n: st.sampled_from([n, n.upper(), n.title()]))


leaf = st.one_of(
    text,
    text.map(lambda s: s.encode("utf-8", "surrogatepass")),
    st.binary(max_size=40),
    st.binary(max_size=40).map(bytearray),
    st.binary(max_size=40).map(memoryview),
    big,
)
good_value = st.one_of(
    st.none(), leaf, st.lists(leaf, max_size=3), st.lists(leaf, max_size=3).map(tuple)
)
any_value = st.one_of(
    good_value,
    junk,
    st.lists(st.lists(leaf, min_size=1, max_size=2), min_size=1, max_size=2),
    st.dictionaries(text, leaf, max_size=2),
    st.lists(st.one_of(leaf, junk), min_size=1, max_size=3),
    text.map(EncodeRaises),
    st.just(EncodeRaises("\ud800")),
)


def containers(names: tuple[str, ...]) -> st.SearchStrategy[tuple[Any, bool]]:
    """`(container, well_formed)`: a well-formed container must give a result."""
    good_name = st.one_of(relevant(names), relevant(names).map(str.encode), text, big)
    any_name = st.one_of(good_name, junk, st.none(), st.tuples(text, text), st.frozensets(text))
    pairs = st.lists(st.tuples(good_name, good_value), max_size=8)
    good = st.one_of(
        st.none(),
        pairs.map(dict),
        pairs,
        pairs.map(tuple),
        pairs.map(lambda ps: [list(p) for p in ps]),
        pairs.map(MultiDict),
        pairs.map(Reentrant),
        pairs.map(collections.OrderedDict),
        pairs.map(lambda ps: types.MappingProxyType(dict(ps))),
        pairs.map(lambda ps: (p for p in ps)),
    )
    bad_pair = st.one_of(
        st.tuples(any_name, any_value),
        st.tuples(text, text, text),
        st.tuples(text),
        text,
        junk,
        st.none(),
        pairs,
    )
    bad = st.one_of(
        st.dictionaries(st.one_of(any_name, st.binary()), any_value, max_size=6),
        st.lists(bad_pair, max_size=6),
        st.lists(bad_pair, max_size=6).map(tuple),
        st.lists(pairs, max_size=3),
        text,
        st.binary(max_size=20),
        st.binary(max_size=20).map(bytearray),
        junk,
        st.frozensets(text),
        pairs.map(FailingMidway),
        st.sampled_from(
            [
                RaisingItems(),
                RaisingIter(),
                RaisingGetattr(),
                ItemsNotCallable(),
                ItemsNotIterable(),
            ]
        ),
        st.builds(LyingMapping),
        st.builds(object),
    )
    return st.one_of(good.map(lambda c: (c, True)), bad.map(lambda c: (c, False)))


header_containers = containers(NAMES)
env_containers = containers(VARIABLES)
propagators = st.sampled_from(PROPAGATORS)

# Contexts with all a context can carry: trace state, baggage, links, B3 debug.
INCOMING = [
    ("traceparent", VALID[0]),
    ("tracestate", VALID[1]),
    ("baggage", VALID[2]),
    ("b3", f"{'a' * 32}-{SPAN_ID}-d"),
    ("uberctx-user", "alice"),
]
contexts = st.sampled_from(
    [
        tracewire.Context.new_root(),
        tracewire.Context.new_root().child().with_tracestate("k", "v").with_baggage("k", "v"),
        EVERY.continue_trace(INCOMING),
        EVERY.extract(INCOMING[::-1]),
    ]
)


# == Reading headers and environments

READERS = {
    "extract": lambda p: p.extract,
    "continue_trace": lambda p: p.continue_trace,
    "diagnose": lambda p: p.diagnose,
}
MODULE_READERS = {
    "extract": tracewire.extract,
    "continue_trace": tracewire.continue_trace,
    "diagnose": tracewire.diagnose,
}
ENV_READERS = {
    "extract": lambda p: p.extract_env,
    "continue_trace": lambda p: p.continue_trace_env,
    "diagnose": lambda p: p.diagnose_env,
}
MODULE_ENV_READERS = {
    "extract": tracewire.extract_env,
    "continue_trace": tracewire.continue_trace_env,
    "diagnose": tracewire.diagnose_env,
}


@pytest.mark.parametrize("kind", READERS)
@PROPERTY
@given(container=header_containers, propagator=propagators)
def test_reading_headers(kind: str, container: tuple[Any, bool], propagator: Any) -> None:
    headers, well_formed = container
    for call in (READERS[kind](propagator), MODULE_READERS[kind]):
        ok, result = outcome(lambda call=call: call(headers), NO_ERROR)
        assert ok or not well_formed, f"{kind} raised {result!r}"
        if ok:
            check_read(kind, result)
        if isinstance(headers, Iterator):
            break  # consumed


@pytest.mark.parametrize("kind", ENV_READERS)
@PROPERTY
@given(container=env_containers, propagator=propagators)
def test_reading_environments(kind: str, container: tuple[Any, bool], propagator: Any) -> None:
    env, well_formed = container
    if env is None:
        env = {}  # (None means os.environ)
    for call in (ENV_READERS[kind](propagator), MODULE_ENV_READERS[kind]):
        ok, result = outcome(lambda call=call: call(env), NO_ERROR)
        assert ok or not well_formed, f"{kind}_env raised {result!r}"
        if ok:
            check_read(kind, result)
        if isinstance(env, Iterator):
            break


def test_reading_the_process_environment() -> None:
    for kind in READERS:
        check_read(kind, settles(MODULE_ENV_READERS[kind]))
        check_read(kind, settles(ENV_READERS[kind](EVERY)))


# == Writing headers and environments

good_target = st.one_of(
    st.none(),
    st.dictionaries(st.one_of(relevant(NAMES), text), text, max_size=4),
    st.lists(st.tuples(st.one_of(relevant(NAMES), text), st.binary(max_size=8)), max_size=4),
    st.lists(st.tuples(relevant(NAMES), text), max_size=4).map(MultiDict),
    st.lists(st.tuples(relevant(NAMES), text), max_size=4).map(Reentrant),
    st.lists(st.tuples(relevant(NAMES), text), max_size=4).map(collections.OrderedDict),
)
bad_target = st.one_of(
    text,
    st.binary(max_size=8),
    junk,
    st.tuples(text, text),
    st.frozensets(text),
    st.just(types.MappingProxyType({})),
    st.builds(object),
    st.lists(st.one_of(st.tuples(junk, text), text, st.tuples(text, text, text)), min_size=1),
    st.dictionaries(st.one_of(junk, st.tuples(text)), text, min_size=1, max_size=3),
    st.builds(RaisingWrites, st.dictionaries(relevant(NAMES), text, max_size=2)),
    st.builds(RaisingKeys),
    st.sampled_from([RaisingGetattr(), RaisingIter()]),
)
targets = st.one_of(good_target.map(lambda t: (t, True)), bad_target.map(lambda t: (t, False)))

WRITERS = {
    "Context.inject": lambda p, ctx: ctx.inject,
    "Context.inject_env": lambda p, ctx: ctx.inject_env,
    "Propagator.inject": lambda p, ctx: lambda target: p.inject(ctx, target),
    "Propagator.inject_env": lambda p, ctx: lambda target: p.inject_env(ctx, target),
}


@pytest.mark.parametrize("writer", WRITERS)
@PROPERTY
@given(target=targets, ctx=contexts, propagator=propagators)
def test_writing(writer: str, target: tuple[Any, bool], ctx: Any, propagator: Any) -> None:
    container, well_formed = target
    ok, result = outcome(lambda: WRITERS[writer](propagator, ctx)(container), NO_ERROR)
    assert ok or not well_formed, f"{writer} raised {result!r}"
    if ok:
        assert result is container or (container is None and type(result) is dict)


@given(junk=st.one_of(junk, st.none(), text, st.builds(dict)))
@PROPERTY
def test_injecting_something_else_than_a_context(junk: Any) -> None:
    for propagator in PROPAGATORS[:2]:
        for call in (propagator.inject, propagator.inject_env):
            with pytest.raises(TypeError):
                call(junk, {})


# == Building contexts, links and propagators

arguments = st.one_of(text, big, st.binary(max_size=8), junk, st.none(), st.builds(list))


@PROPERTY
@given(ctx=contexts, key=arguments, value=arguments)
def test_with_tracestate_and_with_baggage(ctx: Any, key: Any, value: Any) -> None:
    for call, codes in (
        (ctx.with_tracestate, TRACESTATE_ERRORS),
        (ctx.with_baggage, BAGGAGE_ERRORS),
    ):
        ok, result = outcome(lambda call=call, codes=codes: call(key, value), codes)
        texts = type(key) is str and type(value) is str
        assert ok or type(result) is (tracewire.TracewireError if texts else TypeError)
        if ok:
            check_context(result)


@PROPERTY
@given(
    trace_id=st.one_of(hex_text, st.just(TRACE_ID), arguments),
    span_id=st.one_of(hex_text, st.just(SPAN_ID), arguments),
)
def test_link(trace_id: Any, span_id: Any) -> None:
    ok, link = outcome(lambda: tracewire.Link(trace_id, span_id), LINK_ERRORS)
    if ok:
        assert (link.trace_id, link.span_id) == (trace_id, span_id)
        assert repr(link).startswith("Link(")
        assert hash(link) == hash(link)


format_names = st.one_of(
    st.sampled_from(FORMATS), text, st.sampled_from(["TraceContext", " b3", "b3,jaeger", ""])
)
format_lists = st.one_of(
    st.none(),
    st.lists(format_names, max_size=4),
    st.lists(format_names, max_size=4).map(tuple),
    st.lists(format_names, max_size=4).map(iter),
    st.lists(st.one_of(format_names, junk, st.binary(max_size=8), st.none()), max_size=3),
    st.lists(format_names, max_size=3).map(FailingMidway),
    st.dictionaries(format_names, st.none(), max_size=2),
    text,
    junk,
    st.builds(RaisingIter),
)
policies = st.one_of(st.sampled_from(["restart", "first", "last", "RESTART", ""]), arguments)


@PROPERTY
@given(extract=format_lists, inject=format_lists, repeated=policies, by_keyword=st.booleans())
def test_propagator(extract: Any, inject: Any, repeated: Any, by_keyword: bool) -> None:
    if by_keyword:
        ok, propagator = outcome(
            lambda: tracewire.Propagator(extract=extract, inject=inject, repeated=repeated),
            PROPAGATOR_ERRORS,
        )
    else:
        ok, propagator = outcome(
            lambda: tracewire.Propagator(extract, inject, repeated), PROPAGATOR_ERRORS
        )
    if ok:
        assert all(type(field) is str for field in propagator.fields)
        assert repr(propagator).startswith("Propagator(")
        ctx = propagator.continue_trace(propagator.inject(tracewire.Context.new_root(), []))
        check_context(ctx)


# == JSON bodies

json_members = st.dictionaries(
    st.one_of(st.sampled_from(["traceId", "spanId", "traceparent", "tracestate", "x"]), text),
    st.one_of(st.sampled_from([TRACE_ID, SPAN_ID, VALID[0], VALID[1]]), st.integers(), text),
    max_size=5,
)


def as_json(members: dict[str, Any]) -> str:
    return json.dumps(members, ensure_ascii=False)


bodies = st.one_of(
    json_members.map(as_json),
    json_members.map(lambda m: as_json(m).encode("utf-8", "surrogatepass")),
    json_members.map(lambda m: bytearray(as_json(m).encode("utf-8", "surrogatepass"))),
    json_members.map(lambda m: memoryview(as_json(m).encode("utf-8", "surrogatepass"))),
    text,
    st.binary(max_size=40),
    st.sampled_from(["{", "[" * 200, '{"a":' + "[" * 200, "{}" * 3, " {} ", "\ufeff{}"]),
    big,
    json_members,  # a dict, not a body
    junk,
    st.none(),
)
field_names = st.one_of(
    st.sampled_from(["traceId", "spanId", "trace_id", "traceparent"]), arguments
)


@PROPERTY
@given(body=bodies, ctx=contexts, fields=st.none() | st.tuples(field_names, field_names))
def test_json_bodies(body: Any, ctx: Any, fields: tuple[Any, Any] | None) -> None:
    kwargs = {} if fields is None else dict(zip(("trace_id_field", "span_id_field"), fields))
    well_formed = isinstance(body, (str, bytes, bytearray, memoryview)) and all(
        type(f) is str for f in kwargs.values()
    )
    ok, found = outcome(lambda: tracewire.extract_json(body, **kwargs), JSON_ERRORS)
    assert ok or well_formed or type(found) is TypeError
    assert ok or not well_formed or type(found) is tracewire.TracewireError
    if ok and found is not None:
        check_context(found)
    ok, stamped = outcome(lambda: ctx.inject_json(body, **kwargs), JSON_ERRORS)
    assert ok or not well_formed or type(stamped) is tracewire.TracewireError
    if ok:
        assert type(stamped) is (str if isinstance(body, str) else bytes)


# == Calls that take nothing, or not that much


def test_arity_and_constructors() -> None:
    root = tracewire.Context.new_root()
    calls: list[Callable[[], Any]] = [
        lambda: tracewire.extract(),  # type: ignore[call-arg]
        lambda: tracewire.extract({}, {}),  # type: ignore[call-arg]
        lambda: tracewire.Context(),
        lambda: tracewire.Diagnostic(),  # type: ignore[call-arg]
        lambda: tracewire.Context.new_root(1),  # type: ignore[call-arg]
        lambda: root.child(1),  # type: ignore[call-arg]
        lambda: root.with_tracestate("k"),  # type: ignore[call-arg]
        lambda: tracewire.Propagator(formats=["b3"]),  # type: ignore[call-arg]
        lambda: tracewire.Link(TRACE_ID),  # type: ignore[call-arg]
        lambda: tracewire.extract_json("{}", trace_id="x"),  # type: ignore[call-arg]
    ]
    for call in calls:
        with pytest.raises(TypeError):
            call()


# == The worst inputs, for every export

FILLS = (",", "=", " ", "%", "k=v,", ";", "-", "a", ":", "%e2%82", "\ud800", "é,")


def worst_headers(names: tuple[str, ...], round_: int) -> list[list[tuple[Any, Any]]]:
    """Every header at 1 MiB of a different fill; 10,000 repeats of every header; a
    1 MiB name; 10,000 other headers."""
    huge = [(n, repeat_to(FILLS[(i + round_) % len(FILLS)], MIB)) for i, n in enumerate(names)]
    repeated = [(n, v) for n in names for v in [VALID[0]] * 5_000 + ["k=v"] * 5_000]
    long_name = [(repeat_to("uberctx-", MIB), "v"), (repeat_to("x", MIB), "v")]
    others = [(f"x-other-{i}", "v" * 100) for i in range(10_000)]
    return [huge, repeated, long_name, others]


@pytest.mark.parametrize("kind", READERS)
def test_worst_headers(kind: str) -> None:
    for headers in worst_headers(NAMES, len(kind)):
        for form in (headers, dict(headers)):
            check_read(kind, settles(lambda form=form: READERS[kind](EVERY)(form)))
            check_read(kind, settles(lambda form=form: MODULE_READERS[kind](form)))


@pytest.mark.parametrize("kind", ENV_READERS)
def test_worst_environments(kind: str) -> None:
    for env in worst_headers(VARIABLES, len(kind)):
        for form in (env, dict(env)):
            check_read(kind, settles(lambda form=form: ENV_READERS[kind](EVERY)(form)))
            check_read(kind, settles(lambda form=form: MODULE_ENV_READERS[kind](form)))


def fullest_context() -> Any:
    """A context at the limits: 32 tracestate members, baggage near 8 KiB, links."""
    ctx = EVERY.continue_trace(INCOMING)
    for i in range(32):
        ctx = ctx.with_tracestate(f"k{i}", "v" * 200)
    for i in range(60):
        ctx = settles(lambda i=i, ctx=ctx: ctx.with_baggage(f"k{i}", "é" * 20))
    return ctx


def test_worst_writes() -> None:
    ctx = fullest_context()
    stale = [(n, VALID[0]) for n in NAMES] * 1_000 + [(f"x-{i}", b"v") for i in range(10_000)]
    for writer in WRITERS.values():
        for propagator in (EVERY, PROPAGATORS[0]):
            write = writer(propagator, ctx)
            for target in (list(stale), dict(stale), MultiDict(stale[:2_000])):
                assert settles(lambda write=write, t=target: write(t)) is target


def test_worst_arguments() -> None:
    ctx = fullest_context()
    for fill in FILLS:
        huge = repeat_to(fill, MIB)
        outcome(lambda huge=huge: ctx.with_tracestate(huge, "v"), TRACESTATE_ERRORS)
        outcome(lambda huge=huge: ctx.with_tracestate("k", huge), TRACESTATE_ERRORS)
        outcome(lambda huge=huge: ctx.with_baggage(huge, "v"), BAGGAGE_ERRORS)
        outcome(lambda huge=huge: ctx.with_baggage("k", huge), BAGGAGE_ERRORS)
        outcome(lambda huge=huge: tracewire.Link(huge, SPAN_ID), LINK_ERRORS)
        outcome(lambda huge=huge: tracewire.Link(TRACE_ID, huge), LINK_ERRORS)
        outcome(lambda huge=huge: tracewire.Propagator(extract=[huge]), PROPAGATOR_ERRORS)
        outcome(lambda huge=huge: tracewire.Propagator(repeated=huge), PROPAGATOR_ERRORS)
    many = tracewire.Propagator(extract=list(FORMATS) * 2_000, inject=list(FORMATS) * 2_000)
    check_context(many.continue_trace(INCOMING))


def test_worst_json_bodies() -> None:
    ctx = fullest_context()
    members = ",".join(f'"k{i}":{i}' for i in range(MIB // 12))
    bodies = [
        "[" * MIB,
        '{"a":' + "[" * MIB,
        '{"a":"' + "\\u0000" * (MIB // 6) + '"}',
        '{"a":"' + "x" * MIB + '",' + f'"traceId":"{TRACE_ID}","spanId":"{SPAN_ID}"}}',
        "{" + members + f',"traceId":"{TRACE_ID}","spanId":"{SPAN_ID}"}}',
        "{" + ",".join([f'"traceId":"{TRACE_ID}"'] * (MIB // 46)) + "}",
        " " * MIB + "{}",
        "{" + '"' + "\\" * MIB,
    ]
    fields = (repeat_to("k", MIB), repeat_to("\ud800", MIB))
    for body in bodies:
        for form in (body, body.encode()):
            for kwargs in ({}, dict(trace_id_field=fields[0], span_id_field=fields[1])):
                outcome(lambda f=form, k=kwargs: tracewire.extract_json(f, **k), JSON_ERRORS)
                outcome(lambda f=form, k=kwargs: ctx.inject_json(f, **k), JSON_ERRORS)


# == Panics


def test_a_panic_becomes_internal_error_and_the_next_call_works() -> None:
    # A dict that grows while tracewire walks it makes pyo3's dict iterator panic.
    # Python code that runs during the walk grows it: a list value's `__iter__`, or
    # the `encode` of a `str` holding lone surrogates (which tracewire calls).
    headers: dict[str, Any] = {}

    def grow() -> None:
        headers[f"x-{len(headers)}"] = "v"

    class GrowingList(list):  # type: ignore[type-arg]
        def __iter__(self) -> Iterator[Any]:
            grow()
            return super().__iter__()

    class GrowingText(str):
        def encode(self, *args: Any, **kwargs: Any) -> bytes:
            grow()
            return str.encode(self, *args, **kwargs)

    panics = 0
    for value in (GrowingList([VALID[0]]), GrowingText("\ud800")):
        for call in (tracewire.extract, tracewire.diagnose, EVERY.continue_trace):
            headers.clear()
            headers.update({"traceparent": value, "other": "v"})
            ok, error = outcome(lambda call=call: call(headers), frozenset({"internal_error"}))
            panics += not ok
            assert ok or type(error) is tracewire.TracewireError
            assert tracewire.extract({"traceparent": VALID[0]}).span_id == SPAN_ID
    assert panics > 0, "no longer a panic to test with: find another way to cause one"


def rust_functions(source: str) -> list[tuple[str, str, bool]]:
    """`(name, body, exported)` of each function in Rust source (comments and string
    contents dropped): exported for a `#[pyfunction]` or a `#[pymethods]` method."""
    code, at = [], 0
    while at < len(source):
        if source.startswith("//", at):
            at = source.find("\n", at)
        elif source[at] == '"':
            end = at + 1
            while source[end] != '"':
                end += 2 if source[end] == "\\" else 1
            code.append('""')
            at = end + 1
        else:
            code.append(source[at])
            at += 1
    text = "".join(code)
    methods = []
    for block in re.finditer(r"#\[pymethods\]\s*impl \w+ \{", text):
        methods.append((block.end(), block.end() + len(braced(text, block.end() - 1))))
    functions = []
    for match in re.finditer(r"\bfn (\w+)", text):
        body = braced(text, text.index("{", match.end()))
        attributes = text[text.rfind(";", 0, match.start()) : match.start()]
        attributes = attributes[attributes.rfind("}") + 1 :]
        method = any(start < match.start() < end for start, end in methods)
        functions.append((match.group(1), body, method or "#[pyfunction]" in attributes))
    return functions


def braced(text: str, start: int) -> str:
    """The `{...}` block opening at `start`."""
    depth = 0
    for end in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[end], 0)
        if depth == 0:
            return text[start : end + 1]
    raise AssertionError("unbalanced braces")


def test_every_export_runs_under_the_panic_guard() -> None:
    """A panic unwinding into Python would surface as pyo3's PanicException, which
    is no Exception (a BaseException): each export goes through `guard`, itself or
    by delegating to a guarded function of the binding."""
    sources = (SRC / "bindings-py/src").glob("*.rs")
    files = {path.stem: rust_functions(path.read_text()) for path in sources}
    guarded = {
        (stem, name) for stem, fns in files.items() for name, body, _ in fns if "guard(" in body
    }
    delegations = {r"PyPropagator::DEFAULT\.(\w+)\(": "propagator", r"\bjson::(\w+)\(": "json"}
    exports = set()
    for stem, functions in files.items():
        for name, body, exported in functions:
            if not exported:
                continue
            exports.add(name)
            callees = {
                (target, callee)
                for pattern, target in delegations.items()
                for callee in re.findall(pattern, body)
            }
            assert "guard(" in body or callees & guarded, f"{stem}.rs: {name} is not guarded"
    # The parse saw every public function and method of the module.
    public = {name for name in tracewire.__all__ if callable(getattr(tracewire, name))}
    for cls in (tracewire.Context, tracewire.Propagator, tracewire.Link, tracewire.Diagnostic):
        public |= {name for name in vars(cls) if not name.startswith("_")}
    public -= {"Context", "Propagator", "Link", "Diagnostic", "TracewireError"}
    assert public <= exports, public - exports
    assert {"new", "__repr__"} <= exports
