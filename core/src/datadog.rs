//! Datadog propagation (dd-trace-py `ddtrace/propagation/http.py`
//! `_DatadogMultiHeader`, dd-trace-js `text_map.js`): the `x-datadog-*` headers.
//!
//! Extraction:
//! - `x-datadog-trace-id` and `x-datadog-parent-id` are unsigned decimal 64-bit
//!   ids: 1 to 20 ASCII digits (leading zeros allowed, no sign, no spaces inside),
//!   at most 2^64 - 1 (`invalid_datadog_id`), not zero (`zero_trace_id`,
//!   `zero_span_id`). Both are required (`missing_datadog`): a context has a span
//!   to continue. The trace id header holds the low 64 bits of the trace id.
//! - `x-datadog-tags` is a comma list of `key=value` tags (every value of the
//!   header, in order; at most 512 bytes, else `datadog_tags_too_large`), in the
//!   dd-trace tagset grammar: key printable ASCII without space, `,` and `=`;
//!   value printable ASCII without `,`, trimmed of spaces, not empty. One malformed
//!   member drops the whole header (`invalid_datadog_tags`), as dd-trace does. Of
//!   the well-formed tags, `_dd.p.tid` gives the high 64 bits of the trace id (16
//!   lowercase hex digits, not all zero, else `malformed_datadog_tid` and the trace
//!   id stays 64-bit), the other `_dd.p.*` tags are kept (a repeated key keeps its
//!   first place and last value), everything else is ignored.
//! - `x-datadog-sampling-priority` is a 32-bit decimal integer (`-1` user reject,
//!   `0` auto reject, `1` auto keep, `2` user keep; other values are kept as
//!   received): sampled when above zero. Without a usable priority
//!   (`invalid_datadog_sampling_priority`), no decision was made upstream: the
//!   context is not sampled and [`Context::is_deferred`].
//! - `x-datadog-origin` (printable ASCII, else `invalid_datadog_origin`) is kept.
//! - Datadog ids are not known to be random, so the W3C random flag stays clear.
//!
//! Injection writes, in this order: `x-datadog-trace-id` (decimal low 64 bits),
//! `x-datadog-parent-id` (decimal span id), `x-datadog-sampling-priority` (the
//! received priority while it agrees with the sampled flag, else `1` or `0`; none
//! while the decision is deferred), `x-datadog-origin` (when known),
//! `x-datadog-tags` (`_dd.p.tid=<high 64 bits>` when they are not zero, then the
//! kept tags). Optional headers not written are removed. A trace id whose low 64
//! bits are zero has no Datadog form: every Datadog header is removed instead.

use std::fmt::Write;
use std::str;

use crate::carrier::Injector;
use crate::context::{is_header_text, Extras};
use crate::diagnostic::Sink;
use crate::headers::{Field, Seen};
use crate::hex;
use crate::traceparent::trim_ows;
use crate::{Code, Context, Format, Repeated, SpanId, TraceFlags, TraceId};

const FORMAT: Format = Format::Datadog;
/// dd-trace's default `DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH`.
const TAGS_MAX_LEN: usize = 512;
/// The propagated-tag prefix and the tag holding the high 64 bits of the trace id.
const PROPAGATED: &str = "_dd.p.";
const TID: &str = "_dd.p.tid";

/// The context of the `x-datadog-*` headers, if valid.
pub(crate) fn extract(seen: &Seen<'_>, repeated: Repeated, sink: &mut Sink<'_>) -> Option<Context> {
    let low = id(seen, Field::DatadogTraceId, repeated, sink)?;
    let span = id(seen, Field::DatadogParentId, repeated, sink)?;
    let priority = priority(seen, repeated, sink);
    let origin = origin(seen, repeated, sink);
    let (high, tags) = tags(seen, sink);
    let trace_id = TraceId::from_bytes((u128::from(high) << 64 | u128::from(low)).to_be_bytes())?;
    let span_id = SpanId::from_bytes(span.to_be_bytes())?;
    let flags = TraceFlags::NONE.with_sampled(priority.is_some_and(|p| p > 0));
    let extras = Extras {
        deferred: priority.is_none(),
        priority,
        origin,
        tags,
        ..Extras::default()
    };
    Some(Context::new(trace_id, span_id, flags).with_extras(Some(extras)))
}

