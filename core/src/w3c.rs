//! W3C Trace Context (level 2) over bytes, for hosts that bring their own buffers.
//!
//! The same rules as the `tracecontext` format of [`Propagator::DEFAULT`](crate::Propagator::DEFAULT)
//! (a repeated `traceparent` with different values restarts the trace), read from a
//! [`Frame`] and written into the caller's buffer as records. Nothing here
//! allocates or has a path that panics, so a program built on this module alone
//! needs neither an allocator nor the formatting code of panic messages: the
//! browser package's W3C-only WebAssembly module is one.
//!
//! A record has the fixed offsets of [`host::layout`](crate::host::layout)
//! (traceparent, parent span id, flags), then the canonical tracestate; when
//! injection must cut the tracestate to 512 characters (§3.3.1.5), a `\n` and the
//! value to inject follow.
//!
//! ```
//! use tracewire::{host::Frame, w3c};
//!
//! let frame = Frame::encode([(
//!     "traceparent",
//!     &b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"[..],
//! )]);
//! let mut out = [0u8; 128];
//! let mut ids = w3c::Ids::from_seed(7);
//! let len = w3c::continue_trace(&frame, &mut ids, &mut out).unwrap();
//! assert_eq!(&out[3..35], b"4bf92f3577b34da6a3ce929d0e0e4736");
//! assert_eq!(&out[55..71], b"00f067aa0ba902b7"); // the parent
//! assert_eq!(len, 73);
//! ```

use std::str;

use crate::headers::Field;
use crate::host::{layout, Frame};
use crate::traceparent::{self, trim_ows};
use crate::tracestate::{fingerprint, split_member, LONG_MEMBER, MAX_HEADER_LEN, MAX_MEMBERS};
use crate::{hex, rng, Code, SpanId, TraceId};

const FORMAT: &[u8] = b"tracecontext";
const TRACEPARENT: &str = "traceparent";
const TRACESTATE: &str = "tracestate";
/// The parent span id of a record without one.
const NO_PARENT: &[u8; 16] = b"0000000000000000";
/// The longest diagnostic line (`tracecontext\ttracestate\ttracestate_too_many_members\n`).
const LONGEST_LINE: usize = 64;

/// The size of an output buffer that always suffices for a frame of `frame_len`
/// bytes (or a record of that length, for [`child`]).
pub const fn capacity(frame_len: usize) -> usize {
    // Each value in a frame takes at least 15 bytes, and gives at most one line.
    layout::TRACESTATE + 2 * frame_len + MAX_HEADER_LEN + 1 + LONGEST_LINE * (frame_len / 15 + 2)
}

/// Random ids from a generator with its own state (wyrand), seeded by the host:
/// for a program with no thread-local storage or OS entropy of its own.
#[derive(Clone, Copy, Debug)]
pub struct Ids(u64);

impl Ids {
    /// A generator seeded with 64 random bits (`crypto.getRandomValues` in a browser).
    pub const fn from_seed(seed: u64) -> Self {
        Self(seed)
    }

    /// A random trace id, never all-zero.
    pub fn trace_id(&mut self) -> TraceId {
        loop {
            // (Random bits in any byte order: little-endian costs nothing on wasm.)
            let [high, low] = [self.draw(), self.draw()];
            let mut bytes = [0u8; 16];
            let drawn = high.iter().chain(&low);
            bytes
                .iter_mut()
                .zip(drawn)
                .for_each(|(to, &from)| *to = from);
            // All-zero (never in practice) is not an id: draw again.
            if let Some(id) = TraceId::from_bytes(bytes) {
                return id;
            }
        }
    }

    /// A random span id, never all-zero.
    pub fn span_id(&mut self) -> SpanId {
        loop {
            if let Some(id) = SpanId::from_bytes(self.draw()) {
                return id;
            }
        }
    }

    fn draw(&mut self) -> [u8; 8] {
        rng::wyrand(&mut self.0).to_le_bytes()
    }
}

