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
    pub(crate) const fn prefix(self) -> Option<&'static str> {
        match self {
            Self::UberCtx => Some("uberctx-"),
            _ => None,
        }
    }

    /// Whether a carrier's header `name` is this field (ASCII-case-insensitively).
    pub(crate) fn matches(self, name: &str) -> bool {
        let name = name.as_bytes();
        match self.prefix() {
            Some(prefix) => {
                name.len() > prefix.len()
                    && name
                        .get(..prefix.len())
                        .is_some_and(|head| eq_lowercase(head, prefix.as_bytes()))
            }
            None => name.len() == self.name().len() && eq_lowercase(name, self.name().as_bytes()),
        }
    }
}

/// Whether `name` equals the lowercase ASCII `lower` ASCII-case-insensitively;
/// both have the same length. Eight bytes at a time (the last eight overlapping
/// the ones before), read in place: no copy, so no stall reading it back.
fn eq_lowercase(name: &[u8], lower: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    // Folds the case of `name`'s bytes where `lower` has a letter, and only there.
    let eq8 = |at: usize| {
        let word = |bytes: &[u8]| {
            bytes
                .get(at..)?
                .first_chunk()
                .copied()
                .map(u64::from_le_bytes)
        };
        let (Some(name), Some(lower)) = (word(name), word(lower)) else {
            return false;
        };
        let letters = lower.wrapping_add(0x1f * ONES) & !lower.wrapping_add(0x05 * ONES);
        name | (letters & (0x80 * ONES)) >> 2 == lower
    };
    match name.len() {
        0..8 => name.eq_ignore_ascii_case(lower),
        len => (0..len - 8).step_by(8).all(eq8) && eq8(len - 8),
    }
}

/// A set of fields: what a propagator's formats read or write.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct FieldSet {
    fields: u32,
    /// Bit `n`: some field is `n` bytes long, or (a prefix field) may be: most
    /// headers of a carrier are ruled out by their length alone.
    lengths: u64,
}

impl FieldSet {
    pub(crate) const EMPTY: Self = Self {
        fields: 0,
        lengths: 0,
    };

    /// The fields of `formats`.
    pub(crate) const fn of(formats: &[Format]) -> Self {
        let mut set = Self::EMPTY;
        let mut i = 0;
        while i < formats.len() {
            let fields = formats[i].header_fields();
            let mut j = 0;
            while j < fields.len() {
                set = set.with(fields[j]);
                j += 1;
            }
            i += 1;
        }
        set
    }

    const fn with(self, field: Field) -> Self {
        let lengths = match field.prefix() {
            // Every length past the prefix's (longer names are checked one by one).
            Some(prefix) => !0 << (prefix.len() + 1),
            None => 1 << field.name().len(),
        };
        Self {
            fields: self.fields | 1 << field as u32,
            lengths: self.lengths | lengths,
        }
    }

    pub(crate) const fn union(self, other: Self) -> Self {
        Self {
            fields: self.fields | other.fields,
            lengths: self.lengths | other.lengths,
        }
    }

    pub(crate) fn contains(self, field: Field) -> bool {
        self.fields & (1 << field as u32) != 0
    }

    /// The fields, in [`Field::ALL`] order.
    pub(crate) fn iter(self) -> impl Iterator<Item = Field> + Clone {
        Field::ALL
            .into_iter()
            .filter(move |&field| self.contains(field))
    }

    /// The field a carrier's header `name` is, if it is in the set.
    #[inline]
    pub(crate) fn find(self, name: &str) -> Option<Field> {
        let length_bit = 1u64.checked_shl(name.len() as u32).unwrap_or(1 << 63);
        if self.lengths & length_bit == 0 {
            return None;
        }
        let mut fields = self.fields;
        while fields != 0 {
            let field = Field::ALL[fields.trailing_zeros() as usize];
            if field.matches(name) {
                return Some(field);
            }
            fields &= fields - 1;
        }
        None
    }
}

/// A list of fields (tests name the fields to gather this way).
#[cfg(test)]
impl<const N: usize> From<&[Field; N]> for FieldSet {
    fn from(fields: &[Field; N]) -> Self {
        fields
            .iter()
            .fold(Self::default(), |set, &field| set.with(field))
    }
}

/// The `(name, value)` pairs of one field, in carrier order.
#[derive(Clone, Copy)]
pub(crate) struct Values<'s, 'a> {
    field: Field,
    first: Option<(&'a str, &'a [u8])>,
    /// Every field's repeats (rare): the ones of `field` follow `first`.
    rest: &'s [(&'a str, &'a [u8])],
    /// What tells the fields of `rest` apart (by name, as when gathering them).
    fields: FieldSet,
}

