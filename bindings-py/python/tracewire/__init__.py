"""Trace-context propagation (W3C Trace Context and Baggage, B3, Jaeger, X-Ray,
Datadog) for services that talk through events and calls.

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

Events without headers carry the context in their JSON body
(:func:`extract_json`, :meth:`Context.inject_json`); batch jobs and subprocesses
in environment variables (:func:`continue_trace_env`, :meth:`Context.inject_env`).
"""

from ._tracewire import (
    Context,
    Diagnostic,
    Link,
    Propagator,
    TracewireError,
    __version__,
    continue_trace,
    continue_trace_env,
    diagnose,
    diagnose_env,
    extract,
    extract_env,
    extract_json,
)

__all__ = [
    "Context",
    "Diagnostic",
    "Link",
    "Propagator",
    "TracewireError",
    "__version__",
    "continue_trace",
    "continue_trace_env",
    "diagnose",
    "diagnose_env",
    "extract",
    "extract_env",
    "extract_json",
]
