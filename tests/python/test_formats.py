"""The multi-format API: prefix headers, baggage, links, JSON bodies and environments."""

from __future__ import annotations

import collections.abc
import json
import os
import pickle
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import tracewire

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
SPAN_ID = "00f067aa0ba902b7"
OTHER_TRACE_ID = "80f198ee56343ba864fe8b2a57d3eff7"
OTHER_SPAN_ID = "e457b5a2e4d86bd1"

JAEGER = tracewire.Propagator(extract=["tracecontext", "jaeger"], inject=["tracecontext"])


class Environ(collections.abc.MutableMapping[str, str]):
    """Shaped like ``os.environ``: a mutable mapping that is no dict."""

    def __init__(self, data: dict[str, str]) -> None:
        self.data = dict(data)

    def __getitem__(self, key: str) -> str:
        return self.data[key]

    def __setitem__(self, key: str, value: str) -> None:
        self.data[key] = value

    def __delitem__(self, key: str) -> None:
        del self.data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)


# --- prefix headers (uberctx-*) -----------------------------------------------------------


def test_prefix_fields_are_listed() -> None:
    assert "uberctx-*" in JAEGER.fields
    assert "uberctx-*" not in tracewire.Propagator().fields


@pytest.mark.parametrize(
    "headers",
    [
        {"traceparent": TRACEPARENT, "uberctx-user": "alice", "UberCtx-Cart": "3"},
        [("traceparent", TRACEPARENT), ("uberctx-user", b"alice"), ("UBERCTX-cart", "3")],
        [(b"traceparent", TRACEPARENT), (b"uberctx-user", b"alice"), (b"Uberctx-Cart", b"3")],
        {"traceparent": TRACEPARENT, "uberctx-user": ["alice"], "uberctx-cart": (b"3",)},
    ],
    ids=["dict", "str-pairs", "bytes-pairs", "dict-of-lists"],
)
def test_prefix_headers_reach_the_core_under_their_own_names(headers: Any) -> None:
    reference = [("traceparent", TRACEPARENT), ("uberctx-user", "alice"), ("uberctx-cart", "3")]
    ctx = JAEGER.extract(headers)
    assert ctx is not None
    assert ctx == JAEGER.extract(reference)
    assert set(ctx.baggage) == {"user", "cart"}
    assert ctx.baggage["user"] == "alice"


def test_only_names_past_the_prefix_are_converted() -> None:
    # A value that cannot be converted raises TypeError only when its header is read.
    for ignored in ("uberctx-", "uberctx", "xuberctx-user", "uberctx_user", "uber\u017fctx-a"):
        assert JAEGER.extract({"traceparent": TRACEPARENT, ignored: 3}) is not None
    for read in ("uberctx-a", "UBERCTX-A", "uberctx-\u00e9", b"uberctx-a"):
        with pytest.raises(TypeError):
            JAEGER.extract({"traceparent": TRACEPARENT, read: 3})


def test_prefix_headers_without_a_trace_give_baggage_to_the_new_root() -> None:
    headers = {"uberctx-user": "alice"}
    assert JAEGER.extract(headers) is None
    root = JAEGER.continue_trace(headers)
    assert (root.parent_span_id, root.flags) == (None, 3)
    assert root.baggage == JAEGER.continue_trace([("UberCtx-User", b"alice")]).baggage != {}


# --- baggage ------------------------------------------------------------------------------


def test_baggage_round_trip_keeps_values_and_properties() -> None:
    raw = "user.id=alice%20smith;ttl=30, plus=a+b,pct=%25;p,eq=x=y"
    ctx = tracewire.extract({"traceparent": TRACEPARENT, "baggage": raw})
    assert ctx is not None
    assert ctx.baggage == {"user.id": "alice smith", "plus": "a+b", "pct": "%", "eq": "x=y"}
    out = ctx.inject()
    assert set(out) == {"traceparent", "baggage"}
    assert ";ttl=30" in out["baggage"]
    assert ";p" in out["baggage"]
    again = tracewire.extract(out)
    assert again == ctx
    assert again is not None
    assert again.baggage == ctx.baggage


def test_repeated_baggage_keys_last_value_wins() -> None:
    ctx = tracewire.extract({"traceparent": TRACEPARENT, "baggage": ["a=1,b=2", "a=3"]})
    assert ctx is not None
    assert ctx.baggage == {"a": "3", "b": "2"}


def test_baggage_is_a_fresh_dict() -> None:
    ctx = tracewire.Context.new_root().with_baggage("k", "v")
    ctx.baggage["k"] = "changed"
    assert ctx.baggage == {"k": "v"}
    assert tracewire.Context.new_root().baggage == {}


