//! A context's ids on [`tracing`] spans (feature `tracing`), so that every log
//! line written inside a span names the trace and span it belongs to, and a log
//! search by trace id finds what each service did for one message.
//!
//! The fields are `trace_id`, `span_id` and `parent_span_id` (lowercase hex, as
//! in `traceparent`; no `parent_span_id` for a root or a remote context).
//! [`context_span!`](crate::context_span) creates a span with them;
//! [`record`] fills them in on a span that declared them empty, such as one made
//! by `#[instrument(fields(trace_id, span_id, parent_span_id))]` before the
//! context was known.
//!
//! # Examples
//! ```
//! use tracing::{field::Empty, info, info_span, Level};
//!
//! let ctx = tracewire::Context::new_root().child();
//!
//! // A span for the message, with the ids and fields of its own.
//! let span = tracewire::context_span!(Level::INFO, "process orders", &ctx, topic = "orders");
//! span.in_scope(|| info!("order created")); // ...{trace_id=… span_id=… parent_span_id=… topic="orders"}
//!
//! // A span created before the context was known.
//! let span = info_span!("handle", trace_id = Empty, span_id = Empty, parent_span_id = Empty);
//! tracewire::tracing_fields::record(&span, &ctx);
//! ```

use tracing::field::display;
use tracing::Span;

use crate::Context;

/// The trace id field.
pub const TRACE_ID: &str = "trace_id";
/// The span id field.
pub const SPAN_ID: &str = "span_id";
/// The parent span id field.
pub const PARENT_SPAN_ID: &str = "parent_span_id";

/// Records `context`'s ids in `span`'s `trace_id`, `span_id` and
/// `parent_span_id` fields; `tracing` records only fields a span declared, so
/// declare them (as `tracing::field::Empty`) when creating it.
pub fn record<'s>(span: &'s Span, context: &Context) -> &'s Span {
    span.record(TRACE_ID, display(context.trace_id()));
    span.record(SPAN_ID, display(context.span_id()));
    if let Some(parent) = context.parent_span_id() {
        span.record(PARENT_SPAN_ID, display(parent));
    }
    span
}

/// A [`tracing::span!`] carrying a [`Context`]'s ids: `context_span!(level,
/// name, &context)` or `context_span!(level, name, &context, more fields...)`,
/// the fields written as for `span!`.
///
/// # Examples
/// ```
/// let ctx = tracewire::Context::new_root();
/// let span = tracewire::context_span!(tracing::Level::INFO, "send payments", &ctx, key = "ord-1");
/// let _entered = span.enter();
/// tracing::info!("published");
/// ```
#[macro_export]
macro_rules! context_span {
    ($level:expr, $name:expr, $context:expr $(, $($fields:tt)+)?) => {{
        let context: &$crate::Context = $context;
        $crate::__tracing::span!(
            $level,
            $name,
            trace_id = %context.trace_id(),
            span_id = %context.span_id(),
            parent_span_id = context.parent_span_id().map($crate::__tracing::field::display),
            $($($fields)+)?
        )
    }};
}