impl<'s, 'a> Values<'s, 'a> {
    pub(crate) fn is_empty(&self) -> bool {
        self.first.is_none()
    }

    /// The value, when the field came exactly once.
    pub(crate) fn only(&self) -> Option<&'a [u8]> {
        let (_, value) = self.first?;
        self.repeats().next().is_none().then_some(value)
    }

    /// The values, in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &'a [u8]> + Clone + 's {
        self.pairs().map(|(_, value)| value)
    }

    /// The names and values, in order.
    pub(crate) fn pairs(&self) -> impl Iterator<Item = (&'a str, &'a [u8])> + Clone + 's {
        self.first.into_iter().chain(self.repeats())
    }

    /// The names and values after the first, in order.
    fn repeats(&self) -> impl Iterator<Item = (&'a str, &'a [u8])> + Clone + 's {
        let (field, fields) = (self.field, self.fields);
        let rest = self.rest.iter().copied();
        rest.filter(move |&(name, _)| fields.find(name) == Some(field))
    }
}

/// The values of every field the propagator reads, gathered in one pass.
pub(crate) struct Seen<'a> {
    first: [Option<(&'a str, &'a [u8])>; Field::ALL.len()],
    /// The repeats of every field, in order (rare; a field tag would make each
    /// entry a quarter bigger, so they are told apart by name when read).
    rest: Vec<(&'a str, &'a [u8])>,
    fields: FieldSet,
}

impl<'a> Seen<'a> {
    /// [`Seen::fill`] on a new one.
    #[cfg(test)]
    pub(crate) fn gather<E: Extractor + ?Sized>(
        carrier: &'a E,
        fields: impl Into<FieldSet>,
    ) -> Self {
        let mut seen = Self::new();
        seen.fill(carrier, fields.into());
        seen
    }

    /// Nothing seen yet.
    pub(crate) fn new() -> Self {
        Self {
            first: [None; Field::ALL.len()],
            rest: Vec::new(),
            fields: FieldSet::EMPTY,
        }
    }

    /// Visits the carrier once, keeping the headers of `fields`; allocates only
    /// for a field that repeats. (In place: the struct is too big to move around
    /// on every call.)
    pub(crate) fn fill<E: Extractor + ?Sized>(&mut self, carrier: &'a E, fields: FieldSet) {
        self.fields = fields;
        carrier.for_each_header(&mut |name, value| {
            if let Some(field) = fields.find(name) {
                match &mut self.first[field as usize] {
                    slot @ None => *slot = Some((name, value)),
                    Some(_) => self.rest.push((name, value)),
                }
            }
        });
    }

    pub(crate) fn values(&self, field: Field) -> Values<'_, 'a> {
        Values {
            field,
            first: self.first[field as usize],
            rest: &self.rest,
            fields: self.fields,
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_in_any_case_and_nothing_else() {
        for field in Field::ALL {
            let name = match field.prefix() {
                Some(prefix) => format!("{prefix}key"),
                None => field.name().to_owned(),
            };
            assert!(field.matches(&name) && field.matches(&name.to_ascii_uppercase()));
            for at in 0..name.len().min(12) {
                for byte in (0..0x80u8).filter(|b| !b.eq_ignore_ascii_case(&name.as_bytes()[at])) {
                    let mut respelled = name.clone().into_bytes();
                    respelled[at] = byte;
                    let respelled = String::from_utf8(respelled).unwrap();
                    let prefix_len = field.prefix().map_or(usize::MAX, str::len);
                    assert_eq!(field.matches(&respelled), at >= prefix_len, "{respelled:?}");
                }
            }
        }
    }

    #[test]
    fn lengths_rule_out_other_names() {
        let set = FieldSet::of(&[Format::TraceContext, Format::Jaeger]);
        assert_eq!(set.find("TraceParent"), Some(Field::Traceparent));
        assert_eq!(set.find("uberctx-k"), Some(Field::UberCtx));
        assert_eq!(set.find("uberctx-"), None);
        assert_eq!(
            set.find(&format!("uberctx-{}", "k".repeat(100))),
            Some(Field::UberCtx)
        );
        assert_eq!(set.find("user-agent"), None);
        assert_eq!(
            FieldSet::of(&[Format::TraceContext]).find(&"t".repeat(100)),
            None
        );
    }
}
