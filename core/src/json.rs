//! The event-payload carrier: trace context in the top-level fields of a JSON
//! object, for messages that travel without headers.
//!
//! Two shapes are read: `traceId`/`spanId` fields (names configurable; a 16- or
//! 32-hex-digit trace id, a 16-hex-digit span id, lowercase as in every other
//! format) and the CloudEvents distributed tracing attributes
//! `traceparent`/`tracestate`, which win when valid (id fields of another trace
//! then become a link, as between header formats). The body is never parsed into
//! a tree: a validating scan visits the top-level members without keeping them
//! (memory does not grow with their number), and injection scans again to splice
//! new values into a copy of the original bytes, so every other byte (key order,
//! spacing, numbers, escapes) stays as it was.
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
    // The value of the last member of each name.
    let names = [fields.trace_id, fields.span_id, TRACEPARENT, TRACESTATE];
    let mut last: [Option<Range<usize>>; 4] = Default::default();
    let object = Object::scan(body, |text, member| {
        for (slot, name) in last.iter_mut().zip(names) {
            if member.is_named(text, name) {
                *slot = Some(member.value.clone());
            }
        }
    })?;
    let [trace_id, span_id, parent, trace_state] = last.map(|value| object.string(value));
    let ids = trace_id
        .and_then(|text| parse_trace_id(&text))
        .zip(span_id.and_then(|text| text.parse::<SpanId>().ok()));
    let parent = parent.and_then(|value| traceparent::parse(trim_ows(&value)).ok());
    let Some(parent) = parent else {
        return Ok(
            ids.map(|(trace_id, span_id)| Context::new(trace_id, span_id, TraceFlags::SAMPLED))
        );
    };
    let trace_state = trace_state
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
    // How many members each name has, and their values' bytes: to size the copy.
    let names = [TRACEPARENT, TRACESTATE, fields.trace_id, fields.span_id];
    let mut counts = [(0, 0); 4];
    Object::scan(body, |text, member| {
        for ((count, bytes), name) in counts.iter_mut().zip(names) {
            if member.is_named(text, name) {
                (*count, *bytes) = (*count + 1, *bytes + member.value.len());
            }
        }
    })?;
    let cloud_event = counts[0].0 > 0;
    let trace_id = context.trace_id().to_hex();
    let span_id = context.span_id().to_hex();
    let mut plan = Plan::default();
    if cloud_event {
        plan.set(TRACEPARENT, &context.traceparent(), false);
        let trace_state = context.trace_state().header();
        if trace_state.is_empty() {
            plan.remove(TRACESTATE);
        } else {
            plan.set(TRACESTATE, &trace_state, true);
        }
        plan.set(fields.trace_id, &trace_id, false);
        plan.set(fields.span_id, &span_id, false);
    } else {
        plan.set(fields.trace_id, &trace_id, true);
        plan.set(fields.span_id, &span_id, true);
    }
    plan.apply(body, |name| {
        let index = names.iter().position(|known| *known == name);
        index.map_or((0, 0), |index| counts[index])
    })
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
    let mut out = String::with_capacity(literal_len(text));
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

/// The length of [`json_string`]'s output.
fn literal_len(text: &str) -> usize {
    let escaped = |c: char| match c {
        '"' | '\\' => 2,
        c if u32::from(c) < 0x20 => 6,
        c => c.len_utf8(),
    };
    2 + text.chars().map(escaped).sum::<usize>()
}

/// The contents of a string literal (without its quotes), escapes resolved; the
/// scanner has checked the escapes already. A lone surrogate becomes U+FFFD.
fn unescape(raw: &str) -> Cow<'_, str> {
    if raw.contains('\\') {
        Cow::Owned(Unescaped(raw).collect())
    } else {
        Cow::Borrowed(raw)
    }
}

/// The characters of a string literal's contents, escapes resolved, without
/// allocating: names are compared as they are scanned.
struct Unescaped<'a>(&'a str);

impl Iterator for Unescaped<'_> {
    type Item = char;

    fn next(&mut self) -> Option<char> {
        let mut chars = self.0.chars();
        let c = chars.next()?;
        if c != '\\' {
            self.0 = chars.as_str();
            return Some(c);
        }
        let escape = chars.as_str();
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
        self.0 = &escape[used..];
        Some(c)
    }
}

/// One top-level member: where its name literal and its value are.
struct Member {
    key: Range<usize>,
    value: Range<usize>,
}

impl Member {
    /// Whether the member's name, unescaped, is `name`.
    fn is_named(&self, body: &str, name: &str) -> bool {
        Unescaped(&body[self.key.start + 1..self.key.end - 1]).eq(name.chars())
    }
}

/// A body validated as one JSON object. Its members are visited as they are
/// scanned, never collected: memory stays independent of how many there are.
struct Object<'a> {
    body: &'a str,
    /// Just past the opening `{`.
    open: usize,
}

