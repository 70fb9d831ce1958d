"""tracewire as the propagator of the OpenTelemetry SDK: a service keeps its SDK,
tracer and exporters, and gets tracewire's extraction and injection (strict W3C
rules, every format, diagnostics) behind OpenTelemetry's ``propagate`` API.

Installed as the ``tracewire`` entry point of ``opentelemetry_propagator``, so
``OTEL_PROPAGATORS=tracewire`` selects it, or in code::

    from opentelemetry import propagate
    from tracewire.opentelemetry import TracewirePropagator

    propagate.set_global_textmap(TracewirePropagator(extract=["tracecontext", "b3"]))

Needs ``opentelemetry-api`` (``pip install tracewire[opentelemetry]``); importing
:mod:`tracewire` alone never imports OpenTelemetry.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from opentelemetry import baggage as otel_baggage
from opentelemetry import trace
from opentelemetry.context import Context as OtelContext
from opentelemetry.propagators.textmap import (
    CarrierT,
    DefaultGetter,
    DefaultSetter,
    Getter,
    Setter,
    TextMapPropagator,
    default_getter,
    default_setter,
)

from ._tracewire import Context, Propagator

_DEFAULT_FORMATS = ("tracecontext", "baggage")
_BAGGAGE_ONLY = Propagator(extract=["baggage"], inject=["baggage"])
_W3C = Propagator(extract=["tracecontext"])


class TracewirePropagator(TextMapPropagator):
    """An OpenTelemetry ``TextMapPropagator`` backed by a :class:`tracewire.Propagator`
    with the given formats (both default to ``tracecontext`` and ``baggage``).

    Extraction puts the incoming span (remote, with its flags and ``tracestate``)
    and baggage into the OpenTelemetry context; injection writes the current span
    and baggage in the configured formats. Raises ``TracewireError``
    (``unknown_format``) for a format tracewire does not know.
    """

    def __init__(
        self,
        extract: Iterable[str] = _DEFAULT_FORMATS,
        inject: Iterable[str] = _DEFAULT_FORMATS,
    ) -> None:
        inject = tuple(inject)
        self._propagator = Propagator(extract=extract, inject=inject)
        self._injects_baggage = "baggage" in inject

    def extract(
        self,
        carrier: CarrierT,
        context: OtelContext | None = None,
        getter: Getter[CarrierT] = default_getter,
    ) -> OtelContext:
        if context is None:
            context = OtelContext()
        headers = _headers(carrier, getter)
        found = self._propagator.extract(headers)
        if found is None:
            # Baggage may come without a trace: continue_trace keeps it.
            entries = self._propagator.continue_trace(headers).baggage
        else:
            span = trace.SpanContext(
                trace_id=int(found.trace_id, 16),
                span_id=int(found.span_id, 16),
                is_remote=True,
                trace_flags=trace.TraceFlags(found.flags),
                trace_state=trace.TraceState.from_header([found.tracestate]),
            )
            context = trace.set_span_in_context(trace.NonRecordingSpan(span), context)
            entries = found.baggage
        for key, value in entries.items():
            context = otel_baggage.set_baggage(key, value, context)
        return context

    def inject(
        self,
        carrier: CarrierT,
        context: OtelContext | None = None,
        setter: Setter[CarrierT] = default_setter,
    ) -> None:
        span = trace.get_current_span(context).get_span_context()
        entries = otel_baggage.get_all(context)
        if span.is_valid:
            propagator = self._propagator
            ctx = _from_span(span)
        elif entries and self._injects_baggage:
            # No span to propagate: the baggage alone, as OpenTelemetry's does.
            propagator, ctx = _BAGGAGE_ONLY, Context.new_root()
        else:
            return
        for key, value in entries.items():
            ctx = ctx.with_baggage(key, str(value))
        if isinstance(setter, DefaultSetter) and isinstance(carrier, dict):
            propagator.inject(ctx, carrier)
            return
        for name, value in propagator.inject(ctx).items():
            setter.set(carrier, name, value)

    @property
    def fields(self) -> set[str]:
        """The headers this propagator reads and writes (``uberctx-*`` for Jaeger's
        baggage prefix)."""
        return set(self._propagator.fields)


def _from_span(span: trace.SpanContext) -> Context:
    """``span`` as a tracewire context, read by the core as the W3C headers the
    span stands for."""
    traceparent = f"00-{span.trace_id:032x}-{span.span_id:016x}-{int(span.trace_flags):02x}"
    ctx = _W3C.extract({"traceparent": traceparent, "tracestate": span.trace_state.to_header()})
    if ctx is None:
        raise ValueError(f"not a valid span context: {span}")
    return ctx


def _headers(carrier: Any, getter: Getter[Any]) -> Any:
    """The carrier as tracewire reads it: itself when it is a mapping of the default
    getter, else the ``(name, value)`` pairs the getter gives."""
    if (
        isinstance(getter, DefaultGetter)
        and isinstance(carrier, Mapping)
        and all(isinstance(v, (str, bytes)) for v in carrier.values())
    ):
        return carrier
    return [
        (name, value) for name in getter.keys(carrier) for value in getter.get(carrier, name) or ()
    ]
