//! The propagator: which formats to read and write, and the policies between them.

use crate::diagnostic::Sink;
use crate::format::Formats;
use crate::headers::{Field, FieldSet, Seen};
use crate::{b3, baggage, datadog, jaeger, tracecontext, xray};
use crate::{Baggage, Code, Context, Diagnostic, Extractor, Format, Injector, Link, Repeated};

/// An ordered list of formats to extract and to inject, plus policies.
///
/// Extraction tries the formats in order and the first that yields a valid
/// context wins; a W3C `tracestate` of the same trace is attached to it, and a
/// valid context of another trace found by a later format becomes a [`Link`], so
/// nothing is silently lost. Baggage (`baggage`, Jaeger's `uberctx-*`) is merged
/// in. Extraction never fails: [`Propagator::diagnose`] says which format won and
/// why the others did not.
///
/// # Examples
/// ```
/// use tracewire::{Format, Propagator, Repeated};
/// let kafka = Propagator::builder()
///     .extract([Format::TraceContext])
///     .inject([Format::TraceContext])
///     .repeated(Repeated::Last)
///     .build();
/// let headers = vec![
///     ("traceparent".to_string(), b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".to_vec()),
///     ("traceparent".to_string(), b"00-4bf92f3577b34da6a3ce929d0e0e4736-b7ad6b7169203331-01".to_vec()),
/// ];
/// assert_eq!(kafka.extract(&headers).unwrap().span_id().to_string(), "b7ad6b7169203331");
/// assert!(tracewire::extract(&headers).is_none());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Propagator {
    extract: Formats,
    inject: Formats,
    repeated: Repeated,
    /// The headers the extract formats read, and those every format reads or
    /// writes: worked out once, not on every call.
    extract_fields: FieldSet,
    all_fields: FieldSet,
}

impl Default for Propagator {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl Propagator {
    /// W3C Trace Context and Baggage both ways, restarting on a repeated `traceparent`.
    pub const DEFAULT: Self = Self {
        extract: Formats::of([Format::TraceContext, Format::Baggage]),
        inject: Formats::of([Format::TraceContext, Format::Baggage]),
        repeated: Repeated::Restart,
        extract_fields: FieldSet::of(&[Format::TraceContext, Format::Baggage]),
        all_fields: FieldSet::of(&[Format::TraceContext, Format::Baggage]),
    };

    /// A builder starting with no formats and the default policies.
    pub fn builder() -> Builder {
        Builder(Self {
            extract: Formats::EMPTY,
            inject: Formats::EMPTY,
            repeated: Repeated::Restart,
            extract_fields: FieldSet::EMPTY,
            all_fields: FieldSet::EMPTY,
        })
    }

    /// The formats tried on extract, in order.
    pub fn extract_formats(&self) -> &[Format] {
        self.extract.as_slice()
    }

    /// The formats written on inject, in order.
    pub fn inject_formats(&self) -> &[Format] {
        self.inject.as_slice()
    }

    /// The repeated-`traceparent` policy.
    pub fn repeated(&self) -> Repeated {
        self.repeated
    }

    /// Every header name the formats read or write (lowercase, no duplicates; a
    /// name ending in `*` is a prefix): what a binding needs to look at in its
    /// host's container.
    pub fn fields(&self) -> impl Iterator<Item = &'static str> + Clone + '_ {
        self.all_fields.iter().map(|field| field.name())
    }

    /// The incoming context, if any format finds a valid one.
    pub fn extract<E: Extractor + ?Sized>(&self, carrier: &E) -> Option<Context> {
        self.run(carrier, Sink(None)).0
    }

    /// The incoming context, or the baggage that arrived without one (for hosts
    /// that keep baggage apart from the span, as OpenTelemetry does).
    #[cfg(feature = "opentelemetry")]
    pub(crate) fn extract_or_baggage<E: Extractor + ?Sized>(
        &self,
        carrier: &E,
    ) -> (Option<Context>, Baggage) {
        self.run(carrier, Sink(None))
    }

    /// The incoming context and every reason something was ignored.
    pub fn extract_with_diagnostics<E: Extractor + ?Sized>(
        &self,
        carrier: &E,
    ) -> (Option<Context>, Vec<Diagnostic>) {
        let mut diagnostics = Vec::new();
        let (context, _) = self.run(carrier, Sink(Some(&mut diagnostics)));
        (context, diagnostics)
    }

    /// Which format's context was extracted (`extracted`), and why the others, or
    /// parts of what arrived, were not.
    pub fn diagnose<E: Extractor + ?Sized>(&self, carrier: &E) -> Vec<Diagnostic> {
        self.extract_with_diagnostics(carrier).1
    }

    /// A child of the incoming context, or a new root when there is none (which
    /// carries the baggage that arrived without a trace): the span a service
    /// starts for the message it handles. The links that came with the message
    /// (other traces found by later formats) are this span's links.
    pub fn continue_trace<E: Extractor + ?Sized>(&self, carrier: &E) -> Context {
        match self.run(carrier, Sink(None)) {
            (Some(context), _) => context
                .links()
                .iter()
                .fold(context.child(), |child, link| child.with_link(*link)),
            (None, baggage) => Context::new_root().replace_baggage(baggage),
        }
    }