impl<'a> Object<'a> {
    /// Validates `bytes`, calling `visit` with each top-level member in order.
    fn scan(bytes: &'a [u8], mut visit: impl FnMut(&'a str, Member)) -> Result<Self, Error> {
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
                visit(
                    body,
                    Member {
                        key,
                        value: start..scanner.i,
                    },
                );
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
        Ok(Self { body, open })
    }

    /// The unescaped contents of the string value at `value`; `None` when absent
    /// or not a string.
    fn string(&self, value: Option<Range<usize>>) -> Option<Cow<'a, str>> {
        let raw = &self.body[value?];
        let inner = raw.strip_prefix('"')?.strip_suffix('"')?;
        Some(unescape(inner))
    }
}

/// What injection does to the members of one name.
enum Action {
    /// Sets every one to this value literal; appends one when there is none and
    /// the flag is set.
    Set(String, bool),
    /// Removes every one.
    Remove,
}

/// The changes injection makes, by member name; the first change of a name wins,
/// so a name configured twice is written once.
#[derive(Default)]
struct Plan<'n> {
    changes: Vec<(&'n str, Action)>,
}

impl<'n> Plan<'n> {
    fn set(&mut self, name: &'n str, value: &str, append: bool) {
        self.change(name, Action::Set(json_string(value), append));
    }

    fn remove(&mut self, name: &'n str) {
        self.change(name, Action::Remove);
    }

    fn change(&mut self, name: &'n str, action: Action) {
        if self.changes.iter().all(|(taken, _)| *taken != name) {
            self.changes.push((name, action));
        }
    }

    /// `bytes` (a valid object; `members` of a name: how many, and their values'
    /// bytes) with the changes made, in one copy as the members are scanned again. A removed member goes
    /// with the separator before it, or at the front with the one after it, so
    /// the layout around the others stays as it was; appended members go right
    /// after the last member.
    fn apply(
        &self,
        bytes: &[u8],
        members: impl Fn(&str) -> (usize, usize),
    ) -> Result<Vec<u8>, Error> {
        // Every value of a name replaced by its literal, or one member appended.
        let growth: usize = self
            .changes
            .iter()
            .map(|(name, action)| match (action, members(name)) {
                (Action::Set(literal, true), (0, _)) => literal_len(name) + literal.len() + 2,
                (Action::Set(literal, _), (count, values)) => {
                    (count * literal.len()).saturating_sub(values)
                }
                (Action::Remove, _) => 0,
            })
            .sum();
        let mut out = Vec::with_capacity(bytes.len() + growth);
        // Copied up to `copied`; `end`: where the last member scanned ends.
        let (mut copied, mut end, mut count, mut kept) = (0, None, 0, 0);
        let mut found = vec![false; self.changes.len()];
        let scanned = Object::scan(bytes, |text, member| {
            let change = self
                .changes
                .iter()
                .position(|(name, _)| member.is_named(text, name));
            if let Some(index) = change {
                found[index] = true;
            }
            match change.map(|index| &self.changes[index].1) {
                Some(Action::Remove) => {
                    match end {
                        // Cut from the end of the member before.
                        Some(end) if kept > 0 => out.extend_from_slice(&bytes[copied..end]),
                        // At the front: keep what precedes the first member.
                        None => out.extend_from_slice(&bytes[..member.key.start]),
                        Some(_) => {}
                    }
                    copied = member.value.end;
                }
                other => {
                    if kept == 0 && count > 0 {
                        // Members at the front were removed: so is what follows them.
                        copied = member.key.start;
                    }
                    kept += 1;
                    if let Some(Action::Set(literal, _)) = other {
                        out.extend_from_slice(&bytes[copied..member.value.start]);
                        out.extend_from_slice(literal.as_bytes());
                        copied = member.value.end;
                    }
                }
            }
            count += 1;
            end = Some(member.value.end);
        });
        let object = scanned?;
        let appended: Vec<String> = self
            .changes
            .iter()
            .zip(&found)
            .filter_map(|((name, action), found)| match action {
                Action::Set(literal, true) if !found => {
                    Some(format!("{}:{literal}", json_string(name)))
                }
                _ => None,
            })
            .collect();
        if !appended.is_empty() {
            let at = end.unwrap_or(object.open);
            out.extend_from_slice(&bytes[copied..at]);
            if kept > 0 {
                out.push(b',');
            }
            out.extend_from_slice(appended.join(",").as_bytes());
            copied = at;
        }
        out.extend_from_slice(&bytes[copied..]);
        Ok(out)
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
        let mut plan = Plan::default();
        plan.remove("a");
        plan.set("b", "x", true);
        for (body, out) in [
            (&br#"{ "a":1,"a":2 }"#[..], &br#"{ "b":"x" }"#[..]),
            (br#"{ "a":1,"c":2 }"#, br#"{ "c":2,"b":"x" }"#),
            (br#"{"c":2, "a":1 }"#, br#"{"c":2,"b":"x" }"#),
        ] {
            assert_eq!(plan.apply(body, |_| (2, 2)).unwrap(), out);
        }
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
