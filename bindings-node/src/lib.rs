//! Node-API binding of tracewire: the core's [`host`] encodings behind a few
//! functions that take and return strings, numbers and byte arrays.
//!
//! The JS layer (`js/api.mjs`, shared with the WebAssembly package) packs the
//! relevant headers into a [`Frame`], crosses once, and reads back a context
//! record, header lines or diagnostic lines. Errors come back in-band as `!code`
//! rather than thrown, so the same JS layer maps them for both backends; a panic
//! is caught here and comes back as `!internal_error`.
//!
//! A propagator crosses once, as its spec, for a numeric handle into a table of
//! this thread (each worker thread has its own JS realm, table and handles), so
//! calls pass a number instead of re-sending and re-parsing the spec.

use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};

use napi::bindgen_prelude::{Either, Uint8Array, Uint8ArraySlice};
use napi_derive::napi;
use tracewire::host::{self, Frame};
use tracewire::json::{self, JsonFields};
use tracewire::{env, Code, Context, Error, Propagator};

thread_local! {
    /// Propagators by handle (each distinct spec once), or why a spec was rejected.
    static PROPAGATORS: RefCell<Vec<Result<Propagator, Code>>> = const { RefCell::new(Vec::new()) };
}

/// Runs `answer`; an error or a panic becomes `!code`.
fn guard(answer: impl FnOnce() -> Result<String, Error>) -> String {
    match catch_unwind(AssertUnwindSafe(answer)) {
        Ok(Ok(text)) => text,
        Ok(Err(error)) => failure(error.code()),
        Err(_) => failure(Code::InternalError),
    }
}

fn failure(code: Code) -> String {
    format!("!{code}")
}

/// Runs `answer` with the propagator behind `handle` (from [`propagator`]).
fn with_propagator(
    handle: u32,
    answer: impl FnOnce(&Propagator) -> Result<String, Error>,
) -> String {
    let entry = PROPAGATORS.with_borrow(|table| table.get(handle as usize).copied());
    match entry {
        Some(Ok(propagator)) => guard(|| answer(&propagator)),
        Some(Err(code)) => failure(code),
        // Handles only come from `propagator`: another is a bug of the JS layer.
        None => failure(Code::InternalError),
    }
}

/// The first `len` bytes of the scratch buffer the JS layer filled.
fn frame(scratch: &[u8], len: u32) -> Frame<'_> {
    Frame(&scratch[..scratch.len().min(len as usize)])
}

fn json_fields<'a>(trace_id: &'a str, span_id: &'a str) -> JsonFields<'a> {
    JsonFields { trace_id, span_id }
}

/// The canonical spec of the propagator with these comma-separated format lists
/// and policy (`extract;inject;repeated`).
#[napi]
pub fn spec(extract: String, inject: String, repeated: String) -> String {
    guard(|| host::parse_spec(&format!("{extract};{inject};{repeated}")).map(|p| host::spec(&p)))
}

/// A handle for the propagator of `spec`, to pass to the calls below.
#[napi]
pub fn propagator(spec: String) -> u32 {
    let entry = catch_unwind(|| host::parse_spec(&spec).map_err(|e| e.code()))
        .unwrap_or(Err(Code::InternalError));
    PROPAGATORS.with_borrow_mut(|table| {
        let handle = table.iter().position(|known| *known == entry);
        handle.unwrap_or_else(|| {
            table.push(entry);
            table.len() - 1
        }) as u32
    })
}

/// The header names the propagator reads or writes, comma-separated.
#[napi]
pub fn fields(handle: u32) -> String {
    with_propagator(handle, |p| Ok(p.fields().collect::<Vec<_>>().join(",")))
}

/// The incoming context as a record, or `""` when there is none.
#[napi]
pub fn extract(handle: u32, frame_bytes: &[u8], len: u32) -> String {
    with_propagator(handle, |p| {
        Ok(p.extract(&frame(frame_bytes, len))
            .map(|c| host::record(&c))
            .unwrap_or_default())
    })
}

/// A child of the incoming context, or a new root, as a record.
#[napi]
pub fn continue_trace(handle: u32, frame_bytes: &[u8], len: u32) -> String {
    with_propagator(handle, |p| {
        Ok(host::record(&p.continue_trace(&frame(frame_bytes, len))))
    })
}

/// A child of the incoming context (or a new root) as a record, then `\0` and the
/// header lines the propagator injects for it: `continueTrace` and the `inject`
/// that usually follows, in one crossing (neither encoding ever holds a `\0`).
#[napi]
pub fn continue_trace_inject(handle: u32, frame_bytes: &[u8], len: u32) -> String {
    with_propagator(handle, |p| {
        let context = p.continue_trace(&frame(frame_bytes, len));
        let record = host::record(&context);
        let lines = host::header_lines(p, &context);
        let mut out = String::with_capacity(record.len() + 1 + lines.len());
        for part in [&record, "\0", &lines] {
            out.push_str(part);
        }
        Ok(out)
    })
}

