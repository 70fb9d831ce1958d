//! What a service holds while it handles one message.

use crate::traceparent;
use crate::{Injector, Propagator, SpanId, TraceFlags, TraceId, TraceState};

/// The current span of a trace, as received from a caller or started here.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Context {
    trace_id: TraceId,
    span_id: SpanId,
    parent_span_id: Option<SpanId>,
    flags: TraceFlags,
    trace_state: TraceState,
}

impl Context {
    /// A context for the given span, with no parent and no trace state.
    pub fn new(trace_id: TraceId, span_id: SpanId, flags: TraceFlags) -> Self {
        Self {
            trace_id,
            span_id,
            parent_span_id: None,
            flags,
            trace_state: TraceState::new(),
        }
    }

    /// Starts a new trace: random trace and span ids, sampled, and the level-2
    /// random-trace-id flag set (every byte of the trace id is random).
    ///
    /// # Examples
    /// ```
    /// let root = tracewire::Context::new_root();
    /// assert!(root.sampled() && root.flags().is_random());
    /// assert_eq!(root.parent_span_id(), None);
    /// ```
    pub fn new_root() -> Self {
        Self::new(
            TraceId::random(),
            SpanId::random(),
            TraceFlags::SAMPLED | TraceFlags::RANDOM,
        )
    }

    /// Starts a span under this one: same trace id, trace state and known flags
    /// (so the random flag of the trace is kept), a fresh span id, and this span as
    /// its parent. Reserved flag bits of a received context are not carried on.
    ///
    /// # Examples
    /// ```
    /// let root = tracewire::Context::new_root();
    /// let child = root.child();
    /// assert_eq!(child.trace_id(), root.trace_id());
    /// assert_eq!(child.parent_span_id(), Some(root.span_id()));
    /// assert_ne!(child.span_id(), root.span_id());
    /// ```
    pub fn child(&self) -> Self {
        Self {
            trace_id: self.trace_id,
            span_id: SpanId::random(),
            parent_span_id: Some(self.span_id),
            flags: self.flags.known(),
            trace_state: self.trace_state.clone(),
        }
    }

    /// Writes this context into `carrier` with the default propagator.
    ///
    /// # Examples
    /// ```
    /// use std::collections::HashMap;
    /// let mut outgoing = HashMap::new();
    /// tracewire::Context::new_root().inject(&mut outgoing);
    /// assert_eq!(outgoing["traceparent"].len(), 55);
    /// ```
    pub fn inject<I: Injector + ?Sized>(&self, carrier: &mut I) {
        Propagator::DEFAULT.inject(self, carrier);
    }

    /// The trace id.
    pub fn trace_id(&self) -> TraceId {
        self.trace_id
    }

    /// This span's id.
    pub fn span_id(&self) -> SpanId {
        self.span_id
    }

    /// The parent span's id: `None` for a root or a freshly extracted remote context.
    pub fn parent_span_id(&self) -> Option<SpanId> {
        self.parent_span_id
    }

    /// The trace flags, every bit as received.
    pub fn flags(&self) -> TraceFlags {
        self.flags
    }

    /// Whether the sampled flag is set.
    pub fn sampled(&self) -> bool {
        self.flags.is_sampled()
    }

    /// The vendor trace state.
    pub fn trace_state(&self) -> &TraceState {
        &self.trace_state
    }

    /// The `traceparent` value this context injects (version 00, known flags only).
    pub fn traceparent(&self) -> Traceparent {
        Traceparent(traceparent::format(self.trace_id, self.span_id, self.flags))
    }

    /// This context with another trace state.
    pub fn with_trace_state(mut self, trace_state: TraceState) -> Self {
        self.trace_state = trace_state;
        self
    }

    /// This context with `key=value` set in its trace state and moved to the front,
    /// as a vendor updating its own entry does (the right-most member is dropped
    /// past 32).
    ///
    /// # Examples
    /// ```
    /// let ctx = tracewire::Context::new_root().with_tracestate("congo", "t61rcWkgMzE").unwrap();
    /// assert_eq!(ctx.trace_state().as_str(), "congo=t61rcWkgMzE");
    /// assert!(tracewire::Context::new_root().with_tracestate("Congo", "x").is_err());
    /// ```
    pub fn with_tracestate(mut self, key: &str, value: &str) -> Result<Self, crate::Error> {
        self.trace_state = self.trace_state.insert(key, value)?;
        Ok(self)
    }

    /// This context with the sampled flag set or cleared.
    pub fn with_sampled(mut self, sampled: bool) -> Self {
        self.flags = self.flags.with_sampled(sampled);
        self
    }

    /// This context with the given parent span id.
    pub fn with_parent_span_id(mut self, parent: Option<SpanId>) -> Self {
        self.parent_span_id = parent;
        self
    }
}

/// A formatted `traceparent` value on the stack; derefs to `str`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Traceparent([u8; traceparent::LEN]);

impl Traceparent {
    /// The header value.
    pub fn as_str(&self) -> &str {
        // Only ASCII hex digits and dashes are ever written.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl std::ops::Deref for Traceparent {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl std::fmt::Display for Traceparent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Debug for Traceparent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}
