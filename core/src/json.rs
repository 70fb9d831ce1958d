//! The event-payload carrier: trace context in the top-level fields of a JSON
//! object, for messages that travel without headers.
//!
//! Two shapes are read: `traceId`/`spanId` fields (names configurable; a 16- or
//! 32-hex-digit trace id, a 16-hex-digit span id) and the CloudEvents distributed
//! tracing attributes `traceparent`/`tracestate`, which win when both are present.
//! The body is never parsed into a tree: one validating scan finds the top-level
//! members, and injection splices new values into the original bytes, so every
//! other byte (key order, spacing, numbers) stays as it was.

use std::ops::Range;

use crate::traceparent::{self, trim_ows};
use crate::{Code, Context, Error, SpanId, TraceFlags, TraceId, TraceState};

/// How deep arrays and objects may nest before a body is refused.
const MAX_DEPTH: usize = 128;

/// The field names of the id shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JsonFields<'a> {
    /// The trace id field (`traceId`).
    pub trace_id: &'a str,
    /// The span id field (`spanId`).
    pub span_id: &'a str,
}

impl Default for JsonFields<'_> {
    fn default() -> Self {
        Self {
            trace_id: "traceId",
            span_id: "spanId",
        }
    }
}

/// The context stamped in `body`, if any. A body that is not a JSON object fails
/// with `invalid_json`; ids that do not parse give `Ok(None)`.
///
/// The id shape carries no flags, so such a context is taken as sampled.
///
/// # Examples
/// ```
/// let body = br#"{"orderId":42,"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"00f067aa0ba902b7"}"#;
/// let ctx = tracewire::json::extract(body, Default::default()).unwrap().unwrap();
/// assert_eq!(ctx.span_id().to_string(), "00f067aa0ba902b7");
/// ```
pub fn extract(body: &[u8], fields: JsonFields<'_>) -> Result<Option<Context>, Error> {
    let members = Members::scan(body)?;
    if let Some(value) = members.string(b"traceparent") {
        let Ok(parent) = traceparent::parse(trim_ows(value)) else {
            return Ok(None);
        };
        let trace_state = members
            .string(b"tracestate")
            .and_then(|text| TraceState::parse(text).ok())
            .unwrap_or_default();
        let context = Context::new(parent.trace_id, parent.span_id, parent.flags);
        return Ok(Some(context.with_trace_state(trace_state)));
    }
    let trace_id = members
        .string(fields.trace_id.as_bytes())
        .and_then(parse_trace_id);
    let span_id = members
        .string(fields.span_id.as_bytes())
        .and_then(|text| text.parse::<SpanId>().ok());
    Ok(trace_id
        .zip(span_id)
        .map(|(trace_id, span_id)| Context::new(trace_id, span_id, TraceFlags::SAMPLED)))
}

/// `body` with `context` stamped in: the id fields set (replaced in place or
/// appended), and `traceparent`/`tracestate` updated when the body has them.
/// A body that is not a JSON object fails with `invalid_json`, untouched.
///
/// # Examples
/// ```
/// let ctx = tracewire::Context::new_root();
/// let body = tracewire::json::inject(&ctx, br#"{"orderId": 42}"#, Default::default()).unwrap();
/// let text = String::from_utf8(body).unwrap();
/// assert!(text.starts_with(r#"{"orderId": 42,"traceId":""#));
/// ```
pub fn inject(context: &Context, body: &[u8], fields: JsonFields<'_>) -> Result<Vec<u8>, Error> {
    let members = Members::scan(body)?;
    let trace_id = context.trace_id().to_hex();
    let span_id = context.span_id().to_hex();
    let traceparent = context.traceparent();
    let trace_state = context.trace_state().header();
    let mut edits: Vec<(&[u8], &str, bool)> = vec![
        (fields.trace_id.as_bytes(), &trace_id, true),
        (fields.span_id.as_bytes(), &span_id, true),
        (b"traceparent", &traceparent, false),
    ];
    if !trace_state.is_empty() {
        edits.push((b"tracestate", &trace_state, false));
    }
    let mut replaced: Vec<(Range<usize>, String)> = Vec::new();
    let mut appended = String::new();
    for (name, value, always) in edits {
        let literal = format!("\"{value}\"");
        match members.value_range(name) {
            Some(range) => replaced.push((range, literal)),
            None if always => {
                let key = std::str::from_utf8(name).unwrap_or_default();
                let needs_comma = !members.is_empty() || !appended.is_empty();
                appended.push_str(if needs_comma { "," } else { "" });
                appended.push_str(&json_string(key));
                appended.push(':');
                appended.push_str(&literal);
            }
            None => {}
        }
    }
    replaced.sort_by_key(|(range, _)| range.start);
    let mut out = Vec::with_capacity(body.len() + appended.len() + 64);
    let mut at = 0;
    for (range, literal) in replaced {
        out.extend_from_slice(&body[at..range.start]);
        out.extend_from_slice(literal.as_bytes());
        at = range.end;
    }
    out.extend_from_slice(&body[at..members.close]);
    out.extend_from_slice(appended.as_bytes());
    out.extend_from_slice(&body[members.close..]);
    Ok(out)
}

