//! tracewire as the OpenTelemetry SDK's global text-map propagator (feature
//! `opentelemetry`): a real `SdkTracerProvider` continues incoming contexts and
//! injects its own spans through it.

use std::collections::HashMap;
use std::sync::OnceLock;

use opentelemetry::baggage::BaggageExt;
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::{Span as _, SpanKind, TraceContextExt, Tracer, TracerProvider};
use opentelemetry::{global, Context as OtelContext, KeyValue};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracer, SdkTracerProvider, SpanData};
use tracewire::otel::TracewirePropagator;
use tracewire::{Format, Propagator};

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN_ID: &str = "00f067aa0ba902b7";
const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

/// What every test configures the same way, once: a fleet reading W3C and B3,
/// writing W3C and B3 multi-header, baggage both ways; an SDK tracer whose ended
/// spans land in memory (tests find theirs by trace id).
fn sdk() -> &'static (SdkTracer, InMemorySpanExporter) {
    static SDK: OnceLock<(SdkTracer, InMemorySpanExporter)> = OnceLock::new();
    SDK.get_or_init(|| {
        global::set_text_map_propagator(TracewirePropagator::new(fleet()));
        let exporter = InMemorySpanExporter::default();
        let provider = SdkTracerProvider::builder()
            .with_simple_exporter(exporter.clone())
            .build();
        (provider.tracer("orders"), exporter)
    })
}

fn fleet() -> Propagator {
    Propagator::builder()
        .extract([Format::TraceContext, Format::B3, Format::Baggage])
        .inject([Format::TraceContext, Format::B3Multi, Format::Baggage])
        .build()
}

