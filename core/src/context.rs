//! What a service holds while it handles one message.

use std::sync::Arc;

use crate::traceparent;
use crate::{Baggage, Error, Injector, Propagator, SpanId, TraceFlags, TraceId, TraceState};

/// The current span of a trace, as received from a caller or started here.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Context {
    trace_id: TraceId,
    span_id: SpanId,
    parent_span_id: Option<SpanId>,
    flags: TraceFlags,
    trace_state: TraceState,
    /// Shared by the contexts of a trace's spans, not copied; `None` when empty.
    baggage: Option<Arc<Baggage>>,
    links: Vec<Link>,
    /// Format-specific state, boxed: most contexts have none.
    extras: Option<Box<Extras>>,
}

/// Another span that arrived with the message without being its parent: a
/// different trace found by a later format, or another record of a batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "spans", derive(serde::Serialize, serde::Deserialize))]
pub struct Link {
    /// The linked span's trace.
    pub trace_id: TraceId,
    /// The linked span.
    pub span_id: SpanId,
}

/// What some formats carry beyond W3C's fields, kept so that a round trip in the
/// same format loses nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct Extras {
    /// B3 `d` / `X-B3-Flags: 1`, Jaeger flag `0x02`: record everything.
    pub(crate) debug: bool,
    /// No sampling decision was made upstream (B3 without one, X-Ray `Sampled=?`).
    pub(crate) deferred: bool,
    /// Datadog `x-datadog-origin`.
    pub(crate) origin: Option<String>,
    /// Datadog `x-datadog-sampling-priority`.
    pub(crate) priority: Option<i32>,
    /// Datadog propagated tags other than `_dd.p.tid` (`_dd.p.dm=-4,...`).
    pub(crate) tags: Option<String>,
    /// X-Ray fields other than Root, Parent and Sampled (`Lineage=...`), as received.
    pub(crate) xray: Option<String>,
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
            baggage: None,
            links: Vec::new(),
            extras: None,
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

    /// Starts a span under this one: same trace id, trace state, baggage and known
    /// flags (so the random flag of the trace is kept), a fresh span id, and this
    /// span as its parent. Reserved flag bits of a received context are not carried
    /// on; links belong to this span, not to its children.
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
            baggage: self.baggage.clone(),
            links: Vec::new(),
            extras: self.extras.clone(),
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

    /// The baggage.
    pub fn baggage(&self) -> &Baggage {
        static EMPTY: Baggage = Baggage::new();
        self.baggage.as_deref().unwrap_or(&EMPTY)
    }

    /// Other spans that arrived with this one (see [`Link`]).
    pub fn links(&self) -> &[Link] {
        &self.links
    }

    /// Whether debug sampling was requested upstream (B3 `d`, Jaeger's debug flag).
    pub fn is_debug(&self) -> bool {
        self.extras.as_ref().is_some_and(|e| e.debug)
    }

    /// Whether the sampling decision was left to this service (B3 without a
    /// sampling state, X-Ray `Sampled=?`, Datadog without a sampling priority);
    /// the sampled flag is then clear.
    pub fn is_deferred(&self) -> bool {
        self.extras.as_ref().is_some_and(|e| e.deferred)
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
    pub fn with_tracestate(mut self, key: &str, value: &str) -> Result<Self, Error> {
        self.trace_state = self.trace_state.insert(key, value)?;
        Ok(self)
    }

    /// This context with `key=value` in its baggage (replacing earlier values of
    /// `key`); the key must be an HTTP token (`invalid_baggage_key`).
    ///
    /// # Examples
    /// ```
    /// let ctx = tracewire::Context::new_root().with_baggage("user.id", "alice smith").unwrap();
    /// assert_eq!(ctx.baggage().get("user.id"), Some("alice smith"));
    /// assert_eq!(ctx.baggage().header(), "user.id=alice%20smith");
    /// ```
    pub fn with_baggage(self, key: &str, value: &str) -> Result<Self, Error> {
        let baggage = self.baggage().insert(key, value)?;
        Ok(self.replace_baggage(baggage))
    }

    /// This context with the given baggage.
    pub fn replace_baggage(mut self, baggage: Baggage) -> Self {
        self.baggage = (!baggage.is_empty()).then(|| Arc::new(baggage));
        self
    }

    /// This context with another link.
    pub fn with_link(mut self, link: Link) -> Self {
        self.links.push(link);
        self
    }

    pub(crate) fn extras(&self) -> Option<&Extras> {
        self.extras.as_deref()
    }

    pub(crate) fn extras_mut(&mut self) -> &mut Extras {
        self.extras.get_or_insert_with(Default::default)
    }

    /// Fills in the format state this context lacks from another context of the
    /// same trace. This context's sampled flag stands: the other can explain it
    /// (a sampled span in debug; an unsampled one whose decision was deferred,
    /// when `can_defer` is false: this context's format could not have said so)
    /// but not contradict it.
    pub(crate) fn merge_extras(&mut self, other: &Context, can_defer: bool) {
        let Some(theirs) = other.extras() else { return };
        let sampled = self.sampled();
        let ours = self.extras_mut();
        if sampled {
            ours.debug |= theirs.debug;
        } else if !can_defer {
            ours.deferred |= theirs.deferred;
        }
        for (mine, their) in [
            (&mut ours.origin, &theirs.origin),
            (&mut ours.tags, &theirs.tags),
            (&mut ours.xray, &theirs.xray),
        ] {
            if mine.is_none() {
                mine.clone_from(their);
            }
        }
        if ours.priority.is_none() {
            ours.priority = theirs.priority;
        }
    }

    pub(crate) fn with_extras(mut self, extras: Option<Extras>) -> Self {
        self.extras = extras.filter(|e| *e != Extras::default()).map(Box::new);
        self
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

impl Extras {
    /// Tab-separated items (`d`, `?`, `o=..`, `p=..`, `t=..`, `x=..`) for the host
    /// record; values are header text, which never holds a tab.
    pub(crate) fn encode_into(&self, out: &mut String) {
        let mut items: Vec<String> = Vec::new();
        if self.debug {
            items.push("d".into());
        }
        if self.deferred {
            items.push("?".into());
        }
        let texts = [("o=", &self.origin), ("t=", &self.tags), ("x=", &self.xray)];
        for (tag, value) in texts {
            if let Some(value) = value.as_deref().filter(|v| is_header_text(v)) {
                items.push(format!("{tag}{value}"));
            }
        }
        if let Some(priority) = self.priority {
            items.push(format!("p={priority}"));
        }
        out.push_str(&items.join("\t"));
    }

    /// Reads [`Extras::encode_into`]'s output back.
    pub(crate) fn decode(text: &str) -> Option<Self> {
        let mut extras = Self::default();
        for item in text.split('\t').filter(|item| !item.is_empty()) {
            match item.split_at_checked(2) {
                _ if item == "d" => extras.debug = true,
                _ if item == "?" => extras.deferred = true,
                Some(("o=", value)) if is_header_text(value) => extras.origin = Some(value.into()),
                Some(("t=", value)) if is_header_text(value) => extras.tags = Some(value.into()),
                Some(("x=", value)) if is_header_text(value) => extras.xray = Some(value.into()),
                Some(("p=", value)) => extras.priority = Some(value.parse().ok()?),
                _ => return None,
            }
        }
        Some(extras)
    }
}

/// Printable ASCII: what these format values may hold, so they can never split a header.
pub(crate) fn is_header_text(value: &str) -> bool {
    value.bytes().all(|b| (0x20..=0x7e).contains(&b))
}

/// A formatted `traceparent` value on the stack; derefs to `str`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Traceparent([u8; traceparent::LEN]);

impl Traceparent {
    /// The header value.
    pub fn as_str(&self) -> &str {
        debug_assert!(self.0.is_ascii());
        // SAFETY: only `Context::traceparent` makes one, from `traceparent::format`,
        // which writes ASCII hex digits and dashes alone. (Read on every inject:
        // checking again costs as much as writing it.)
        unsafe { std::str::from_utf8_unchecked(&self.0) }
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