def test_with_baggage_returns_a_new_context() -> None:
    root = tracewire.Context.new_root()
    ctx = root.with_baggage("user.id", "alice smith").with_baggage("cart", "3 items, 1 € ;=")
    assert root.baggage == {}
    assert ctx.baggage == {"user.id": "alice smith", "cart": "3 items, 1 € ;="}
    assert ctx.with_baggage("user.id", "bob").baggage == {
        "cart": "3 items, 1 € ;=",
        "user.id": "bob",
    }
    assert ctx != root
    assert ctx.child().baggage == ctx.baggage
    # Every value survives the header: spaces, commas, `;`, `=` and non-ASCII are encoded.
    again = tracewire.extract(ctx.inject())
    assert again is not None
    assert again.baggage == ctx.baggage


@pytest.mark.parametrize("key", ["", "bad key", "k,v", "k=v", "clé", "a;b", "\x00"])
def test_with_baggage_refuses_keys_that_are_not_tokens(key: str) -> None:
    with pytest.raises(tracewire.TracewireError) as raised:
        tracewire.Context.new_root().with_baggage(key, "v")
    assert raised.value.code == "invalid_baggage_key"


def test_baggage_only_continues_in_a_new_root() -> None:
    assert tracewire.extract({"baggage": "k=v"}) is None
    root = tracewire.continue_trace({"baggage": "k=v"})
    assert (root.parent_span_id, root.flags, root.baggage) == (None, 3, {"k": "v"})


def test_default_propagator_is_tracecontext_and_baggage() -> None:
    ctx = tracewire.Context.new_root().with_baggage("k", "v")
    assert ctx.inject() == tracewire.Propagator().inject(ctx)
    assert ctx.inject() == {"traceparent": ctx.traceparent, "baggage": "k=v"}
    # Stale baggage in the container is removed when the context has none.
    plain = tracewire.Context.new_root()
    assert plain.inject({"Baggage": "old=1"}) == {"traceparent": plain.traceparent}
    only_w3c = tracewire.Propagator(extract=["tracecontext"], inject=["tracecontext"])
    assert only_w3c.inject(ctx) == {"traceparent": ctx.traceparent}


# --- links, debug, deferred ---------------------------------------------------------------


def test_link_surface() -> None:
    link = tracewire.Link(TRACE_ID, SPAN_ID)
    assert (link.trace_id, link.span_id) == (TRACE_ID, SPAN_ID)
    assert link == tracewire.Link(trace_id=TRACE_ID, span_id=SPAN_ID)
    assert hash(link) == hash(tracewire.Link(TRACE_ID, SPAN_ID))
    assert link != tracewire.Link(OTHER_TRACE_ID, SPAN_ID)
    assert link != (TRACE_ID, SPAN_ID)
    assert repr(link) == f"Link(trace_id='{TRACE_ID}', span_id='{SPAN_ID}')"
    with pytest.raises(AttributeError):
        link.trace_id = OTHER_TRACE_ID  # type: ignore[misc]


@pytest.mark.parametrize(
    ("trace_id", "span_id", "code"),
    [
        (TRACE_ID.upper(), SPAN_ID, "invalid_trace_id"),
        ("0" * 32, SPAN_ID, "invalid_trace_id"),
        (TRACE_ID[:16], SPAN_ID, "invalid_trace_id"),
        (TRACE_ID, "0" * 16, "invalid_span_id"),
        (TRACE_ID, SPAN_ID + "0", "invalid_span_id"),
    ],
)
def test_link_refuses_bad_ids(trace_id: str, span_id: str, code: str) -> None:
    with pytest.raises(tracewire.TracewireError) as raised:
        tracewire.Link(trace_id, span_id)
    assert raised.value.code == code


def test_another_trace_becomes_a_link() -> None:
    propagator = tracewire.Propagator(extract=["tracecontext", "b3"])
    headers = {"traceparent": TRACEPARENT, "b3": f"{OTHER_TRACE_ID}-{OTHER_SPAN_ID}-1"}
    ctx = propagator.extract(headers)
    assert ctx is not None
    assert ctx.trace_id == TRACE_ID
    assert ctx.links == [tracewire.Link(OTHER_TRACE_ID, OTHER_SPAN_ID)]
    assert ctx.child().links == []
    assert [d.code for d in propagator.diagnose(headers)] == ["extracted", "other_trace_linked"]


