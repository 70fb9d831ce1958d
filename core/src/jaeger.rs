//! Jaeger propagation (Jaeger client libraries, "Propagation Format"): the
//! `uber-trace-id` header and `uberctx-{key}` baggage headers.
//!
//! `uber-trace-id: {trace-id}:{span-id}:{parent-span-id}:{flags}`, where:
//! - the separators may arrive URL-encoded (`%3A`, either case);
//! - the ids are lowercase hex of variable length (trace id 1-32 digits, span id
//!   1-16), left-padded with zeros, never all zero; upper case is rejected
//!   (`uppercase_hex`) as everywhere in tracewire;
//! - the deprecated parent span id is ignored (1-16 hex digits, `0` included);
//! - the flags are one byte as one or two **hex** digits (`0a` is 10, not an
//!   error): `0x01` sampled, `0x02` debug, other bits ignored. The docs say debug
//!   "should only be set when the sampled flag is set", so debug counts as sampled.
//!
//! Written as `{32 hex}:{16 hex}:0:{2 hex}` with only the sampled and debug bits,
//! debug only when it arrived (never forced on) and only beside the sampled bit
//! (a receiver reads debug as sampled), then one `uberctx-{key}` header per
//! baggage member; a member with an empty value removes its header instead, since
//! no header is ever written empty.
//!
//! Baggage: the key is the header name after `uberctx-`, lower-cased (HTTP names
//! are case-insensitive and HTTP/2 lower-cases them, so the key never depends on
//! the transport); the value is percent-decoded (`%20` is a space, `+` stays a
//! plus, invalid UTF-8 becomes U+FFFD). A `%` that starts no escape is kept as it
//! is: senders of Jaeger's `TEXT_MAP` encoding (Kafka) do not URL-encode values.
//! An empty value is no member, as injection never writes one.

use crate::baggage::{MAX_BYTES, MAX_MEMBERS};
use crate::carrier::Injector;
use crate::diagnostic::Sink;
use crate::headers::{Field, Seen};
use crate::hex::{self, HexError};
use crate::traceparent::trim_ows;
use crate::{Baggage, Code, Context, Format, Repeated, SpanId, TraceFlags, TraceId};

const TRACE_HEADER: &str = "uber-trace-id";
const BAGGAGE_HEADER: &str = "uberctx-*";
const BAGGAGE_PREFIX: &str = "uberctx-";

const SAMPLED: u8 = 0x01;
const DEBUG: u8 = 0x02;

/// The context of the `uber-trace-id` header, if valid.
pub(crate) fn extract(seen: &Seen<'_>, repeated: Repeated, sink: &mut Sink<'_>) -> Option<Context> {
    let value = match seen.single(Field::UberTraceId, repeated, Format::Jaeger, sink) {
        Ok(Some(value)) => value,
        Ok(None) => {
            sink.report(Format::Jaeger, TRACE_HEADER, Code::MissingUberTraceId);
            return None;
        }
        Err(()) => return None,
    };
    parse(value)
        .map_err(|code| sink.report(Format::Jaeger, TRACE_HEADER, code))
        .ok()
}

/// Parses one `uber-trace-id` value, already trimmed of OWS.
fn parse(value: &str) -> Result<Context, Code> {
    let [trace, span, parent, flags] = split(value).ok_or(Code::InvalidUberTraceId)?;
    let fits = |field: &str, max: usize| (1..=max).contains(&field.len());
    if !(fits(trace, 32) && fits(span, 16) && fits(parent, 16) && fits(flags, 2)) {
        return Err(Code::InvalidUberTraceId);
    }
    let (trace, trace_seen) = padded::<16>(trace);
    let (span, span_seen) = padded::<8>(span);
    let ([flags], flags_seen) = padded::<1>(flags);
    // The parent is never read nor sent on: only its being hex matters.
    if hex::check(parent.as_bytes()) == Err(HexError::NotHex) {
        return Err(Code::InvalidHex);
    }
    match hex::verdict(trace_seen | span_seen | flags_seen) {
        Err(HexError::NotHex) => return Err(Code::InvalidHex),
        Err(HexError::Uppercase) => return Err(Code::UppercaseHex),
        Ok(()) => {}
    }
    let trace_id = TraceId::from_bytes(trace).ok_or(Code::ZeroTraceId)?;
    let span_id = SpanId::from_bytes(span).ok_or(Code::ZeroSpanId)?;
    let sampled = flags & (SAMPLED | DEBUG) != 0;
    let mut context = Context::new(trace_id, span_id, TraceFlags::NONE.with_sampled(sampled));
    if flags & DEBUG != 0 {
        context.extras_mut().debug = true;
    }
    Ok(context)
}

