"""tracewire as the OpenTelemetry SDK's propagator (what OTEL_PROPAGATORS=tracewire
selects), with B3 read as well as W3C."""

from opentelemetry import context, propagate, trace
from opentelemetry.sdk.trace import TracerProvider
from tracewire.opentelemetry import TracewirePropagator

propagate.set_global_textmap(TracewirePropagator(extract=["tracecontext", "baggage", "b3"]))
tracer = TracerProvider().get_tracer("payment-service")

incoming = {"b3": "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1", "baggage": "user=alice"}
token = context.attach(propagate.extract(incoming))
with tracer.start_as_current_span("charge card"):
    outgoing: dict[str, str] = {}
    propagate.inject(outgoing)
context.detach(token)

assert outgoing["traceparent"].startswith("00-80f198ee56343ba864fe8b2a57d3eff7-")
assert outgoing["baggage"] == "user=alice"
span = trace.get_current_span(propagate.extract(outgoing)).get_span_context()
print(f"continued trace {span.trace_id:032x}: {outgoing}")
