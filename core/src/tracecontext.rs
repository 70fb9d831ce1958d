//! Extraction and injection of W3C Trace Context (level 2): `traceparent` + `tracestate`.

use std::str;

use crate::carrier::Injector;
use crate::diagnostic::Sink;
use crate::headers::{Field, Seen};
use crate::traceparent::{self, trim_ows};
use crate::{Code, Context, Format, Repeated, TraceState};

const TRACEPARENT: &str = "traceparent";
const TRACESTATE: &str = "tracestate";

/// The context carried by the `traceparent` (and `tracestate`) headers, if valid.
pub(crate) fn extract(seen: &Seen<'_>, repeated: Repeated, sink: &mut Sink<'_>) -> Option<Context> {
    let report =
        |sink: &mut Sink<'_>, header, code| sink.report(Format::TraceContext, header, code);
    let values = seen.values(Field::Traceparent);
    if values.is_empty() {
        report(sink, TRACEPARENT, Code::MissingTraceparent);
        return None;
    }
    // Every element of every field, in order (HTTP stacks may join repeats with ", ").
    let (mut first, mut last, mut differs, mut readable) = (None, None, false, false);
    for raw in values.iter() {
        let Ok(text) = str::from_utf8(raw) else {
            report(sink, TRACEPARENT, Code::InvalidUtf8);
            continue;
        };
        readable = true;
        for element in text.split(',').map(trim_ows).filter(|e| !e.is_empty()) {
            differs |= first.is_some_and(|f| f != element);
            first = first.or(Some(element));
            last = Some(element);
        }
    }
    let chosen = match (first, last) {
        (Some(_), _) if differs && repeated == Repeated::Restart => {
            report(sink, TRACEPARENT, Code::RepeatedTraceparent);
            return None;
        }
        (Some(_), Some(last)) if repeated == Repeated::Last => last,
        (Some(first), _) => first,
        (None, _) => {
            if readable {
                report(sink, TRACEPARENT, Code::InvalidTraceparentLength);
            }
            return None;
        }
    };
    let parent = match traceparent::parse(chosen) {
        Ok(parent) => parent,
        Err(code) => {
            // The spec: a vendor that failed to parse traceparent MUST NOT parse tracestate.
            report(sink, TRACEPARENT, code);
            return None;
        }
    };
    let context = Context::new(parent.trace_id, parent.span_id, parent.flags);
    Some(context.with_trace_state(trace_state(seen, sink)))
}

/// The combined `tracestate` fields; invalid ones are dropped whole, never touching traceparent.
fn trace_state(seen: &Seen<'_>, sink: &mut Sink<'_>) -> TraceState {
    let values = seen.values(Field::Tracestate);
    for raw in values.iter() {
        if str::from_utf8(raw).is_err() {
            sink.report(Format::TraceContext, TRACESTATE, Code::InvalidUtf8);
        }
    }
    let fields = values.iter().filter_map(|raw| str::from_utf8(raw).ok());
    TraceState::from_fields(fields).unwrap_or_else(|code| {
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