def test_plain_contexts_are_neither_debug_nor_deferred() -> None:
    ctx = tracewire.Context.new_root()
    assert (ctx.debug, ctx.deferred, ctx.links) == (False, False, [])


# --- JSON bodies --------------------------------------------------------------------------

BODY = json.dumps({"orderId": 42, "note": "Zoë", "traceId": TRACE_ID, "spanId": SPAN_ID})


@pytest.mark.parametrize(
    "body",
    [BODY, BODY.encode(), bytearray(BODY.encode()), memoryview(BODY.encode())],
    ids=lambda body: type(body).__name__,
)
def test_extract_json_reads_str_and_bytes(body: Any) -> None:
    ctx = tracewire.extract_json(body)
    assert ctx is not None
    assert (ctx.trace_id, ctx.span_id, ctx.parent_span_id) == (TRACE_ID, SPAN_ID, None)


def test_inject_json_returns_the_type_it_was_given() -> None:
    ctx = tracewire.Context.new_root()
    text = ctx.inject_json('{"note": "Zoë", "n": [1, 2.5e3]}')
    assert isinstance(text, str)
    ids = f'"traceId":"{ctx.trace_id}","spanId":"{ctx.span_id}"'
    assert text == '{"note": "Zoë", "n": [1, 2.5e3],' + ids + "}"
    raw = ctx.inject_json('{"note": "Zoë", "n": [1, 2.5e3]}'.encode())
    assert isinstance(raw, bytes)
    assert raw == text.encode()
    for other in (bytearray(b"{}"), memoryview(b"{}")):
        assert ctx.inject_json(other) == ctx.inject_json(b"{}")


def test_inject_json_replaces_in_place_and_round_trips() -> None:
    ctx = tracewire.Context.new_root()
    out = ctx.inject_json(BODY)
    assert json.loads(out) == {**json.loads(BODY), "traceId": ctx.trace_id, "spanId": ctx.span_id}
    assert list(json.loads(out)) == ["orderId", "note", "traceId", "spanId"]
    back = tracewire.extract_json(out)
    assert back is not None
    assert (back.trace_id, back.span_id) == (ctx.trace_id, ctx.span_id)


def test_json_field_names_are_configurable() -> None:
    ctx = tracewire.Context.new_root()
    out = ctx.inject_json(b'{"a": 1}', trace_id_field="trace_id", span_id_field="span_id")
    assert json.loads(out) == {"a": 1, "trace_id": ctx.trace_id, "span_id": ctx.span_id}
    assert tracewire.extract_json(out) is None
    back = tracewire.extract_json(out, "trace_id", span_id_field="span_id")
    assert back is not None
    assert back.span_id == ctx.span_id


def test_json_cloudevents_attributes() -> None:
    ctx = tracewire.Context.new_root().with_tracestate("congo", "t61rcWkgMzE")
    body = json.dumps({"specversion": "1.0", "traceparent": TRACEPARENT})
    out = json.loads(ctx.inject_json(body))
    assert (out["traceparent"], out["tracestate"]) == (ctx.traceparent, "congo=t61rcWkgMzE")
    incoming = tracewire.extract_json(body)
    assert incoming is not None
    assert incoming.traceparent == TRACEPARENT


@pytest.mark.parametrize(
    "body", ["", "[1]", "null", '"{}"', "{", '{"a": 1} x', b"\xff", "{'a': 1}", '{"a": 01}']
)
def test_json_that_is_not_an_object_raises_invalid_json(body: str | bytes) -> None:
    for call in (tracewire.extract_json, tracewire.Context.new_root().inject_json):
        with pytest.raises(tracewire.TracewireError) as raised:
            call(body)
        assert raised.value.code == "invalid_json"
        assert isinstance(raised.value, ValueError)


def test_json_without_ids_is_none() -> None:
    assert tracewire.extract_json("{}") is None
    assert tracewire.extract_json(json.dumps({"traceId": "x", "spanId": SPAN_ID})) is None


@pytest.mark.parametrize("body", [None, 42, {"traceId": TRACE_ID}, [b"{}"]], ids=repr)
def test_json_body_of_wrong_type_raises_type_error(body: Any) -> None:
    with pytest.raises(TypeError):
        tracewire.extract_json(body)
    with pytest.raises(TypeError):
        tracewire.Context.new_root().inject_json(body)


# --- environment --------------------------------------------------------------------------


