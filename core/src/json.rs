//! The event-payload carrier: trace context in the top-level fields of a JSON
//! object, for messages that travel without headers.
//!
//! Two shapes are read: `traceId`/`spanId` fields (names configurable; a 16- or
//! 32-hex-digit trace id, a 16-hex-digit span id, lowercase as in every other
//! format) and the CloudEvents distributed tracing attributes
//! `traceparent`/`tracestate`, which win when valid (id fields of another trace
//! then become a link, as between header formats). The body is never parsed into
//! a tree: one validating scan finds the top-level members, and injection splices
//! new values into the original bytes, so every other byte (key order, spacing,
//! numbers, escapes) stays as it was.
//!
//! Rules, for readers in other languages:
//! - Member names are compared after unescaping; when a name repeats, the last
//!   member is read (RFC 8259 leaves it open; most parsers keep the last) and
//!   injection rewrites every one of them, so no reader sees a stale value.
//! - A body with a top-level `traceparent` member is a CloudEvent: injection
//!   rewrites `traceparent`, writes `tracestate` (appended when missing) or removes
//!   it when the context has none, and rewrites the id fields only where present,
//!   since CloudEvents attribute names are lowercase (`traceId` would break the
//!   event). Any other body gets the id fields, replaced or appended.
//! - Appended members go right after the last member, without spaces.
//! - A body that is not one JSON object (RFC 8259, nesting up to 128 levels, UTF-8,
//!   no byte-order mark) fails with `invalid_json` and is never changed.

use std::borrow::Cow;
use std::ops::Range;

use crate::traceparent::{self, trim_ows};
use crate::{Code, Context, Error, Link, SpanId, TraceFlags, TraceId, TraceState};

/// How deep arrays and objects may nest, the top-level object counting as 1.
const MAX_DEPTH: usize = 128;

const TRACEPARENT: &str = "traceparent";
const TRACESTATE: &str = "tracestate";

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
/// A valid `traceparent` member wins (with its `tracestate`), and id fields of
/// another trace become a [`Link`]; otherwise the id fields are read. The id shape
/// carries no flags, so such a context is taken as sampled.
///
/// # Examples
/// ```
/// let body = br#"{"orderId":42,"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"00f067aa0ba902b7"}"#;
/// let ctx = tracewire::json::extract(body, Default::default()).unwrap().unwrap();
/// assert_eq!(ctx.span_id().to_string(), "00f067aa0ba902b7");
/// ```
pub fn extract(body: &[u8], fields: JsonFields<'_>) -> Result<Option<Context>, Error> {
    let members = Members::scan(body)?;
    let trace_id = members
        .string(fields.trace_id)
        .and_then(|text| parse_trace_id(&text));
    let span_id = members
        .string(fields.span_id)
        .and_then(|text| text.parse::<SpanId>().ok());
    let ids = trace_id.zip(span_id);
    let parent = members
        .string(TRACEPARENT)
        .and_then(|value| traceparent::parse(trim_ows(&value)).ok());
    let Some(parent) = parent else {
        return Ok(
            ids.map(|(trace_id, span_id)| Context::new(trace_id, span_id, TraceFlags::SAMPLED))
        );
    };
    let trace_state = members
        .string(TRACESTATE)
        .and_then(|text| TraceState::parse(&text).ok())
        .unwrap_or_default();
    let mut context =
        Context::new(parent.trace_id, parent.span_id, parent.flags).with_trace_state(trace_state);
    // As between header formats: ids of another trace are kept as a link.
    if let Some((trace_id, span_id)) = ids.filter(|(trace_id, _)| *trace_id != parent.trace_id) {
        context = context.with_link(Link { trace_id, span_id });
    }
    Ok(Some(context))
}

/// `body` with `context` stamped in (see the module rules): the id fields set,
/// replaced in place or appended, or for a CloudEvent `traceparent`/`tracestate`.
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
    let mut edits = Edits::new(&members);
    if members.has(TRACEPARENT) {
        edits.set(TRACEPARENT, &context.traceparent(), false);
        let trace_state = context.trace_state().header();
        if trace_state.is_empty() {
            edits.remove(TRACESTATE);
        } else {
            edits.set(TRACESTATE, &trace_state, true);
        }
        edits.set(fields.trace_id, &trace_id, false);
        edits.set(fields.span_id, &span_id, false);
    } else {
        edits.set(fields.trace_id, &trace_id, true);
        edits.set(fields.span_id, &span_id, true);
    }
    Ok(edits.apply())
}

/// A 32-hex-digit trace id, or a 16-digit one (64-bit systems), left-padded.
fn parse_trace_id(text: &str) -> Option<TraceId> {
    match text.len() {
        16 => format!("{text:0>32}").parse().ok(),
        _ => text.parse().ok(),
    }
}

