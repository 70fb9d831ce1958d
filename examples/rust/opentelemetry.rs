//! tracewire as the OpenTelemetry SDK's propagator: the SDK's spans continue what
//! arrives in any format tracewire reads, and go out in the formats it writes.
//! Run with `cargo run -p tracewire --features opentelemetry --example opentelemetry`.

use std::collections::HashMap;

use opentelemetry::trace::{TraceContextExt, Tracer, TracerProvider};
use opentelemetry::{global, Context};
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracewire::otel::TracewirePropagator;
use tracewire::{Format, Propagator};

fn main() {
    // Read W3C and B3 (a Zipkin-instrumented caller), write W3C and B3.
    let propagator = Propagator::builder()
        .extract([Format::TraceContext, Format::B3, Format::Baggage])
        .inject([Format::TraceContext, Format::B3, Format::Baggage])
        .build();
    global::set_text_map_propagator(TracewirePropagator::new(propagator));
    let provider = SdkTracerProvider::builder().build();
    let tracer = provider.tracer("order-service");

    // Headers of an incoming request (an `http::HeaderMap` works through
    // opentelemetry-http's `HeaderExtractor`).
    let incoming = HashMap::from([(
        "b3".to_string(),
        "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1".to_string(),
    )]);
    let parent = global::get_text_map_propagator(|p| p.extract(&incoming));
    let span = tracer.start_with_context("POST /orders", &parent);
    let cx = Context::current_with_span(span);

    // An outgoing call from inside the SDK's span.
    let mut outgoing = HashMap::new();
    global::get_text_map_propagator(|p| p.inject_context(&cx, &mut outgoing));
    let span_id = cx.span().span_context().span_id();
    assert_eq!(
        outgoing["traceparent"],
        format!("00-80f198ee56343ba864fe8b2a57d3eff7-{span_id}-01")
    );
    assert_eq!(
        outgoing["b3"],
        format!("80f198ee56343ba864fe8b2a57d3eff7-{span_id}-1")
    );
    let mut names: Vec<_> = outgoing.into_iter().collect();
    names.sort();
    for (name, value) in names {
        println!("{name}: {value}");
    }
}
