"""The interop peer for OpenTelemetry Python (opentelemetry-api/-sdk and the B3 and
Jaeger propagator packages): one JSON request per line on stdin, one JSON answer
per line on stdout (see tests/interop/README.md)."""

from __future__ import annotations

import json
import sys
from typing import Any

from opentelemetry import baggage, trace
from opentelemetry.baggage.propagation import W3CBaggagePropagator
from opentelemetry.context import Context
from opentelemetry.propagators.b3 import B3MultiFormat, B3SingleFormat
from opentelemetry.propagators.composite import CompositePropagator
from opentelemetry.propagators.jaeger import JaegerPropagator
from opentelemetry.propagators.textmap import TextMapPropagator
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags, TraceState
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

PROPAGATORS: dict[str, TextMapPropagator] = {
    "tracecontext": TraceContextTextMapPropagator(),
    "baggage": W3CBaggagePropagator(),
    "b3": B3SingleFormat(),
    "b3multi": B3MultiFormat(),
    "jaeger": JaegerPropagator(),
}


def to_context(wire: dict[str, Any]) -> Context:
    span_context = SpanContext(
        trace_id=int(wire["trace_id"], 16),
        span_id=int(wire["span_id"], 16),
        is_remote=True,
        trace_flags=TraceFlags(TraceFlags.SAMPLED if wire["sampled"] else 0),
        trace_state=TraceState.from_header([wire["tracestate"]]),
    )
    ctx = trace.set_span_in_context(NonRecordingSpan(span_context))
    for key, value in wire["baggage"].items():
        ctx = baggage.set_baggage(key, value, ctx)
    return ctx


def to_wire(ctx: Context) -> dict[str, Any] | None:
    span_context = trace.get_current_span(ctx).get_span_context()
    if not span_context.is_valid:
        return None
    return {
        "trace_id": trace.format_trace_id(span_context.trace_id),
        "span_id": trace.format_span_id(span_context.span_id),
        "sampled": span_context.trace_flags.sampled,
        "tracestate": span_context.trace_state.to_header(),
        "baggage": {k: str(v) for k, v in baggage.get_all(ctx).items()},
    }


def answer(request: dict[str, Any]) -> dict[str, Any]:
    propagator = CompositePropagator([PROPAGATORS[f] for f in request["formats"]])
    if request["op"] == "inject":
        headers: dict[str, str] = {}
        propagator.inject(headers, context=to_context(request["context"]))
        return {"headers": sorted(headers.items())}
    carrier: dict[str, str] = dict(request["headers"])
    return {"context": to_wire(propagator.extract(carrier))}


def main() -> None:
    for line in sys.stdin:
        print(json.dumps(answer(json.loads(line))), flush=True)


if __name__ == "__main__":
    main()
