//! Compact encodings for language bindings whose boundary is cheapest to cross
//! with one buffer and one string (Node-API, WebAssembly): the binding's JS layer
//! builds a [`Frame`] of the relevant headers, crosses once, and reads back a
//! context [`record`] or header lines. Everything here is plain data; no host
//! types are involved.

use crate::context::Extras;
use crate::json::json_string;
use crate::traceparent;
use crate::{
    Baggage, Code, Context, Diagnostic, Error, Extractor, Injector, Link, Propagator, SpanId,
    TraceFlags, TraceState,
};

/// A propagator as a short string: `extract;inject;repeated`, format names
/// comma-separated (`"tracecontext;tracecontext;restart"`).
pub fn spec(propagator: &Propagator) -> String {
    let names = |formats: &[crate::Format]| {
        formats
            .iter()
            .map(|f| f.name())
            .collect::<Vec<_>>()
            .join(",")
    };
    format!(
        "{};{};{}",
        names(propagator.extract_formats()),
        names(propagator.inject_formats()),
        propagator.repeated()
    )
}

/// Reads a [`spec`] back; unknown names fail with `unknown_format` / `invalid_policy`.
pub fn parse_spec(spec: &str) -> Result<Propagator, Error> {
    let mut parts = spec.split(';');
    let (Some(extract), Some(inject), Some(repeated), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Error::new(Code::InvalidPolicy, spec));
    };
    let mut builder = Propagator::builder();
    for name in names(extract) {
        builder = builder.extract([name.parse()?]);
    }
    for name in names(inject) {
        builder = builder.inject([name.parse()?]);
    }
    Ok(builder.repeated(repeated.parse()?).build())
}

/// The names of a comma-separated list; an empty name inside a list is kept, so
/// that it fails as an unknown format instead of vanishing.
fn names(list: &str) -> impl Iterator<Item = &str> {
    list.split(',').filter(move |_| !list.is_empty())
}

/// Headers packed in one buffer: for each, `[name length: u8][name][value length:
/// u32 LE][value]`. A truncated entry ends the frame; a non-UTF-8 name is skipped.
#[derive(Clone, Copy, Debug)]
pub struct Frame<'a>(pub &'a [u8]);

impl Frame<'_> {
    /// Packs `headers` (used by tests and by hosts that build frames in Rust).
    pub fn encode<'h>(headers: impl IntoIterator<Item = (&'h str, &'h [u8])>) -> Vec<u8> {
        let mut out = Vec::new();
        for (name, value) in headers {
            let name = &name.as_bytes()[..name.len().min(usize::from(u8::MAX))];
            out.push(name.len() as u8);
            out.extend_from_slice(name);
            out.extend_from_slice(&(value.len() as u32).to_le_bytes());
            out.extend_from_slice(value);
        }
        out
    }
}

impl<'f> Frame<'f> {
    /// The headers, in order.
    pub fn headers(self) -> impl Iterator<Item = (&'f str, &'f [u8])> + Clone {
        let mut rest = self.0;
        std::iter::from_fn(move || loop {
            let (&name_len, tail) = rest.split_first()?;
            let (name, tail) = tail.split_at_checked(usize::from(name_len))?;
            let (len, tail) = tail.split_first_chunk::<4>()?;
            let (value, tail) = tail.split_at_checked(u32::from_le_bytes(*len) as usize)?;
            rest = tail;
            if let Ok(name) = std::str::from_utf8(name) {
                return Some((name, value));
            }
        })
    }
}

impl Extractor for Frame<'_> {
    fn for_each_header<'a>(&'a self, visit: &mut dyn FnMut(&'a str, &'a [u8])) {
        for (name, value) in self.headers() {
            visit(name, value);
        }
    }
}

/// Offsets in a record: `[0, 55)` the injected traceparent, `[55, 71)` the parent
/// span id (16 zeros for none), `[71, 73)` all 8 flag bits, then four sections
/// separated by `\n`: the tracestate, the baggage (W3C-encoded), format state,
/// and links (`<trace id>-<span id>`, comma-separated).
pub mod layout {
    /// The `traceparent` value.
    pub const TRACEPARENT: std::ops::Range<usize> = 0..55;
    /// The trace id, inside the traceparent.
    pub const TRACE_ID: std::ops::Range<usize> = 3..35;
    /// The span id, inside the traceparent.
    pub const SPAN_ID: std::ops::Range<usize> = 36..52;
    /// The parent span id; `0000000000000000` when there is none.
    pub const PARENT_SPAN_ID: std::ops::Range<usize> = 55..71;
    /// The flags as received, two hex digits.
    pub const FLAGS: std::ops::Range<usize> = 71..73;
    /// Where the tracestate starts; it runs to the first `\n`.
    pub const TRACESTATE: usize = 73;
}