/// The non-zero decimal id in `field`, or `None` after reporting why not.
fn id(seen: &Seen<'_>, field: Field, repeated: Repeated, sink: &mut Sink<'_>) -> Option<u64> {
    let value = match seen.single(field, repeated, FORMAT, sink) {
        Ok(Some(value)) => value,
        Ok(None) => {
            sink.report(FORMAT, field.name(), Code::MissingDatadog);
            return None;
        }
        Err(()) => return None,
    };
    let code = match parse_decimal(value) {
        Some(0) if field == Field::DatadogTraceId => Code::ZeroTraceId,
        Some(0) => Code::ZeroSpanId,
        Some(id) => return Some(id),
        None => Code::InvalidDatadogId,
    };
    sink.report(FORMAT, field.name(), code);
    None
}

/// 1 to 20 ASCII digits that fit in 64 bits.
fn parse_decimal(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 20 {
        return None;
    }
    s.bytes().try_fold(0u64, |value, b| {
        let digit = b.checked_sub(b'0').filter(|&d| d < 10)?;
        value.checked_mul(10)?.checked_add(u64::from(digit))
    })
}

/// The sampling priority, if present and an integer; a bad one is reported.
fn priority(seen: &Seen<'_>, repeated: Repeated, sink: &mut Sink<'_>) -> Option<i32> {
    let field = Field::DatadogSamplingPriority;
    let value = seen.single(field, repeated, FORMAT, sink).ok()??;
    let priority = parse_priority(value);
    if priority.is_none() {
        sink.report(FORMAT, field.name(), Code::InvalidDatadogSamplingPriority);
    }
    priority
}

/// An optional `-` and 1 to 20 digits, within 32 bits.
fn parse_priority(s: &str) -> Option<i32> {
    let (negative, digits) = match s.strip_prefix('-') {
        Some(digits) => (true, digits),
        None => (false, s),
    };
    let magnitude = i64::try_from(parse_decimal(digits)?).ok()?;
    i32::try_from(if negative { -magnitude } else { magnitude }).ok()
}

/// The origin, if present and printable ASCII; a bad one is reported.
fn origin(seen: &Seen<'_>, repeated: Repeated, sink: &mut Sink<'_>) -> Option<String> {
    let field = Field::DatadogOrigin;
    let value = seen.single(field, repeated, FORMAT, sink).ok()??;
    if is_header_text(value) {
        Some(value.to_owned())
    } else {
        sink.report(FORMAT, field.name(), Code::InvalidDatadogOrigin);
        None
    }
}

/// The high 64 bits of the trace id (zero when not given) and the other
/// propagated tags (`k=v,...`), from every `x-datadog-tags` value.
fn tags(seen: &Seen<'_>, sink: &mut Sink<'_>) -> (u64, Option<String>) {
    let header = Field::DatadogTags.name();
    let values = seen.values(Field::DatadogTags);
    if values.is_empty() {
        return (0, None);
    }
    // The size of the values joined by commas, plus one.
    let mut size = 0;
    for raw in values.iter() {
        match str::from_utf8(raw) {
            Ok(text) => size += text.len() + 1,
            Err(_) => sink.report(FORMAT, header, Code::InvalidUtf8),
        }
    }
    if size > TAGS_MAX_LEN + 1 {
        sink.report(FORMAT, header, Code::DatadogTagsTooLarge);
        return (0, None);
    }
    let mut propagated: Vec<(&str, &str)> = Vec::new();
    let texts = values.iter().filter_map(|raw| str::from_utf8(raw).ok());
    for member in texts.flat_map(|text| text.split(',')).map(trim_ows) {
        if member.is_empty() {
            continue;
        }
        let Some((key, value)) = parse_tag(member) else {
            sink.report(FORMAT, header, Code::InvalidDatadogTags);
            return (0, None);
        };
        if !key.starts_with(PROPAGATED) {
            continue;
        }
        match propagated.iter_mut().find(|(k, _)| *k == key) {
            Some(tag) => tag.1 = value,
            None => propagated.push((key, value)),
        }
    }
    let mut high = 0;
    let mut kept = String::new();
    for (key, value) in propagated {
        if key == TID {
            match parse_tid(value) {
                Some(bits) => high = bits,
                None => sink.report(FORMAT, header, Code::MalformedDatadogTid),
            }
        } else {
            if !kept.is_empty() {
                kept.push(',');
            }
            kept.push_str(key);
            kept.push('=');
            kept.push_str(value);
        }
    }
    (high, (!kept.is_empty()).then_some(kept))
}

