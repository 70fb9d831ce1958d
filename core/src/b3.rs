//! B3 propagation (openzipkin/b3-propagation README, "Http Encodings"; the
//! OpenTelemetry propagators spec, "B3 Requirements"): the single `b3` header and
//! the `X-B3-*` headers.
//!
//! Both `b3` and `b3multi` read both encodings. The single header takes
//! precedence when it yields a context; when it is absent, malformed or carries a
//! sampling state only (`b3: 0`), the multiple headers are tried. Trace ids are 16
//! or 32 lowercase hex digits (16 are left-padded with zeros), span ids 16; upper
//! case is rejected, so it never reaches a `traceparent`. The parent span id is
//! checked (single) or ignored (multi) and never sent on: the extracted span id is
//! the remote parent, and a child draws a new one.
//!
//! Sampling states map to the sampled flag: accept (`1`, and `true` in
//! `X-B3-Sampled`, which the README lets a lenient reader accept), deny (`0`,
//! `false`), debug (`d`, `X-B3-Flags: 1`; sampled and [`Context::is_debug`]) and
//! defer (no state; not sampled and [`Context::is_deferred`]). B3 ids are not
//! known to be random, so the W3C random flag stays clear.
//!
//! Injection writes lowercase hex only: `b3: {trace}-{span}[-{1|0|d}]` (no state
//! when deferred), or `x-b3-traceid`, `x-b3-spanid`, then `x-b3-sampled: 1|0`, or
//! `x-b3-flags: 1` alone for debug, or neither when deferred. Stale headers of the
//! written encoding are removed; those of the other encoding are left alone, since
//! a propagator may write both.

use std::str;

use crate::carrier::Injector;
use crate::diagnostic::Sink;
use crate::headers::{Field, Seen};
use crate::hex::{self, HexError};
use crate::{Code, Context, Format, Repeated, SpanId, TraceFlags, TraceId};

/// A B3 sampling state (README "Sampling State").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sampling {
    Defer,
    Deny,
    Accept,
    Debug,
}

impl Sampling {
    /// The single header's state: `1`, `0` or `d`.
    fn parse_single(s: &str) -> Option<Self> {
        match s {
            "1" => Some(Self::Accept),
            "0" => Some(Self::Deny),
            "d" => Some(Self::Debug),
            _ => None,
        }
    }

    /// What to send for `context`: its sampled flag decides; debug refines an
    /// accept, defer explains a missing one.
    fn of(context: &Context) -> Self {
        match (context.sampled(), context.is_debug(), context.is_deferred()) {
            (true, true, _) => Self::Debug,
            (true, false, _) => Self::Accept,
            (false, _, true) => Self::Defer,
            (false, _, false) => Self::Deny,
        }
    }
}

/// The remote span, with the debug or deferred state kept in its extras.
fn context(trace_id: TraceId, span_id: SpanId, sampling: Sampling) -> Context {
    let sampled = matches!(sampling, Sampling::Accept | Sampling::Debug);
    let mut context = Context::new(trace_id, span_id, TraceFlags::NONE.with_sampled(sampled));
    match sampling {
        Sampling::Debug => context.extras_mut().debug = true,
        Sampling::Defer => context.extras_mut().deferred = true,
        Sampling::Accept | Sampling::Deny => {}
    }
    context
}

/// The context of the `b3` header, or else of the `X-B3-*` headers.
pub(crate) fn extract(
    seen: &Seen<'_>,
    repeated: Repeated,
    format: Format,
    sink: &mut Sink<'_>,
) -> Option<Context> {
    let single = seen.single(Field::B3, repeated, format, sink);
    if let Ok(Some(value)) = single {
        match parse_single(value) {
            Ok(Some((trace_id, span_id, sampling))) => {
                return Some(context(trace_id, span_id, sampling))
            }
            Ok(None) => sink.report(format, Field::B3.name(), Code::B3SamplingOnly),
            Err(code) => sink.report(format, Field::B3.name(), code),
        }
    }
    extract_multi(seen, repeated, format, sink, single != Ok(None))
}

