"""Every header container Python code hands over, read and written in one call."""

from __future__ import annotations

import collections.abc
import email.message
import http.client
import io
import pickle
import types
from collections.abc import Iterator
from typing import Any

import pytest
import tracewire
from hypothesis import given
from hypothesis import strategies as st

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
OTHER = "00-12345678901234567890123456789012-1234567890123456-01"
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"


class MultiDict:
    """Shaped like multidict.MultiDict / werkzeug Headers: ``items()`` yields every pair."""

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        self.pairs = list(pairs)
        self.items_calls = 0

    def items(self) -> Iterator[tuple[str, Any]]:
        self.items_calls += 1
        return iter(self.pairs)

    def getall(self, name: str) -> list[Any]:
        return [v for k, v in self.pairs if k.lower() == name.lower()]

    def keys(self) -> list[str]:
        return [k for k, _ in self.pairs]

    def __setitem__(self, name: str, value: Any) -> None:
        self.pairs = [(k, v) for k, v in self.pairs if k.lower() != name.lower()]
        self.pairs.append((name, value))

    def __delitem__(self, name: str) -> None:
        if not self.getall(name):
            raise KeyError(name)
        self.pairs = [(k, v) for k, v in self.pairs if k.lower() != name.lower()]


class Headers(collections.abc.Mapping[str, str]):
    """A read-only custom Mapping that fails if looked up key by key."""

    def __init__(self, data: dict[str, str]) -> None:
        self.data = data

    def __getitem__(self, key: str) -> str:
        raise AssertionError("headers are read in one pass, not looked up")

    def __iter__(self) -> Iterator[str]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)

    def items(self) -> Any:
        return self.data.items()


class CaseInsensitiveDict(collections.abc.MutableMapping[str, str]):
    """Like requests' CaseInsensitiveDict: keeps the spelling, matches any case."""

    def __init__(self, data: dict[str, str] | None = None) -> None:
        self.store: dict[str, tuple[str, str]] = {}
        for k, v in (data or {}).items():
            self[k] = v

    def __setitem__(self, key: str, value: str) -> None:
        self.store[key.lower()] = (key, value)

    def __getitem__(self, key: str) -> str:
        return self.store[key.lower()][1]

    def __delitem__(self, key: str) -> None:
        del self.store[key.lower()]

    def __iter__(self) -> Iterator[str]:
        return (k for k, _ in self.store.values())

    def __len__(self) -> int:
        return len(self.store)


def http_message(raw: bytes) -> http.client.HTTPMessage:
    return http.client.parse_headers(io.BytesIO(raw + b"\r\n"))


def trace_id(headers: Any) -> str | None:
    ctx = tracewire.extract(headers)
    return ctx.trace_id if ctx else None


def codes(headers: Any) -> list[str]:
    return [d.code for d in tracewire.diagnose(headers)]


# --- reading ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {"traceparent": TRACEPARENT},
        [("traceparent", TRACEPARENT)],
        [("traceparent", TRACEPARENT.encode())],
        [(b"traceparent", TRACEPARENT.encode())],
        (("traceparent", TRACEPARENT),),
        [["traceparent", TRACEPARENT]],
        (pair for pair in [("traceparent", TRACEPARENT)]),
        MultiDict([("traceparent", TRACEPARENT)]),
        Headers({"traceparent": TRACEPARENT}),
        CaseInsensitiveDict({"TraceParent": TRACEPARENT}),
        http_message(f"Traceparent: {TRACEPARENT}".encode()),
        types.MappingProxyType({"traceparent": TRACEPARENT}),
        {"traceparent": [TRACEPARENT]},
        {"traceparent": (TRACEPARENT.encode(),)},
    ],
    ids=lambda h: type(h).__name__,
)
def test_containers_read(headers: Any) -> None:
    assert trace_id(headers) == TRACE_ID


def test_email_message_with_repeats() -> None:
    msg = email.message.Message()
    msg["traceparent"] = TRACEPARENT
    msg["tracestate"] = "a=1"
    msg["tracestate"] = "b=2"
    ctx = tracewire.extract(msg)
    assert ctx is not None
    assert ctx.tracestate == "a=1,b=2"
    msg["traceparent"] = OTHER  # a second, different traceparent: the trace restarts
    assert tracewire.extract(msg) is None
    assert codes(msg) == ["repeated_traceparent"]


