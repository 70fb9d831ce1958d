//! `http::HeaderMap` as a carrier (feature `http`).

use http::{HeaderMap, HeaderValue};

#[test]
fn extracts_and_injects_header_map() {
    let mut incoming = HeaderMap::new();
    incoming.insert(
        "TraceParent",
        HeaderValue::from_static("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
    );
    incoming.append("tracestate", HeaderValue::from_static("a=1"));
    incoming.append("tracestate", HeaderValue::from_static("b=2"));
    let ctx = tracewire::continue_trace(&incoming);
    assert_eq!(
        ctx.trace_id().to_string(),
        "4bf92f3577b34da6a3ce929d0e0e4736"
    );
    assert_eq!(ctx.trace_state().as_str(), "a=1,b=2");

    let mut outgoing = HeaderMap::new();
    outgoing.insert("tracestate", HeaderValue::from_static("stale=1"));
    outgoing.insert("traceparent", HeaderValue::from_static("stale"));
    ctx.inject(&mut outgoing);
    assert_eq!(outgoing.get_all("traceparent").iter().count(), 1);
    assert_eq!(outgoing["traceparent"], ctx.traceparent().as_str());
    assert_eq!(outgoing["tracestate"], "a=1,b=2");

    tracewire::Context::new_root().inject(&mut outgoing);
    assert!(
        outgoing.get("tracestate").is_none(),
        "stale tracestate must go"
    );
}

#[test]
fn requests_and_responses_carry_their_headers() {
    let request = http::Request::builder()
        .uri("/orders")
        .header(
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        )
        .body(())
        .unwrap();
    let ctx = tracewire::continue_trace(&request);
    assert_eq!(
        ctx.parent_span_id().map(|id| id.to_string()).as_deref(),
        Some("00f067aa0ba902b7")
    );

    let mut response = http::Response::builder()
        .header("TraceParent", "stale")
        .header("tracestate", "stale=1")
        .body(())
        .unwrap();
    ctx.inject(&mut response);
    let headers = response.headers();
    assert_eq!(headers.get_all("traceparent").iter().count(), 1);
    assert_eq!(headers["traceparent"], ctx.traceparent().as_str());
    assert!(headers.get("tracestate").is_none());
}