/// Parses `{TraceId}-{SpanId}[-{SamplingState}[-{ParentSpanId}]]`; `Ok(None)` for a
/// sampling state alone.
fn parse_single(value: &str) -> Result<Option<(TraceId, SpanId, Sampling)>, Code> {
    let mut fields = [""; 4];
    let mut count = 0;
    for field in value.split('-') {
        *fields.get_mut(count).ok_or(Code::InvalidB3)? = field;
        count += 1;
    }
    let [trace, span, sampling, parent] = fields;
    if count == 1 {
        return match Sampling::parse_single(trace) {
            Some(_) => Ok(None),
            None if trace.len() == 1 => Err(Code::InvalidB3Sampling),
            None => Err(Code::InvalidB3),
        };
    }
    if !matches!(trace.len(), 16 | 32) || span.len() != 16 || (count == 4 && parent.len() != 16) {
        return Err(Code::InvalidB3);
    }
    let (trace_bytes, trace_seen) = decode_trace(trace.as_bytes());
    let (span_bytes, span_seen) = hex::decode_unchecked::<8>(span.as_bytes());
    let (_, parent_seen) = hex::decode_unchecked::<8>(parent.as_bytes());
    judge(trace_seen | span_seen | parent_seen)?;
    let sampling = match count {
        2 => Sampling::Defer,
        _ => Sampling::parse_single(sampling).ok_or(Code::InvalidB3Sampling)?,
    };
    let trace_id = TraceId::from_bytes(trace_bytes).ok_or(Code::ZeroTraceId)?;
    let span_id = SpanId::from_bytes(span_bytes).ok_or(Code::ZeroSpanId)?;
    Ok(Some((trace_id, span_id, sampling)))
}

/// The context of `X-B3-TraceId`, `X-B3-SpanId`, `X-B3-Sampled` and `X-B3-Flags`;
/// `X-B3-ParentSpanId` is ignored. `single_seen`: a `b3` header was present (and
/// already explained why it gave no context).
fn extract_multi(
    seen: &Seen<'_>,
    repeated: Repeated,
    format: Format,
    sink: &mut Sink<'_>,
    single_seen: bool,
) -> Option<Context> {
    let trace = seen.single(Field::B3TraceId, repeated, format, sink).ok()?;
    let span = seen.single(Field::B3SpanId, repeated, format, sink).ok()?;
    let (trace, span) = match (trace, span) {
        (Some(trace), Some(span)) => (trace, span),
        (None, None) => {
            let state = [Field::B3Sampled, Field::B3Flags]
                .into_iter()
                .find(|&field| !seen.values(field).is_empty());
            match state {
                Some(field) => sink.report(format, field.name(), Code::B3SamplingOnly),
                None if !single_seen => sink.report(format, Field::B3.name(), Code::MissingB3),
                None => {}
            }
            return None;
        }
        (None, Some(_)) => {
            sink.report(format, Field::B3TraceId.name(), Code::MissingB3);
            return None;
        }
        (Some(_), None) => {
            sink.report(format, Field::B3SpanId.name(), Code::MissingB3);
            return None;
        }
    };
    let trace_id = reported(parse_trace_id(trace), format, Field::B3TraceId, sink)?;
    let span_id = reported(parse_span_id(span), format, Field::B3SpanId, sink)?;
    let sampled = seen.single(Field::B3Sampled, repeated, format, sink).ok()?;
    let sampled = reported(parse_sampled(sampled), format, Field::B3Sampled, sink)?;
    let flags = seen.single(Field::B3Flags, repeated, format, sink).ok()?;
    let debug = reported(parse_flags(flags), format, Field::B3Flags, sink)?;
    // Debug implies accept, whatever `X-B3-Sampled` says.
    let sampling = match (debug, sampled) {
        (true, _) => Sampling::Debug,
        (false, Some(true)) => Sampling::Accept,
        (false, Some(false)) => Sampling::Deny,
        (false, None) => Sampling::Defer,
    };
    Some(context(trace_id, span_id, sampling))
}