/// A context as one ASCII string with fixed offsets (see [`layout`]), so a JS
/// layer reads ids with `slice` and never parses or formats them itself.
pub fn record(context: &Context) -> String {
    let mut out = String::with_capacity(layout::TRACESTATE + context.trace_state().as_str().len());
    out.push_str(&context.traceparent());
    match context.parent_span_id() {
        Some(parent) => out.push_str(&parent.to_hex()),
        None => out.push_str("0000000000000000"),
    }
    let flags = context.flags().bits();
    out.push(char::from(b"0123456789abcdef"[usize::from(flags >> 4)]));
    out.push(char::from(b"0123456789abcdef"[usize::from(flags & 0x0f)]));
    out.push_str(context.trace_state().as_str());
    out.push('\n');
    out.push_str(&context.baggage().encode(false));
    out.push('\n');
    if let Some(extras) = context.extras() {
        extras.encode_into(&mut out);
    }
    out.push('\n');
    for (i, link) in context.links().iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&link.trace_id.to_hex());
        out.push('-');
        out.push_str(&link.span_id.to_hex());
    }
    out
}

/// Reads a [`record`] back, validating every part (`invalid_context` otherwise).
pub fn parse_record(record: &str) -> Result<Context, Error> {
    let invalid = || Error::new(Code::InvalidContext, record);
    let head = record.get(..layout::TRACESTATE).ok_or_else(invalid)?;
    let parent = traceparent::parse(&head[layout::TRACEPARENT]).map_err(|_| invalid())?;
    let parent_span_id = match &head[layout::PARENT_SPAN_ID] {
        "0000000000000000" => None,
        hex => Some(hex.parse::<SpanId>().map_err(|_| invalid())?),
    };
    let flags = u8::from_str_radix(&head[layout::FLAGS], 16)
        .ok()
        .filter(|_| {
            head[layout::FLAGS]
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
        .ok_or_else(invalid)?;
    let mut sections = record[layout::TRACESTATE..].split('\n');
    let (Some(trace_state), Some(baggage), Some(extras), Some(links), None) = (
        sections.next(),
        sections.next(),
        sections.next(),
        sections.next(),
        sections.next(),
    ) else {
        return Err(invalid());
    };
    let trace_state = match trace_state {
        "" => TraceState::new(),
        text => TraceState::parse(text).map_err(|_| invalid())?,
    };
    let baggage_members = Baggage::parse(baggage);
    if baggage_members.encode(false) != baggage {
        return Err(invalid());
    }
    let extras = Extras::decode(extras).ok_or_else(invalid)?;
    let mut context = Context::new(
        parent.trace_id,
        parent.span_id,
        TraceFlags::from_bits(flags),
    )
    .with_parent_span_id(parent_span_id)
    .with_trace_state(trace_state)
    .replace_baggage(baggage_members)
    .with_extras(Some(extras));
    for link in links.split(',').filter(|link| !link.is_empty()) {
        let (trace_id, span_id) = link.split_once('-').ok_or_else(invalid)?;
        context = context.with_link(Link {
            trace_id: trace_id.parse().map_err(|_| invalid())?,
            span_id: span_id.parse().map_err(|_| invalid())?,
        });
    }
    Ok(context)
}

/// What a JS layer shows of a context beyond its ids: `{"baggage":{key: value},
/// "links":[{"traceId","spanId"}],"debug":bool,"deferred":bool}` as JSON text (for
/// a key that repeats, the last value).
pub fn details_json(context: &Context) -> String {
    let mut out = String::from("{\"baggage\":{");
    let mut keys: Vec<&str> = Vec::new();
    for (key, _, _) in context.baggage().iter() {
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    for (i, key) in keys.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&json_string(key));
        out.push(':');
        out.push_str(&json_string(context.baggage().get(key).unwrap_or_default()));
    }
    out.push_str("},\"links\":[");
    for (i, link) in context.links().iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&format!(
            "{{\"traceId\":\"{}\",\"spanId\":\"{}\"}}",
            link.trace_id, link.span_id
        ));
    }
    out.push_str(&format!(
        "],\"debug\":{},\"deferred\":{}}}",
        context.is_debug(),
        context.is_deferred()
    ));
    out
}

