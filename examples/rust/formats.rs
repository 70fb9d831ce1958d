//! Every wire format a mixed fleet sends: read them all, answer in W3C and B3, and
//! carry the trace through a JSON event body and a subprocess's environment.
//! Run with `cargo run -p tracewire --example formats`.

use std::collections::HashMap;

use tracewire::{json, Format, Propagator};

fn main() {
    let fleet = Propagator::builder()
        .extract([
            Format::TraceContext,
            Format::B3,
            Format::Jaeger,
            Format::Xray,
            Format::Datadog,
        ])
        .extract([Format::Baggage])
        .inject([Format::TraceContext, Format::B3Multi, Format::Baggage])
        .build();

    let arrivals: [&[(&str, &str)]; 4] = [
        &[("b3", "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-d")],
        &[(
            "uber-trace-id",
            "80f198ee56343ba864fe8b2a57d3eff7:e457b5a2e4d86bd1:0:1",
        )],
        &[(
            "X-Amzn-Trace-Id",
            "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
        )],
        &[
            ("x-datadog-trace-id", "7277407061855694839"),
            ("x-datadog-parent-id", "16488826127148837841"),
            ("x-datadog-sampling-priority", "1"),
            ("baggage", "user.id=alice,cart=3%20items"),
        ],
    ];
    for headers in arrivals {
        let ctx = fleet.continue_trace(headers);
        let mut outgoing: Vec<(String, String)> = Vec::new();
        fleet.inject(&ctx, &mut outgoing);
        println!("{:?} -> {outgoing:?}", headers[0].0);
    }

    // An event that travels without headers: the ids are in its body.
    let body = br#"{"orderId":42,"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"00f067aa0ba902b7"}"#;
    let ctx = json::extract(body, Default::default())
        .unwrap()
        .unwrap()
        .child();
    let stamped = json::inject(
        &ctx,
        br#"{"orderId":42,"status":"created"}"#,
        Default::default(),
    )
    .unwrap();
    println!("{}", String::from_utf8_lossy(&stamped));

    // A batch job hands its trace to a subprocess through the environment.
    let mut vars: HashMap<String, String> = HashMap::new();
    tracewire::env::inject(&Propagator::DEFAULT, &ctx, &mut vars);
    let resumed = tracewire::env::continue_trace(&Propagator::DEFAULT, &vars);
    assert_eq!(resumed.parent_span_id(), Some(ctx.span_id()));
    println!("TRACEPARENT={}", vars["TRACEPARENT"]);
}