/// A 32-hex-digit trace id, or a 16-digit one (64-bit systems), left-padded.
fn parse_trace_id(text: &str) -> Option<TraceId> {
    match text.len() {
        32 => text.parse().ok(),
        16 => format!("{:0>32}", text).parse().ok(),
        _ => None,
    }
}

/// A field name as a JSON string literal, escaping what JSON requires.
fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The top-level members of a JSON object: raw key bytes and value ranges.
struct Members<'a> {
    body: &'a [u8],
    members: Vec<(&'a [u8], Range<usize>)>,
    /// Offset of the closing `}`.
    close: usize,
}

impl<'a> Members<'a> {
    fn scan(body: &'a [u8]) -> Result<Self, Error> {
        let invalid = || {
            Error::new(
                Code::InvalidJson,
                &String::from_utf8_lossy(&body[..body.len().min(64)]),
            )
        };
        let mut scanner = Scanner { s: body, i: 0 };
        scanner.ws();
        if !scanner.eat(b'{') {
            return Err(invalid());
        }
        let mut members = Vec::new();
        scanner.ws();
        let close = if scanner.eat(b'}') {
            scanner.i - 1
        } else {
            loop {
                scanner.ws();
                let key = scanner.string().ok_or_else(invalid)?;
                scanner.ws();
                if !scanner.eat(b':') {
                    return Err(invalid());
                }
                scanner.ws();
                let start = scanner.i;
                scanner.value(1).ok_or_else(invalid)?;
                members.push((&body[key.start + 1..key.end - 1], start..scanner.i));
                scanner.ws();
                if scanner.eat(b'}') {
                    break scanner.i - 1;
                }
                if !scanner.eat(b',') {
                    return Err(invalid());
                }
            }
        };
        scanner.ws();
        if scanner.i != body.len() {
            return Err(invalid());
        }
        Ok(Self {
            body,
            members,
            close,
        })
    }

    fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// The value range of the last member named `name` (JSON's usual rule for duplicates).
    fn value_range(&self, name: &[u8]) -> Option<Range<usize>> {
        self.members
            .iter()
            .rev()
            .find(|(key, _)| *key == name)
            .map(|(_, range)| range.clone())
    }

    /// The contents of a string member without escapes (ids and W3C values never have any).
    fn string(&self, name: &[u8]) -> Option<&'a str> {
        let range = self.value_range(name)?;
        let raw = &self.body[range];
        let inner = raw.strip_prefix(b"\"")?.strip_suffix(b"\"")?;
        if inner.contains(&b'\\') {
            return None;
        }
        std::str::from_utf8(inner).ok()
    }
}