/// One tagset member, `key=value`: key printable ASCII without space or `=`, value
/// printable ASCII trimmed of spaces and not empty (neither holds the `,` split on).
fn parse_tag(member: &str) -> Option<(&str, &str)> {
    let (key, value) = member.split_once('=')?;
    let value = value.trim_matches(' ');
    let key_ok = !key.is_empty() && key.bytes().all(|b| (0x21..=0x7e).contains(&b));
    (key_ok && !value.is_empty() && is_header_text(value)).then_some((key, value))
}

/// 16 lowercase hex digits, not all zero.
fn parse_tid(value: &str) -> Option<u64> {
    let bits = u64::from_be_bytes(hex::decode::<8>(value.as_bytes()).ok()?);
    (bits != 0).then_some(bits)
}

/// Writes the `x-datadog-*` headers of `context` (order in the module docs).
pub(crate) fn inject<I: Injector + ?Sized>(context: &Context, carrier: &mut I) {
    let trace_id = u128::from_be_bytes(context.trace_id().to_bytes());
    // Truncation intended: the headers carry the two halves apart.
    let (high, low) = ((trace_id >> 64) as u64, trace_id as u64);
    if low == 0 {
        for field in FORMAT.header_fields() {
            carrier.remove_header(field.name());
        }
        return;
    }
    let mut buf = [0u8; 21];
    carrier.set_header(Field::DatadogTraceId.name(), decimal(low, false, &mut buf));
    let span = u64::from_be_bytes(context.span_id().to_bytes());
    carrier.set_header(
        Field::DatadogParentId.name(),
        decimal(span, false, &mut buf),
    );
    let priority =
        sampling_priority(context).map(|p| decimal(u64::from(p.unsigned_abs()), p < 0, &mut buf));
    set_or_remove(carrier, Field::DatadogSamplingPriority, priority);
    let extras = context.extras();
    let origin = extras
        .and_then(|e| e.origin.as_deref())
        .filter(|o| !o.is_empty());
    set_or_remove(carrier, Field::DatadogOrigin, origin);
    let kept = extras
        .and_then(|e| e.tags.as_deref())
        .filter(|t| !t.is_empty());
    let tags = (high != 0 || kept.is_some()).then(|| {
        let mut tags = String::new();
        if high != 0 {
            // Writing to a String cannot fail.
            let _ = write!(tags, "{TID}={high:016x}");
        }
        if let Some(kept) = kept {
            if !tags.is_empty() {
                tags.push(',');
            }
            tags.push_str(kept);
        }
        tags
    });
    set_or_remove(carrier, Field::DatadogTags, tags.as_deref());
}

/// The priority to send: the received one while it agrees with the sampled flag,
/// else `1` (auto keep) or `0` (auto reject); none while the decision is deferred.
fn sampling_priority(context: &Context) -> Option<i32> {
    let sampled = context.sampled();
    if !sampled && context.is_deferred() {
        return None;
    }
    match context.extras().and_then(|e| e.priority) {
        Some(priority) if (priority > 0) == sampled => Some(priority),
        _ => Some(i32::from(sampled)),
    }
}

fn set_or_remove<I: Injector + ?Sized>(carrier: &mut I, field: Field, value: Option<&str>) {
    match value {
        Some(value) => carrier.set_header(field.name(), value),
        None => carrier.remove_header(field.name()),
    }
}

