//! Stable codes for every rejection and error: public API in every language.

use std::fmt;

use crate::Format;

/// Why something was rejected. [`Code::as_str`] is the stable snake_case name that
/// every binding exposes as `.code`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Code {
    /// No `traceparent` header was present.
    MissingTraceparent,
    /// `traceparent` is empty, or version 00 is not exactly 55 characters, or a
    /// higher version is shorter than 55.
    InvalidTraceparentLength,
    /// The version is not two hex digits, or is the forbidden `ff`.
    InvalidTraceparentVersion,
    /// The fields are not separated by `-` where the grammar puts them.
    InvalidTraceparentFormat,
    /// A character outside `0-9a-f` in an id or the flags.
    InvalidHex,
    /// Upper-case hex, which the grammar (`HEXDIGLC`) forbids.
    UppercaseHex,
    /// The all-zero trace id.
    ZeroTraceId,
    /// The all-zero parent (span) id.
    ZeroSpanId,
    /// Several different `traceparent` values: the trace restarts.
    RepeatedTraceparent,
    /// A header value that is not valid UTF-8; treated as absent.
    InvalidUtf8,
    /// A `tracestate` member without `=`.
    InvalidTracestateMember,
    /// A `tracestate` key outside the level-2 key grammar.
    InvalidTracestateKey,
    /// A `tracestate` value outside the value grammar (or empty).
    InvalidTracestateValue,
    /// The same `tracestate` key twice.
    DuplicateTracestateKey,
    /// More than 32 `tracestate` members.
    TracestateTooManyMembers,
    /// A header that must appear once came with several different values.
    RepeatedHeader,
    /// A header that was present but empty.
    EmptyHeader,
    /// A `baggage` member without `=` or with a malformed property.
    InvalidBaggageMember,
    /// A `baggage` key that is not an HTTP token.
    InvalidBaggageKey,
    /// A `baggage` value with a character outside the grammar or a broken `%` escape.
    InvalidBaggageValue,
    /// Baggage members past 64 members or 8192 bytes, dropped whole (and the error
    /// of `with_baggage` past those limits).
    BaggageTooLarge,
    /// Not a problem: this format's context was extracted (the first valid one wins).
    Extracted,
    /// This format carried the same trace as the one extracted; nothing more to take.
    SameTrace,
    /// This format carried a valid context of another trace: it became a link.
    OtherTraceLinked,
    /// No B3 header (`b3`, or `X-B3-TraceId` and `X-B3-SpanId`) was present.
    MissingB3,
    /// A B3 value of the wrong shape: field count, or an id of the wrong length.
    InvalidB3,
    /// A B3 sampling state other than `1`, `0`, `d` (`b3`), `1`, `0`, `true`,
    /// `false` (`X-B3-Sampled`) or `1`, `0` (`X-B3-Flags`).
    InvalidB3Sampling,
    /// A B3 sampling decision without trace identifiers: no context to continue.
    B3SamplingOnly,
    /// No `uber-trace-id` header was present.
    MissingUberTraceId,
    /// An `uber-trace-id` value of the wrong shape: not four `:`-separated fields,
    /// or a field empty or too long (trace id 32, span and parent ids 16, flags 2
    /// hex digits at most).
    InvalidUberTraceId,
    /// No `X-Amzn-Trace-Id` header was present.
    MissingXray,
    /// An `X-Amzn-Trace-Id` without a `Root` field.
    MissingXrayRoot,
    /// An `X-Amzn-Trace-Id` without a `Parent` field (as the first AWS service of a
    /// trace writes it): there is no span to continue.
    MissingXrayParent,
    /// An X-Ray `Root` that is not `1-{8 hex}-{24 hex}`, or a repeated `Root` field.
    InvalidXrayTraceId,
    /// An X-Ray `Parent` that is not 16 hex digits, or a repeated `Parent` field.
    InvalidXrayParent,
    /// An X-Ray `Sampled` other than `0`, `1` or `?`, or a repeated `Sampled` field.
    InvalidXraySampled,
    /// An X-Ray field other than `Root`, `Parent` and `Sampled` that is not printable
    /// ASCII: dropped instead of passed through; the context is kept.
    InvalidXrayField,
    /// No `x-datadog-trace-id` or no `x-datadog-parent-id` header was present.
    MissingDatadog,
    /// A Datadog id that is not 1 to 20 decimal digits (no sign) or exceeds 2^64 - 1.
    InvalidDatadogId,
    /// An `x-datadog-sampling-priority` that is not a 32-bit decimal integer:
    /// ignored, as if absent.
    InvalidDatadogSamplingPriority,
    /// An `x-datadog-origin` that is not printable ASCII: ignored.
    InvalidDatadogOrigin,
    /// An `x-datadog-tags` member that is not `key=value` in the tagset grammar:
    /// the whole header is ignored.
    InvalidDatadogTags,
    /// `x-datadog-tags` longer than 512 bytes: the whole header is ignored.
    DatadogTagsTooLarge,
    /// A `_dd.p.tid` tag that is not 16 lowercase hex digits, not all zero: the
    /// trace id keeps only its low 64 bits.
    MalformedDatadogTid,
    /// A format name this library does not know.
    UnknownFormat,
    /// A repeated-header policy name this library does not know.
    InvalidPolicy,
    /// A string that is not a valid trace id.
    InvalidTraceId,
    /// A string that is not a valid span id.
    InvalidSpanId,
    /// A serialized context that does not decode.
    InvalidContext,
    /// An event body that is not a JSON object.
    InvalidJson,
    /// A bug in tracewire, caught at a language boundary.
    InternalError,
}