/// The four fields, split at `:` or its URL encoding `%3A` / `%3a`.
fn split(value: &str) -> Option<[&str; 4]> {
    let bytes = value.as_bytes();
    let mut fields = [""; 4];
    let (mut count, mut start, mut i) = (0, 0, 0);
    while i < bytes.len() {
        let width = match bytes[i] {
            b':' => 1,
            b'%' if bytes
                .get(i + 1..i + 3)
                .is_some_and(|code| code.eq_ignore_ascii_case(b"3a")) =>
            {
                3
            }
            _ => 0,
        };
        if width == 0 {
            i += 1;
            continue;
        }
        *fields.get_mut(count)? = &value[start..i];
        count += 1;
        i += width;
        start = i;
    }
    *fields.get_mut(count)? = &value[start..];
    (count == 3).then_some(fields)
}

/// Decodes at most `2 * N` hex digits, left-padded with zeros, without judging them.
fn padded<const N: usize>(digits: &str) -> ([u8; N], u8) {
    let mut buf = [b'0'; 32];
    buf[32 - digits.len()..].copy_from_slice(digits.as_bytes());
    hex::decode_unchecked(&buf[32 - 2 * N..])
}

/// The `uberctx-*` headers as baggage, in carrier order (the last value of a key wins).
pub(crate) fn baggage(seen: &Seen<'_>, sink: &mut Sink<'_>) -> Baggage {
    let mut baggage = Baggage::new();
    let mut full = false;
    for (name, raw) in seen.values(Field::UberCtx).pairs() {
        let Ok(text) = std::str::from_utf8(raw) else {
            sink.report(Format::Jaeger, BAGGAGE_HEADER, Code::InvalidUtf8);
            continue;
        };
        // `Field::matches` checked the prefix, case-insensitively, at a char boundary.
        let key = &name[BAGGAGE_PREFIX.len()..];
        let value = trim_ows(text);
        // What injection never writes: an empty header some stacks drop anyway.
        if value.is_empty() {
            continue;
        }
        // Decoding shrinks a value to a third at most: past that, it cannot fit.
        if key.len() + value.len() / 3 > MAX_BYTES {
            sink.report(Format::Jaeger, BAGGAGE_HEADER, Code::BaggageTooLarge);
            continue;
        }
        let key = key.to_ascii_lowercase();
        if baggage.len() == MAX_MEMBERS && baggage.get(&key).is_none() {
            if !full {
                sink.report(Format::Jaeger, BAGGAGE_HEADER, Code::BaggageTooLarge);
                full = true;
            }
            continue;
        }
        if let Err(code) = baggage.set(&key, &decode(value)) {
            sink.report(Format::Jaeger, BAGGAGE_HEADER, code);
        }
    }
    baggage
}