/// The record of the context in `frame`, written into `out`: its length, or 0
/// when there is no valid context. `Err(internal_error)` when `out` is too small
/// (see [`capacity`]).
pub fn extract(frame: &[u8], out: &mut [u8]) -> Result<usize, Code> {
    let mut out = Out::new(out);
    if !extract_into(Frame(frame), &mut out, &mut |_, _| {}) {
        return Ok(0);
    }
    out.finish()
}

/// The record of a child of the context in `frame`, or of a new root when there
/// is none.
pub fn continue_trace(frame: &[u8], ids: &mut Ids, out: &mut [u8]) -> Result<usize, Code> {
    let mut record = Out::new(out);
    if !extract_into(Frame(frame), &mut record, &mut |_, _| {}) {
        return new_root(ids, record.buf);
    }
    let len = record.finish()?;
    let Some((head, _)) = record.buf.split_first_chunk_mut::<{ layout::TRACESTATE }>() else {
        return Err(Code::InternalError);
    };
    become_child(head, ids);
    Ok(len)
}

/// Why the context in `frame` was (or was not) extracted: a line
/// `tracecontext\t<header>\t<code>\n` per diagnostic, `extracted` last when it was.
pub fn diagnose(frame: &[u8], out: &mut [u8]) -> Result<usize, Code> {
    let mut lines = Out::new(out);
    let mut report = |header: &'static str, code: Code| {
        for part in [
            FORMAT,
            b"\t",
            header.as_bytes(),
            b"\t",
            name(code).as_bytes(),
            b"\n",
        ] {
            lines.push(part);
        }
    };
    // Only the verdicts are wanted: the record goes nowhere.
    if extract_into(Frame(frame), &mut Out::new(&mut []), &mut report) {
        report(TRACEPARENT, Code::Extracted);
    }
    lines.finish()
}

/// [`Code::as_str`] for the codes this module reports: that one would bring the
/// names of every format's codes into a program that needs only these.
fn name(code: Code) -> &'static str {
    match code {
        Code::MissingTraceparent => "missing_traceparent",
        Code::InvalidTraceparentLength => "invalid_traceparent_length",
        Code::InvalidTraceparentVersion => "invalid_traceparent_version",
        Code::InvalidTraceparentFormat => "invalid_traceparent_format",
        Code::InvalidHex => "invalid_hex",
        Code::UppercaseHex => "uppercase_hex",
        Code::ZeroTraceId => "zero_trace_id",
        Code::ZeroSpanId => "zero_span_id",
        Code::RepeatedTraceparent => "repeated_traceparent",
        Code::InvalidUtf8 => "invalid_utf8",
        Code::InvalidTracestateMember => "invalid_tracestate_member",
        Code::InvalidTracestateKey => "invalid_tracestate_key",
        Code::InvalidTracestateValue => "invalid_tracestate_value",
        Code::DuplicateTracestateKey => "duplicate_tracestate_key",
        Code::TracestateTooManyMembers => "tracestate_too_many_members",
        Code::Extracted => "extracted",
        _ => "internal_error",
    }
}

/// The record of a new trace: random ids, flags `03` (sampled, random trace id), no parent.
pub fn new_root(ids: &mut Ids, out: &mut [u8]) -> Result<usize, Code> {
    let mut record = Out::new(out);
    let mut trace_id = [0u8; 32];
    hex::encode_into(&ids.trace_id().to_bytes(), &mut trace_id);
    for part in [
        &b"00-"[..],
        &trace_id,
        b"-",
        &span_hex(ids),
        b"-03",
        NO_PARENT,
        b"03",
    ] {
        record.push(part);
    }
    record.finish()
}

/// The record of a child of `record` (one this module wrote): the same trace,
/// trace state and known flags, a fresh span id, `record`'s span as the parent.
pub fn child(record: &[u8], ids: &mut Ids, out: &mut [u8]) -> Result<usize, Code> {
    if record.len() < layout::TRACESTATE {
        return Err(Code::InvalidContext);
    }
    let mut child = Out::new(out);
    child.push(record);
    let len = child.finish()?;
    let Some((head, _)) = child.buf.split_first_chunk_mut::<{ layout::TRACESTATE }>() else {
        return Err(Code::InternalError);
    };
    become_child(head, ids);
    Ok(len)
}