impl Code {
    /// The stable snake_case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::MissingTraceparent => "missing_traceparent",
            Self::InvalidTraceparentLength => "invalid_traceparent_length",
            Self::InvalidTraceparentVersion => "invalid_traceparent_version",
            Self::InvalidTraceparentFormat => "invalid_traceparent_format",
            Self::InvalidHex => "invalid_hex",
            Self::UppercaseHex => "uppercase_hex",
            Self::ZeroTraceId => "zero_trace_id",
            Self::ZeroSpanId => "zero_span_id",
            Self::RepeatedTraceparent => "repeated_traceparent",
            Self::InvalidUtf8 => "invalid_utf8",
            Self::InvalidTracestateMember => "invalid_tracestate_member",
            Self::InvalidTracestateKey => "invalid_tracestate_key",
            Self::InvalidTracestateValue => "invalid_tracestate_value",
            Self::DuplicateTracestateKey => "duplicate_tracestate_key",
            Self::TracestateTooManyMembers => "tracestate_too_many_members",
            Self::RepeatedHeader => "repeated_header",
            Self::EmptyHeader => "empty_header",
            Self::InvalidBaggageMember => "invalid_baggage_member",
            Self::InvalidBaggageKey => "invalid_baggage_key",
            Self::InvalidBaggageValue => "invalid_baggage_value",
            Self::BaggageTooLarge => "baggage_too_large",
            Self::Extracted => "extracted",
            Self::SameTrace => "same_trace",
            Self::OtherTraceLinked => "other_trace_linked",
            Self::MissingB3 => "missing_b3",
            Self::InvalidB3 => "invalid_b3",
            Self::InvalidB3Sampling => "invalid_b3_sampling",
            Self::B3SamplingOnly => "b3_sampling_only",
            Self::MissingUberTraceId => "missing_uber_trace_id",
            Self::InvalidUberTraceId => "invalid_uber_trace_id",
            Self::MissingXray => "missing_xray",
            Self::MissingXrayRoot => "missing_xray_root",
            Self::MissingXrayParent => "missing_xray_parent",
            Self::InvalidXrayTraceId => "invalid_xray_trace_id",
            Self::InvalidXrayParent => "invalid_xray_parent",
            Self::InvalidXraySampled => "invalid_xray_sampled",
            Self::InvalidXrayField => "invalid_xray_field",
            Self::MissingDatadog => "missing_datadog",
            Self::InvalidDatadogId => "invalid_datadog_id",
            Self::InvalidDatadogSamplingPriority => "invalid_datadog_sampling_priority",
            Self::InvalidDatadogOrigin => "invalid_datadog_origin",
            Self::InvalidDatadogTags => "invalid_datadog_tags",
            Self::DatadogTagsTooLarge => "datadog_tags_too_large",
            Self::MalformedDatadogTid => "malformed_datadog_tid",
            Self::UnknownFormat => "unknown_format",
            Self::InvalidPolicy => "invalid_policy",
            Self::InvalidTraceId => "invalid_trace_id",
            Self::InvalidSpanId => "invalid_span_id",
            Self::InvalidContext => "invalid_context",
            Self::InvalidJson => "invalid_json",
            Self::InternalError => "internal_error",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One reason extraction ignored (part of) what arrived.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    /// The format whose header was rejected.
    pub format: Format,
    /// The (lowercase) header name concerned.
    pub header: &'static str,
    /// Why.
    pub code: Code,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.format, self.header, self.code)
    }
}

/// Where extraction reports what it rejected; `None` when nobody asked.
pub(crate) struct Sink<'a>(pub(crate) Option<&'a mut Vec<Diagnostic>>);

impl Sink<'_> {
    pub(crate) fn report(&mut self, format: Format, header: &'static str, code: Code) {
        if let Some(list) = self.0.as_deref_mut() {
            list.push(Diagnostic {
                format,
                header,
                code,
            });
        }
    }
}