/// `X-B3-Sampled`: `1` or `0`, or the legacy `true` or `false` that the README
/// lets a lenient reader accept; `None` when absent (defer).
fn parse_sampled(value: Option<&str>) -> Result<Option<bool>, Code> {
    match value {
        None => Ok(None),
        Some("1" | "true") => Ok(Some(true)),
        Some("0" | "false") => Ok(Some(false)),
        Some(_) => Err(Code::InvalidB3Sampling),
    }
}

/// `X-B3-Flags`: `1` is debug; `0` (or absence) is not.
fn parse_flags(value: Option<&str>) -> Result<bool, Code> {
    match value {
        None | Some("0") => Ok(false),
        Some("1") => Ok(true),
        Some(_) => Err(Code::InvalidB3Sampling),
    }
}

/// The value, or `None` after reporting why `field` was rejected.
fn reported<T>(
    result: Result<T, Code>,
    format: Format,
    field: Field,
    sink: &mut Sink<'_>,
) -> Option<T> {
    result
        .map_err(|code| sink.report(format, field.name(), code))
        .ok()
}

/// 16 or 32 lowercase hex digits, not all zero.
fn parse_trace_id(s: &str) -> Result<TraceId, Code> {
    if !matches!(s.len(), 16 | 32) {
        return Err(Code::InvalidB3);
    }
    let (bytes, seen) = decode_trace(s.as_bytes());
    judge(seen)?;
    TraceId::from_bytes(bytes).ok_or(Code::ZeroTraceId)
}

/// 16 lowercase hex digits, not all zero.
fn parse_span_id(s: &str) -> Result<SpanId, Code> {
    if s.len() != 16 {
        return Err(Code::InvalidB3);
    }
    let (bytes, seen) = hex::decode_unchecked::<8>(s.as_bytes());
    judge(seen)?;
    SpanId::from_bytes(bytes).ok_or(Code::ZeroSpanId)
}

/// Decodes a 32- or 16-digit trace id (the latter left-padded with zeros), unjudged.
fn decode_trace(s: &[u8]) -> ([u8; 16], u8) {
    if s.len() == 32 {
        return hex::decode_unchecked::<16>(s);
    }
    let (low, seen) = hex::decode_unchecked::<8>(s);
    let mut bytes = [0u8; 16];
    bytes[8..].copy_from_slice(&low);
    (bytes, seen)
}

/// The code for hex digits that are not all lowercase hex.
fn judge(seen: u8) -> Result<(), Code> {
    hex::verdict(seen).map_err(|error| match error {
        HexError::NotHex => Code::InvalidHex,
        HexError::Uppercase => Code::UppercaseHex,
    })
}

/// Writes `b3: {trace}-{span}-{1|0|d}`, without the state when deferred and never
/// with a parent span id.
pub(crate) fn inject_single<I: Injector + ?Sized>(context: &Context, carrier: &mut I) {
    let mut value = [b'-'; 51];
    hex::encode_into(&context.trace_id().to_bytes(), &mut value[..32]);
    hex::encode_into(&context.span_id().to_bytes(), &mut value[33..49]);
    let state = match Sampling::of(context) {
        Sampling::Defer => None,
        Sampling::Deny => Some(b'0'),
        Sampling::Accept => Some(b'1'),
        Sampling::Debug => Some(b'd'),
    };
    let len = match state {
        Some(state) => {
            value[50] = state;
            51
        }
        None => 49,
    };
    // Only ASCII hex digits, dashes and state characters are written.
    carrier.set_header(
        Field::B3.name(),
        str::from_utf8(&value[..len]).unwrap_or_default(),
    );
}