/// Turns the head of a record into its child's, in place: the span becomes the
/// parent, a fresh span id, only the known flags (the traceparent holds those).
fn become_child(head: &mut [u8; layout::TRACESTATE], ids: &mut Ids) {
    let (traceparent, rest) = head.split_at_mut(layout::PARENT_SPAN_ID.start);
    let (parent, flags) = rest.split_at_mut(NO_PARENT.len());
    let (span, known_flags) = traceparent[layout::SPAN_ID.start..].split_at_mut(NO_PARENT.len());
    // (Zipped copies, not `copy_from_slice`: no length check to bring in panic messages.)
    let copy =
        |to: &mut [u8], from: &[u8]| to.iter_mut().zip(from).for_each(|(to, &from)| *to = from);
    copy(parent, span);
    copy(span, &span_hex(ids));
    copy(flags, known_flags.get(1..).unwrap_or_default());
}

/// A fresh span id in hex.
fn span_hex(ids: &mut Ids) -> [u8; 16] {
    let mut hex = [0u8; 16];
    hex::encode_into(&ids.span_id().to_bytes(), &mut hex);
    hex
}

/// Extracts the context in `frame` into `out` as a record, reporting each
/// rejection; whether there was one.
fn extract_into(
    frame: Frame<'_>,
    out: &mut Out<'_>,
    report: &mut dyn FnMut(&'static str, Code),
) -> bool {
    let Some(value) = chosen_traceparent(frame, report) else {
        return false;
    };
    let parent = match traceparent::parse_checked(value.as_bytes()) {
        Ok(parent) => parent,
        Err(code) => {
            // The spec: a vendor that failed to parse traceparent MUST NOT parse tracestate.
            report(TRACEPARENT, code);
            return false;
        }
    };
    // The ids and flags, valid lowercase hex, are copied as they came (a higher
    // version has them at the same places); the version written is 00, and the
    // traceparent carries only the known flags.
    let value = value.as_bytes();
    let known = [b'0', b"0123"[usize::from(parent.flags.known().bits())]];
    let ids = value.get(3..52).unwrap_or_default();
    let flags = value.get(53..55).unwrap_or_default();
    for part in [&b"00-"[..], ids, b"-", &known, NO_PARENT, flags] {
        out.push(part);
    }
    trace_state(frame, out, report);
    true
}

/// The one `traceparent` value to parse, trimmed: every element of every field
/// (HTTP stacks may join repeats with `", "`); different values restart the trace.
fn chosen_traceparent<'a>(
    frame: Frame<'a>,
    report: &mut dyn FnMut(&'static str, Code),
) -> Option<&'a str> {
    let (mut present, mut readable, mut differs) = (false, false, false);
    let mut first: Option<&str> = None;
    for (_, value) in frame
        .headers()
        .filter(|&(name, _)| is(Field::Traceparent, name))
    {
        present = true;
        let Ok(text) = str::from_utf8(value) else {
            report(TRACEPARENT, Code::InvalidUtf8);
            continue;
        };
        readable = true;
        for element in elements(text) {
            differs |= first.is_some_and(|f| f != element);
            first = first.or(Some(element));
        }
    }
    let code = match first {
        Some(_) if differs => Code::RepeatedTraceparent,
        Some(value) => return Some(value),
        None if !present => Code::MissingTraceparent,
        None if readable => Code::InvalidTraceparentLength,
        // Every value was invalid UTF-8, reported as such.
        None => return None,
    };
    report(TRACEPARENT, code);
    None
}

