"""The WSGI and ASGI middlewares behind real servers (wsgiref, uvicorn) called over
HTTP on 127.0.0.1, and the logging filter."""

from __future__ import annotations

import http.client
import io
import json
import logging
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
import tracewire
import uvicorn
from tracewire import scope
from tracewire.logs import TraceFilter
from tracewire.web import KEY, ASGIMiddleware, WSGIMiddleware

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
HEADERS = {"traceparent": TRACEPARENT, "X-B3-Sampled": "1", "baggage": "user=alice"}


def seen_by_app(ctx: tracewire.Context | None, stored: Any) -> bytes:
    assert ctx is not None
    assert stored is ctx
    body = {"trace_id": ctx.trace_id, "parent": ctx.parent_span_id, "baggage": ctx.baggage}
    return json.dumps(body).encode()


def get(port: int, headers: dict[str, str]) -> dict[str, Any]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", "/", headers=headers)
        response = connection.getresponse()
        assert response.status == 200
        result: dict[str, Any] = json.loads(response.read())
        return result
    finally:
        connection.close()


def check(answer: dict[str, Any]) -> None:
    assert answer == {
        "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
        "parent": "00f067aa0ba902b7",
        "baggage": {"user": "alice"},
    }


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_wsgi_middleware_behind_wsgiref() -> None:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        body = seen_by_app(scope.current(), environ[KEY])
        start_response("200 OK", [("Content-Type", "application/json")])
        return [body]

    server = make_server("127.0.0.1", 0, WSGIMiddleware(app), handler_class=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        check(get(server.server_port, HEADERS))
        # No trace headers: a new trace, still a context.
        answer = get(server.server_port, {})
        assert answer["parent"] is None
        assert len(answer["trace_id"]) == 32
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def asgi_port() -> Iterator[int]:
    async def app(
        asgi_scope: dict[str, Any],
        receive: Callable[[], Awaitable[Any]],
        send: Callable[[Any], Awaitable[None]],
    ) -> None:
        if asgi_scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        body = seen_by_app(scope.current(), asgi_scope[KEY])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body})

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(ASGIMiddleware(app), log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started
    try:
        yield sock.getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def test_asgi_middleware_behind_uvicorn(asgi_port: int) -> None:
    check(get(asgi_port, HEADERS))


def test_log_records_carry_the_current_ids() -> None:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(TraceFilter())
    handler.setFormatter(logging.Formatter("%(message)s %(trace_id)s %(span_id)s %(trace_flags)s"))
    logger = logging.getLogger("tracewire-test")
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.INFO)
    ctx = tracewire.continue_trace({"traceparent": TRACEPARENT})
    logger.info("outside")
    with scope.use(ctx):
        logger.info("inside")
        logger.info("overridden", extra={"trace_id": "mine"})
    assert out.getvalue().splitlines() == [
        "outside   ",
        f"inside {ctx.trace_id} {ctx.span_id} 01",
        f"overridden mine {ctx.span_id} 01",
    ]
    assert scope.current() is None
    assert scope.run(ctx, scope.current) is ctx
    with pytest.raises(TypeError):
        scope.use("not a context").__enter__()  # type: ignore[arg-type]
