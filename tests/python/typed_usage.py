"""How the API reads in strictly typed code; test_typing.py runs mypy --strict on it."""

from __future__ import annotations

import email.message
import os
from collections.abc import Mapping

import tracewire


def handle_http(headers: Mapping[str, str]) -> dict[str, str]:
    return tracewire.continue_trace(headers).inject()


def handle_http_into(headers: Mapping[str, str]) -> dict[str, str]:
    return tracewire.Propagator().inject(tracewire.continue_trace(headers), {})


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


def with_user(ctx: tracewire.Context, user: str) -> tracewire.Context:
    return ctx.with_baggage("user.id", user)


def baggage_and_links(ctx: tracewire.Context) -> tuple[dict[str, str], list[tuple[str, str]]]:
    return ctx.baggage, [(link.trace_id, link.span_id) for link in ctx.links]


def sampling(ctx: tracewire.Context) -> tuple[bool, bool]:
    return ctx.debug, ctx.deferred


def stamp_event(ctx: tracewire.Context, body: bytes) -> bytes:
    return ctx.inject_json(body)


def stamp_text(ctx: tracewire.Context, body: str) -> str:
    return ctx.inject_json(body, trace_id_field="trace_id", span_id_field="span_id")


def read_event(body: str | bytes) -> tracewire.Context | None:
    return tracewire.extract_json(body)


def subprocess_env(ctx: tracewire.Context) -> dict[str, str]:
    env: dict[str, str] = dict(os.environ)
    return ctx.inject_env(env)


def empty_env(ctx: tracewire.Context) -> dict[str, str]:
    return ctx.inject_env({})


def batch_job(env: Mapping[str, str]) -> dict[str, str]:
    fleet = tracewire.Propagator(extract=["tracecontext", "b3", "baggage"], inject=["baggage"])
    return fleet.inject_env(fleet.continue_trace_env(env))


def main() -> None:
    incoming = {"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}
    assert handle_http(incoming)["traceparent"].startswith("00-4bf92f3577b34da6a3ce929d0e0e4736-")
    assert set(handle_http_into(incoming)) == {"traceparent"}
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
    user = with_user(root, "alice")
    assert baggage_and_links(user) == ({"user.id": "alice"}, [])
    assert sampling(user) == (False, False)
    event = read_event(stamp_event(user, b"{}"))
    assert event is not None
    assert event.span_id == user.span_id
    assert read_event(stamp_text(user, "{}")) is None
    assert subprocess_env(user)["BAGGAGE"] == "user.id=alice"
    assert empty_env(user) == user.inject_env()
    assert batch_job(user.inject_env()) == {"BAGGAGE": "user.id=alice"}


if __name__ == "__main__":
    main()
