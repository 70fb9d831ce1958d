"""HTTP servers: WSGI and ASGI middlewares that continue the caller's trace.

Each request is handled with the context continued from its headers (a child of
the caller's span, or a new trace) as :func:`tracewire.scope.current`, also
stored in the request under ``"tracewire.context"`` (the WSGI environ, the ASGI
scope)::

    app = tracewire.web.WSGIMiddleware(app)      # Flask, Django, any WSGI app
    app = tracewire.web.ASGIMiddleware(app)      # Starlette, FastAPI, any ASGI app

Outgoing calls then inject it: ``tracewire.scope.current().child().inject(headers)``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

from ._tracewire import Context, Propagator
from ._tracewire import continue_trace as _continue_trace
from .scope import use

KEY = "tracewire.context"

_StartResponse = Callable[..., Any]
_WSGIApp = Callable[[dict[str, Any], _StartResponse], Iterable[bytes]]
_Scope = MutableMapping[str, Any]
_ASGIApp = Callable[
    [_Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]
]


def environ_headers(environ: dict[str, Any]) -> list[tuple[str, str]]:
    """The request headers of a WSGI environ (PEP 3333: ``HTTP_X_B3_TRACEID`` is
    the ``x-b3-traceid`` header), in the environ's order."""
    return [
        (name[5:].replace("_", "-").lower(), value)
        for name, value in environ.items()
        if name.startswith("HTTP_") and isinstance(value, str)
    ]


def scope_headers(scope: _Scope) -> list[tuple[str, bytes]]:
    """The request headers of an ASGI HTTP or WebSocket scope (names as latin-1
    text, values as the bytes that arrived)."""
    return [(name.decode("latin-1"), value) for name, value in scope.get("headers", ())]


def _continued(headers: Any, propagator: Propagator | None) -> Context:
    if propagator is None:
        return _continue_trace(headers)
    return propagator.continue_trace(headers)


class WSGIMiddleware:
    """Handles each request with the caller's trace continued. The context is
    current while the application is called; a streaming body produced later (a
    generator) finds it in ``environ["tracewire.context"]``."""

    def __init__(self, app: _WSGIApp, propagator: Propagator | None = None) -> None:
        self.app = app
        self.propagator = propagator

    def __call__(self, environ: dict[str, Any], start_response: _StartResponse) -> Iterable[bytes]:
        ctx = _continued(environ_headers(environ), self.propagator)
        environ[KEY] = ctx
        with use(ctx):
            return self.app(environ, start_response)


class ASGIMiddleware:
    """Handles each HTTP or WebSocket request with the caller's trace continued;
    other scopes (lifespan) pass through untouched."""

    def __init__(self, app: _ASGIApp, propagator: Propagator | None = None) -> None:
        self.app = app
        self.propagator = propagator

    async def __call__(
        self,
        scope: _Scope,
        receive: Callable[[], Awaitable[Any]],
        send: Callable[[Any], Awaitable[None]],
    ) -> None:
        if scope.get("type") not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        ctx = _continued(scope_headers(scope), self.propagator)
        scope[KEY] = ctx
        with use(ctx):
            await self.app(scope, receive, send)