/// Appends the canonical tracestate of every `tracestate` field of `frame`
/// (combined in order; a field that is not UTF-8 is left out), and the value to
/// inject when that must be cut. An invalid tracestate is reported and dropped
/// whole, never touching the traceparent.
fn trace_state(frame: Frame<'_>, out: &mut Out<'_>, report: &mut dyn FnMut(&'static str, Code)) {
    let start = out.len;
    let mut keys: [(u64, &str); MAX_MEMBERS] = [(0, ""); MAX_MEMBERS];
    let mut lengths = [0usize; MAX_MEMBERS];
    let mut count = 0;
    let mut error = None;
    for_each_member(frame, report, &mut |member| {
        if count == MAX_MEMBERS {
            // Too many members outranks any other error.
            error = Some(Code::TracestateTooManyMembers);
            return;
        }
        if error.is_none() {
            match split_member(member) {
                Ok(key) => {
                    let print = (fingerprint(key.as_bytes()), key);
                    if keys.iter().take(count).any(|&earlier| earlier == print) {
                        error = Some(Code::DuplicateTracestateKey);
                    } else if let (Some(slot), Some(length)) =
                        (keys.get_mut(count), lengths.get_mut(count))
                    {
                        (*slot, *length) = (print, member.len());
                        if count > 0 {
                            out.push(b",");
                        }
                        out.push(member.as_bytes());
                    }
                }
                Err(code) => error = Some(code),
            }
        }
        count += 1;
    });
    if let Some(code) = error {
        report(TRACESTATE, code);
        out.len = start;
        return;
    }
    let Some(kept) = cut(lengths.get(..count).unwrap_or_default()) else {
        return;
    };
    out.push(b"\n");
    let (mut index, mut written) = (0, 0);
    for_each_member(frame, &mut |_, _| {}, &mut |member| {
        if kept & 1 << index != 0 {
            if written > 0 {
                out.push(b",");
            }
            out.push(member.as_bytes());
            written += 1;
        }
        index += 1;
    });
}

/// Calls `visit` with each non-empty, trimmed member of the UTF-8 `tracestate`
/// fields of `frame`, in order; reports the fields that are not UTF-8.
fn for_each_member<'a>(
    frame: Frame<'a>,
    report: &mut dyn FnMut(&'static str, Code),
    visit: &mut dyn FnMut(&'a str),
) {
    for (_, value) in frame
        .headers()
        .filter(|&(name, _)| is(Field::Tracestate, name))
    {
        match str::from_utf8(value) {
            Ok(text) => elements(text).for_each(&mut *visit),
            Err(_) => report(TRACESTATE, Code::InvalidUtf8),
        }
    }
}

/// Whether a header `name` is `field` (ASCII-case-insensitively): as
/// [`Field::matches`], without the word-at-a-time code that pays off for many fields.
fn is(field: Field, name: &str) -> bool {
    name.eq_ignore_ascii_case(field.name())
}

/// The non-empty elements of a comma-separated list, trimmed of OWS. (Not
/// `str::split`, whose searcher brings in panic messages.)
fn elements(list: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(list);
    let next = move || {
        let text = rest?;
        let comma = text.bytes().position(|b| b == b',');
        rest = comma.and_then(|at| text.get(at + 1..));
        comma.map_or(Some(text), |at| text.get(..at))
    };
    std::iter::from_fn(next)
        .map(trim_ows)
        .filter(|e| !e.is_empty())
}

/// Which members of a tracestate (of members `lengths` long) to inject, as a bit
/// set, when it is over 512 characters; `None` when it is not. Members over 128
/// characters go first, from the right, then members from the right (§3.3.1.5).
fn cut(lengths: &[usize]) -> Option<u32> {
    let mut count = lengths.len();
    let mut len = lengths.iter().sum::<usize>() + count.saturating_sub(1);
    if len <= MAX_HEADER_LEN {
        return None;
    }
    let mut kept: u32 = if count >= 32 { !0 } else { (1 << count) - 1 };
    let long = lengths
        .iter()
        .enumerate()
        .rev()
        .filter(|&(_, &len)| len > LONG_MEMBER);
    for index in long.map(|(i, _)| i).chain((0..lengths.len()).rev()) {
        if kept & 1 << index == 0 {
            continue;
        }
        kept &= !(1 << index);
        count -= 1;
        // The member, and the comma before or after it while others remain.
        len -= lengths.get(index).copied().unwrap_or_default() + usize::from(count > 0);
        if len <= MAX_HEADER_LEN {
            break;
        }
    }
    Some(kept)
}

/// A caller's buffer, filled from the front; what does not fit is not written,
/// and makes [`Out::finish`] fail.
struct Out<'b> {
    buf: &'b mut [u8],
    len: usize,
    fits: bool,
}

impl<'b> Out<'b> {
    fn new(buf: &'b mut [u8]) -> Self {
        Self {
            buf,
            len: 0,
            fits: true,
        }
    }

    // Called from many places: one copy of the code is enough.
    #[inline(never)]
    fn push(&mut self, bytes: &[u8]) {
        // (A room of exactly `bytes.len()`: the copy needs no length check, and so
        // no panic message.)
        let end = self.len.checked_add(bytes.len());
        match end.and_then(|end| Some((end, self.buf.get_mut(self.len..end)?))) {
            Some((end, room)) => {
                room.copy_from_slice(bytes);
                self.len = end;
            }
            None => self.fits = false,
        }
    }

    /// The length written, or `internal_error` when something did not fit.
    fn finish(&self) -> Result<usize, Code> {
        if self.fits {
            Ok(self.len)
        } else {
            Err(Code::InternalError)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Context, Propagator};

    const TP: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    fn extracted(headers: &[(&str, &[u8])]) -> Option<Vec<u8>> {
        let frame = Frame::encode(headers.iter().copied());
        let mut out = vec![0; capacity(frame.len())];
        let len = extract(&frame, &mut out).unwrap();
        (len > 0).then(|| out[..len].to_vec())
    }

    /// What the propagator's context gives for the same headers, as a record.
    fn expected(context: &Context) -> Vec<u8> {
        let mut record = crate::host::record(context).into_bytes();
        record.truncate(record.iter().position(|&b| b == b'\n').unwrap());
        let cut = context.trace_state().header();
        if cut != context.trace_state().as_str() {
            record.push(b'\n');
            record.extend_from_slice(cut.as_bytes());
        }
        record
    }

    #[test]
    fn agrees_with_the_propagator_on_traceparent_and_tracestate() {
        let long = format!("long={}", "x".repeat(200));
        let members: Vec<String> = (0..32).map(|i| format!("key{i:02}=value{i:02}x")).collect();
        let many = members.join(",");
        let with_long = format!(
            "{},{long},{}",
            members[..10].join(","),
            members[10..31].join(",")
        );
        let too_many = format!("{many},extra=1");
        let shouting = TP.to_uppercase();
        let values: [&[(&str, &[u8])]; 14] = [
            &[("traceparent", TP.as_bytes())],
            &[(
                "TraceParent",
                b" 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-ff ",
            )],
            &[
                ("traceparent", TP.as_bytes()),
                ("traceparent", TP.as_bytes()),
            ],
            &[
                ("traceparent", TP.as_bytes()),
                (
                    "traceparent",
                    b"00-4bf92f3577b34da6a3ce929d0e0e4736-b7ad6b7169203331-01",
                ),
            ],
            &[("traceparent", b"\xff"), ("traceparent", TP.as_bytes())],
            &[("traceparent", b" , ")],
            &[("traceparent", shouting.as_bytes())],
            &[
                ("traceparent", TP.as_bytes()),
                ("tracestate", b"a=1 , ,b= 2"),
                ("Tracestate", b"\tc=3"),
            ],
            &[("traceparent", TP.as_bytes()), ("tracestate", b"a=1,a=2")],
            &[
                ("traceparent", TP.as_bytes()),
                ("tracestate", b"a=\xc3\x28"),
                ("tracestate", b"b=2"),
            ],
            &[
                ("traceparent", TP.as_bytes()),
                ("tracestate", many.as_bytes()),
            ],
            &[
                ("traceparent", TP.as_bytes()),
                ("tracestate", with_long.as_bytes()),
            ],
            &[
                ("traceparent", TP.as_bytes()),
                ("tracestate", too_many.as_bytes()),
            ],
            &[("tracestate", b"a=1")],
        ];
        let propagator = Propagator::builder()
            .extract([crate::Format::TraceContext])
            .inject([crate::Format::TraceContext])
            .build();
        for headers in values {
            let context = propagator.extract(headers);
            assert_eq!(
                extracted(headers),
                context.as_ref().map(expected),
                "{headers:?}"
            );
            let frame = Frame::encode(headers.iter().copied());
            let mut out = vec![0; capacity(frame.len())];
            let len = diagnose(&frame, &mut out).unwrap();
            let lines: Vec<String> = propagator
                .diagnose(headers)
                .iter()
                .map(|d| format!("{}\t{}\t{}\n", d.format, d.header, d.code))
                .collect();
            assert_eq!(
                str::from_utf8(&out[..len]).unwrap(),
                lines.concat(),
                "{headers:?}"
            );
        }
    }

    #[test]
    fn names_are_the_codes_names() {
        let reported = [
            Code::MissingTraceparent,
            Code::InvalidTraceparentLength,
            Code::InvalidTraceparentVersion,
            Code::InvalidTraceparentFormat,
            Code::InvalidHex,
            Code::UppercaseHex,
            Code::ZeroTraceId,
            Code::ZeroSpanId,
            Code::RepeatedTraceparent,
            Code::InvalidUtf8,
            Code::InvalidTracestateMember,
            Code::InvalidTracestateKey,
            Code::InvalidTracestateValue,
            Code::DuplicateTracestateKey,
            Code::TracestateTooManyMembers,
            Code::Extracted,
            Code::InternalError,
        ];
        for code in reported {
            assert_eq!(name(code), code.as_str());
        }
    }

    #[test]
    fn children_and_roots() {
        let mut ids = Ids::from_seed(1);
        let mut out = [0u8; 200];
        let len = new_root(&mut ids, &mut out).unwrap();
        let root = out[..len].to_vec();
        assert_eq!(
            (&root[..3], &root[52..], len),
            (&b"00-"[..], &b"-03000000000000000003"[..], 73)
        );
        let len = child(&root, &mut ids, &mut out).unwrap();
        assert_eq!(&out[..36], &root[..36], "same trace");
        assert_eq!(&out[55..71], &root[36..52], "the root is the parent");
        assert_ne!(&out[36..52], &root[36..52], "a fresh span id");
        let mut tail = b"-03".to_vec();
        tail.extend_from_slice(&root[36..52]);
        tail.extend_from_slice(b"03");
        assert_eq!(&out[52..len], &tail[..]);

        let frame = Frame::encode([
            (
                "traceparent",
                &b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-ff"[..],
            ),
            ("tracestate", b"a=1"),
        ]);
        let len = continue_trace(&frame, &mut ids, &mut out).unwrap();
        assert_eq!(&out[..36], &TP.as_bytes()[..36]);
        assert_eq!(&out[52..55], b"-03", "reserved flags are not carried on");
        assert_eq!(&out[55..len], b"00f067aa0ba902b703a=1");
        let len = continue_trace(&[], &mut ids, &mut out).unwrap();
        assert_eq!((&out[52..len]), &b"-03000000000000000003"[..], "a new root");
    }

    #[test]
    fn too_small_a_buffer_is_an_error_not_a_panic() {
        let frame = Frame::encode([("traceparent", TP.as_bytes())]);
        let mut ids = Ids::from_seed(1);
        for size in 0..73 {
            let mut out = vec![0; size];
            assert_eq!(extract(&frame, &mut out), Err(Code::InternalError));
            assert_eq!(
                continue_trace(&frame, &mut ids, &mut out),
                Err(Code::InternalError)
            );
            assert_eq!(new_root(&mut ids, &mut out), Err(Code::InternalError));
        }
        assert_eq!(
            child(b"short", &mut ids, &mut [0; 73]),
            Err(Code::InvalidContext)
        );
    }
}
