//! Wire formats and the headers each one reads and writes.

use std::fmt;
use std::str::FromStr;

use crate::headers::Field;
use crate::{Code, Error};

/// One wire format, named as in `Propagator(extract=[...], inject=[...])`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// W3C Trace Context: `traceparent` and `tracestate`.
    TraceContext,
    /// W3C Baggage: `baggage`.
    Baggage,
    /// B3, single header: `b3` (the default B3 inject encoding).
    B3,
    /// B3, multiple headers: `x-b3-traceid`, `x-b3-spanid`, `x-b3-sampled`, `x-b3-flags`.
    B3Multi,
    /// Jaeger: `uber-trace-id` and `uberctx-*` baggage.
    Jaeger,
    /// AWS X-Ray: `x-amzn-trace-id`.
    Xray,
    /// Datadog: `x-datadog-trace-id`, `x-datadog-parent-id`, ... (decimal ids).
    Datadog,
}

impl Format {
    /// Every format, in a fixed order.
    pub const ALL: [Format; 7] = [
        Format::TraceContext,
        Format::Baggage,
        Format::B3,
        Format::B3Multi,
        Format::Jaeger,
        Format::Xray,
        Format::Datadog,
    ];

    /// The format's name (`"tracecontext"`, `"b3multi"`, ...).
    pub const fn name(self) -> &'static str {
        match self {
            Self::TraceContext => "tracecontext",
            Self::Baggage => "baggage",
            Self::B3 => "b3",
            Self::B3Multi => "b3multi",
            Self::Jaeger => "jaeger",
            Self::Xray => "xray",
            Self::Datadog => "datadog",
        }
    }

    /// The headers the format reads and writes.
    pub(crate) const fn header_fields(self) -> &'static [Field] {
        match self {
            Self::TraceContext => &[Field::Traceparent, Field::Tracestate],
            Self::Baggage => &[Field::Baggage],
            // B3 reads both encodings (the single header wins), writes its own.
            Self::B3 | Self::B3Multi => &[
                Field::B3,
                Field::B3TraceId,
                Field::B3SpanId,
                Field::B3ParentSpanId,
                Field::B3Sampled,
                Field::B3Flags,
            ],
            Self::Jaeger => &[Field::UberTraceId, Field::UberCtx],
            Self::Xray => &[Field::XrayTraceId],
            Self::Datadog => &[
                Field::DatadogTraceId,
                Field::DatadogParentId,
                Field::DatadogSamplingPriority,
                Field::DatadogOrigin,
                Field::DatadogTags,
            ],
        }
    }

    /// Whether the format can say that no sampling decision was made (B3 without
    /// a sampling state, X-Ray `Sampled=?`, Datadog without a priority), so that
    /// its unsampled context is a decision, not a deferral.
    pub(crate) const fn can_defer(self) -> bool {
        matches!(self, Self::B3 | Self::B3Multi | Self::Xray | Self::Datadog)
    }

    /// The lowercase header names the format reads and writes; a name ending in
    /// `*` is a prefix (`uberctx-*`).
    pub fn fields(self) -> impl Iterator<Item = &'static str> + Clone {
        self.header_fields().iter().map(|field| field.name())
    }
}

impl FromStr for Format {
    type Err = Error;

    fn from_str(name: &str) -> Result<Self, Error> {
        Self::ALL
            .into_iter()
            .find(|format| format.name() == name)
            .ok_or_else(|| Error::new(Code::UnknownFormat, name))
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What to do when a header that must appear once (`traceparent`) arrives with
/// several different values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Repeated {
    /// Ignore them all and start a new trace (the W3C test suite's expectation).
    #[default]
    Restart,
    /// Use the first value (for Kafka producers that append instead of replace).
    First,
    /// Use the last value (what Java's `lastHeader` does).
    Last,
}

impl Repeated {
    /// Every policy.
    pub const ALL: [Repeated; 3] = [Self::Restart, Self::First, Self::Last];

    /// The policy's name (`"restart"`, `"first"`, `"last"`).
    pub const fn name(self) -> &'static str {
        match self {
            Self::Restart => "restart",
            Self::First => "first",
            Self::Last => "last",
        }
    }
}

impl FromStr for Repeated {
    type Err = Error;

    fn from_str(name: &str) -> Result<Self, Error> {
        Self::ALL
            .into_iter()
            .find(|policy| policy.name() == name)
            .ok_or_else(|| Error::new(Code::InvalidPolicy, name))
    }
}

impl fmt::Display for Repeated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An ordered set of formats, stored inline so a propagator is `Copy`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Formats {
    len: u8,
    list: [Format; Format::ALL.len()],
}

impl Formats {
    pub(crate) const EMPTY: Self = Self {
        len: 0,
        list: Format::ALL,
    };

    /// The given formats; `formats` must not repeat one.
    pub(crate) const fn of<const N: usize>(formats: [Format; N]) -> Self {
        let mut list = Format::ALL;
        let mut i = 0;
        while i < N {
            list[i] = formats[i];
            i += 1;
        }
        Self { len: N as u8, list }
    }

    /// Appends `format` unless present already.
    pub(crate) fn push(&mut self, format: Format) {
        if !self.contains(format) {
            self.list[usize::from(self.len)] = format;
            self.len += 1;
        }
    }

    pub(crate) fn contains(&self, format: Format) -> bool {
        self.as_slice().contains(&format)
    }

    pub(crate) fn as_slice(&self) -> &[Format] {
        &self.list[..usize::from(self.len)]
    }
}

impl fmt::Debug for Formats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for format in Format::ALL {
            assert_eq!(format.name().parse::<Format>().unwrap(), format);
        }
        assert_eq!(
            "b4".parse::<Format>().unwrap_err().code(),
            Code::UnknownFormat
        );
        assert_eq!(
            "LAST".parse::<Repeated>().unwrap_err().code(),
            Code::InvalidPolicy
        );
    }
}
