//! The propagator: which formats to read and write, and the policies between them.

use crate::diagnostic::Sink;
use crate::format::Formats;
use crate::headers::Seen;
use crate::tracecontext;
use crate::{Context, Diagnostic, Extractor, Format, Injector, Repeated};

/// An ordered list of formats to extract and to inject, plus policies.
///
/// Extraction tries the formats in order and the first that yields a valid
/// context wins. It never fails: [`Propagator::diagnose`] says why nothing was found.
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
}

impl Default for Propagator {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl Propagator {
    /// W3C Trace Context both ways, restarting on repeated `traceparent`.
    pub const DEFAULT: Self = Self {
        extract: Formats::one(Format::TraceContext),
        inject: Formats::one(Format::TraceContext),
        repeated: Repeated::Restart,
    };

    /// A builder starting with no formats and the default policies.
    pub fn builder() -> Builder {
        Builder(Self {
            extract: Formats::EMPTY,
            inject: Formats::EMPTY,
            repeated: Repeated::Restart,
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

    /// Every header name the formats read or write (lowercase, no duplicates):
    /// what a binding needs to look at in its host's container.
    pub fn fields(&self) -> impl Iterator<Item = &'static str> + '_ {
        let formats = self.extract.as_slice().iter().chain(self.inject.as_slice());
        let mut seen = Formats::EMPTY;
        formats
            .filter(move |&&format| {
                let new = !seen.contains(format);
                seen.push(format);
                new
            })
            .flat_map(|format| format.fields().iter().copied())
    }

    /// The incoming context, if any format finds a valid one.
    pub fn extract<E: Extractor + ?Sized>(&self, carrier: &E) -> Option<Context> {
        self.run(carrier, Sink(None))
    }

    /// The incoming context and every reason something was ignored.
    pub fn extract_with_diagnostics<E: Extractor + ?Sized>(
        &self,
        carrier: &E,
    ) -> (Option<Context>, Vec<Diagnostic>) {
        let mut diagnostics = Vec::new();
        let context = self.run(carrier, Sink(Some(&mut diagnostics)));
        (context, diagnostics)
    }

    /// Why nothing (or only part) was extracted; empty when all was well.
    pub fn diagnose<E: Extractor + ?Sized>(&self, carrier: &E) -> Vec<Diagnostic> {
        self.extract_with_diagnostics(carrier).1
    }

    /// A child of the incoming context, or a new root when there is none: the
    /// span a service starts for the message it handles.
    pub fn continue_trace<E: Extractor + ?Sized>(&self, carrier: &E) -> Context {
        self.extract(carrier)
            .map(|context| context.child())
            .unwrap_or_else(Context::new_root)
    }

    /// Writes `context` in every inject format.
    pub fn inject<I: Injector + ?Sized>(&self, context: &Context, carrier: &mut I) {
        for format in self.inject.as_slice() {
            match format {
                Format::TraceContext => tracecontext::inject(context, carrier),
            }
        }
    }

    fn run<E: Extractor + ?Sized>(&self, carrier: &E, mut sink: Sink<'_>) -> Option<Context> {
        if self.extract.as_slice().is_empty() {
            return None;
        }
        let seen = Seen::gather(carrier);
        self.extract
            .as_slice()
            .iter()
            .find_map(|format| match format {
                Format::TraceContext => tracecontext::extract(&seen, self.repeated, &mut sink),
            })
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
        self.0
    }
}