/// A validating JSON scanner (RFC 8259) that records nothing but positions.
struct Scanner<'a> {
    s: &'a [u8],
    i: usize,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        let hit = self.peek() == Some(byte);
        self.i += usize::from(hit);
        hit
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    /// A string literal; returns its range including the quotes.
    fn string(&mut self) -> Option<Range<usize>> {
        let start = self.i;
        if !self.eat(b'"') {
            return None;
        }
        loop {
            match self.peek()? {
                b'"' => {
                    self.i += 1;
                    std::str::from_utf8(&self.s[start..self.i]).ok()?;
                    return Some(start..self.i);
                }
                b'\\' => {
                    self.i += 1;
                    match self.peek()? {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.i += 1,
                        b'u' => {
                            let digits = self.s.get(self.i + 1..self.i + 5)?;
                            if !digits.iter().all(u8::is_ascii_hexdigit) {
                                return None;
                            }
                            self.i += 5;
                        }
                        _ => return None,
                    }
                }
                0x00..=0x1f => return None,
                _ => self.i += 1,
            }
        }
    }

    fn value(&mut self, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.peek()? {
            b'"' => self.string().map(drop),
            b'{' => self.container(b'}', depth, true),
            b'[' => self.container(b']', depth, false),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            _ => self.number(),
        }
    }

    fn container(&mut self, close: u8, depth: usize, object: bool) -> Option<()> {
        self.i += 1;
        self.ws();
        if self.eat(close) {
            return Some(());
        }
        loop {
            self.ws();
            if object {
                self.string()?;
                self.ws();
                if !self.eat(b':') {
                    return None;
                }
                self.ws();
            }
            self.value(depth + 1)?;
            self.ws();
            if self.eat(close) {
                return Some(());
            }
            if !self.eat(b',') {
                return None;
            }
        }
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        let hit = self.s.get(self.i..self.i + word.len())? == word;
        self.i += word.len();
        hit.then_some(())
    }

    fn number(&mut self) -> Option<()> {
        self.eat(b'-');
        let digits = |scanner: &mut Self| {
            let start = scanner.i;
            while matches!(scanner.peek(), Some(b'0'..=b'9')) {
                scanner.i += 1;
            }
            scanner.i > start
        };
        if self.eat(b'0') {
            // No leading zeros.
        } else if !digits(self) {
            return None;
        }
        if self.eat(b'.') && !digits(self) {
            return None;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if !self.eat(b'+') {
                self.eat(b'-');
            }
            if !digits(self) {
                return None;
            }
        }
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = br#" { "orderId" : 42, "items": [1, {"a": null}], "traceId": "00f067aa0ba902b7", "spanId":"b7ad6b7169203331" } "#;

    #[test]
    fn reads_ids_and_pads_64_bit_trace_ids() {
        let ctx = extract(BODY, JsonFields::default()).unwrap().unwrap();
        assert_eq!(
            ctx.trace_id().to_string(),
            "000000000000000000f067aa0ba902b7"
        );
        assert!(ctx.sampled());
    }

    #[test]
    fn cloudevents_attributes_win() {
        let body = br#"{"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00","tracestate":"a=1","traceId":"00f067aa0ba902b7","spanId":"b7ad6b7169203331"}"#;
        let ctx = extract(body, JsonFields::default()).unwrap().unwrap();
        assert_eq!(ctx.span_id().to_string(), "00f067aa0ba902b7");
        assert!(!ctx.sampled());
        assert_eq!(ctx.trace_state().as_str(), "a=1");
    }

    #[test]
    fn injection_replaces_in_place_and_keeps_every_other_byte() {
        let ctx = Context::new_root();
        let out = String::from_utf8(inject(&ctx, BODY, JsonFields::default()).unwrap()).unwrap();
        let expected = format!(
            r#" {{ "orderId" : 42, "items": [1, {{"a": null}}], "traceId": "{}", "spanId":"{}" }} "#,
            ctx.trace_id(),
            ctx.span_id()
        );
        assert_eq!(out, expected);
        assert_eq!(
            extract(out.as_bytes(), JsonFields::default())
                .unwrap()
                .unwrap()
                .span_id(),
            ctx.span_id()
        );
    }

    #[test]
    fn injection_appends_to_empty_and_custom_fields() {
        let ctx = Context::new_root();
        let fields = JsonFields {
            trace_id: "trace_id",
            span_id: "span_id",
        };
        let out = String::from_utf8(inject(&ctx, b"{}", fields).unwrap()).unwrap();
        assert_eq!(
            out,
            format!(
                r#"{{"trace_id":"{}","span_id":"{}"}}"#,
                ctx.trace_id(),
                ctx.span_id()
            )
        );
    }

    #[test]
    fn not_an_object_is_refused_untouched() {
        let deep = "[".repeat(MAX_DEPTH + 2);
        for body in [
            &b"[1]"[..],
            b"",
            b"{\"a\":}",
            b"{\"a\":1} x",
            b"{\"a\":01}",
            b"\"s\"",
            deep.as_bytes(),
            b"{\"a\":\"\x01\"}",
        ] {
            assert_eq!(
                extract(body, JsonFields::default()).unwrap_err().code(),
                Code::InvalidJson
            );
            let ctx = Context::new_root();
            assert_eq!(
                inject(&ctx, body, JsonFields::default())
                    .unwrap_err()
                    .code(),
                Code::InvalidJson
            );
        }
    }
}
