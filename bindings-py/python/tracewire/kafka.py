"""Kafka records in and out, for ``confluent-kafka``, ``kafka-python`` and ``aiokafka``.

A consumed record's headers are read where each client keeps them
(``Message.headers()`` in confluent-kafka, ``ConsumerRecord.headers`` in
kafka-python and aiokafka: ``(str, bytes)`` pairs, repeats kept); the headers to
produce are ``(str, bytes)`` pairs, which all three producers take. The
consume-continue-produce step of a handler is two lines::

    ctx = tracewire.kafka.continue_from(message)
    producer.produce("payments", value, headers=tracewire.kafka.headers(ctx))

Every function takes an optional :class:`tracewire.Propagator` (the default one
otherwise: W3C Trace Context and Baggage).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Protocol, TypeVar, Union

from ._tracewire import Context, Propagator
from ._tracewire import continue_trace as _continue_trace
from ._tracewire import extract as _extract
from .scope import use

# As confluent-kafka, kafka-python and aiokafka take them (and hand them over).
Headers = list[tuple[str, Union[bytes, str, None]]]
_HeaderPairs = Iterable[tuple[str, Union[bytes, str, None]]]
_R = TypeVar("_R")


class _Record(Protocol):
    # confluent-kafka: a method; kafka-python and aiokafka: an attribute.
    @property
    def headers(self) -> Any: ...


def record_headers(message: _Record) -> _HeaderPairs | None:
    """The headers of a consumed record as the client hands them over (``None`` when
    the record has none)."""
    try:
        found = message.headers
    except AttributeError:
        raise TypeError(
            f"expected a Kafka record with headers, got {type(message).__name__}"
        ) from None
    headers: _HeaderPairs | None = found() if callable(found) else found
    return headers


def extract_from(message: _Record, propagator: Propagator | None = None) -> Context | None:
    """The context the producer of ``message`` sent, or ``None``."""
    headers = record_headers(message)
    return _extract(headers) if propagator is None else propagator.extract(headers)


def continue_from(message: _Record, propagator: Propagator | None = None) -> Context:
    """A child of the context the producer of ``message`` sent (a consumer span), or a
    new trace when there is none."""
    headers = record_headers(message)
    if propagator is None:
        return _continue_trace(headers)
    return propagator.continue_trace(headers)


def headers(
    ctx: Context,
    existing: _HeaderPairs | None = None,
    propagator: Propagator | None = None,
) -> Headers:
    """Headers to produce a record with: ``existing`` (say, the consumed record's, to
    pass them on) with the trace headers replaced, in any letter case, so that a
    forwarded record never carries two ``traceparent``s."""
    pairs: list[Any] = list(existing or ())
    if propagator is None:
        return ctx.inject(pairs)
    return propagator.inject(ctx, pairs)


def traced(
    handler: Callable[[Any], _R], propagator: Propagator | None = None
) -> Callable[[Any], _R]:
    """Wraps a handler of one record: each record is handled with the context
    continued from its headers as :func:`tracewire.scope.current`."""

    def handle(message: Any) -> _R:
        with use(continue_from(message, propagator)):
            return handler(message)

    return handle


def traced_async(
    handler: Callable[[Any], Awaitable[_R]], propagator: Propagator | None = None
) -> Callable[[Any], Awaitable[_R]]:
    """:func:`traced` for an ``async`` handler (aiokafka): the context holds through
    its awaits."""

    async def handle(message: Any) -> _R:
        with use(continue_from(message, propagator)):
            return await handler(message)

    return handle
