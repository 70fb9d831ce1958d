//! The one pass over a carrier: keeps the headers the configured formats read,
//! borrowed from the carrier, allocating only for repeats.

use crate::diagnostic::Sink;
use crate::traceparent::trim_ows;
use crate::{Code, Extractor, Format, Repeated};

/// A header (or family of headers, for a prefix) that some format reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Field {
    Traceparent,
    Tracestate,
    Baggage,
    B3,
    B3TraceId,
    B3SpanId,
    B3ParentSpanId,
    B3Sampled,
    B3Flags,
    UberTraceId,
    UberCtx,
    XrayTraceId,
    DatadogTraceId,
    DatadogParentId,
    DatadogSamplingPriority,
    DatadogOrigin,
    DatadogTags,
}

impl Field {
    pub(crate) const ALL: [Field; 17] = [
        Field::Traceparent,
        Field::Tracestate,
        Field::Baggage,
        Field::B3,
        Field::B3TraceId,
        Field::B3SpanId,
        Field::B3ParentSpanId,
        Field::B3Sampled,
        Field::B3Flags,
        Field::UberTraceId,
        Field::UberCtx,
        Field::XrayTraceId,
        Field::DatadogTraceId,
        Field::DatadogParentId,
        Field::DatadogSamplingPriority,
        Field::DatadogOrigin,
        Field::DatadogTags,
    ];

    /// The lowercase header name; for a prefix field, the prefix followed by `*`.
    pub(crate) const fn name(self) -> &'static str {
        match self {
            Self::Traceparent => "traceparent",
            Self::Tracestate => "tracestate",
            Self::Baggage => "baggage",
            Self::B3 => "b3",
            Self::B3TraceId => "x-b3-traceid",
            Self::B3SpanId => "x-b3-spanid",
            Self::B3ParentSpanId => "x-b3-parentspanid",
            Self::B3Sampled => "x-b3-sampled",
            Self::B3Flags => "x-b3-flags",
            Self::UberTraceId => "uber-trace-id",
            Self::UberCtx => "uberctx-*",
            Self::XrayTraceId => "x-amzn-trace-id",
            Self::DatadogTraceId => "x-datadog-trace-id",
            Self::DatadogParentId => "x-datadog-parent-id",
            Self::DatadogSamplingPriority => "x-datadog-sampling-priority",
            Self::DatadogOrigin => "x-datadog-origin",
            Self::DatadogTags => "x-datadog-tags",
        }
    }

    /// The prefix of a prefix field (`uberctx-`).
    pub(crate) fn prefix(self) -> Option<&'static str> {
        self.name().strip_suffix('*')
    }

    /// Whether a carrier's header `name` is this field (ASCII-case-insensitively).
    pub(crate) fn matches(self, name: &str) -> bool {
        match self.prefix() {
            Some(prefix) => {
                name.len() > prefix.len()
                    && name.is_char_boundary(prefix.len())
                    && name[..prefix.len()].eq_ignore_ascii_case(prefix)
            }
            None => name.eq_ignore_ascii_case(self.name()),
        }
    }
}

/// The `(name, value)` pairs of one field, in carrier order.
#[derive(Default)]
pub(crate) struct Values<'a> {
    first: Option<(&'a str, &'a [u8])>,
    rest: Vec<(&'a str, &'a [u8])>,
}

impl<'a> Values<'a> {
    fn push(&mut self, name: &'a str, value: &'a [u8]) {
        if self.first.is_none() {
            self.first = Some((name, value));
        } else {
            self.rest.push((name, value));
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.first.is_none()
    }

    /// The values, in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &'a [u8]> + Clone + '_ {
        self.pairs().map(|(_, value)| value)
    }

    /// The names and values, in order.
    pub(crate) fn pairs(&self) -> impl Iterator<Item = (&'a str, &'a [u8])> + Clone + '_ {
        self.first.into_iter().chain(self.rest.iter().copied())
    }
}

/// The values of every field the propagator reads, gathered in one pass.
#[derive(Default)]
pub(crate) struct Seen<'a> {
    values: [Values<'a>; Field::ALL.len()],
}

impl<'a> Seen<'a> {
    /// Visits the carrier once, keeping the headers of `fields`.
    pub(crate) fn gather<E: Extractor + ?Sized>(carrier: &'a E, fields: &[Field]) -> Self {
        let mut seen = Self::default();
        carrier.for_each_header(&mut |name, value| {
            if let Some(&field) = fields.iter().find(|field| field.matches(name)) {
                seen.values[field as usize].push(name, value);
            }
        });
        seen
    }

    pub(crate) fn values(&self, field: Field) -> &Values<'a> {
        &self.values[field as usize]
    }

    /// The one value of a header that must appear once, after the repeated-header
    /// policy: every element of every field (HTTP stacks may join repeats with
    /// `", "`), trimmed. `Err(())` when the header was present but gave nothing
    /// usable (the reason is reported); `Ok(None)` when it was absent.
    pub(crate) fn single(
        &self,
        field: Field,
        repeated: Repeated,
        format: Format,
        sink: &mut Sink<'_>,
    ) -> Result<Option<&'a str>, ()> {
        let values = self.values(field);
        if values.is_empty() {
            return Ok(None);
        }
        let header = field.name();
        let (mut first, mut last, mut differs, mut readable) = (None, None, false, false);
        for raw in values.iter() {
            let Ok(text) = std::str::from_utf8(raw) else {
                sink.report(format, header, Code::InvalidUtf8);
                continue;
            };
            readable = true;
            for element in text.split(',').map(trim_ows).filter(|e| !e.is_empty()) {
                differs |= first.is_some_and(|f| f != element);
                first = first.or(Some(element));
                last = Some(element);
            }
        }
        match (first, last) {
            (Some(_), _) if differs && repeated == Repeated::Restart => {
                let code = if field == Field::Traceparent {
                    Code::RepeatedTraceparent
                } else {
                    Code::RepeatedHeader
                };
                sink.report(format, header, code);
                Err(())
            }
            (Some(_), Some(last)) if repeated == Repeated::Last => Ok(Some(last)),
            (Some(first), _) => Ok(Some(first)),
            (None, _) => {
                if readable {
                    let code = if field == Field::Traceparent {
                        Code::InvalidTraceparentLength
                    } else {
                        Code::EmptyHeader
                    };
                    sink.report(format, header, code);
                }
                Err(())
            }
        }
    }
}
