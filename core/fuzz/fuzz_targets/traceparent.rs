//! `traceparent` through the public API: a carrier holding one `traceparent`
//! whose value is the whole input. Besides the shared invariants, the verdict is
//! checked against a plain reading of the W3C grammar, and a version-00 value
//! that is accepted is written back byte for byte (flags cut to the known bits).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tracewire::{Format, Propagator};
use tracewire_fuzz::{invariants, track};

fuzz_target!(|data: &[u8]| {
    track(data.len());
    let propagator = Propagator::builder()
        .extract([Format::TraceContext])
        .inject([Format::TraceContext])
        .build();
    let carrier = vec![("traceparent".to_owned(), data.to_vec())];
    let context = invariants::headers(&propagator, &carrier);
    let expected = std::str::from_utf8(data).ok().and_then(reference);
    assert_eq!(
        context.is_some(),
        expected.is_some(),
        "the grammar says {expected:?}, the parser {context:?}"
    );
    if let (Some(context), Some(value)) = (context, expected) {
        let written = context.traceparent();
        let flags = u8::from_str_radix(&value[53..55], 16).unwrap() & 0x03;
        assert_eq!(&written[3..53], &value[3..53], "ids written back");
        assert_eq!(written[53..].to_string(), format!("{flags:02x}"));
    }
});

/// The accepted value per W3C Trace Context §3.2 (one field; repeats joined with
/// `,` count only when identical), trimmed of optional whitespace.
fn reference(text: &str) -> Option<&str> {
    let elements: Vec<&str> = text
        .split(',')
        .map(|e| e.trim_matches([' ', '\t']))
        .filter(|e| !e.is_empty())
        .collect();
    let value = *elements.first()?;
    if elements.iter().any(|e| *e != value) {
        return None;
    }
    let b = value.as_bytes();
    let lower_hex = |s: &[u8]| s.iter().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'));
    let nonzero = |s: &[u8]| s.iter().any(|&c| c != b'0');
    let version = b.get(..2)?;
    let length_ok = match version {
        b"00" => b.len() == 55,
        _ => b.len() == 55 || (b.len() > 55 && b[55] == b'-'),
    };
    let ok = lower_hex(version)
        && version != b"ff"
        && length_ok
        && b[2] == b'-'
        && b[35] == b'-'
        && b[52] == b'-'
        && lower_hex(&b[3..35])
        && lower_hex(&b[36..52])
        && lower_hex(&b[53..55])
        && nonzero(&b[3..35])
        && nonzero(&b[36..52]);
    ok.then_some(value)
}
