"""How the API reads in strictly typed code; test_typing.py runs mypy --strict on it."""

from __future__ import annotations

import email.message
from collections.abc import Mapping

import tracewire


def handle_http(headers: Mapping[str, str]) -> dict[str, str]:
    return tracewire.continue_trace(headers).inject()


def handle_kafka(headers: list[tuple[str, bytes]] | None) -> list[tuple[str, bytes]]:
    outgoing: list[tuple[str, bytes]] = []
    return tracewire.continue_trace(headers).inject(outgoing)


def forward_email(message: email.message.Message) -> email.message.Message:
    return tracewire.continue_trace(message).inject(message)


def explain(headers: dict[str, bytes]) -> list[str]:
    return [f"{d.format} {d.header}: {d.code}" for d in tracewire.diagnose(headers)]


def kafka_propagator() -> tracewire.Propagator:
    return tracewire.Propagator(extract=["tracecontext"], inject=("tracecontext",), repeated="last")


def tag(ctx: tracewire.Context, key: str) -> tracewire.Context | None:
    try:
        return ctx.with_tracestate(key, "t61rcWkgMzE")
    except tracewire.TracewireError as err:
        code: str = err.code
        return None if code == "invalid_tracestate_key" else ctx


def describe(ctx: tracewire.Context) -> tuple[str, str, str | None, int, bool, str, str]:
    return (
        ctx.trace_id,
        ctx.span_id,
        ctx.parent_span_id,
        ctx.flags,
        ctx.sampled,
        ctx.traceparent,
        ctx.tracestate,
    )


def main() -> None:
    incoming = {"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}
    assert handle_http(incoming)["traceparent"].startswith("00-4bf92f3577b34da6a3ce929d0e0e4736-")
    assert [name for name, _ in handle_kafka(None)] == ["traceparent"]
    message = email.message.Message()
    assert forward_email(message)["traceparent"] is not None
    assert explain({"traceparent": b"00-short"}) == [
        "tracecontext traceparent: invalid_traceparent_length"
    ]
    assert kafka_propagator().fields == ("traceparent", "tracestate")
    root = tracewire.Context.new_root()
    assert tag(root, "Bad Key") is None
    assert describe(root)[2] is None
    remote = kafka_propagator().extract(incoming)
    assert remote is not None
    assert remote.sampled


if __name__ == "__main__":
    main()
