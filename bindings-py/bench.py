"""tracewire against OpenTelemetry's Python propagators on the same inputs.

Run with the package installed (``bindings-py/build.sh``)::

    .venv/bin/python bindings-py/bench.py [--rounds N]

Every case runs both sides in one process, interleaved: each round times a batch
of each side of each case (which side goes first alternates), and the table shows
the medians of the rounds. Times are the thread's CPU time, so that time spent
descheduled on a busy machine counts for neither side. ``opentelemetry-api`` and
``-sdk`` are installed into the running interpreter when missing.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import subprocess
import sys
import time
import timeit
from typing import Any, Callable

OTEL = ("opentelemetry-api==1.45.2", "opentelemetry-sdk==1.45.2")

try:
    import opentelemetry.sdk  # noqa: F401
except ImportError:
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *OTEL], check=True)

from importlib.metadata import version  # noqa: E402

import tracewire  # noqa: E402
from opentelemetry.baggage.propagation import W3CBaggagePropagator  # noqa: E402
from opentelemetry.propagators.composite import CompositePropagator  # noqa: E402
from opentelemetry.propagators.textmap import Getter, Setter  # noqa: E402
from opentelemetry.sdk.trace.id_generator import RandomIdGenerator  # noqa: E402
from opentelemetry.trace import (  # noqa: E402
    NonRecordingSpan,
    SpanContext,
    TraceFlags,
    get_current_span,
    set_span_in_context,
)
from opentelemetry.trace.propagation.tracecontext import (  # noqa: E402
    TraceContextTextMapPropagator,
)

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
TRACESTATE = "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"
OTHER = {
    "content-type": "application/json",
    "accept": "*/*",
    "user-agent": "checkout/1.4",
    "x-request-id": "5f1c0e2a-7c1f-4b8e-9f0e-2b5d3a1c9e77",
    "content-length": "512",
    "host": "orders.internal",
}
LONG_TRACESTATE = ",".join(f"vendor{i:02}=opaque-value-{i:02}" for i in range(32))


def kib_baggage() -> str:
    """Members of ~64 characters up to 1 KiB, each needing percent-decoding."""
    members: list[str] = []
    for i in range(64):
        member = f"key{i:02}=value%20{i:02}-{'x' * 48}"
        if sum(len(m) + 1 for m in members) + len(member) + 1 > 1024:
            break
        members.append(member)
    return ",".join(members)


IDS = RandomIdGenerator()


def otel_continue(extracted: Any) -> Any:
    """A child of the extracted span (or a new sampled root) as a context to
    inject: the least the SDK needs, without a tracer or span processor."""
    parent = get_current_span(extracted).get_span_context()
    if parent.is_valid:
        child = SpanContext(
            parent.trace_id,
            IDS.generate_span_id(),
            False,
            parent.trace_flags,
            parent.trace_state,
        )
    else:
        child = SpanContext(
            IDS.generate_trace_id(),
            IDS.generate_span_id(),
            False,
            TraceFlags(TraceFlags.SAMPLED),
        )
    return set_span_in_context(NonRecordingSpan(child), extracted)


class RecordGetter(Getter[list]):
    """Kafka record headers for OpenTelemetry: what a confluent-kafka user writes."""

    def get(self, carrier: list, key: str) -> list[str] | None:
        values = [v.decode() for k, v in carrier if k.lower() == key]
        return values or None

    def keys(self, carrier: list) -> list[str]:
        return [k for k, _ in carrier]


class RecordSetter(Setter[list]):
    def set(self, carrier: list, key: str, value: str) -> None:
        carrier[:] = [(k, v) for k, v in carrier if k.lower() != key]
        carrier.append((key, value.encode()))


def cases() -> list[tuple[str, str, str, dict[str, Any]]]:
    """(name, tracewire statement, OpenTelemetry statement, namespace)."""
    hit = {**OTHER, "traceparent": TRACEPARENT, "tracestate": TRACESTATE}
    names = {
        "tracewire": tracewire,
        "otel": TraceContextTextMapPropagator(),
        "otel_continue": otel_continue,
    }
    hit_tw = "tracewire.continue_trace(headers).inject({})"
    hit_otel = "otel.inject({}, context=otel_continue(otel.extract(headers)))"
    extracted = tracewire.extract(hit)
    assert extracted is not None
    record = [(k, v.encode()) for k, v in hit.items()]
    return [
        ("hit (dict)", hit_tw, hit_otel, {**names, "headers": hit}),
        ("miss (dict)", hit_tw, hit_otel, {**names, "headers": dict(OTHER)}),
        (
            "extract only (dict)",
            "tracewire.extract(headers)",
            "otel.extract(headers)",
            {**names, "headers": hit},
        ),
        (
            "inject only (dict)",
            "ctx.inject({})",
            "otel.inject({}, context=octx)",
            {
                **names,
                "ctx": extracted.child(),
                "octx": otel_continue(names["otel"].extract(hit)),
            },
        ),
        (
            "32-member tracestate (dict)",
            hit_tw,
            hit_otel,
            {**names, "headers": {**hit, "tracestate": LONG_TRACESTATE}},
        ),
        (
            "1 KiB baggage (dict)",
            hit_tw,
            hit_otel,
            {
                **names,
                "otel": CompositePropagator(
                    [TraceContextTextMapPropagator(), W3CBaggagePropagator()]
                ),
                "headers": {**hit, "baggage": kib_baggage()},
            },
        ),
        (
            "Kafka byte headers (list)",
            "tracewire.continue_trace(headers).inject([])",
            "otel.inject([], context=otel_continue(otel.extract(headers, getter=get)), setter=put)",
            {**names, "headers": record, "get": RecordGetter(), "put": RecordSetter()},
        ),
    ]


def check(name: str, statement: str, namespace: dict[str, Any]) -> None:
    """Fails loudly unless `statement` writes a child's traceparent."""
    for empty in ("{}", "[]"):
        if f".inject({empty}" in statement:
            out = eval(empty)
            exec(statement.replace(f".inject({empty}", ".inject(out", 1), {**namespace, "out": out})
            headers = dict(out) if isinstance(out, list) else out
            value = headers.get("traceparent", b"")
            value = value.decode() if isinstance(value, bytes) else value
            assert len(value) == 55, (name, out)
            assert value[36:52] != TRACEPARENT[36:52], (name, out)