def test_inject_env_writes_variables_into_a_new_dict() -> None:
    ctx = tracewire.Context.new_root().with_tracestate("congo", "t1").with_baggage("k", "v 1")
    assert ctx.inject_env() == {
        "TRACEPARENT": ctx.traceparent,
        "TRACESTATE": "congo=t1",
        "BAGGAGE": "k=v%201",
    }
    assert tracewire.Propagator().inject_env(ctx) == ctx.inject_env(None)


def test_env_round_trip_in_an_environ_like_mapping() -> None:
    env = Environ({"PATH": "/usr/bin", "TRACESTATE": "stale=1"})
    ctx = tracewire.Context.new_root().with_baggage("user", "alice")
    assert ctx.inject_env(env) is env
    assert env.data == {"PATH": "/usr/bin", "TRACEPARENT": ctx.traceparent, "BAGGAGE": "user=alice"}
    assert tracewire.extract_env(env) == ctx
    child = tracewire.continue_trace_env(env)
    assert (child.parent_span_id, child.baggage) == (ctx.span_id, {"user": "alice"})
    assert [d.code for d in tracewire.diagnose_env(env)] == ["extracted"]


def test_env_reads_pairs_and_bytes_and_ignores_other_variables() -> None:
    for env in (
        [("TRACEPARENT", TRACEPARENT), ("HOME", 3)],
        {b"TRACEPARENT": TRACEPARENT.encode(), b"HOME": object()},
    ):
        ctx = tracewire.extract_env(env)
        assert ctx is not None
        assert ctx.span_id == SPAN_ID


def test_env_defaults_to_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRACESTATE", raising=False)
    monkeypatch.delenv("BAGGAGE", raising=False)
    monkeypatch.setenv("TRACEPARENT", TRACEPARENT)
    ctx = tracewire.extract_env()
    assert ctx is not None
    assert ctx.span_id == SPAN_ID
    assert tracewire.continue_trace_env().parent_span_id == SPAN_ID
    assert tracewire.Propagator().extract_env(None) == ctx
    monkeypatch.setenv("TRACEPARENT", TRACEPARENT.upper())
    assert tracewire.extract_env() is None
    assert [d.code for d in tracewire.diagnose_env()] == ["uppercase_hex"]
    root = tracewire.continue_trace_env()
    assert (root.parent_span_id, root.flags) == (None, 3)


def test_inject_env_into_os_environ_reaches_a_subprocess(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACEPARENT", "old")  # restored after the test
    monkeypatch.setenv("BAGGAGE", "old=1")
    ctx = tracewire.Context.new_root()
    assert ctx.inject_env(os.environ) is os.environ
    assert os.environ["TRACEPARENT"] == ctx.traceparent
    assert "BAGGAGE" not in os.environ  # stale: this context has no baggage
    code = "import tracewire; print(tracewire.continue_trace_env().parent_span_id)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ctx.span_id


def test_propagator_env_methods_use_its_formats() -> None:
    w3c = tracewire.Propagator(extract=["tracecontext"], inject=["tracecontext"])
    ctx = tracewire.Context.new_root().with_baggage("k", "v")
    env = w3c.inject_env(ctx, {})
    assert env == {"TRACEPARENT": ctx.traceparent}
    env["BAGGAGE"] = "k=v"
    extracted = w3c.extract_env(env)
    assert extracted is not None
    assert extracted.baggage == {}
    assert w3c.continue_trace_env(env).baggage == {}
    assert tracewire.extract_env(env) == ctx


@pytest.mark.parametrize("env", [42, "TRACEPARENT", b"x", [("TRACEPARENT",)], {1: "x"}], ids=repr)
def test_env_of_wrong_type_raises_type_error(env: Any) -> None:
    for call in (tracewire.extract_env, tracewire.continue_trace_env, tracewire.diagnose_env):
        with pytest.raises(TypeError):
            call(env)


@pytest.mark.parametrize("env", [(), 42, frozenset()], ids=repr)
def test_inject_env_into_read_only_raises_type_error(env: Any) -> None:
    with pytest.raises(TypeError):
        tracewire.Context.new_root().inject_env(env)


def test_errors_inside_the_mapping_propagate() -> None:
    class ReadOnlyEnviron(Environ):
        def __setitem__(self, key: str, value: str) -> None:
            raise PermissionError(key)

    with pytest.raises(PermissionError, match="TRACEPARENT"):
        tracewire.Context.new_root().inject_env(ReadOnlyEnviron({}))


def test_tracewire_error_from_json_pickles() -> None:
    with pytest.raises(tracewire.TracewireError) as raised:
        tracewire.extract_json("[]")
    copy = pickle.loads(pickle.dumps(raised.value))
    assert copy.code == "invalid_json"
