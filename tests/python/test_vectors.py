"""Runs every shared vector (tests/vectors/*.json) against the installed module.

A case has one of three shapes: headers (``headers``), an event body (``body``,
json.json) or environment variables (``env``, env.json). A file, shape or key this
runner does not know fails its test: nothing in the vectors is skipped unread.
"""

from __future__ import annotations

import json
import pathlib
from typing import Any

import pytest
import tracewire

VECTORS = pathlib.Path(__file__).resolve().parent.parent / "vectors"

FILE_KEYS = {"description", "cases"}
NOTES = {"name", "rule", "description"}
SHAPES = {
    "headers": NOTES
    | {"propagator", "headers", "expect", "diagnostics", "inject", "continued_baggage"},
    "body": NOTES | {"body", "fields", "expect", "error", "inject"},
    "env": NOTES | {"propagator", "env", "expect", "diagnostics", "inject", "continued_baggage"},
}
EXPECT_KEYS = {
    "trace_id",
    "span_id",
    "flags",
    "tracestate",
    "baggage",
    "links",
    "debug",
    "deferred",
}
PROPAGATOR_KEYS = {"extract", "inject", "repeated"}
JSON_FIELDS = {"trace_id": "trace_id_field", "span_id": "span_id_field"}
# Builds the context a JSON case injects from its traceparent, every flag bit kept.
W3C = tracewire.Propagator(extract=["tracecontext"], inject=[])


def _value(raw: Any) -> str | bytes:
    return bytes.fromhex(raw["bytes"]) if isinstance(raw, dict) else raw


def _shape(case: dict[str, Any]) -> str | None:
    return next((shape for shape in SHAPES if shape in case), None)


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


def _load(path: pathlib.Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(path.read_text())
    return doc


FILES = sorted(VECTORS.glob("*.json"))


def _cases() -> list[Any]:
    params = []
    for path in FILES:
        for case in _load(path).get("cases", []):
            name = case.get("name", "?")
            shape = _shape(case)
            if shape == "headers":
                headers = [(n, _value(raw)) for n, raw in case["headers"]]
                forms = _forms(headers)
            elif shape == "body":
                body = _value(case["body"])
                forms = {"bytes": body.encode() if isinstance(body, str) else body}
                if isinstance(body, str):
                    forms["str"] = body
            elif shape == "env":
                env = [(n, _value(raw)) for n, raw in case["env"]]
                forms = {"pairs": env}
                if len({name for name, _ in env}) == len(env):
                    forms["dict"] = dict(env)
            else:
                forms = {"unknown": None}
            for form, container in forms.items():
                params.append(pytest.param(case, container, id=f"{name}[{form}]"))
    return params


CASES = _cases()


def test_vectors_found() -> None:
    assert len(CASES) > 100


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.name)
def test_vector_file_is_understood(path: pathlib.Path) -> None:
    doc = _load(path)
    assert set(doc) <= FILE_KEYS, f"unknown top-level keys {set(doc) - FILE_KEYS}"
    assert doc["cases"], "no cases"
    for case in doc["cases"]:
        shape = _shape(case)
        assert shape is not None, f"{case.get('name')}: no runnable shape ({sorted(case)})"
        unknown = set(case) - SHAPES[shape]
        assert not unknown, f"{case['name']}: unknown keys {unknown}"
        assert set(case.get("expect") or {}) <= EXPECT_KEYS, f"{case['name']}: unknown expect"
        assert set(case.get("propagator", {})) <= PROPAGATOR_KEYS, case["name"]
        assert set(case.get("fields") or {}) <= set(JSON_FIELDS), case["name"]


def _propagator(spec: dict[str, Any]) -> tracewire.Propagator:
    return tracewire.Propagator(
        extract=spec.get("extract", ["tracecontext"]),
        inject=spec.get("inject", ["tracecontext"]),
        repeated=spec.get("repeated", "restart"),
    )


def _check_context(ctx: tracewire.Context | None, expect: dict[str, Any]) -> None:
    assert ctx is not None
    assert (ctx.trace_id, ctx.span_id, ctx.flags, ctx.tracestate) == (
        expect["trace_id"],
        expect["span_id"],
        expect["flags"],
        expect["tracestate"],
    )
    assert ctx.parent_span_id is None
    assert ctx.baggage == expect.get("baggage", {})
    assert ctx.links == [tracewire.Link(**link) for link in expect.get("links", [])]
    assert (ctx.debug, ctx.deferred) == (expect.get("debug", False), expect.get("deferred", False))

    child = ctx.child()
    assert child.trace_id == ctx.trace_id
    assert child.flags == expect["flags"] & 3
    assert child.parent_span_id == ctx.span_id
    assert child.span_id != ctx.span_id
    assert (child.tracestate, child.baggage, child.links) == (ctx.tracestate, ctx.baggage, [])


