//! Extraction and injection of W3C Trace Context (level 2): `traceparent` + `tracestate`.

use std::str;

use crate::carrier::Injector;
use crate::diagnostic::Sink;
use crate::headers::{Field, Seen};
use crate::traceparent;
use crate::{Code, Context, Format, Repeated, TraceState};

const TRACEPARENT: &str = "traceparent";
const TRACESTATE: &str = "tracestate";

/// The context carried by the `traceparent` (and `tracestate`) headers, if valid.
#[inline]
pub(crate) fn extract(seen: &Seen<'_>, repeated: Repeated, sink: &mut Sink<'_>) -> Option<Context> {
    // One exact, valid value needs none of the policy or the explanations below.
    let exact = seen.values(Field::Traceparent).only();
    if let Some(parent) = exact.and_then(traceparent::parse_exact) {
        let context = Context::new(parent.trace_id, parent.span_id, parent.flags);
        return Some(context.with_trace_state(trace_state(seen, sink)));
    }
    let chosen = match seen.single(Field::Traceparent, repeated, Format::TraceContext, sink) {
        Ok(Some(value)) => value,
        Ok(None) => {
            sink.report(Format::TraceContext, TRACEPARENT, Code::MissingTraceparent);
            return None;
        }
        Err(()) => return None,
    };
    let parent = match traceparent::parse(chosen) {
        Ok(parent) => parent,
        Err(code) => {
            // The spec: a vendor that failed to parse traceparent MUST NOT parse tracestate.
            sink.report(Format::TraceContext, TRACEPARENT, code);
            return None;
        }
    };
    let context = Context::new(parent.trace_id, parent.span_id, parent.flags);
    Some(context.with_trace_state(trace_state(seen, sink)))
}

/// The combined `tracestate` fields; invalid ones are dropped whole, never touching traceparent.
fn trace_state(seen: &Seen<'_>, sink: &mut Sink<'_>) -> TraceState {
    let values = seen.values(Field::Tracestate);
    if values.is_empty() {
        return TraceState::new();
    }
    let combined = match values.only().map(str::from_utf8) {
        Some(Ok(text)) => TraceState::from_fields([text]),
        _ => {
            for raw in values.iter() {
                if str::from_utf8(raw).is_err() {
                    sink.report(Format::TraceContext, TRACESTATE, Code::InvalidUtf8);
                }
            }
            TraceState::from_fields(values.iter().filter_map(|raw| str::from_utf8(raw).ok()))
        }
    };
    combined.unwrap_or_else(|code| {
        sink.report(Format::TraceContext, TRACESTATE, code);
        TraceState::new()
    })
}

/// Writes `traceparent` and, unless empty, `tracestate` (cut to 512 characters).
pub(crate) fn inject<I: Injector + ?Sized>(context: &Context, carrier: &mut I) {
    carrier.set_header(TRACEPARENT, &context.traceparent());
    let trace_state = context.trace_state().header();
    if trace_state.is_empty() {
        carrier.remove_header(TRACESTATE);
    } else {
        carrier.set_header(TRACESTATE, &trace_state);
    }
}