/// Why nothing (or only part) was extracted, as diagnostic lines.
#[napi]
pub fn diagnose(handle: u32, frame_bytes: &[u8], len: u32) -> String {
    with_propagator(handle, |p| {
        Ok(host::diagnostic_lines(
            &p.diagnose(&frame(frame_bytes, len)),
        ))
    })
}

/// The context in a frame of environment variables as a record, or `""`.
#[napi]
pub fn extract_env(handle: u32, frame_bytes: &[u8], len: u32) -> String {
    with_propagator(handle, |p| {
        Ok(env::extract(p, &frame(frame_bytes, len))
            .map(|c| host::record(&c))
            .unwrap_or_default())
    })
}

/// A child of the context in a frame of environment variables, or a new root.
#[napi]
pub fn continue_trace_env(handle: u32, frame_bytes: &[u8], len: u32) -> String {
    with_propagator(handle, |p| {
        Ok(host::record(&env::continue_trace(
            p,
            &frame(frame_bytes, len),
        )))
    })
}

/// Why nothing (or only part) was extracted from a frame of environment variables.
#[napi]
pub fn diagnose_env(handle: u32, frame_bytes: &[u8], len: u32) -> String {
    with_propagator(handle, |p| {
        Ok(host::diagnostic_lines(&env::diagnose(
            p,
            &frame(frame_bytes, len),
        )))
    })
}

/// A new trace, as a record.
#[napi]
pub fn new_root() -> String {
    guard(|| Ok(host::record(&Context::new_root())))
}

/// A child of the recorded context, as a record.
#[napi]
pub fn child(record: String) -> String {
    guard(|| Ok(host::record(&host::parse_record(&record)?.child())))
}

/// The recorded context with `key=value` first in its trace state, as a record.
#[napi]
pub fn with_tracestate(record: String, key: String, value: String) -> String {
    guard(|| {
        Ok(host::record(
            &host::parse_record(&record)?.with_tracestate(&key, &value)?,
        ))
    })
}

/// The recorded context with `key=value` in its baggage, as a record.
#[napi]
pub fn with_baggage(record: String, key: String, value: String) -> String {
    guard(|| {
        Ok(host::record(
            &host::parse_record(&record)?.with_baggage(&key, &value)?,
        ))
    })
}

/// Baggage, links, debug and deferred of the recorded context, as JSON.
#[napi]
pub fn details(record: String) -> String {
    guard(|| Ok(host::details_json(&host::parse_record(&record)?)))
}

/// The headers the propagator writes for the recorded context, as header lines.
#[napi]
pub fn inject(handle: u32, record: String) -> String {
    with_propagator(handle, |p| {
        Ok(host::header_lines(p, &host::parse_record(&record)?))
    })
}

/// The environment variables the propagator writes for the recorded context, as
/// `name\nvalue\n` lines (an empty value removes the variable).
#[napi]
pub fn inject_env(handle: u32, record: String) -> String {
    with_propagator(handle, |p| {
        Ok(host::env_lines(p, &host::parse_record(&record)?))
    })
}

/// A JSON body as the JS layer passes it: text or bytes.
type Body<'a> = Either<String, Uint8ArraySlice<'a>>;

fn body_bytes<'a>(body: &'a Body<'_>) -> &'a [u8] {
    match body {
        Either::A(text) => text.as_bytes(),
        Either::B(bytes) => bytes,
    }
}

/// The context stamped in a JSON body as a record, `""` for none, or `!invalid_json`.
#[napi]
pub fn extract_json(body: Body<'_>, trace_id_field: String, span_id_field: String) -> String {
    guard(|| {
        let fields = json_fields(&trace_id_field, &span_id_field);
        let context = json::extract(body_bytes(&body), fields)?;
        Ok(context.map(|c| host::record(&c)).unwrap_or_default())
    })
}

/// The body with the recorded context stamped in, of the body's kind (text or
/// bytes), or `!code`.
#[napi]
pub fn inject_json(
    record: String,
    body: Body<'_>,
    trace_id_field: String,
    span_id_field: String,
) -> Either<String, Uint8Array> {
    let stamped = catch_unwind(AssertUnwindSafe(|| {
        let fields = json_fields(&trace_id_field, &span_id_field);
        json::inject(&host::parse_record(&record)?, body_bytes(&body), fields)
    }));
    match (stamped, body) {
        // A body the scan accepted is UTF-8 throughout, and so is what is spliced in.
        (Ok(Ok(out)), Either::A(_)) => {
            Either::A(String::from_utf8(out).unwrap_or_else(|_| failure(Code::InternalError)))
        }
        (Ok(Ok(out)), Either::B(_)) => Either::B(out.into()),
        (Ok(Err(error)), _) => Either::A(failure(error.code())),
        (Err(_), _) => Either::A(failure(Code::InternalError)),
    }
}
