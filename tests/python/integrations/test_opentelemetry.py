"""tracewire as the propagator of the real OpenTelemetry SDK."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import tracewire
from opentelemetry import baggage, context, trace
from opentelemetry.propagators.textmap import Getter
from opentelemetry.sdk.trace import TracerProvider
from tracewire.opentelemetry import TracewirePropagator

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
INCOMING = {
    "traceparent": TRACEPARENT,
    "tracestate": "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7",
    "baggage": "user=alice,order=o%207",
    "content-type": "application/json",
}
TRACER = TracerProvider().get_tracer("tests")


def test_otel_propagators_env_selects_it() -> None:
    script = f"""
import json
from opentelemetry import context, propagate
from opentelemetry.sdk.trace import TracerProvider
textmap = propagate.get_global_textmap()
context.attach(propagate.extract({INCOMING!r}))
with TracerProvider().get_tracer("t").start_as_current_span("consume") as span:
    out = {{}}
    propagate.inject(out)
print(json.dumps({{"types": [type(p).__name__ for p in textmap._propagators],
                  "parent": format(span.parent.span_id, "016x"), "out": out}}))
"""
    env = {**os.environ, "OTEL_PROPAGATORS": "tracewire"}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    result = json.loads(done.stdout)
    assert result["types"] == ["TracewirePropagator"]
    assert result["parent"] == "00f067aa0ba902b7"
    sent = tracewire.extract(result["out"])
    assert sent is not None
    assert sent.trace_id == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert sent.tracestate == INCOMING["tracestate"]
    assert sent.baggage == {"user": "alice", "order": "o 7"}


def test_sdk_span_continues_the_incoming_context() -> None:
    propagator = TracewirePropagator()
    ctx = propagator.extract(INCOMING)
    remote = trace.get_current_span(ctx).get_span_context()
    assert remote.is_remote
    assert (remote.trace_id, remote.span_id) == (
        0x4BF92F3577B34DA6A3CE929D0E0E4736,
        0x00F067AA0BA902B7,
    )
    assert remote.trace_flags == 1
    assert remote.trace_state.to_header() == INCOMING["tracestate"]
    assert baggage.get_all(ctx) == {"user": "alice", "order": "o 7"}

    with TRACER.start_as_current_span("consume", context=ctx) as span:
        out: dict[str, str] = {}
        propagator.inject(out)
    mine = span.get_span_context()
    assert span.parent is not None
    assert span.parent.span_id == remote.span_id
    assert out["traceparent"] == f"00-{mine.trace_id:032x}-{mine.span_id:016x}-01"
    assert out["tracestate"] == INCOMING["tracestate"]
    # Baggage set in OpenTelemetry's context goes out too.
    token = context.attach(baggage.set_baggage("tier", "gold", ctx))
    try:
        out = {}
        propagator.inject(out)
    finally:
        context.detach(token)
    assert out["baggage"] == "user=alice,order=o%207,tier=gold"
    assert out["traceparent"] == TRACEPARENT


def test_other_formats_and_a_custom_getter() -> None:
    class PairGetter(Getter[list[tuple[str, bytes]]]):
        def get(self, carrier: list[tuple[str, bytes]], key: str) -> list[str] | None:
            found = [v.decode() for k, v in carrier if k == key]
            return found or None

        def keys(self, carrier: list[tuple[str, bytes]]) -> list[str]:
            return [k for k, _ in carrier]

    record = [("b3", b"80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1"), ("other", b"x")]
    propagator = TracewirePropagator(extract=["tracecontext", "b3"], inject=["b3multi"])
    ctx = propagator.extract(record, getter=PairGetter())
    remote = trace.get_current_span(ctx).get_span_context()
    assert f"{remote.trace_id:032x}" == "80f198ee56343ba864fe8b2a57d3eff7"
    written: list[tuple[str, str]] = []

    class PairSetter:
        def set(self, carrier: list[tuple[str, str]], key: str, value: str) -> None:
            carrier.append((key, value))

    propagator.inject(written, ctx, PairSetter())
    assert written == [
        ("x-b3-traceid", "80f198ee56343ba864fe8b2a57d3eff7"),
        ("x-b3-spanid", "e457b5a2e4d86bd1"),
        ("x-b3-sampled", "1"),
    ]
    assert {"traceparent", "tracestate", "b3", "x-b3-traceid"} <= propagator.fields


def test_bad_or_missing_headers_leave_the_context_alone() -> None:
    propagator = TracewirePropagator()
    empty = context.Context()
    upper = propagator.extract({"traceparent": TRACEPARENT.upper()}, empty)
    assert not trace.get_current_span(upper).get_span_context().is_valid
    # Baggage without a trace is kept, as OpenTelemetry's baggage propagator does.
    only = propagator.extract({"baggage": "user=bob"}, empty)
    assert baggage.get_all(only) == {"user": "bob"}
    out: dict[str, str] = {}
    propagator.inject(out, only)
    assert out == {"baggage": "user=bob"}
    out = {}
    propagator.inject(out, empty)
    assert out == {}