def test_none_and_empty() -> None:
    for empty in (None, {}, [], (), MultiDict([])):
        assert tracewire.extract(empty) is None
        assert codes(empty) == ["missing_traceparent"]
        root = tracewire.continue_trace(empty)
        assert (root.parent_span_id, root.flags) == (None, 3)


def test_multidict_is_read_once_through_items() -> None:
    headers = MultiDict(
        [("traceparent", TRACEPARENT), ("tracestate", "a=1"), ("tracestate", "b=2")]
    )
    ctx = tracewire.extract(headers)
    assert ctx is not None
    assert ctx.tracestate == "a=1,b=2"
    assert headers.items_calls == 1


@pytest.mark.parametrize(
    "value",
    [
        TRACEPARENT,
        TRACEPARENT.encode(),
        bytearray(TRACEPARENT.encode()),
        memoryview(TRACEPARENT.encode()),
        memoryview(b"xx" + TRACEPARENT.encode())[2:],
    ],
    ids=lambda v: type(v).__name__,
)
def test_value_types(value: Any) -> None:
    assert trace_id([("traceparent", value)]) == TRACE_ID
    assert trace_id({"traceparent": value}) == TRACE_ID


def test_list_values_are_repeats() -> None:
    headers = {"traceparent": TRACEPARENT, "tracestate": ["a=1", b"b=2", bytearray(b"c=3")]}
    ctx = tracewire.extract(headers)
    assert ctx is not None
    assert ctx.tracestate == "a=1,b=2,c=3"
    assert tracewire.extract({"traceparent": [TRACEPARENT, OTHER]}) is None


def test_names_match_case_insensitively() -> None:
    for name in ("TraceParent", "TRACEPARENT", b"TraceParent"):
        assert trace_id([(name, TRACEPARENT)]) == TRACE_ID
    ctx = tracewire.extract({"Traceparent": TRACEPARENT, "TraceState": "a=1"})
    assert ctx is not None
    assert ctx.tracestate == "a=1"
    # Only ASCII case folds: U+017F (long s) folds to "s" in Unicode, not here.
    ctx = tracewire.extract({"traceparent": TRACEPARENT, "trace\u017ftate": "a=1"})
    assert ctx is not None
    assert ctx.tracestate == ""


def test_invalid_utf8_is_reported_not_raised() -> None:
    bad = TRACEPARENT.encode()[:10] + b"\xff" + TRACEPARENT.encode()[11:]
    assert tracewire.extract([("traceparent", bad)]) is None
    assert codes([("traceparent", bad)]) == ["invalid_utf8"]
    # A str with a lone surrogate (bytes decoded with surrogateescape) is no UTF-8 either.
    escaped = bad.decode("utf-8", "surrogateescape")
    assert codes({"traceparent": escaped}) == ["invalid_utf8"]


def test_irrelevant_headers_are_not_converted() -> None:
    headers = {"traceparent": TRACEPARENT, "x-count": 3, "x-object": object(), "x-none": None}
    assert trace_id(headers) == TRACE_ID
    assert trace_id([("content-length", 12), ("traceparent", TRACEPARENT)]) == TRACE_ID


def test_kafka_header_without_value_is_absent() -> None:
    assert trace_id([("traceparent", None), ("traceparent", TRACEPARENT.encode())]) == TRACE_ID


@pytest.mark.parametrize(
    "headers",
    [
        42,
        1.5,
        "traceparent",
        b"traceparent",
        bytearray(b"traceparent"),
        object(),
        [("traceparent",)],
        [("traceparent", TRACEPARENT, "extra")],
        ["traceparent"],
        [("traceparent", 42)],
        {"traceparent": 1.5},
        {"traceparent": ["ok", 3]},
        {"traceparent": [[TRACEPARENT]]},
        {1: TRACEPARENT},
        [(None, TRACEPARENT)],
    ],
    ids=repr,
)
def test_wrong_types_raise_type_error(headers: Any) -> None:
    for operation in (tracewire.extract, tracewire.continue_trace, tracewire.diagnose):
        with pytest.raises(TypeError):
            operation(headers)


