//! Span records in the formats tracing backends accept: Zipkin v2 JSON (Zipkin,
//! Jaeger's Zipkin endpoint) and OTLP/JSON (any OpenTelemetry collector).

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::span::{SpanKind, SpanRecord, Status};

/// A Zipkin v2 JSON span list (`POST /api/v2/spans`). Zipkin has no links, so
/// they become `link.N` tags (`<trace id>/<span id>`).
pub fn zipkin_v2(records: &[SpanRecord]) -> String {
    let spans: Vec<Value> = records
        .iter()
        .map(|r| {
            let mut tags: BTreeMap<String, String> = r.attributes.clone();
            if r.status == Status::Error {
                tags.insert(
                    "error".into(),
                    r.status_message.clone().unwrap_or_else(|| "true".into()),
                );
            }
            for (n, link) in r.links.iter().enumerate() {
                tags.insert(
                    format!("link.{n}"),
                    format!("{}/{}", link.trace_id, link.span_id),
                );
            }
            let mut span = json!({
                "traceId": r.trace_id.to_hex().as_str(),
                "id": r.span_id.to_hex().as_str(),
                "name": r.name,
                "timestamp": r.start_unix_nano / 1_000,
                "duration": (r.duration_nanos() / 1_000).max(1),
                "localEndpoint": { "serviceName": r.service },
                "tags": tags,
            });
            if let Some(parent) = r.parent_span_id {
                span["parentId"] = json!(parent.to_hex().as_str());
            }
            let kind = match r.kind {
                SpanKind::Server => Some("SERVER"),
                SpanKind::Client => Some("CLIENT"),
                SpanKind::Producer => Some("PRODUCER"),
                SpanKind::Consumer => Some("CONSUMER"),
                SpanKind::Internal => None,
            };
            if let Some(kind) = kind {
                span["kind"] = json!(kind);
            }
            span
        })
        .collect();
    Value::Array(spans).to_string()
}

/// An OTLP/JSON `ExportTraceServiceRequest` (`POST /v1/traces`), one resource per
/// service. Ids are hex and 64-bit times are strings, per the protobuf JSON mapping
/// that OTLP specifies.
pub fn otlp_json(records: &[SpanRecord]) -> String {
    let mut by_service: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
    for r in records {
        let kind = match r.kind {
            SpanKind::Internal => 1,
            SpanKind::Server => 2,
            SpanKind::Client => 3,
            SpanKind::Producer => 4,
            SpanKind::Consumer => 5,
        };
        let mut status = json!({ "code": if r.status == Status::Error { 2 } else { 1 } });
        if let Some(message) = &r.status_message {
            status["message"] = json!(message);
        }
        let attributes: Vec<Value> = r
            .attributes
            .iter()
            .map(|(k, v)| json!({ "key": k, "value": { "stringValue": v } }))
            .collect();
        let links: Vec<Value> = r
            .links
            .iter()
            .map(|l| json!({ "traceId": l.trace_id.to_hex().as_str(), "spanId": l.span_id.to_hex().as_str() }))
            .collect();
        let mut span = json!({
            "traceId": r.trace_id.to_hex().as_str(),
            "spanId": r.span_id.to_hex().as_str(),
            "name": r.name,
            "kind": kind,
            "startTimeUnixNano": r.start_unix_nano.to_string(),
            "endTimeUnixNano": r.end_unix_nano.to_string(),
            "attributes": attributes,
            "links": links,
            "status": status,
        });
        if let Some(parent) = r.parent_span_id {
            span["parentSpanId"] = json!(parent.to_hex().as_str());
        }
        by_service.entry(&r.service).or_default().push(span);
    }
    let resource_spans: Vec<Value> = by_service
        .into_iter()
        .map(|(service, spans)| {
            json!({
                "resource": { "attributes": [{ "key": "service.name", "value": { "stringValue": service } }] },
                "scopeSpans": [{ "scope": { "name": "tracewire", "version": env!("CARGO_PKG_VERSION") }, "spans": spans }],
            })
        })
        .collect();
    json!({ "resourceSpans": resource_spans }).to_string()
}
