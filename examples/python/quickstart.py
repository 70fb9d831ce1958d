"""Continue the trace of an incoming Kafka record and pass it on to the next one."""

import tracewire

# Record headers as Kafka clients return them: (str, bytes) pairs, repeats allowed.
incoming = [
    ("traceparent", b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
    ("tracestate", b"congo=t61rcWkgMzE"),
    ("content-type", b"application/json"),
]

remote = tracewire.extract(incoming)  # the caller's span, or None
print("received:", remote)

ctx = tracewire.continue_trace(incoming)  # a span under it (a new trace when none came)
print("handling:", ctx.trace_id, "span", ctx.span_id, "parent", ctx.parent_span_id)

outgoing: list[tuple[str, bytes]] = ctx.inject([])  # for the record this service produces
print("sending: ", outgoing)

# Bad input never raises: nothing is extracted, and diagnose() says why.
bad = [("traceparent", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01")]
print("rejected:", tracewire.extract(bad), tracewire.diagnose(bad))
