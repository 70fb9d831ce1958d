//! tracewire as an OpenTelemetry propagator (feature `opentelemetry`): a
//! [`TextMapPropagator`] that reads and writes headers with a tracewire
//! [`Propagator`], so an application instrumented with the OpenTelemetry SDK
//! gets tracewire's formats, validation and diagnostics.
//!
//! What maps to what:
//! - the span: trace id, span id, the sampled and random flags and the trace
//!   state, as a remote [`SpanContext`] (`is_remote` is true on extract);
//!   OpenTelemetry validates trace-state keys by level 1 of W3C Trace Context, so
//!   a level-2 trace state it refuses is left out of the span context;
//! - baggage: members, values and properties, as OpenTelemetry [`Baggage`]
//!   (which keeps no order and one value per key, the last); baggage is extracted
//!   and injected without a span too, as OpenTelemetry's baggage propagator does;
//! - links found by a later format are not carried: OpenTelemetry's context has
//!   no place for them ([`Propagator::diagnose`] still reports them).
//!
//! # Examples
//! ```
//! use std::collections::HashMap;
//! use opentelemetry::propagation::TextMapPropagator;
//! use opentelemetry::trace::TraceContextExt;
//! use tracewire::otel::TracewirePropagator;
//! use tracewire::{Format, Propagator};
//!
//! let propagator = TracewirePropagator::new(
//!     Propagator::builder()
//!         .extract([Format::TraceContext, Format::B3])
//!         .inject([Format::TraceContext])
//!         .build(),
//! );
//! // opentelemetry::global::set_text_map_propagator(propagator.clone());
//! let incoming = HashMap::from([(
//!     "b3".to_string(),
//!     "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1".to_string(),
//! )]);
//! let cx = propagator.extract(&incoming);
//! let remote = cx.span().span_context().clone();
//! assert!(remote.is_remote() && remote.is_sampled());
//! assert_eq!(remote.trace_id().to_string(), "80f198ee56343ba864fe8b2a57d3eff7");
//!
//! let mut outgoing = HashMap::new();
//! propagator.inject_context(&cx, &mut outgoing);
//! assert_eq!(outgoing["traceparent"], "00-80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-01");
//! ```

use opentelemetry::baggage::{BaggageExt, KeyValueMetadata};
use opentelemetry::propagation::text_map_propagator::FieldIter;
use opentelemetry::propagation::{
    Extractor as OtelExtractor, Injector as OtelInjector, TextMapPropagator,
};
use opentelemetry::trace::{self as otel, SpanContext, TraceContextExt};
use opentelemetry::Context as OtelContext;

use crate::{
    Baggage, Context, Extractor, Format, Injector, Propagator, SpanId, TraceFlags, TraceId,
    TraceState,
};

/// An OpenTelemetry [`TextMapPropagator`] that extracts and injects with a
/// tracewire [`Propagator`]; set it with
/// `opentelemetry::global::set_text_map_propagator`.
#[derive(Clone, Debug)]
pub struct TracewirePropagator {
    propagator: Propagator,
    /// The header names the propagator reads or writes (prefixes such as
    /// `uberctx-` left out), kept for [`TextMapPropagator::fields`].
    fields: Vec<String>,
}

impl TracewirePropagator {
    /// Extracts and injects with `propagator`.
    pub fn new(propagator: Propagator) -> Self {
        let fields = propagator
            .fields()
            .filter(|name| !name.ends_with('*'))
            .map(str::to_owned)
            .collect();
        Self { propagator, fields }
    }

    /// The tracewire propagator in use.
    pub fn propagator(&self) -> &Propagator {
        &self.propagator
    }
}

impl Default for TracewirePropagator {
    /// W3C Trace Context and Baggage, both ways.
    fn default() -> Self {
        Self::new(Propagator::DEFAULT)
    }
}

impl TextMapPropagator for TracewirePropagator {
    fn inject_context(&self, cx: &OtelContext, injector: &mut dyn OtelInjector) {
        let baggage = from_otel_baggage(cx.baggage());
        let carrier = &mut Headers(injector);
        match from_span_context(cx.span().span_context()) {
            Some(context) => self
                .propagator
                .inject(&context.replace_baggage(baggage), carrier),
            // No span: the W3C baggage header alone, as OpenTelemetry's own
            // baggage propagator writes it.
            None if self.propagator.inject_formats().contains(&Format::Baggage) => {
                crate::baggage::inject(&baggage, carrier);
            }
            None => {}
        }
    }