/// A string as a JSON literal, escaping what JSON requires.
pub(crate) fn json_string(text: &str) -> String {
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

/// The contents of a string literal (without its quotes), escapes resolved; the
/// scanner has checked the escapes already. A lone surrogate becomes U+FFFD.
fn unescape(raw: &str) -> Cow<'_, str> {
    if !raw.contains('\\') {
        return Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        let escape = &rest[at + 1..];
        let (c, used) = match escape.as_bytes().first() {
            Some(b'b') => ('\u{8}', 1),
            Some(b'f') => ('\u{c}', 1),
            Some(b'n') => ('\n', 1),
            Some(b'r') => ('\r', 1),
            Some(b't') => ('\t', 1),
            Some(b'u') => {
                let unit = |s: &str| s.get(1..5).and_then(|h| u32::from_str_radix(h, 16).ok());
                match unit(escape) {
                    Some(high @ 0xd800..=0xdbff) => match escape
                        .get(5..)
                        .filter(|tail| tail.starts_with("\\u"))
                        .and_then(|tail| unit(&tail[1..]))
                    {
                        Some(low @ 0xdc00..=0xdfff) => {
                            let code = 0x10000 + ((high - 0xd800) << 10) + (low - 0xdc00);
                            (char::from_u32(code).unwrap_or('\u{fffd}'), 11)
                        }
                        _ => ('\u{fffd}', 5),
                    },
                    Some(code) => (char::from_u32(code).unwrap_or('\u{fffd}'), 5),
                    None => ('\u{fffd}', 1),
                }
            }
            // `"`, `\` and `/` stand for themselves.
            Some(&b) if b.is_ascii() => (char::from(b), 1),
            // Not reached after the scanner: keep the backslash as text.
            _ => ('\\', 0),
        };
        out.push(c);
        rest = &escape[used..];
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// One top-level member: where its name literal and its value are.
struct Member {
    key: Range<usize>,
    value: Range<usize>,
}

/// The top-level members of a JSON object.
struct Members<'a> {
    body: &'a str,
    members: Vec<Member>,
    /// Just past the opening `{`.
    open: usize,
}

impl<'a> Members<'a> {
    fn scan(bytes: &'a [u8]) -> Result<Self, Error> {
        let invalid = || {
            Error::new(
                Code::InvalidJson,
                &String::from_utf8_lossy(&bytes[..bytes.len().min(64)]),
            )
        };
        // Validating UTF-8 once up front leaves the scanner only ASCII structure to check.
        let body = std::str::from_utf8(bytes).map_err(|_| invalid())?;
        let mut scanner = Scanner { s: bytes, i: 0 };
        scanner.ws();
        if !scanner.eat(b'{') {
            return Err(invalid());
        }
        let open = scanner.i;
        let mut members = Vec::new();
        scanner.ws();
        if !scanner.eat(b'}') {
            loop {
                scanner.ws();
                let key = scanner.string().ok_or_else(invalid)?;
                scanner.ws();
                if !scanner.eat(b':') {
                    return Err(invalid());
                }
                scanner.ws();
                let start = scanner.i;
                scanner.value(2).ok_or_else(invalid)?;
                members.push(Member {
                    key,
                    value: start..scanner.i,
                });
                scanner.ws();
                if scanner.eat(b'}') {
                    break;
                }
                if !scanner.eat(b',') {
                    return Err(invalid());
                }
            }
        }
        scanner.ws();
        if scanner.i != bytes.len() {
            return Err(invalid());
        }
        Ok(Self {
            body,
            members,
            open,
        })
    }

    /// Whether member `index` is named `name`.
    fn is_named(&self, index: usize, name: &str) -> bool {
        let key = &self.members[index].key;
        unescape(&self.body[key.start + 1..key.end - 1]) == name
    }

    /// The indices of the members named `name`, in order.
    fn named<'s>(&'s self, name: &'s str) -> impl Iterator<Item = usize> + 's {
        (0..self.members.len()).filter(move |&i| self.is_named(i, name))
    }

    fn has(&self, name: &str) -> bool {
        self.named(name).next().is_some()
    }

    /// The string value of the last member named `name`, unescaped.
    fn string(&self, name: &str) -> Option<Cow<'a, str>> {
        let index = self.named(name).last()?;
        let raw = &self.body[self.members[index].value.clone()];
        let inner = raw.strip_prefix('"')?.strip_suffix('"')?;
        Some(unescape(inner))
    }
}

