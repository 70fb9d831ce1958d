"""Every wire format a mixed fleet sends: read them all, answer in W3C and B3, and
carry the trace through a JSON event body and a subprocess's environment."""

import tracewire

fleet = tracewire.Propagator(
    extract=["tracecontext", "b3", "jaeger", "xray", "datadog", "baggage"],
    inject=["tracecontext", "b3multi", "baggage"],
)

arrivals: list[list[tuple[str, str]]] = [
    [("b3", "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-d")],
    [("uber-trace-id", "80f198ee56343ba864fe8b2a57d3eff7:e457b5a2e4d86bd1:0:1")],
    [
        (
            "X-Amzn-Trace-Id",
            "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
        )
    ],
    [
        ("x-datadog-trace-id", "7277407061855694839"),
        ("x-datadog-parent-id", "16488826127148837841"),
        ("x-datadog-sampling-priority", "1"),
        ("baggage", "user.id=alice,cart=3%20items"),
    ],
]
for headers in arrivals:
    ctx = fleet.continue_trace(headers)
    print(headers[0][0], "->", fleet.inject(ctx, {}), ctx.baggage)

# An event that travels without headers: the ids are in its body.
body = b'{"orderId":42,"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"00f067aa0ba902b7"}'
incoming = tracewire.extract_json(body)
assert incoming is not None
ctx = incoming.child()
print(ctx.inject_json(b'{"orderId":42,"status":"created"}'))

# A batch job hands its trace to a subprocess through the environment.
env = ctx.inject_env({})  # or ctx.inject_env(os.environ) before spawning
resumed = tracewire.continue_trace_env(env)
assert resumed.parent_span_id == ctx.span_id
print("TRACEPARENT =", env["TRACEPARENT"])
