//! What an injected header may look like: checked without the crate's own
//! parsers where a small matcher does, so a parser bug cannot hide a writer bug.

use tracewire::{Baggage, Propagator, TraceState};

/// Panics unless `headers`, what `propagator` injected into an empty list, are
/// each written once under a lowercase token name one of its inject formats
/// writes, with a value that format's grammar allows.
pub fn check_headers(propagator: &Propagator, headers: &[(String, Vec<u8>)]) {
    for (i, (name, value)) in headers.iter().enumerate() {
        let others = &headers[..i];
        assert!(
            !others.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)),
            "{name} written twice: {}",
            crate::invariants::show(headers)
        );
        assert!(
            propagator
                .inject_formats()
                .iter()
                .any(|format| format.fields().any(|field| names_field(field, name))),
            "{name} is not a header of {:?}",
            propagator.inject_formats()
        );
        check_value(name, value);
    }
}

/// Whether the header `name` is `field` (a name, or a prefix ending in `*`).
fn names_field(field: &str, name: &str) -> bool {
    match field.strip_suffix('*') {
        Some(prefix) => name.len() > prefix.len() && name.starts_with(prefix),
        None => name == field,
    }
}

/// Panics unless `value` is what the format writing the header `name` may write.
pub fn check_value(name: &str, value: &[u8]) {
    assert!(is_token(name), "name {name:?} is not a token");
    assert!(
        !name.bytes().any(|b| b.is_ascii_uppercase()),
        "name {name:?} is not lowercase"
    );
    assert!(
        value.iter().all(|b| (0x20..=0x7e).contains(b)),
        "{name}: {value:?} holds a control or non-ASCII byte"
    );
    let text = std::str::from_utf8(value).unwrap_or_default();
    assert!(
        !text.starts_with(' ') && !text.ends_with(' '),
        "{name}: {text:?} has leading or trailing space"
    );
    if let Some(key) = name.strip_prefix("uberctx-") {
        assert!(is_token(key), "{name}: baggage key {key:?} is not a token");
        assert!(is_percent_encoded(text), "{name}: {text:?} is not encoded");
        return;
    }
    assert!(!text.is_empty(), "{name} written empty");
    let ok = match name {
        "traceparent" => is_traceparent(text),
        "tracestate" => {
            text.len() <= 512
                && TraceState::parse(text).is_ok_and(|ts| ts.as_str() == text && ts.len() <= 32)
        }
        "baggage" => {
            let baggage = Baggage::parse(text);
            text.len() <= 8192 && baggage.len() <= 64 && baggage.header() == text
        }
        "b3" => is_b3(text),
        "x-b3-traceid" => is_id(text, 32),
        "x-b3-spanid" => is_id(text, 16),
        "x-b3-sampled" => matches!(text, "0" | "1"),
        "x-b3-flags" => text == "1",
        "uber-trace-id" => is_uber_trace_id(text),
        "x-amzn-trace-id" => is_xray(text),
        "x-datadog-trace-id" | "x-datadog-parent-id" => is_datadog_id(text),
        "x-datadog-sampling-priority" => is_priority(text),
        "x-datadog-origin" => true,
        "x-datadog-tags" => is_datadog_tags(text),
        _ => false,
    };
    assert!(ok, "{name}: {text:?} is outside its grammar");
}

/// RFC 9110 `token`.
pub fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// `n` lowercase hex digits, not all zero.
fn is_id(s: &str, n: usize) -> bool {
    s.len() == n
        && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        && s.bytes().any(|b| b != b'0')
}

/// `00-{32}-{16}-{flags}` with only the sampled and random bits.
fn is_traceparent(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    matches!(parts.as_slice(), ["00", trace, span, flags]
        if is_id(trace, 32) && is_id(span, 16) && matches!(*flags, "00" | "01" | "02" | "03"))
}

/// `{32}-{16}` and an optional `-1`, `-0` or `-d`; never a parent span id.
fn is_b3(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    match parts.as_slice() {
        [trace, span] => is_id(trace, 32) && is_id(span, 16),
        [trace, span, state] => {
            is_id(trace, 32) && is_id(span, 16) && matches!(*state, "0" | "1" | "d")
        }
        _ => false,
    }
}

/// `{32}:{16}:0:{flags}` with only the sampled and debug bits.
fn is_uber_trace_id(s: &str) -> bool {
    let parts: Vec<&str> = s.split(':').collect();
    matches!(parts.as_slice(), [trace, span, "0", flags]
        if is_id(trace, 32) && is_id(span, 16) && matches!(*flags, "00" | "01" | "02" | "03"))
}

/// `Root=1-{8}-{24};Parent={16};Sampled={0|1|?}` and kept fields, each a
/// non-empty printable field that is none of those three.
fn is_xray(s: &str) -> bool {
    let mut fields = s.split(';');
    let root = fields.next().and_then(|f| f.strip_prefix("Root=1-"));
    let parent = fields.next().and_then(|f| f.strip_prefix("Parent="));
    let sampled = fields.next().and_then(|f| f.strip_prefix("Sampled="));
    let (Some(root), Some(parent), Some(sampled)) = (root, parent, sampled) else {
        return false;
    };
    let hex = |s: &str| s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    let root_ok = root.len() == 33
        && root.as_bytes()[8] == b'-'
        && hex(&root[..8])
        && hex(&root[9..])
        && root.bytes().any(|b| b != b'0' && b != b'-');
    root_ok
        && is_id(parent, 16)
        && matches!(sampled, "0" | "1" | "?")
        && fields.all(|field| {
            let field = field.trim_matches([' ', '\t']);
            let name = field
                .split('=')
                .next()
                .unwrap_or_default()
                .trim_matches([' ', '\t']);
            !field.is_empty() && !matches!(name, "Root" | "Parent" | "Sampled")
        })
}

/// An unsigned decimal 64-bit id, not zero, without leading zeros.
fn is_datadog_id(s: &str) -> bool {
    !s.starts_with('0')
        && s.parse::<u64>().is_ok_and(|id| id != 0)
        && s.bytes().all(|b| b.is_ascii_digit())
}

/// A decimal 32-bit integer as Rust prints it.
fn is_priority(s: &str) -> bool {
    s.parse::<i32>().is_ok_and(|p| p.to_string() == s)
}

/// `key=value` members joined by `,`: keys printable without space, `=` and `,`,
/// values printable without `,`, trimmed and not empty.
fn is_datadog_tags(s: &str) -> bool {
    s.split(',').all(|member| {
        member.split_once('=').is_some_and(|(key, value)| {
            !key.is_empty()
                && key.bytes().all(|b| (0x21..=0x7e).contains(&b) && b != b',')
                && !value.is_empty()
                && value.trim_matches(' ') == value
        })
    })
}

/// Every byte a `baggage-octet` other than `%`, or a `%` and two upper-case hex digits.
fn is_percent_encoded(s: &str) -> bool {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let escape = bytes.get(i + 1..i + 3);
                let hex = |b: &u8| matches!(b, b'0'..=b'9' | b'A'..=b'F');
                if !escape.is_some_and(|e| e.iter().all(hex)) {
                    return false;
                }
                i += 3;
            }
            b => {
                if !matches!(b, 0x21 | 0x23..=0x2b | 0x2d..=0x3a | 0x3c..=0x5b | 0x5d..=0x7e) {
                    return false;
                }
                i += 1;
            }
        }
    }
    true
}