/// Changes to a body: replaced ranges (an empty range removes nothing) and
/// members to append.
struct Edits<'m, 'a> {
    members: &'m Members<'a>,
    changes: Vec<(Range<usize>, String)>,
    /// `"name":"value"` of each member to append.
    appended: Vec<String>,
    /// How many members are removed.
    removed: usize,
    /// Names written or removed already: a name configured twice is written once.
    done: Vec<&'m str>,
}

impl<'m, 'a> Edits<'m, 'a> {
    fn new(members: &'m Members<'a>) -> Self {
        Self {
            members,
            changes: Vec::new(),
            appended: Vec::new(),
            removed: 0,
            done: Vec::new(),
        }
    }

    /// Whether `name` is still free to edit (and now taken).
    fn take(&mut self, name: &'m str) -> bool {
        let free = !self.done.contains(&name);
        self.done.push(name);
        free
    }

    /// Sets every member named `name` to the string `value`; appends one when
    /// there is none and `append` is set.
    fn set(&mut self, name: &'m str, value: &str, append: bool) {
        if !self.take(name) {
            return;
        }
        let literal = json_string(value);
        let mut found = false;
        for index in self.members.named(name) {
            self.changes
                .push((self.members.members[index].value.clone(), literal.clone()));
            found = true;
        }
        if !found && append {
            let mut member = json_string(name);
            member.push(':');
            member.push_str(&literal);
            self.appended.push(member);
        }
    }

    /// Removes every member named `name` with one separating comma: a member is
    /// cut from the end of the one before it, and members at the front up to the
    /// next kept one, so the layout around the others stays as it was.
    fn remove(&mut self, name: &'m str) {
        if !self.take(name) {
            return;
        }
        let list = &self.members.members;
        let removed: Vec<usize> = self.members.named(name).collect();
        self.removed += removed.len();
        let leading = (0..list.len()).take_while(|i| removed.contains(i)).count();
        if leading > 0 {
            let end = match list.get(leading) {
                Some(kept) => kept.key.start,
                None => list[leading - 1].value.end,
            };
            self.changes.push((list[0].key.start..end, String::new()));
        }
        for &index in removed.iter().filter(|&&i| i >= leading) {
            let cut = list[index - 1].value.end..list[index].value.end;
            self.changes.push((cut, String::new()));
        }
    }