/// Percent-decodes (RFC 3986 §2.1, never `+` as space); a `%` that starts no
/// escape stays a `%`. Invalid UTF-8 becomes U+FFFD.
fn decode(value: &str) -> String {
    if !value.contains('%') {
        return value.to_owned();
    }
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|pair| Some((hex_digit(pair[0])? << 4) | hex_digit(pair[1])?));
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_digit(b: u8) -> Option<u8> {
    char::from(b)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

/// Writes `uber-trace-id`, then `uberctx-{key}` for every baggage member (keys are
/// tokens, so valid header names; written lower-case like every injected name),
/// removing it for an empty value.
pub(crate) fn inject<I: Injector + ?Sized>(context: &Context, carrier: &mut I) {
    let mut flags = 0;
    if context.sampled() {
        flags |= SAMPLED;
    }
    // Debug means "sample this": never sent for a trace that is not sampled.
    if context.sampled() && context.is_debug() {
        flags |= DEBUG;
    }
    let mut value = [b':'; 32 + 1 + 16 + 3 + 2];
    hex::encode_into(&context.trace_id().to_bytes(), &mut value[..32]);
    hex::encode_into(&context.span_id().to_bytes(), &mut value[33..49]);
    value[50] = b'0';
    hex::encode_into(&[flags], &mut value[52..]);
    // Only hex digits, `:` and `0` were written.
    carrier.set_header(
        TRACE_HEADER,
        std::str::from_utf8(&value).unwrap_or_default(),
    );
    for (key, value, _) in context.baggage().iter() {
        let name = format!("{BAGGAGE_PREFIX}{}", key.to_ascii_lowercase());
        if value.is_empty() {
            carrier.remove_header(&name);
            continue;
        }
        let mut encoded = String::with_capacity(value.len());
        crate::baggage::encode_into(value, &mut encoded);
        carrier.set_header(&name, &encoded);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(value: &str) -> Result<(String, String, u8, bool), Code> {
        parse(value).map(|c| {
            let id = (c.trace_id().to_string(), c.span_id().to_string());
            (id.0, id.1, c.flags().bits(), c.is_debug())
        })
    }

    #[test]
    fn pads_ids_and_reads_flags_as_hex() {
        let (trace, span, flags, debug) = parsed("abc%3Adef%3a0:0a").unwrap();
        assert_eq!(trace, "00000000000000000000000000000abc");
        assert_eq!(span, "0000000000000def");
        assert_eq!((flags, debug), (1, true));
        assert_eq!(parsed("1:2:0:10").unwrap().2, 0, "0x10 has no known bit");
        assert_eq!(parsed("1:2:0:1").unwrap().2, 1);
        assert!(!parsed("1:2:0:1").unwrap().3);
    }

    #[test]
    fn rejects_what_the_grammar_does_not_allow() {
        let cases = [
            ("1:2:0", Code::InvalidUberTraceId),
            ("1:2:0:1:5", Code::InvalidUberTraceId),
            (":2:0:1", Code::InvalidUberTraceId),
            ("1:2:0:001", Code::InvalidUberTraceId),
            (
                &format!("{}:2:0:1", "1".repeat(33)),
                Code::InvalidUberTraceId,
            ),
            ("ABC:2:0:1", Code::UppercaseHex),
            ("1:2:0:0A", Code::UppercaseHex),
            ("AG:2:0:1", Code::InvalidHex),
            ("1:2:x:1", Code::InvalidHex),
            ("1:2%3B:0:1", Code::InvalidHex),
            ("0:2:0:1", Code::ZeroTraceId),
            ("1:000:0:1", Code::ZeroSpanId),
        ];
        for (value, code) in cases {
            assert_eq!(parsed(value).unwrap_err(), code, "{value}");
        }
        assert!(
            parsed("1:2:ABC:1").is_ok(),
            "the ignored parent may be any hex"
        );
    }

    #[test]
    fn writes_fixed_width_and_never_forces_debug() {
        let context = parse("abc:def:0:1").unwrap();
        let mut out: Vec<(String, String)> = Vec::new();
        inject(&context, &mut out);
        assert_eq!(
            out[0].1,
            "00000000000000000000000000000abc:0000000000000def:0:01"
        );
        inject(&parse("abc:def:0:3").unwrap(), &mut out);
        assert_eq!(
            out[0].1,
            "00000000000000000000000000000abc:0000000000000def:0:03"
        );
    }

    #[test]
    fn debug_only_beside_sampled_and_no_empty_headers() {
        let mut out: Vec<(String, String)> = vec![("uberctx-gone".into(), "stale".into())];
        let context = parse("abc:def:0:3")
            .unwrap()
            .with_sampled(false)
            .with_baggage("gone", "")
            .unwrap();
        inject(&context, &mut out);
        assert_eq!(
            out,
            [(
                "uber-trace-id".to_owned(),
                "00000000000000000000000000000abc:0000000000000def:0:00".to_owned()
            )]
        );
    }

    #[test]
    fn baggage_both_ways() {
        let headers = [
            ("UberCtx-User", "alice%20smith+co"),
            ("uberctx-rate", "50%"),
            ("uberctx-bad", "%C3%28"),
        ];
        let seen = Seen::gather(&headers, &[Field::UberCtx]);
        let baggage = baggage(&seen, &mut Sink(None));
        let members: Vec<_> = baggage.iter().map(|(k, v, _)| (k, v)).collect();
        assert_eq!(
            members,
            [
                ("user", "alice smith+co"),
                ("rate", "50%"),
                ("bad", "\u{fffd}(")
            ]
        );
        let context = parse("1:2:0:1").unwrap().replace_baggage(baggage);
        let mut out: Vec<(String, String)> = Vec::new();
        inject(&context, &mut out);
        assert_eq!(out[1], ("uberctx-user".into(), "alice%20smith+co".into()));
        assert_eq!(out[2], ("uberctx-rate".into(), "50%25".into()));
        assert_eq!(out[3], ("uberctx-bad".into(), "%EF%BF%BD(".into()));
    }
}