fn headers(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn finished(trace_id: &str) -> Vec<SpanData> {
    let (_, exporter) = sdk();
    let spans = exporter.get_finished_spans().unwrap();
    spans
        .into_iter()
        .filter(|span| span.span_context.trace_id().to_string() == trace_id)
        .collect()
}

#[test]
fn the_sdk_continues_an_incoming_context() {
    let (tracer, _) = sdk();
    let incoming = headers(&[
        ("traceparent", TRACEPARENT),
        ("tracestate", "congo=t61rcWkgMzE"),
        ("baggage", "user=alice%20smith;tier=gold"),
    ]);
    let parent = global::get_text_map_propagator(|p| p.extract(&incoming));
    let remote = parent.span().span_context().clone();
    assert!(remote.is_remote() && remote.is_sampled());
    assert_eq!(remote.trace_state().header(), "congo=t61rcWkgMzE");
    let member = parent.baggage().get_with_metadata("user").unwrap();
    assert_eq!(member.0.as_str(), "alice smith");
    assert_eq!(member.1.as_str(), "tier=gold");

    tracer
        .span_builder("process orders")
        .with_kind(SpanKind::Consumer)
        .start_with_context(tracer, &parent)
        .end_with_timestamp(std::time::SystemTime::now());
    let spans = finished(TRACE_ID);
    assert_eq!(spans.len(), 1);
    let span = &spans[0];
    assert_eq!(span.name, "process orders");
    assert_eq!(span.parent_span_id.to_string(), SPAN_ID);
    assert!(span.parent_span_is_remote);
    assert_ne!(span.span_context.span_id().to_string(), SPAN_ID);
    assert!(span.span_context.is_sampled());
}

#[test]
fn the_sdk_injects_its_spans_in_the_configured_formats() {
    let (tracer, _) = sdk();
    let span = tracer.start("send payments");
    let sent = span.span_context().clone();
    let cx = OtelContext::current_with_span(span).with_baggage([KeyValue::new("order", "ord-1")]);
    let mut outgoing = HashMap::new();
    global::get_text_map_propagator(|p| p.inject_context(&cx, &mut outgoing));
    let (trace_id, span_id) = (sent.trace_id().to_string(), sent.span_id().to_string());
    let traceparent = format!("00-{trace_id}-{span_id}-01");
    assert_eq!(
        outgoing,
        headers(&[
            ("traceparent", traceparent.as_str()),
            ("x-b3-traceid", trace_id.as_str()),
            ("x-b3-spanid", span_id.as_str()),
            ("x-b3-sampled", "1"),
            ("baggage", "order=ord-1"),
        ])
    );
    // What the next service's tracewire reads back.
    let received = tracewire::extract(&outgoing).unwrap();
    assert_eq!(received.trace_id().to_string(), trace_id);
    assert_eq!(received.span_id().to_string(), span_id);
    assert_eq!(received.baggage().get("order"), Some("ord-1"));
}

#[test]
fn a_configured_format_continues_and_invalid_input_starts_a_new_trace() {
    let (tracer, _) = sdk();
    let b3_trace = "80f198ee56343ba864fe8b2a57d3eff7";
    let b3 = headers(&[("b3", "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1")]);
    let parent = global::get_text_map_propagator(|p| p.extract(&b3));
    tracer.start_with_context("from b3", &parent);
    let spans = finished(b3_trace);
    assert_eq!(spans.len(), 1);
    assert_eq!(spans[0].parent_span_id.to_string(), "e457b5a2e4d86bd1");

    let upper = headers(&[("traceparent", &TRACEPARENT.to_uppercase())]);
    let parent = global::get_text_map_propagator(|p| p.extract(&upper));
    assert!(!parent.span().span_context().is_valid());
    let root = tracer.start_with_context("root", &parent);
    assert_ne!(root.span_context().trace_id().to_string(), TRACE_ID);
}

#[test]
fn baggage_travels_without_a_span() {
    let propagator = TracewirePropagator::default();
    let cx = propagator.extract(&headers(&[("baggage", "user=alice")]));
    assert!(!cx.span().span_context().is_valid());
    assert_eq!(cx.baggage().get("user").map(|v| v.as_str()), Some("alice"));
    let mut outgoing = HashMap::new();
    propagator.inject_context(&cx, &mut outgoing);
    assert_eq!(outgoing, headers(&[("baggage", "user=alice")]));

    let mut nothing: HashMap<String, String> = HashMap::new();
    propagator.inject_context(&OtelContext::new(), &mut nothing);
    assert!(nothing.is_empty());
}

#[test]
fn fields_are_the_configured_header_names() {
    let propagator = TracewirePropagator::new(fleet());
    let mut fields: Vec<&str> = propagator.fields().collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "b3",
            "baggage",
            "traceparent",
            "tracestate",
            "x-b3-flags",
            "x-b3-parentspanid",
            "x-b3-sampled",
            "x-b3-spanid",
            "x-b3-traceid"
        ]
    );
    assert_eq!(propagator.propagator(), &fleet());
}

#[test]
fn prefixed_headers_are_found_among_the_keys() {
    let jaeger = TracewirePropagator::new(
        Propagator::builder()
            .extract([Format::Jaeger])
            .inject([Format::TraceContext])
            .build(),
    );
    let cx = jaeger.extract(&headers(&[
        (
            "uber-trace-id",
            "80f198ee56343ba864fe8b2a57d3eff7:e457b5a2e4d86bd1:0:1",
        ),
        ("uberctx-user", "alice"),
        ("content-type", "application/json"),
    ]));
    assert_eq!(
        cx.span().span_context().span_id().to_string(),
        "e457b5a2e4d86bd1"
    );
    assert_eq!(cx.baggage().get("user").map(|v| v.as_str()), Some("alice"));
    assert_eq!(
        jaeger.fields().collect::<Vec<_>>(),
        ["traceparent", "tracestate", "uber-trace-id"]
    );
}

#[test]
fn an_unsampled_caller_is_not_recorded() {
    let (tracer, _) = sdk();
    let unsampled = headers(&[(
        "traceparent",
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00",
    )]);
    let parent = global::get_text_map_propagator(|p| p.extract(&unsampled));
    assert!(!parent.span().span_context().is_sampled());
    let span = tracer.start_with_context("process orders", &parent);
    assert!(!span.is_recording());
    drop(span);
    assert!(finished("0af7651916cd43dd8448eb211c80319c").is_empty());
}
