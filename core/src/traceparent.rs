//! The `traceparent` header (W3C Trace Context level 2, §3.2 "traceparent Header").

use crate::hex::{self, HexError};
use crate::{Code, SpanId, TraceFlags, TraceId};

/// Length of a version-00 value: `vv-<32>-<16>-ff`.
pub(crate) const LEN: usize = 55;

/// The fields of a valid `traceparent`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Traceparent {
    pub(crate) trace_id: TraceId,
    pub(crate) span_id: SpanId,
    pub(crate) flags: TraceFlags,
}

/// Strips the optional whitespace (SP, HTAB) around a field value (RFC 9110 §5.5).
pub(crate) fn trim_ows(s: &str) -> &str {
    // By bytes: OWS is ASCII, so both ends fall on character boundaries.
    let is_ows = |b: &u8| matches!(b, b' ' | b'\t');
    let start = s.bytes().position(|b| !is_ows(&b)).unwrap_or(s.len());
    let end = s
        .bytes()
        .rposition(|b| !is_ows(&b))
        .map_or(start, |last| last + 1);
    s.get(start..end).unwrap_or_default()
}

/// The common case, checked in one go: exactly a valid version-00 value (all
/// 55 bytes are `-` or lowercase hex, so the bytes are UTF-8 too). `None` for
/// anything else, which [`parse`] then judges and explains.
pub(crate) fn parse_exact(s: &[u8]) -> Option<Traceparent> {
    let s: &[u8; LEN] = s.try_into().ok()?;
    if s[..3] != *b"00-" || s[35] != b'-' || s[52] != b'-' {
        return None;
    }
    let trace_high = hex::decode16(s[3..19].try_into().ok()?)?;
    let trace_low = hex::decode16(s[19..35].try_into().ok()?)?;
    let span = hex::decode16(s[36..52].try_into().ok()?)?;
    let ([flags], seen) = hex::decode_unchecked::<1>(&s[53..55]);
    hex::verdict(seen).ok()?;
    let trace = u128::from(trace_high) << 64 | u128::from(trace_low);
    Some(Traceparent {
        trace_id: TraceId::from_bytes(trace.to_be_bytes())?,
        span_id: SpanId::from_bytes(span.to_be_bytes())?,
        flags: TraceFlags::from_bits(flags),
    })
}

/// Parses one `traceparent` value, already trimmed of OWS.
pub(crate) fn parse(s: &str) -> Result<Traceparent, Code> {
    match parse_exact(s.as_bytes()) {
        Some(parent) => Ok(parent),
        None => parse_checked(s.as_bytes()),
    }
}

/// [`parse`] without the fast path: smaller, for builds that count bytes.
pub(crate) fn parse_checked(s: &[u8]) -> Result<Traceparent, Code> {
    let version = s.get(..2).ok_or(Code::InvalidTraceparentVersion)?;
    match hex::check(version) {
        Err(HexError::NotHex) => return Err(Code::InvalidTraceparentVersion),
        Err(HexError::Uppercase) => return Err(Code::UppercaseHex),
        Ok(()) if version == b"ff" => return Err(Code::InvalidTraceparentVersion),
        Ok(()) => {}
    }
    if version == b"00" {
        if s.len() != LEN {
            return Err(Code::InvalidTraceparentLength);
        }
    } else {
        // Forward compatibility: a higher version may append fields after a `-`,
        // and they must not be parsed.
        if s.len() < LEN {
            return Err(Code::InvalidTraceparentLength);
        }
        if s.len() > LEN && s[LEN] != b'-' {
            return Err(Code::InvalidTraceparentFormat);
        }
    }
    if s[2] != b'-' || s[35] != b'-' || s[52] != b'-' {
        return Err(Code::InvalidTraceparentFormat);
    }
    // All three fields are judged together: a non-hex character anywhere outranks upper case.
    let (trace, trace_seen) = hex::decode_unchecked::<16>(&s[3..35]);
    let (span, span_seen) = hex::decode_unchecked::<8>(&s[36..52]);
    let ([flags], flags_seen) = hex::decode_unchecked::<1>(&s[53..55]);
    match hex::verdict(trace_seen | span_seen | flags_seen) {
        Err(HexError::NotHex) => return Err(Code::InvalidHex),
        Err(HexError::Uppercase) => return Err(Code::UppercaseHex),
        Ok(()) => {}
    }
    Ok(Traceparent {
        trace_id: TraceId::from_bytes(trace).ok_or(Code::ZeroTraceId)?,
        span_id: SpanId::from_bytes(span).ok_or(Code::ZeroSpanId)?,
        flags: TraceFlags::from_bits(flags),
    })
}

/// Formats a version-00 value; only the flag bits the spec defines are written.
pub(crate) fn format(trace_id: TraceId, span_id: SpanId, flags: TraceFlags) -> [u8; LEN] {
    let trace = u128::from_be_bytes(trace_id.to_bytes());
    let mut out = [b'-'; LEN];
    out[..2].copy_from_slice(b"00");
    out[3..19].copy_from_slice(&hex::encode16((trace >> 64) as u64));
    out[19..35].copy_from_slice(&hex::encode16(trace as u64));
    out[36..52].copy_from_slice(&hex::encode16(u64::from_be_bytes(span_id.to_bytes())));
    hex::encode_into(&[flags.known().bits()], &mut out[53..55]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    #[test]
    fn valid_round_trips() {
        let tp = parse(VALID).unwrap();
        assert_eq!(&format(tp.trace_id, tp.span_id, tp.flags), VALID.as_bytes());
    }

    #[test]
    fn rejections() {
        let cases = [
            ("", Code::InvalidTraceparentVersion),
            (
                "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                Code::InvalidTraceparentVersion,
            ),
            (
                "0A-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                Code::UppercaseHex,
            ),
            (
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-",
                Code::InvalidTraceparentLength,
            ),
            (
                "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01.x",
                Code::InvalidTraceparentFormat,
            ),
            (
                "00-4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7-01",
                Code::InvalidTraceparentFormat,
            ),
            (
                "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
                Code::UppercaseHex,
            ),
            (
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g",
                Code::InvalidHex,
            ),
            (
                "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
                Code::ZeroTraceId,
            ),
            (
                "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
                Code::ZeroSpanId,
            ),
        ];
        for (input, code) in cases {
            assert_eq!(parse(input), Err(code), "{input}");
        }
    }

    #[test]
    fn future_version_keeps_known_fields() {
        let tp = parse("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-ff-extra").unwrap();
        assert_eq!(tp.flags.bits(), 0xff);
        assert_eq!(
            &format(tp.trace_id, tp.span_id, tp.flags)[..],
            b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03"
        );
    }
}
