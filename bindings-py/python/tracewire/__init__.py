"""Trace-context propagation (W3C Trace Context) for services that talk through
events and calls.

Extract the incoming context from a message's headers, start a span under it, and
inject that span into every message or call the service makes::

    import tracewire

    ctx = tracewire.continue_trace(incoming_headers)
    outgoing = ctx.inject([])  # Kafka-style [("traceparent", b"00-...")]

Headers may be a ``dict``, any mapping or multi-dict, an iterable of
``(name, value)`` pairs with ``str`` or ``bytes`` values, or ``None``. Extraction
never raises on bad header contents: it finds no context, and :func:`diagnose`
says why. Errors raise :class:`TracewireError` (a ``ValueError``) with a stable
``code``.
"""

from ._tracewire import (
    Context,
    Diagnostic,
    Propagator,
    TracewireError,
    __version__,
    continue_trace,
    diagnose,
    extract,
)

__all__ = [
    "Context",
    "Diagnostic",
    "Propagator",
    "TracewireError",
    "__version__",
    "continue_trace",
    "diagnose",
    "extract",
]
