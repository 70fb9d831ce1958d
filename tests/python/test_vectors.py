"""Runs every shared vector (tests/vectors/*.json) against the installed module."""

from __future__ import annotations

import json
import pathlib
from typing import Any

import pytest
import tracewire

VECTORS = pathlib.Path(__file__).resolve().parent.parent / "vectors"


def _value(raw: Any) -> str | bytes:
    return bytes.fromhex(raw["bytes"]) if isinstance(raw, dict) else raw


def _forms(headers: list[tuple[str, str | bytes]]) -> dict[str, Any]:
    """The case's headers in every container shape that keeps their meaning."""
    forms: dict[str, Any] = {"pairs": list(headers)}
    names = [name for name, _ in headers]
    if len(set(names)) == len(names):
        forms["dict"] = dict(headers)
    grouped: dict[str, list[str | bytes]] = {}
    for name, value in headers:
        grouped.setdefault(name, []).append(value)
    regrouped = [(name, value) for name, values in grouped.items() for value in values]
    # Values of one header must keep their order (names match case-insensitively).
    if all(
        [v for n, v in regrouped if n.lower() == field]
        == [v for n, v in headers if n.lower() == field]
        for field in {name.lower() for name in names}
    ):
        forms["dict-of-lists"] = grouped
    return forms


def _cases() -> list[Any]:
    params = []
    for path in sorted(VECTORS.glob("*.json")):
        for case in json.loads(path.read_text())["cases"]:
            headers = [(name, _value(raw)) for name, raw in case["headers"]]
            for form, container in _forms(headers).items():
                params.append(pytest.param(case, container, id=f"{case['name']}[{form}]"))
    return params


CASES = _cases()


def test_vectors_found() -> None:
    assert len(CASES) > 100


@pytest.mark.parametrize(("case", "headers"), CASES)
def test_vector(case: dict[str, Any], headers: Any) -> None:
    spec = case["propagator"]
    propagator = tracewire.Propagator(
        extract=spec["extract"], inject=spec["inject"], repeated=spec.get("repeated", "restart")
    )
    ctx = propagator.extract(headers)
    assert [d.code for d in propagator.diagnose(headers)] == case["diagnostics"]
    if propagator == tracewire.Propagator():
        assert tracewire.extract(headers) == ctx
        assert [d.code for d in tracewire.diagnose(headers)] == case["diagnostics"]

    expect = case["expect"]
    if expect is None:
        assert ctx is None
        assert case["inject"] is None
        root = propagator.continue_trace(headers)
        assert root.parent_span_id is None
        assert root.flags == 3
        return

    assert ctx is not None
    assert (ctx.trace_id, ctx.span_id, ctx.flags, ctx.tracestate) == (
        expect["trace_id"],
        expect["span_id"],
        expect["flags"],
        expect["tracestate"],
    )
    assert ctx.parent_span_id is None
    injected = [(name, _value(raw)) for name, raw in case["inject"]]
    expected = [(name, v.encode() if isinstance(v, str) else v) for name, v in injected]
    assert propagator.inject(ctx, []) == expected

    child = ctx.child()
    assert child.trace_id == ctx.trace_id
    assert child.flags == expect["flags"] & 3
    assert child.parent_span_id == ctx.span_id
    assert child.span_id != ctx.span_id
    assert child.tracestate == ctx.tracestate

    continued = propagator.continue_trace(headers)
    assert (continued.trace_id, continued.parent_span_id) == (ctx.trace_id, ctx.span_id)