    /// Writes `context` in every inject format.
    pub fn inject<I: Injector + ?Sized>(&self, context: &Context, carrier: &mut I) {
        for format in self.inject.as_slice() {
            match format {
                Format::TraceContext => tracecontext::inject(context, carrier),
                Format::Baggage => baggage::inject(context.baggage(), carrier),
                Format::B3 => b3::inject_single(context, carrier),
                Format::B3Multi => b3::inject_multi(context, carrier),
                Format::Jaeger => jaeger::inject(context, carrier),
                Format::Xray => xray::inject(context, carrier),
                Format::Datadog => datadog::inject(context, carrier),
            }
        }
        // A stale single header would win over fresh multi headers at the receiver.
        if self.inject.contains(Format::B3Multi) && !self.inject.contains(Format::B3) {
            carrier.remove_header("b3");
        }
    }

    /// Whether a carrier header `name` is one this propagator reads or writes
    /// (ASCII-case-insensitively; prefixes such as `uberctx-` included): what a
    /// binding checks before converting a header's value.
    pub fn reads(&self, name: &str) -> bool {
        self.all_fields.find(name).is_some()
    }

    /// The context and the baggage found, reporting to `sink`.
    fn run<E: Extractor + ?Sized>(
        &self,
        carrier: &E,
        mut sink: Sink<'_>,
    ) -> (Option<Context>, Baggage) {
        let formats = self.extract.as_slice();
        if formats.is_empty() {
            return (None, Baggage::new());
        }
        let mut seen = Seen::new();
        seen.fill(carrier, self.extract_fields);
        let sink = &mut sink;
        let mut found: Option<Context> = None;
        let mut winner = Format::TraceContext;
        let mut baggage = Baggage::new();
        for &format in formats {
            let candidate = match format {
                Format::TraceContext => tracecontext::extract(&seen, self.repeated, sink),
                // (Nothing to read or explain when no `baggage` header came.)
                Format::Baggage if seen.values(Field::Baggage).is_empty() => continue,
                Format::Baggage => {
                    let extracted = baggage::extract(&seen, sink);
                    // Within the limits already: only a second source needs them checked.
                    if baggage.is_empty() {
                        baggage = extracted;
                    } else {
                        baggage.supersede(extracted);
                    }
                    continue;
                }
                // Both B3 formats read both encodings; the single header wins.
                Format::B3 | Format::B3Multi => b3::extract(&seen, self.repeated, format, sink),
                Format::Jaeger => {
                    baggage.extend(jaeger::baggage(&seen, sink));
                    jaeger::extract(&seen, self.repeated, sink)
                }
                Format::Xray => xray::extract(&seen, self.repeated, sink),
                Format::Datadog => datadog::extract(&seen, self.repeated, sink),
            };
            let Some(candidate) = candidate else { continue };
            let header = format.header_fields()[0].name();
            match &mut found {
                None => {
                    sink.report(format, header, Code::Extracted);
                    (found, winner) = (Some(candidate), format);
                }
                Some(context) if context.trace_id() == candidate.trace_id() => {
                    if format == Format::TraceContext && !candidate.trace_state().is_empty() {
                        *context = context
                            .clone()
                            .with_trace_state(candidate.trace_state().clone());
                    }
                    // What only the later format knew (X-Ray's Lineage, Datadog's
                    // origin, a debug request) is kept for the round trip.
                    context.merge_extras(&candidate, winner.can_defer());
                    sink.report(format, header, Code::SameTrace);
                }
                Some(context) => {
                    *context = context.clone().with_link(Link {
                        trace_id: candidate.trace_id(),
                        span_id: candidate.span_id(),
                    });
                    sink.report(format, header, Code::OtherTraceLinked);
                }
            }
        }
        match found {
            Some(context) if baggage.is_empty() => (Some(context), baggage),
            Some(context) => (Some(context.replace_baggage(baggage)), Baggage::new()),
            None => (None, baggage),
        }
    }
}

/// Builds a [`Propagator`]; repeated formats are kept once, at their first place.
#[derive(Clone, Debug)]
pub struct Builder(Propagator);

impl Builder {
    /// Adds formats to try on extract, in order.
    pub fn extract(mut self, formats: impl IntoIterator<Item = Format>) -> Self {
        formats.into_iter().for_each(|f| self.0.extract.push(f));
        self
    }

    /// Adds formats to write on inject.
    pub fn inject(mut self, formats: impl IntoIterator<Item = Format>) -> Self {
        formats.into_iter().for_each(|f| self.0.inject.push(f));
        self
    }

    /// Sets the repeated-`traceparent` policy.
    pub fn repeated(mut self, policy: Repeated) -> Self {
        self.0.repeated = policy;
        self
    }

    /// The propagator.
    pub fn build(self) -> Propagator {
        let mut propagator = self.0;
        propagator.extract_fields = FieldSet::of(propagator.extract.as_slice());
        propagator.all_fields = propagator
            .extract_fields
            .union(FieldSet::of(propagator.inject.as_slice()));
        propagator
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const W3C: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    const B3: &str = "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1";

    #[test]
    fn the_span_for_a_message_keeps_the_messages_links() {
        let propagator = Propagator::builder()
            .extract([Format::TraceContext, Format::B3])
            .build();
        let headers = [("traceparent", W3C), ("b3", B3)];
        let extracted = propagator.extract(&headers).unwrap();
        assert_eq!(extracted.links().len(), 1);
        let span = propagator.continue_trace(&headers);
        assert_eq!(span.parent_span_id(), Some(extracted.span_id()));
        assert_eq!(span.links(), extracted.links());
        assert!(span.child().links().is_empty());
    }

    #[test]
    fn no_formats_read_nothing() {
        let headers = [("traceparent", W3C)];
        let propagator = Propagator::builder().build();
        assert_eq!(
            propagator.extract_with_diagnostics(&headers),
            (None, Vec::new())
        );
        assert_eq!(propagator.fields().count(), 0);
    }
}
