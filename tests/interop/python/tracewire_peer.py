"""The interop peer for tracewire's Python package: one JSON request per line on
stdin, one JSON answer per line on stdout (see tests/interop/README.md)."""

from __future__ import annotations

import json
import sys
from typing import Any

import tracewire


def to_context(wire: dict[str, Any]) -> tracewire.Context:
    """A tracewire context holding exactly the ids, flag, tracestate and baggage
    of ``wire``, read through the package's own W3C parser."""
    flags = "01" if wire["sampled"] else "00"
    headers = [("traceparent", f"00-{wire['trace_id']}-{wire['span_id']}-{flags}")]
    if wire["tracestate"]:
        headers.append(("tracestate", wire["tracestate"]))
    ctx = tracewire.extract(headers)
    assert ctx is not None, headers
    for key, value in wire["baggage"].items():
        ctx = ctx.with_baggage(key, value)
    return ctx


def to_wire(ctx: tracewire.Context | None) -> dict[str, Any] | None:
    if ctx is None:
        return None
    return {
        "trace_id": ctx.trace_id,
        "span_id": ctx.span_id,
        "sampled": ctx.sampled,
        "tracestate": ctx.tracestate,
        "baggage": ctx.baggage,
    }


def answer(request: dict[str, Any]) -> dict[str, Any]:
    formats: list[str] = request["formats"]
    propagator = tracewire.Propagator(extract=formats, inject=formats)
    if request["op"] == "inject":
        headers = propagator.inject(to_context(request["context"]), {})
        return {"headers": sorted(headers.items())}
    pairs = [(name, value) for name, value in request["headers"]]
    return {"context": to_wire(propagator.extract(pairs))}


def main() -> None:
    for line in sys.stdin:
        print(json.dumps(answer(json.loads(line))), flush=True)


if __name__ == "__main__":
    main()