def _check_new_root(root: tracewire.Context, case: dict[str, Any]) -> None:
    assert root.parent_span_id is None
    assert root.flags == 3
    assert root.baggage == case.get("continued_baggage", {})


@pytest.mark.parametrize(("case", "carrier"), CASES)
def test_vector(case: dict[str, Any], carrier: Any) -> None:
    shape = _shape(case)
    if shape == "headers":
        _run_headers(case, carrier)
    elif shape == "body":
        _run_body(case, carrier)
    elif shape == "env":
        _run_env(case, carrier)
    else:
        pytest.fail(f"no runnable shape in {sorted(case)}")


def _run_headers(case: dict[str, Any], headers: Any) -> None:
    propagator = _propagator(case["propagator"])
    ctx = propagator.extract(headers)
    assert [d.code for d in propagator.diagnose(headers)] == case["diagnostics"]
    if propagator == tracewire.Propagator():
        assert tracewire.extract(headers) == ctx
        assert [d.code for d in tracewire.diagnose(headers)] == case["diagnostics"]

    continued = propagator.continue_trace(headers)
    if case["expect"] is None:
        assert ctx is None
        assert case["inject"] is None
        _check_new_root(continued, case)
        return

    _check_context(ctx, case["expect"])
    assert ctx is not None
    expected = [(name, _value(raw)) for name, raw in case["inject"]]
    assert propagator.inject(ctx, []) == [
        (name, v.encode() if isinstance(v, str) else v) for name, v in expected
    ]
    assert (continued.trace_id, continued.parent_span_id) == (ctx.trace_id, ctx.span_id)
    assert continued.baggage == ctx.baggage


def _run_env(case: dict[str, Any], env: Any) -> None:
    propagator = _propagator(case["propagator"])
    ctx = propagator.extract_env(env)
    assert [d.code for d in propagator.diagnose_env(env)] == case["diagnostics"]
    if propagator == tracewire.Propagator():
        assert tracewire.extract_env(env) == ctx
        assert [d.code for d in tracewire.diagnose_env(env)] == case["diagnostics"]

    continued = propagator.continue_trace_env(env)
    if case["expect"] is None:
        assert ctx is None
        assert case.get("inject") is None
        _check_new_root(continued, case)
        return

    _check_context(ctx, case["expect"])
    assert ctx is not None
    expected = [(name, _value(raw)) for name, raw in case["inject"]]
    assert propagator.inject_env(ctx, {}) == dict(expected)
    assert propagator.inject_env(ctx, []) == [
        (name, v.encode() if isinstance(v, str) else v) for name, v in expected
    ]
    assert (continued.trace_id, continued.parent_span_id) == (ctx.trace_id, ctx.span_id)


def _run_body(case: dict[str, Any], body: str | bytes) -> None:
    fields = {JSON_FIELDS[key]: name for key, name in (case.get("fields") or {}).items()}
    error = case.get("error")
    if error is not None:
        with pytest.raises(tracewire.TracewireError) as raised:
            tracewire.extract_json(body, **fields)
        assert raised.value.code == error
        with pytest.raises(tracewire.TracewireError) as raised:
            tracewire.Context.new_root().inject_json(body, **fields)
        assert raised.value.code == error
        assert (case["expect"], case["inject"]) == (None, None)
        return

    ctx = tracewire.extract_json(body, **fields)
    if case["expect"] is None:
        assert ctx is None
    else:
        _check_context(ctx, case["expect"])

    inject = case["inject"]
    if inject is None:
        return
    assert set(inject) <= {"traceparent", "tracestate", "body"}, f"unknown keys {set(inject)}"
    headers = {"traceparent": inject["traceparent"], "tracestate": inject.get("tracestate", "")}
    injected = W3C.extract(headers)
    assert injected is not None
    assert injected.traceparent[:-2] == inject["traceparent"][:-2]
    assert injected.tracestate == inject.get("tracestate", "")
    expected = _value(inject["body"])
    if isinstance(body, bytes) and isinstance(expected, str):
        expected = expected.encode()
    out = injected.inject_json(body, **fields)
    assert out == expected
    back = tracewire.extract_json(out, **fields)
    assert back is not None
    assert (back.trace_id, back.span_id) == (injected.trace_id, injected.span_id)