/// Writes `x-b3-traceid`, `x-b3-spanid` and the sampling state (`x-b3-sampled`,
/// or `x-b3-flags: 1` alone for debug, or neither when deferred), removing stale
/// state and parent headers.
pub(crate) fn inject_multi<I: Injector + ?Sized>(context: &Context, carrier: &mut I) {
    carrier.set_header(Field::B3TraceId.name(), &context.trace_id().to_hex());
    carrier.set_header(Field::B3SpanId.name(), &context.span_id().to_hex());
    let (sampled, flags) = match Sampling::of(context) {
        Sampling::Defer => (None, None),
        Sampling::Deny => (Some("0"), None),
        Sampling::Accept => (Some("1"), None),
        Sampling::Debug => (None, Some("1")),
    };
    for (field, value) in [(Field::B3Sampled, sampled), (Field::B3Flags, flags)] {
        match value {
            Some(value) => carrier.set_header(field.name(), value),
            None => carrier.remove_header(field.name()),
        }
    }
    carrier.remove_header(Field::B3ParentSpanId.name());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Diagnostic, Propagator};

    const TRACE: &str = "80f198ee56343ba864fe8b2a57d3eff7";
    const SPAN: &str = "e457b5a2e4d86bd1";

    type Pairs<'a> = &'a [(&'a str, &'a str)];

    fn propagator(extract: Format, inject: &[Format]) -> Propagator {
        Propagator::builder()
            .extract([extract])
            .inject(inject.iter().copied())
            .build()
    }

    fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn codes(diagnostics: &[Diagnostic]) -> Vec<&'static str> {
        diagnostics.iter().map(|d| d.code.as_str()).collect()
    }

    /// Extracts with `b3` and re-injects in `inject`.
    fn round_trip(pairs: &[(&str, &str)], inject: &[Format]) -> Vec<(String, String)> {
        let propagator = propagator(Format::B3, inject);
        let context = propagator.extract(&headers(pairs)).expect("a context");
        let mut out: Vec<(String, String)> = Vec::new();
        propagator.inject(&context, &mut out);
        out
    }

    #[test]
    fn single_header_forms() {
        let cases = [
            (format!("{TRACE}-{SPAN}-1"), 1, false, false),
            (format!("{TRACE}-{SPAN}-0"), 0, false, false),
            (format!("{TRACE}-{SPAN}-d"), 1, true, false),
            (format!("{TRACE}-{SPAN}"), 0, false, true),
            (
                format!("{TRACE}-{SPAN}-1-05e3ac9a4f6e3b90"),
                1,
                false,
                false,
            ),
        ];
        for (value, flags, debug, deferred) in cases {
            let (trace_id, span_id, sampling) = parse_single(&value).unwrap().unwrap();
            let context = context(trace_id, span_id, sampling);
            assert_eq!(context.trace_id().to_string(), TRACE);
            assert_eq!(context.span_id().to_string(), SPAN);
            assert_eq!(context.parent_span_id(), None, "{value}");
            assert_eq!(context.flags().bits(), flags, "{value}");
            assert_eq!(
                (context.is_debug(), context.is_deferred()),
                (debug, deferred)
            );
        }
    }

    #[test]
    fn single_header_rejections() {
        let cases = [
            ("1", Ok(None)),
            ("0", Ok(None)),
            ("d", Ok(None)),
            ("2", Err(Code::InvalidB3Sampling)),
            (TRACE, Err(Code::InvalidB3)),
            ("", Err(Code::InvalidB3)),
            (
                "80F198EE56343BA864FE8B2A57D3EFF7-e457b5a2e4d86bd1-1",
                Err(Code::UppercaseHex),
            ),
            (
                "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bdg-1",
                Err(Code::InvalidHex),
            ),
            (
                "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-true",
                Err(Code::InvalidB3Sampling),
            ),
            (
                "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05E3AC9A4F6E3B90",
                Err(Code::UppercaseHex),
            ),
            (
                "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b9",
                Err(Code::InvalidB3),
            ),
            (
                "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90-x",
                Err(Code::InvalidB3),
            ),
            (
                "80f198ee56343ba864fe8b2a57d3eff-e457b5a2e4d86bd1-1",
                Err(Code::InvalidB3),
            ),
            (
                "00000000000000000000000000000000-e457b5a2e4d86bd1-1",
                Err(Code::ZeroTraceId),
            ),
            (
                "0000000000000000-e457b5a2e4d86bd1-1",
                Err(Code::ZeroTraceId),
            ),
            (
                "80f198ee56343ba864fe8b2a57d3eff7-0000000000000000-1",
                Err(Code::ZeroSpanId),
            ),
        ];
        for (value, expected) in cases {
            let got = parse_single(value).map(|parsed| parsed.map(|_| ()));
            assert_eq!(got, expected, "{value}");
        }
    }

    #[test]
    fn short_trace_id_is_left_padded() {
        let out = round_trip(
            &[("b3", "a3ce929d0e0e4736-00f067aa0ba902b7-1")],
            &[Format::TraceContext],
        );
        assert_eq!(
            out,
            headers(&[(
                "traceparent",
                "00-0000000000000000a3ce929d0e0e4736-00f067aa0ba902b7-01"
            )])
        );
    }

    #[test]
    fn multi_headers() {
        let base = [("X-B3-TraceId", TRACE), ("X-B3-SpanId", SPAN)];
        let cases: [(Pairs, u8, bool, bool); 7] = [
            (&[("X-B3-Sampled", "1")], 1, false, false),
            (&[("X-B3-Sampled", "true")], 1, false, false),
            (&[("X-B3-Sampled", "false")], 0, false, false),
            (&[], 0, false, true),
            (&[("X-B3-Flags", "1")], 1, true, false),
            (
                &[("X-B3-Flags", "1"), ("X-B3-Sampled", "0")],
                1,
                true,
                false,
            ),
            (
                &[("X-B3-Flags", "0"), ("X-B3-ParentSpanId", "bogus")],
                0,
                false,
                true,
            ),
        ];
        for (extra, flags, debug, deferred) in cases {
            let all: Vec<_> = base.iter().chain(extra).copied().collect();
            let context = propagator(Format::B3Multi, &[])
                .extract(&headers(&all))
                .expect("a context");
            assert_eq!(context.flags().bits(), flags, "{extra:?}");
            assert_eq!(
                (context.is_debug(), context.is_deferred()),
                (debug, deferred)
            );
        }
    }

    #[test]
    fn multi_rejections() {
        let cases: [(Pairs, &[&str]); 7] = [
            (&[], &["missing_b3"]),
            (&[("x-b3-sampled", "0")], &["b3_sampling_only"]),
            (&[("x-b3-traceid", TRACE)], &["missing_b3"]),
            (
                &[
                    ("x-b3-traceid", "80F198EE56343BA864FE8B2A57D3EFF7"),
                    ("x-b3-spanid", SPAN),
                ],
                &["uppercase_hex"],
            ),
            (
                &[
                    ("x-b3-traceid", TRACE),
                    ("x-b3-spanid", SPAN),
                    ("x-b3-sampled", "2"),
                ],
                &["invalid_b3_sampling"],
            ),
            (
                &[
                    ("x-b3-traceid", TRACE),
                    ("x-b3-spanid", SPAN),
                    ("x-b3-flags", "2"),
                ],
                &["invalid_b3_sampling"],
            ),
            (
                &[
                    ("x-b3-traceid", TRACE),
                    ("x-b3-spanid", SPAN),
                    ("x-b3-spanid", "a2fb4a1d1a96d312"),
                ],
                &["repeated_header"],
            ),
        ];
        for (pairs, expected) in cases {
            let (context, diagnostics) =
                propagator(Format::B3Multi, &[]).extract_with_diagnostics(&headers(pairs));
            assert!(context.is_none(), "{pairs:?}");
            assert_eq!(codes(&diagnostics), expected, "{pairs:?}");
        }
    }

    #[test]
    fn single_wins_and_falls_back() {
        let multi = [
            ("x-b3-traceid", "463ac35c9f6413ad48485a3953bb6124"),
            ("x-b3-spanid", "a2fb4a1d1a96d312"),
        ];
        let single = format!("{TRACE}-{SPAN}-1");
        for (b3, trace, expected) in [
            (single.as_str(), TRACE, vec!["extracted"]),
            (
                "0",
                "463ac35c9f6413ad48485a3953bb6124",
                vec!["b3_sampling_only", "extracted"],
            ),
            (
                "garbage-value",
                "463ac35c9f6413ad48485a3953bb6124",
                vec!["invalid_b3", "extracted"],
            ),
        ] {
            let all: Vec<_> = [("b3", b3)].iter().chain(&multi).copied().collect();
            let (context, diagnostics) =
                propagator(Format::B3, &[]).extract_with_diagnostics(&headers(&all));
            assert_eq!(context.unwrap().trace_id().to_string(), trace, "{b3}");
            assert_eq!(codes(&diagnostics), expected, "{b3}");
        }
        let (context, diagnostics) =
            propagator(Format::B3, &[]).extract_with_diagnostics(&headers(&[("b3", "d")]));
        assert!(context.is_none());
        assert_eq!(codes(&diagnostics), ["b3_sampling_only"]);
    }

    #[test]
    fn state_survives_a_round_trip() {
        for state in ["-1", "-0", "-d", ""] {
            let value = format!("{TRACE}-{SPAN}{state}");
            assert_eq!(
                round_trip(&[("b3", &value)], &[Format::B3]),
                headers(&[("b3", &value)])
            );
        }
        let multi = [("x-b3-traceid", TRACE), ("x-b3-spanid", SPAN)];
        for state in [
            &[("x-b3-sampled", "1")][..],
            &[("x-b3-sampled", "0")],
            &[("x-b3-flags", "1")],
            &[],
        ] {
            let all: Vec<_> = multi.iter().chain(state).copied().collect();
            assert_eq!(round_trip(&all, &[Format::B3Multi]), headers(&all));
        }
    }

    #[test]
    fn inject_replaces_stale_headers_and_a_stale_single_header() {
        let context = propagator(Format::B3, &[])
            .extract(&headers(&[("b3", &format!("{TRACE}-{SPAN}-d"))]))
            .unwrap();
        let mut out = headers(&[
            ("X-B3-Sampled", "0"),
            ("X-B3-ParentSpanId", "05e3ac9a4f6e3b90"),
            ("B3", "stale"),
        ]);
        propagator(Format::B3, &[Format::B3Multi]).inject(&context, &mut out);
        assert_eq!(
            out,
            headers(&[
                ("x-b3-traceid", TRACE),
                ("x-b3-spanid", SPAN),
                ("x-b3-flags", "1"),
            ])
        );
        propagator(Format::B3, &[Format::B3, Format::B3Multi]).inject(&context, &mut out);
        assert_eq!(out.len(), 4);
        assert!(out.contains(&("b3".into(), format!("{TRACE}-{SPAN}-d"))));
    }

    #[test]
    fn a_decision_made_here_replaces_defer() {
        let context = propagator(Format::B3, &[])
            .extract(&headers(&[("b3", &format!("{TRACE}-{SPAN}"))]))
            .unwrap()
            .with_sampled(true);
        let mut out: Vec<(String, String)> = Vec::new();
        propagator(Format::B3, &[Format::B3]).inject(&context, &mut out);
        assert_eq!(out, headers(&[("b3", &format!("{TRACE}-{SPAN}-1"))]));
    }
}
