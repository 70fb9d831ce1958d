//! Node-API binding of tracewire: the core's [`host`] encodings behind a few
//! functions that take and return strings, numbers and one `Uint8Array`.
//!
//! The JS layer (`js/api.mjs`, shared with the WebAssembly package) packs the
//! relevant headers into a [`Frame`], crosses once, and reads back a context
//! record, header lines or diagnostic lines. Errors come back in-band as `!code`
//! rather than thrown, so the same JS layer maps them for both backends; a panic
//! is caught here and comes back as `!internal_error`.

use std::panic::{catch_unwind, AssertUnwindSafe};

use napi_derive::napi;
use tracewire::host::{self, Frame};
use tracewire::{Code, Context, Error};

/// Runs `answer`; an error or a panic becomes `!code`.
fn guard(answer: impl FnOnce() -> Result<String, Error>) -> String {
    match catch_unwind(AssertUnwindSafe(answer)) {
        Ok(Ok(text)) => text,
        Ok(Err(error)) => format!("!{}", error.code()),
        Err(_) => format!("!{}", Code::InternalError),
    }
}

/// The first `len` bytes of the scratch buffer the JS layer filled.
fn frame(scratch: &[u8], len: u32) -> Frame<'_> {
    Frame(&scratch[..scratch.len().min(len as usize)])
}

/// The spec of the propagator with these comma-separated format lists and policy.
#[napi]
pub fn spec(extract: String, inject: String, repeated: String) -> String {
    guard(|| host::parse_spec(&format!("{extract};{inject};{repeated}")).map(|p| host::spec(&p)))
}

/// The header names the propagator reads or writes, comma-separated.
#[napi]
pub fn fields(spec: String) -> String {
    guard(|| {
        Ok(host::parse_spec(&spec)?
            .fields()
            .collect::<Vec<_>>()
            .join(","))
    })
}

/// The incoming context as a record, or `""` when there is none.
#[napi]
pub fn extract(spec: String, frame_bytes: &[u8], len: u32) -> String {
    guard(|| {
        let context = host::parse_spec(&spec)?.extract(&frame(frame_bytes, len));
        Ok(context.map(|c| host::record(&c)).unwrap_or_default())
    })
}

/// A child of the incoming context, or a new root, as a record.
#[napi]
pub fn continue_trace(spec: String, frame_bytes: &[u8], len: u32) -> String {
    guard(|| {
        Ok(host::record(
            &host::parse_spec(&spec)?.continue_trace(&frame(frame_bytes, len)),
        ))
    })
}

/// Why nothing (or only part) was extracted, as diagnostic lines.
#[napi]
pub fn diagnose(spec: String, frame_bytes: &[u8], len: u32) -> String {
    guard(|| {
        Ok(host::diagnostic_lines(
            &host::parse_spec(&spec)?.diagnose(&frame(frame_bytes, len)),
        ))
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

/// The headers the propagator writes for the recorded context, as header lines.
#[napi]
pub fn inject(spec: String, record: String) -> String {
    guard(|| {
        Ok(host::header_lines(
            &host::parse_spec(&spec)?,
            &host::parse_record(&record)?,
        ))
    })
}
