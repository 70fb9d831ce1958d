//! # tracewire
//!
//! Trace-context propagation for services that talk through events and calls:
//! extract the incoming context from a message's headers, start a span under it,
//! and inject that span into every message or call the service makes.
//!
//! This crate implements [W3C Trace Context](https://www.w3.org/TR/trace-context-2/)
//! level 2 (`traceparent`, `tracestate`) to the letter; the same core serves the
//! Python, Node and browser packages, so every language behaves byte for byte alike.
//!
//! ```
//! use std::collections::HashMap;
//!
//! let incoming = HashMap::from([(
//!     "traceparent".to_string(),
//!     "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".to_string(),
//! )]);
//! let ctx = tracewire::continue_trace(&incoming);
//! assert_eq!(ctx.trace_id().to_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
//! assert_eq!(ctx.parent_span_id().unwrap().to_string(), "00f067aa0ba902b7");
//!
//! // Kafka-style record headers: byte values, repeats allowed.
//! let mut outgoing: Vec<(String, Vec<u8>)> = Vec::new();
//! ctx.inject(&mut outgoing);
//! assert_eq!(outgoing[0].0, "traceparent");
//! ```
//!
//! Extraction never fails and never panics: bad input yields no context, and
//! [`diagnose`] lists stable [`Code`]s saying why.
#![deny(missing_docs)]
#![forbid(unsafe_op_in_unsafe_fn)]

mod b3;
mod baggage;
mod carrier;
mod context;
mod datadog;
mod diagnostic;
pub mod env;
mod error;
#[cfg(feature = "spans")]
pub mod export;
mod flags;
mod format;
mod headers;
mod hex;
pub mod host;
mod ids;
mod jaeger;
pub mod json;
#[cfg(feature = "rdkafka")]
pub mod kafka;
#[cfg(feature = "opentelemetry")]
pub mod otel;
mod propagator;
mod rng;
#[cfg(feature = "spans")]
pub mod span;
mod tracecontext;
mod traceparent;
mod tracestate;
#[cfg(feature = "tracing")]
pub mod tracing_fields;
#[cfg(feature = "spans")]
pub mod tree;
pub mod w3c;
mod xray;

pub use baggage::Baggage;
pub use carrier::{Extractor, Injector};
pub use context::{Context, Link, Traceparent};
pub use diagnostic::{Code, Diagnostic};
pub use error::Error;
pub use flags::TraceFlags;
pub use format::{Format, Repeated};
pub use ids::{HexId, SpanId, TraceId};
pub use propagator::{Builder, Propagator};
pub use tracestate::TraceState;

/// What [`context_span!`] expands to.
#[cfg(feature = "tracing")]
#[doc(hidden)]
pub use tracing as __tracing;

/// The incoming context, with the default propagator (W3C Trace Context and Baggage).
pub fn extract<E: Extractor + ?Sized>(carrier: &E) -> Option<Context> {
    Propagator::DEFAULT.extract(carrier)
}

/// A child of the incoming context, or a new root when there is none.
pub fn continue_trace<E: Extractor + ?Sized>(carrier: &E) -> Context {
    Propagator::DEFAULT.continue_trace(carrier)
}

/// Which format the default propagator extracted from (`extracted`), and why it
/// ignored the rest.
pub fn diagnose<E: Extractor + ?Sized>(carrier: &E) -> Vec<Diagnostic> {
    Propagator::DEFAULT.diagnose(carrier)
}