def test_errors_inside_the_container_propagate() -> None:
    class Broken:
        def items(self) -> Any:
            raise LookupError("broken")

    with pytest.raises(LookupError):
        tracewire.extract(Broken())


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["traceparent", "TraceParent", "tracestate", "x-other"]),
            st.one_of(
                st.binary(max_size=80),
                st.text(max_size=80),
                st.sampled_from([TRACEPARENT, OTHER, "a=1", "k@v=x", "", "Z=1"]),
            ),
        ),
        max_size=6,
    )
)
def test_any_contents_never_raise_and_read_alike(headers: list[tuple[str, Any]]) -> None:
    as_bytes = [
        (n, v.encode("utf-8", "surrogatepass") if isinstance(v, str) else v) for n, v in headers
    ]
    assert tracewire.extract(headers) == tracewire.extract(as_bytes)
    assert tracewire.diagnose(headers) == tracewire.diagnose(as_bytes)
    assert tracewire.continue_trace(headers).flags in range(256)


# --- writing ---------------------------------------------------------------------------


@pytest.fixture
def ctx() -> tracewire.Context:
    return tracewire.Context.new_root().with_tracestate("congo", "t61rcWkgMzE")


def test_inject_none_returns_a_new_dict(ctx: tracewire.Context) -> None:
    assert ctx.inject() == {"traceparent": ctx.traceparent, "tracestate": "congo=t61rcWkgMzE"}
    assert ctx.inject(None) == ctx.inject()


def test_inject_dict_replaces_every_spelling(ctx: tracewire.Context) -> None:
    headers = {"TraceParent": "old", "content-type": "x", "traceparent": "old", "TRACESTATE": "a=1"}
    assert ctx.inject(headers) is headers
    assert headers == {
        "content-type": "x",
        "traceparent": ctx.traceparent,
        "tracestate": "congo=t61rcWkgMzE",
    }


def test_inject_list_writes_kafka_pairs(ctx: tracewire.Context) -> None:
    headers: list[Any] = [
        ("traceparent", b"old"),
        (b"TraceParent", b"old"),
        ("key", b"v"),
        ["tracestate", "a=1"],
    ]
    assert ctx.inject(headers) is headers
    assert headers == [
        ("key", b"v"),
        ("traceparent", ctx.traceparent.encode()),
        ("tracestate", b"congo=t61rcWkgMzE"),
    ]
    assert ctx.inject(headers) == headers  # again: replaced, no duplicates
    assert len(headers) == 3


def test_inject_removes_stale_tracestate() -> None:
    ctx = tracewire.Context.new_root()
    assert ctx.inject({"tracestate": "old=1", "TraceState": "x=2"}) == {
        "traceparent": ctx.traceparent
    }
    assert ctx.inject([("tracestate", b"old=1")]) == [("traceparent", ctx.traceparent.encode())]
    msg = email.message.Message()
    msg["tracestate"] = "old=1"
    assert ctx.inject(msg).get_all("tracestate") is None


@pytest.mark.parametrize(
    "headers",
    [
        http_message(b"Content-Type: x\r\nTraceParent: old\r\ntraceparent: old\r\nTracestate: a=1"),
        email.message.Message(),
        CaseInsensitiveDict({"TraceParent": "old", "content-type": "x"}),
        MultiDict([("TRACEPARENT", "old"), ("traceparent", "older"), ("content-type", "x")]),
    ],
    ids=lambda h: type(h).__name__,
)
def test_inject_mappings(ctx: tracewire.Context, headers: Any) -> None:
    assert ctx.inject(headers) is headers
    ctx.inject(headers)
    pairs = [(k.lower(), v) for k, v in headers.items()]
    assert pairs.count(("traceparent", ctx.traceparent)) == 1
    assert [k for k, _ in pairs].count("traceparent") == 1
    assert ("tracestate", "congo=t61rcWkgMzE") in pairs
    assert tracewire.extract(headers) == ctx


@pytest.mark.parametrize(
    "headers",
    [(), (("traceparent", "x"),), 42, "traceparent", types.MappingProxyType({}), frozenset()],
    ids=repr,
)
def test_inject_into_read_only_raises_type_error(ctx: tracewire.Context, headers: Any) -> None:
    with pytest.raises(TypeError):
        ctx.inject(headers)
    with pytest.raises(TypeError):
        tracewire.Propagator().inject(ctx, headers)


def test_inject_into_malformed_list_raises_type_error(ctx: tracewire.Context) -> None:
    with pytest.raises(TypeError):
        ctx.inject(["traceparent"])


def test_propagator_inject_matches_context_inject(ctx: tracewire.Context) -> None:
    assert tracewire.Propagator().inject(ctx) == ctx.inject()
    assert tracewire.Propagator(inject=[]).inject(ctx, {"traceparent": "kept"}) == {
        "traceparent": "kept"
    }


# --- API surface -------------------------------------------------------------------------


