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