def timer(statement: str, namespace: dict[str, Any]) -> tuple[Callable[[int], float], int]:
    """A function timing `number` runs (seconds), and the number for ~5 ms."""
    t = timeit.Timer(statement, globals=namespace, timer=time.thread_time)
    number, _ = t.autorange()
    per = t.timeit(number) / number
    return t.timeit, max(1, int(0.005 / per))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=31, help="interleaved rounds (default 31)")
    rounds = parser.parse_args().rounds

    timed = []
    for name, ours, theirs, namespace in cases():
        for statement in (ours, theirs):
            check(name, statement, namespace)
        timed.append((name, timer(ours, namespace), timer(theirs, namespace)))

    samples: list[tuple[list[float], list[float]]] = [([], []) for _ in timed]
    for round_ in range(rounds):
        for (_, (ours, n_ours), (theirs, n_theirs)), (mine, other) in zip(timed, samples):
            pair = [(ours, n_ours, mine), (theirs, n_theirs, other)]
            for run, number, out in pair if round_ % 2 == 0 else reversed(pair):
                out.append(run(number) * 1e9 / number)

    print(
        f"\ntracewire {tracewire.__version__} vs opentelemetry-sdk {version('opentelemetry-sdk')}"
        f" ({platform.python_implementation()} {platform.python_version()}):"
        f" CPU time per operation, medians of {rounds} interleaved rounds\n"
    )
    print("| case | tracewire ns/op | OpenTelemetry ns/op | OTel ÷ tracewire |")
    print("|---|---:|---:|---:|")
    for (name, _, _), (mine, other) in zip(timed, samples):
        ours, theirs = statistics.median(mine), statistics.median(other)
        print(f"| {name} | {ours:.0f} | {theirs:.0f} | {theirs / ours:.1f}x |")


if __name__ == "__main__":
    main()