def test_context_is_immutable_and_hashable(ctx: tracewire.Context) -> None:
    with pytest.raises(AttributeError):
        ctx.trace_id = "x"  # type: ignore[misc]
    same = tracewire.extract(ctx.inject())
    assert same == ctx
    assert hash(same) == hash(ctx)
    assert ctx != ctx.child()
    assert len({ctx, same, ctx.child()}) == 2
    assert ctx != "not a context"
    assert repr(ctx) == (
        f"Context(traceparent='{ctx.traceparent}', parent_span_id=None, "
        "tracestate='congo=t61rcWkgMzE')"
    )
    assert f"parent_span_id='{ctx.span_id}'" in repr(ctx.child())


def test_context_getters(ctx: tracewire.Context) -> None:
    assert ctx.traceparent == f"00-{ctx.trace_id}-{ctx.span_id}-03"
    assert ctx.sampled is True
    unsampled = tracewire.extract({"traceparent": TRACEPARENT[:-2] + "00"})
    assert unsampled is not None
    assert (unsampled.sampled, unsampled.flags, unsampled.tracestate) == (False, 0, "")


def test_with_tracestate_puts_the_key_first(ctx: tracewire.Context) -> None:
    updated = ctx.with_tracestate("rojo", "00f067aa0ba902b7")
    assert updated.tracestate == "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"
    assert ctx.tracestate == "congo=t61rcWkgMzE"


def test_propagator_surface() -> None:
    default = tracewire.Propagator()
    assert default.fields == ("traceparent", "tracestate", "baggage")
    both = ("tracecontext", "baggage")
    assert default == tracewire.Propagator(extract=both, inject=list(both))
    assert hash(default) == hash(tracewire.Propagator())
    assert default != tracewire.Propagator(repeated="last")
    assert default != tracewire.Propagator(extract=["tracecontext"])
    assert repr(default) == (
        "Propagator(extract=('tracecontext', 'baggage'), inject=('tracecontext', 'baggage'), "
        "repeated='restart')"
    )
    assert tracewire.Propagator(extract=[], inject=[]).fields == ()
    assert tracewire.Propagator(extract=[]).extract({"traceparent": TRACEPARENT}) is None


def test_diagnostic_surface() -> None:
    (first,) = tracewire.diagnose({"traceparent": TRACEPARENT.upper()})
    assert (first.format, first.header, first.code) == (
        "tracecontext",
        "traceparent",
        "uppercase_hex",
    )
    assert (
        repr(first)
        == "Diagnostic(format='tracecontext', header='traceparent', code='uppercase_hex')"
    )
    assert first == tracewire.diagnose([("traceparent", TRACEPARENT.upper())])[0]
    assert hash(first) == hash(tracewire.diagnose({"traceparent": TRACEPARENT.upper()})[0])


# --- errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda: tracewire.Propagator(extract=["b4"]), "unknown_format"),
        (lambda: tracewire.Propagator(inject=["tracecontext", "zipkin"]), "unknown_format"),
        (lambda: tracewire.Propagator(extract=["B3"]), "unknown_format"),
        (lambda: tracewire.Propagator(repeated="sometimes"), "invalid_policy"),
        (lambda: tracewire.Propagator(repeated="LAST"), "invalid_policy"),
        (
            lambda: tracewire.Context.new_root().with_tracestate("Bad Key", "v"),
            "invalid_tracestate_key",
        ),
        (
            lambda: tracewire.Context.new_root().with_tracestate("k", "a,b"),
            "invalid_tracestate_value",
        ),
    ],
)
def test_errors_carry_codes(make: Any, code: str) -> None:
    with pytest.raises(tracewire.TracewireError) as raised:
        make()
    assert raised.value.code == code
    assert isinstance(raised.value, ValueError)


def test_tracewire_error_is_a_picklable_value_error() -> None:
    assert issubclass(tracewire.TracewireError, ValueError)
    with pytest.raises(ValueError, match="b4") as raised:
        tracewire.Propagator(extract=["b4"])
    copy = pickle.loads(pickle.dumps(raised.value))
    assert type(copy) is tracewire.TracewireError
    assert (copy.code, copy.args) == ("unknown_format", raised.value.args)


def test_format_names_must_be_an_iterable_of_str() -> None:
    with pytest.raises(TypeError):
        tracewire.Propagator(extract="tracecontext")
    with pytest.raises(TypeError):
        tracewire.Propagator(extract=[1])