/// `value` in decimal (after a `-` when `negative`), written at the end of `buf`.
fn decimal(mut value: u64, negative: bool, buf: &mut [u8; 21]) -> &str {
    let mut start = buf.len();
    loop {
        start -= 1;
        // A digit: the remainder is below 10.
        buf[start] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    if negative {
        start -= 1;
        buf[start] = b'-';
    }
    // Only ASCII digits and `-` are written.
    str::from_utf8(&buf[start..]).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Diagnostic, Propagator};

    /// Header pairs as written in a test.
    type Pairs<'a> = &'a [(&'a str, &'a str)];

    fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn propagator(extract: &[Format], inject: &[Format]) -> Propagator {
        Propagator::builder()
            .extract(extract.iter().copied())
            .inject(inject.iter().copied())
            .build()
    }

    fn codes(diagnostics: &[Diagnostic]) -> Vec<&'static str> {
        diagnostics.iter().map(|d| d.code.as_str()).collect()
    }

    /// Extracts with `datadog` alone: the context and the codes.
    fn run(pairs: &[(&str, &str)]) -> (Option<Context>, Vec<&'static str>) {
        let (context, diagnostics) =
            propagator(&[FORMAT], &[]).extract_with_diagnostics(&headers(pairs));
        (context, codes(&diagnostics))
    }

    /// Extracts with `datadog` and injects in `datadog`.
    fn round_trip(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        let propagator = propagator(&[FORMAT], &[FORMAT]);
        let context = propagator.extract(&headers(pairs)).expect("a context");
        let mut out: Vec<(String, String)> = Vec::new();
        propagator.inject(&context, &mut out);
        out
    }

    const IDS: [(&str, &str); 2] = [
        ("x-datadog-trace-id", "1234567890123456789"),
        ("x-datadog-parent-id", "987654321"),
    ];

    fn with_ids(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
        IDS.iter().chain(extra).copied().collect()
    }

    #[test]
    fn decimal_ids() {
        for (text, expected) in [
            ("1", Some(1)),
            ("007", Some(7)),
            ("18446744073709551615", Some(u64::MAX)),
            ("00000000000000000001", Some(1)),
            ("000000000000000000001", None),
            ("18446744073709551616", None),
            ("99999999999999999999", None),
            ("+1", None),
            ("-1", None),
            ("1 2", None),
            ("0x10", None),
            ("", None),
            ("１", None),
        ] {
            assert_eq!(parse_decimal(text), expected, "{text}");
        }
        for (text, expected) in [
            ("2", Some(2)),
            ("-1", Some(-1)),
            ("-0", Some(0)),
            ("2147483647", Some(i32::MAX)),
            ("-2147483648", Some(i32::MIN)),
            ("2147483648", None),
            ("+1", None),
            ("--1", None),
            ("-", None),
            ("1.0", None),
        ] {
            assert_eq!(parse_priority(text), expected, "{text}");
        }
    }

    #[test]
    fn extracts_a_64_bit_context() {
        let (context, codes) = run(&with_ids(&[("X-Datadog-Sampling-Priority", "1")]));
        let context = context.unwrap();
        assert_eq!(codes, ["extracted"]);
        assert_eq!(
            context.trace_id().to_string(),
            "0000000000000000112210f47de98115"
        );
        assert_eq!(context.span_id().to_string(), "000000003ade68b1");
        assert_eq!(context.flags().bits(), 1);
        assert_eq!(context.parent_span_id(), None);
        assert!(!context.is_deferred());
    }

    #[test]
    fn high_bits_from_the_tid_tag() {
        let tags = "_dd.p.dm=-4,_dd.p.tid=640cfd8d00000000";
        let (context, codes) = run(&with_ids(&[("x-datadog-tags", tags)]));
        let context = context.unwrap();
        assert_eq!(codes, ["extracted"]);
        assert_eq!(
            context.trace_id().to_string(),
            "640cfd8d00000000112210f47de98115"
        );
        assert_eq!(
            context.extras().unwrap().tags.as_deref(),
            Some("_dd.p.dm=-4")
        );
    }

    #[test]
    fn malformed_tid_keeps_64_bits() {
        for tid in [
            "640CFD8D00000000",
            "640cfd8d0000000",
            "640cfd8d000000000",
            "0000000000000000",
            "640cfd8d0000000g",
        ] {
            let tags = format!("_dd.p.tid={tid},_dd.p.dm=-4");
            let pairs: Vec<(&str, &str)> = IDS
                .iter()
                .copied()
                .chain([("x-datadog-tags", tags.as_str())])
                .collect();
            let (context, codes) = run(&pairs);
            let context = context.unwrap();
            assert_eq!(codes, ["malformed_datadog_tid", "extracted"], "{tid}");
            assert_eq!(
                context.trace_id().to_string(),
                "0000000000000000112210f47de98115"
            );
            assert_eq!(
                context.extras().unwrap().tags.as_deref(),
                Some("_dd.p.dm=-4")
            );
        }
    }

    #[test]
    fn id_rejections() {
        let cases: [(Pairs<'_>, &[&str]); 8] = [
            (&[], &["missing_datadog"]),
            (&[("x-datadog-trace-id", "1")], &["missing_datadog"]),
            (&[("x-datadog-parent-id", "1")], &["missing_datadog"]),
            (
                &[("x-datadog-trace-id", "0"), ("x-datadog-parent-id", "1")],
                &["zero_trace_id"],
            ),
            (
                &[("x-datadog-trace-id", "1"), ("x-datadog-parent-id", "000")],
                &["zero_span_id"],
            ),
            (
                &[("x-datadog-trace-id", "+1"), ("x-datadog-parent-id", "1")],
                &["invalid_datadog_id"],
            ),
            (
                &[
                    ("x-datadog-trace-id", "1"),
                    ("x-datadog-parent-id", "18446744073709551616"),
                ],
                &["invalid_datadog_id"],
            ),
            (
                &[
                    ("x-datadog-trace-id", "1"),
                    ("x-datadog-trace-id", "2"),
                    ("x-datadog-parent-id", "1"),
                ],
                &["repeated_header"],
            ),
        ];
        for (pairs, expected) in cases {
            let (context, codes) = run(pairs);
            assert!(context.is_none(), "{pairs:?}");
            assert_eq!(codes, expected, "{pairs:?}");
        }
    }

    #[test]
    fn priorities() {
        for (priority, sampled) in [
            ("-1", false),
            ("0", false),
            ("1", true),
            ("2", true),
            ("5", true),
        ] {
            let (context, _) = run(&with_ids(&[("x-datadog-sampling-priority", priority)]));
            let context = context.unwrap();
            assert_eq!(context.sampled(), sampled, "{priority}");
            assert!(!context.is_deferred());
            let out = round_trip(&with_ids(&[("x-datadog-sampling-priority", priority)]));
            assert_eq!(
                out[2],
                ("x-datadog-sampling-priority".into(), priority.into())
            );
        }
        let (context, codes) = run(&IDS);
        let context = context.unwrap();
        assert_eq!(codes, ["extracted"]);
        assert!(!context.sampled() && context.is_deferred());
        assert_eq!(context.flags().bits(), 0);
        let (context, codes) = run(&with_ids(&[("x-datadog-sampling-priority", "keep")]));
        assert_eq!(codes, ["invalid_datadog_sampling_priority", "extracted"]);
        assert!(context.unwrap().is_deferred());
    }

    #[test]
    fn priority_follows_a_later_decision() {
        let context = run(&with_ids(&[("x-datadog-sampling-priority", "2")]))
            .0
            .unwrap();
        assert_eq!(sampling_priority(&context), Some(2));
        assert_eq!(
            sampling_priority(&context.clone().with_sampled(false)),
            Some(0)
        );
        let context = run(&with_ids(&[("x-datadog-sampling-priority", "-1")]))
            .0
            .unwrap();
        assert_eq!(sampling_priority(&context), Some(-1));
        assert_eq!(
            sampling_priority(&context.clone().with_sampled(true)),
            Some(1)
        );
        let deferred = run(&IDS).0.unwrap();
        assert_eq!(sampling_priority(&deferred), None);
        assert_eq!(sampling_priority(&deferred.with_sampled(true)), Some(1));
    }

    #[test]
    fn tags_grammar() {
        let cases: [(&str, Option<&str>, &[&str]); 9] = [
            (
                "_dd.p.dm=-4,_dd.p.usr.id=baz64",
                Some("_dd.p.dm=-4,_dd.p.usr.id=baz64"),
                &[],
            ),
            ("_dd.p.dm = -4", None, &["invalid_datadog_tags"]),
            ("_dd.p.dm= -4 ", Some("_dd.p.dm=-4"), &[]),
            ("_dd.p.a=x=y", Some("_dd.p.a=x=y"), &[]),
            ("_dd.p.a=1,,_dd.p.b=2,", Some("_dd.p.a=1,_dd.p.b=2"), &[]),
            ("other=1,_dd.p.a=1", Some("_dd.p.a=1"), &[]),
            (
                "_dd.p.a=1,_dd.p.b=2,_dd.p.a=3",
                Some("_dd.p.a=3,_dd.p.b=2"),
                &[],
            ),
            ("_dd.p.a=1,novalue", None, &["invalid_datadog_tags"]),
            ("_dd.p.a=", None, &["invalid_datadog_tags"]),
        ];
        for (tags, kept, expected) in cases {
            let pairs: Vec<_> = IDS
                .iter()
                .copied()
                .chain([("x-datadog-tags", tags)])
                .collect();
            let (context, codes) = run(&pairs);
            let context = context.unwrap();
            let want: Vec<&str> = expected.iter().copied().chain(["extracted"]).collect();
            assert_eq!(codes, want, "{tags}");
            assert_eq!(
                context.extras().and_then(|e| e.tags.as_deref()),
                kept,
                "{tags}"
            );
        }
    }

    #[test]
    fn tags_are_combined_and_limited() {
        let pairs = with_ids(&[
            ("x-datadog-tags", "_dd.p.tid=640cfd8d00000000"),
            ("x-datadog-tags", "_dd.p.dm=-4"),
        ]);
        assert_eq!(
            round_trip(&pairs)[2],
            (
                "x-datadog-tags".into(),
                "_dd.p.tid=640cfd8d00000000,_dd.p.dm=-4".into()
            )
        );
        let long = format!("_dd.p.a={}", "x".repeat(TAGS_MAX_LEN - 8));
        let pairs: Vec<_> = IDS
            .iter()
            .copied()
            .chain([("x-datadog-tags", long.as_str())])
            .collect();
        assert_eq!(run(&pairs).1, ["extracted"]);
        let longer = format!("{long}y");
        let pairs: Vec<_> = IDS
            .iter()
            .copied()
            .chain([("x-datadog-tags", longer.as_str())])
            .collect();
        let (context, codes) = run(&pairs);
        assert_eq!(codes, ["datadog_tags_too_large", "extracted"]);
        assert_eq!(context.unwrap().extras().unwrap().tags, None);
    }

    #[test]
    fn origin() {
        let (context, codes) = run(&with_ids(&[("x-datadog-origin", "synthetics")]));
        assert_eq!(codes, ["extracted"]);
        assert_eq!(
            context.unwrap().extras().unwrap().origin.as_deref(),
            Some("synthetics")
        );
        let (context, codes) = run(&with_ids(&[("x-datadog-origin", "syn\u{e9}")]));
        assert_eq!(codes, ["invalid_datadog_origin", "extracted"]);
        assert_eq!(context.unwrap().extras().unwrap().origin, None);
    }

    #[test]
    fn full_round_trip_in_order() {
        let pairs = [
            ("x-datadog-trace-id", "1234567890123456789"),
            ("x-datadog-parent-id", "987654321"),
            ("x-datadog-sampling-priority", "2"),
            ("x-datadog-origin", "rum"),
            ("x-datadog-tags", "_dd.p.tid=640cfd8d00000000,_dd.p.dm=-4"),
        ];
        assert_eq!(round_trip(&pairs), headers(&pairs));
    }

    #[test]
    fn inject_from_another_format() {
        let incoming = headers(&[(
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03",
        )]);
        let w3c = propagator(&[Format::TraceContext], &[FORMAT]);
        let context = w3c.extract(&incoming).unwrap();
        let mut out = headers(&[
            ("X-Datadog-Origin", "stale"),
            ("x-datadog-sampling-priority", "-1"),
        ]);
        w3c.inject(&context, &mut out);
        assert_eq!(
            out,
            headers(&[
                ("x-datadog-trace-id", "11803532876627986230"),
                ("x-datadog-parent-id", "67667974448284343"),
                ("x-datadog-sampling-priority", "1"),
                ("x-datadog-tags", "_dd.p.tid=4bf92f3577b34da6"),
            ])
        );
        let zero_low = headers(&[(
            "traceparent",
            "00-4bf92f3577b34da60000000000000000-00f067aa0ba902b7-01",
        )]);
        let context = w3c.extract(&zero_low).unwrap();
        let mut out = headers(&[("x-datadog-trace-id", "5")]);
        w3c.inject(&context, &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn no_random_flag_and_child_keeps_state() {
        let context = run(&with_ids(&[
            ("x-datadog-sampling-priority", "2"),
            ("x-datadog-origin", "rum"),
        ]))
        .0
        .unwrap();
        assert!(!context.flags().is_random());
        let child = context.child();
        let mut out: Vec<(String, String)> = Vec::new();
        propagator(&[], &[FORMAT]).inject(&child, &mut out);
        assert_eq!(out[0].1, "1234567890123456789");
        assert_ne!(out[1].1, "987654321");
        assert_eq!(
            &out[2..],
            &headers(&[
                ("x-datadog-sampling-priority", "2"),
                ("x-datadog-origin", "rum"),
            ])[..]
        );
    }
}