    /// The body with every change made, in one copy.
    fn apply(mut self) -> Vec<u8> {
        let body = self.members.body.as_bytes();
        if !self.appended.is_empty() {
            let list = &self.members.members;
            let at = list.last().map_or(self.members.open, |last| last.value.end);
            let mut text = String::new();
            if list.len() > self.removed {
                text.push(',');
            }
            text.push_str(&self.appended.join(","));
            self.changes.push((at..at, text));
        }
        self.changes
            .sort_by_key(|(range, _)| (range.start, range.end));
        let extra: usize = self.changes.iter().map(|(_, text)| text.len()).sum();
        let mut out = Vec::with_capacity(body.len() + extra);
        let mut at = 0;
        for (range, text) in &self.changes {
            out.extend_from_slice(&body[at..range.start]);
            out.extend_from_slice(text.as_bytes());
            at = range.end;
        }
        out.extend_from_slice(&body[at..]);
        out
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

    const TRACEPARENT_01: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    fn context(trace_state: &str) -> Context {
        let parent = traceparent::parse(TRACEPARENT_01).unwrap();
        Context::new(parent.trace_id, parent.span_id, parent.flags)
            .with_trace_state(TraceState::parse(trace_state).unwrap())
    }

    fn stamp(ctx: &Context, body: &str) -> String {
        String::from_utf8(inject(ctx, body.as_bytes(), JsonFields::default()).unwrap()).unwrap()
    }

    #[test]
    fn a_cloudevent_keeps_its_attribute_names() {
        let event = r#"{"specversion":"1.0","traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00","tracestate":"old=1","data":{}}"#;
        assert_eq!(
            stamp(&context(""), event),
            format!(r#"{{"specversion":"1.0","traceparent":"{TRACEPARENT_01}","data":{{}}}}"#)
        );
        assert_eq!(
            stamp(&context("a=\"q\\"), event),
            format!(
                r#"{{"specversion":"1.0","traceparent":"{TRACEPARENT_01}","tracestate":"a=\"q\\","data":{{}}}}"#
            )
        );
        let bare = r#"{"traceparent":"x","traceId":"1"}"#;
        let out = stamp(&context("b=2"), bare);
        assert_eq!(
            out,
            format!(
                r#"{{"traceparent":"{TRACEPARENT_01}","traceId":"4bf92f3577b34da6a3ce929d0e0e4736","tracestate":"b=2"}}"#
            )
        );
        let back = extract(out.as_bytes(), JsonFields::default())
            .unwrap()
            .unwrap();
        assert_eq!(back, context("b=2"));
    }

    #[test]
    fn removal_keeps_the_layout_around_other_members() {
        let leading =
            "{ \"tracestate\" : \"a=1\" ,\n \"tracestate\":\"b=2\", \"traceparent\": \"\" }";
        assert_eq!(
            stamp(&context(""), leading),
            format!("{{ \"traceparent\": \"{TRACEPARENT_01}\" }}")
        );
        let inner = r#"{"traceparent":"","tracestate":"a=1","x":1,"tracestate":"b=2"}"#;
        assert_eq!(
            stamp(&context(""), inner),
            format!(r#"{{"traceparent":"{TRACEPARENT_01}","x":1}}"#)
        );
    }

    #[test]
    fn no_comma_before_members_appended_to_an_emptied_object() {
        let members = Members::scan(br#"{ "a":1,"a":2 }"#).unwrap();
        let mut edits = Edits::new(&members);
        edits.remove("a");
        edits.set("b", "x", true);
        assert_eq!(edits.apply(), br#"{ "b":"x" }"#);
    }

    #[test]
    fn escapes_are_read_and_written() {
        let body = r#"{"trace\u0049d":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"\u0030\u0030f067aa0ba902b7","tracestate":"a=\"x\""}"#;
        let ctx = extract(body.as_bytes(), JsonFields::default())
            .unwrap()
            .unwrap();
        assert_eq!(
            ctx.trace_id().to_string(),
            "4bf92f3577b34da6a3ce929d0e0e4736"
        );
        assert_eq!(ctx.span_id().to_string(), "00f067aa0ba902b7");
        assert_eq!(
            unescape(r"\ud83d\ude00 \ud83d \u00e9\n\/"),
            "\u{1f600} \u{fffd} \u{e9}\n/"
        );
    }

    #[test]
    fn duplicates_read_last_and_are_all_rewritten() {
        let body = r#"{"spanId":"b7ad6b7169203331","traceId":"00f067aa0ba902b7","spanId":"00f067aa0ba902b7"}"#;
        let ctx = extract(body.as_bytes(), JsonFields::default())
            .unwrap()
            .unwrap();
        assert_eq!(ctx.span_id().to_string(), "00f067aa0ba902b7");
        let out = stamp(&context(""), body);
        assert_eq!(out.matches("\"00f067aa0ba902b7\"").count(), 2);
        assert!(!out.contains("b7ad6b7169203331"));
    }

    #[test]
    fn ids_of_another_trace_become_a_link() {
        let body = format!(
            r#"{{"traceparent":"{TRACEPARENT_01}","traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331"}}"#
        );
        let ctx = extract(body.as_bytes(), JsonFields::default())
            .unwrap()
            .unwrap();
        assert_eq!(ctx.span_id().to_string(), "00f067aa0ba902b7");
        assert_eq!(ctx.links().len(), 1);
        assert_eq!(ctx.links()[0].span_id.to_string(), "b7ad6b7169203331");
        let same = body.replace(
            "0af7651916cd43dd8448eb211c80319c",
            "4bf92f3577b34da6a3ce929d0e0e4736",
        );
        let ctx = extract(same.as_bytes(), JsonFields::default())
            .unwrap()
            .unwrap();
        assert!(ctx.links().is_empty());
    }

    #[test]
    fn an_invalid_traceparent_leaves_the_ids() {
        let body = r#"{"traceparent":"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01","traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331"}"#;
        let ctx = extract(body.as_bytes(), JsonFields::default())
            .unwrap()
            .unwrap();
        assert_eq!(ctx.span_id().to_string(), "b7ad6b7169203331");
    }

    #[test]
    fn a_name_configured_twice_is_written_once() {
        let fields = JsonFields {
            trace_id: "traceparent",
            span_id: "traceparent",
        };
        let out = inject(&context(""), br#"{"traceparent":"x"}"#, fields).unwrap();
        assert_eq!(
            out,
            format!(r#"{{"traceparent":"{TRACEPARENT_01}"}}"#).into_bytes()
        );
    }

    #[test]
    fn nesting_stops_at_128_levels() {
        let nested = |levels: usize| {
            format!(
                "{{\"a\":{}{}}}",
                "[".repeat(levels - 1),
                "]".repeat(levels - 1)
            )
        };
        assert!(extract(nested(MAX_DEPTH).as_bytes(), JsonFields::default()).is_ok());
        assert!(extract(nested(MAX_DEPTH + 1).as_bytes(), JsonFields::default()).is_err());
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
            b"{\"a\":\"\xff\"}",
            b"\xef\xbb\xbf{}",
            b"{\"a\":\"\\x\"}",
            b"{\"a\":1,}",
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
