"""The context of the work in progress: what a handler is doing now, for code that
cannot be handed it (log filters, OpenTelemetry, helpers deep in a call stack).

Kept in a :mod:`contextvars` variable, so each thread and each asyncio task sees
its own: the web middlewares and :func:`tracewire.kafka.traced` set it around a
handler, and :func:`current` reads it::

    from tracewire import scope

    with scope.use(ctx):
        handle(event)          # scope.current() is ctx in here, awaits included
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from ._tracewire import Context

_R = TypeVar("_R")

_current: ContextVar[Context | None] = ContextVar("tracewire_current", default=None)


def current() -> Context | None:
    """The context set by the innermost :func:`use` or :func:`run`, or ``None``."""
    return _current.get()


@contextmanager
def use(ctx: Context) -> Iterator[Context]:
    """Makes ``ctx`` the current context inside the ``with`` block."""
    if not isinstance(ctx, Context):
        raise TypeError(f"expected a tracewire.Context, got {type(ctx).__name__}")
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


def run(ctx: Context, fn: Callable[..., _R], *args: Any, **kwargs: Any) -> _R:
    """Calls ``fn(*args, **kwargs)`` with ``ctx`` as the current context."""
    with use(ctx):
        return fn(*args, **kwargs)