    fn extract_with_context(&self, cx: &OtelContext, extractor: &dyn OtelExtractor) -> OtelContext {
        let carrier = Fields {
            extractor,
            propagator: &self.propagator,
        };
        let (context, baggage) = self.propagator.extract_or_baggage(&carrier);
        let baggage = context.as_ref().map_or(&baggage, Context::baggage);
        let cx = match &context {
            Some(context) => cx.with_remote_span_context(to_span_context(context)),
            None => cx.clone(),
        };
        if baggage.is_empty() {
            cx
        } else {
            cx.with_baggage(baggage.iter().map(|(key, value, properties)| {
                KeyValueMetadata::new(key.to_owned(), value.to_owned(), properties)
            }))
        }
    }

    fn fields(&self) -> FieldIter<'_> {
        FieldIter::new(&self.fields)
    }
}

/// A remote span context: the flags this library sends on (sampled, random).
fn to_span_context(context: &Context) -> SpanContext {
    let trace_state =
        otel::TraceState::from_key_value(context.trace_state().iter()).unwrap_or_default();
    SpanContext::new(
        otel::TraceId::from_bytes(context.trace_id().to_bytes()),
        otel::SpanId::from_bytes(context.span_id().to_bytes()),
        otel::TraceFlags::new(context.flags().known().bits()),
        true,
        trace_state,
    )
}

/// The span to inject, if the OpenTelemetry context has a valid one.
fn from_span_context(span: &SpanContext) -> Option<Context> {
    let trace_id = TraceId::from_bytes(span.trace_id().to_bytes())?;
    let span_id = SpanId::from_bytes(span.span_id().to_bytes())?;
    let flags = TraceFlags::from_bits(span.trace_flags().to_u8());
    let trace_state = TraceState::parse(&span.trace_state().header()).unwrap_or_default();
    Some(Context::new(trace_id, span_id, flags).with_trace_state(trace_state))
}

/// OpenTelemetry baggage as tracewire's: each member encoded as W3C baggage, then
/// read back, so properties are validated like received ones. Members tracewire
/// refuses (a key that is not a token, past the limits) are left out.
fn from_otel_baggage(baggage: &opentelemetry::baggage::Baggage) -> Baggage {
    if baggage.is_empty() {
        return Baggage::new();
    }
    let mut header = String::new();
    for (key, (value, metadata)) in baggage {
        let Ok(member) = Baggage::new().insert(key.as_str(), value.as_str()) else {
            continue;
        };
        if !header.is_empty() {
            header.push(',');
        }
        header.push_str(&member.header());
        let properties = metadata.as_str().trim();
        if !properties.is_empty() && !properties.contains(',') {
            header.push(';');
            header.push_str(properties);
        }
    }
    Baggage::parse(&header)
}

/// An OpenTelemetry extractor as a carrier: only the propagator's header names
/// are asked for, each with `get_all` (repeats kept; OpenTelemetry extractors
/// match names case-insensitively); prefixed names (Jaeger's `uberctx-*`) are
/// found among `keys`.
struct Fields<'e> {
    extractor: &'e dyn OtelExtractor,
    propagator: &'e Propagator,
}

impl Extractor for Fields<'_> {
    fn for_each_header<'a>(&'a self, visit: &mut dyn FnMut(&'a str, &'a [u8])) {
        let mut visit_all = |name: &'a str| {
            for value in self.extractor.get_all(name).unwrap_or_default() {
                visit(name, value.as_bytes());
            }
        };
        for field in self.propagator.fields() {
            match field.strip_suffix('*') {
                Some(prefix) => self
                    .extractor
                    .keys()
                    .into_iter()
                    .filter(|key| {
                        key.get(..prefix.len())
                            .is_some_and(|start| start.eq_ignore_ascii_case(prefix))
                    })
                    .for_each(&mut visit_all),
                None => visit_all(field),
            }
        }
    }
}

/// An OpenTelemetry injector as a carrier. Its interface only sets, so removing a
/// stale header is left undone: OpenTelemetry injects into a fresh carrier.
struct Headers<'i>(&'i mut dyn OtelInjector);

impl Injector for Headers<'_> {
    fn set_header(&mut self, name: &str, value: &str) {
        self.0.set(name, value.to_owned());
    }

    fn remove_header(&mut self, _name: &str) {}
}