/// What `propagator` injects for `context`, as `name\nvalue\n` lines, in order;
/// an empty value means "remove this header" (injection never writes an empty one).
pub fn header_lines(propagator: &Propagator, context: &Context) -> String {
    let mut lines = Lines(String::new());
    propagator.inject(context, &mut lines);
    lines.0
}

/// What `propagator` writes for `context` into environment variables (as
/// [`crate::env::inject`] does), as `name\nvalue\n` lines like [`header_lines`].
/// Renames the header lines rather than injecting again, so that a WebAssembly
/// module holds the formats' injection code once.
pub fn env_lines(propagator: &Propagator, context: &Context) -> String {
    let headers = header_lines(propagator, context);
    let mut out = String::with_capacity(headers.len() + 8);
    let mut lines = headers.split('\n');
    while let (Some(name), Some(value)) = (lines.next(), lines.next()) {
        // (An empty value removes, whatever the name.)
        if value.is_empty() || crate::env::spells_back(name) {
            for part in [&crate::env::variable_name(name), "\n", value, "\n"] {
                out.push_str(part);
            }
        }
    }
    out
}

/// Diagnostics as `format\theader\tcode\n` lines.
pub fn diagnostic_lines(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(|d| format!("{}\t{}\t{}\n", d.format, d.header, d.code))
        .collect()
}

/// Collects injected headers; names are distinct per propagator, so it only appends.
struct Lines(String);

impl Injector for Lines {
    fn set_header(&mut self, name: &str, value: &str) {
        for part in [name, "\n", value, "\n"] {
            self.0.push_str(part);
        }
    }

    fn remove_header(&mut self, name: &str) {
        self.set_header(name, "");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_round_trips() {
        let spec_text = spec(&Propagator::DEFAULT);
        assert_eq!(
            spec_text,
            "tracecontext,baggage;tracecontext,baggage;restart"
        );
        assert_eq!(parse_spec(&spec_text).unwrap(), Propagator::DEFAULT);
        assert_eq!(
            parse_spec("b9;;restart").unwrap_err().code(),
            Code::UnknownFormat
        );
        assert_eq!(
            parse_spec(";;sometimes").unwrap_err().code(),
            Code::InvalidPolicy
        );
        assert_eq!(
            parse_spec("tracecontext,;;restart").unwrap_err().code(),
            Code::UnknownFormat
        );
        assert_eq!(parse_spec(";;last").unwrap().extract_formats(), []);
    }

    #[test]
    fn header_lines_mark_removals_with_empty_values() {
        let context = Context::new_root();
        let lines = header_lines(&Propagator::DEFAULT, &context);
        assert_eq!(
            lines,
            format!(
                "traceparent\n{}\ntracestate\n\nbaggage\n\n",
                context.traceparent()
            )
        );
    }

    #[test]
    fn env_lines_name_variables() {
        let context = Context::new_root();
        let propagator = parse_spec("tracecontext;tracecontext,xray;restart").unwrap();
        let lines = env_lines(&propagator, &context);
        let expected = header_lines(&propagator, &context)
            .replacen("traceparent", "TRACEPARENT", 1)
            .replacen("tracestate", "TRACESTATE", 1)
            .replacen("x-amzn-trace-id", "_X_AMZN_TRACE_ID", 1);
        assert_eq!(lines, expected);
        assert!(lines.starts_with("TRACEPARENT\n00-"));
    }

    #[test]
    fn frame_round_trips_and_stops_at_truncation() {
        let frame = Frame::encode([("traceparent", &b"x"[..]), ("tracestate", &b"a=1"[..])]);
        let mut seen = Vec::new();
        Frame(&frame).for_each_header(&mut |n, v| seen.push((n.to_owned(), v.to_vec())));
        assert_eq!(seen.len(), 2);
        seen.clear();
        Frame(&frame[..frame.len() - 1])
            .for_each_header(&mut |n, v| seen.push((n.to_owned(), v.to_vec())));
        assert_eq!(seen, [("traceparent".to_owned(), b"x".to_vec())]);
    }

    #[test]
    fn record_round_trips() {
        let context = Context::new_root()
            .with_trace_state(TraceState::parse("a=1,b=2").unwrap())
            .child();
        let text = record(&context);
        assert_eq!(
            &text[layout::TRACE_ID],
            context.trace_id().to_hex().as_str()
        );
        assert_eq!(parse_record(&text).unwrap(), context);
        for bad in ["", "x", &text[..60], &text.replace("a=1", "a=\n")] {
            assert_eq!(parse_record(bad).unwrap_err().code(), Code::InvalidContext);
        }
    }
}
