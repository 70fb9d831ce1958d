//! Browser binding of tracewire: the core's [`host`] encodings behind exports
//! that take and return numbers only.
//!
//! The JS layer writes a call's input (a header [`Frame`], a context record, a
//! spec, a JSON body) into the scratch buffer, passes byte lengths, and reads the
//! answer from the output buffer: a record, header lines, diagnostic lines, JSON
//! details, a JSON body, or `!code`. No string goes through wasm-bindgen's marshalling, which costs more
//! per call than this, and several kilobytes of glue.
//!
//! Nothing here may panic. On `wasm32-unknown-unknown` a panic cannot be caught:
//! std is built with `panic=abort`, so it traps. The JS layer answers that call
//! with `internal_error` and replaces the instance, whose state it cannot trust.

use std::cell::RefCell;

use tracewire::host::{self, Frame};
use tracewire::json::{self, JsonFields};
use tracewire::{env, Code, Context, Error, Propagator};
use wasm_bindgen::prelude::wasm_bindgen;

/// A propagator as parsed from a spec, or why the spec was rejected.
type Entry = Result<Propagator, Code>;

struct Buffers {
    /// Where JS writes each call's input.
    scratch: Vec<u8>,
    /// The last call's answer.
    output: Vec<u8>,
    /// Propagators by handle; each distinct one is stored once, so it stays tiny.
    propagators: Vec<Entry>,
}

thread_local! {
    static BUFFERS: RefCell<Buffers> = const {
        RefCell::new(Buffers {
            scratch: Vec::new(),
            output: Vec::new(),
            propagators: Vec::new(),
        })
    };
}

/// Runs `answer` on the first `len` scratch bytes, keeps its text as the output and
/// returns the text's length in bytes.
fn respond(len: usize, answer: impl FnOnce(&[u8], &[Entry]) -> String) -> usize {
    BUFFERS.with_borrow_mut(|buffers| {
        let input = &buffers.scratch[..len.min(buffers.scratch.len())];
        buffers.output = answer(input, &buffers.propagators).into_bytes();
        buffers.output.len()
    })
}

/// `N` consecutive byte ranges of `input`, by their lengths (clamped to the input).
fn split<const N: usize>(mut input: &[u8], lens: [usize; N]) -> [&[u8]; N] {
    lens.map(|len| {
        let (head, tail) = input.split_at(len.min(input.len()));
        input = tail;
        head
    })
}

/// Text the JS layer wrote (always UTF-8: `TextEncoder` replaces lone surrogates).
fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap_or_default()
}

fn failure(code: Code) -> String {
    format!("!{code}")
}

fn record(context: Result<Context, Error>) -> String {
    context.map_or_else(|e| failure(e.code()), |context| host::record(&context))
}

/// Runs `answer` with the propagator behind `handle` (from [`propagator`]).
fn with_propagator(
    handle: u32,
    len: usize,
    answer: impl FnOnce(&Propagator, &[u8]) -> String,
) -> usize {
    respond(len, |input, propagators| {
        match propagators.get(handle as usize) {
            Some(Ok(propagator)) => answer(propagator, input),
            Some(Err(code)) => failure(*code),
            // Handles only come from `propagator`: another is a bug of the JS layer.
            None => failure(Code::InternalError),
        }
    })
}

/// Makes the scratch buffer at least `size` bytes long and returns where it starts.
#[wasm_bindgen]
pub fn scratch(size: usize) -> *mut u8 {
    BUFFERS.with_borrow_mut(|buffers| {
        if buffers.scratch.len() < size {
            buffers.scratch.resize(size, 0);
        }
        buffers.scratch.as_mut_ptr()
    })
}

/// Where the last answer starts (its length is what the call returned).
#[wasm_bindgen]
pub fn output() -> *const u8 {
    BUFFERS.with_borrow(|buffers| buffers.output.as_ptr())
}

/// The canonical form of the spec in the scratch buffer (`extract;inject;repeated`),
/// or `!unknown_format` / `!invalid_policy`.
#[wasm_bindgen]
pub fn spec(len: usize) -> usize {
    respond(len, |input, _| {
        host::parse_spec(text(input)).map_or_else(|e| failure(e.code()), |p| host::spec(&p))
    })
}

/// A handle, to pass to the calls below, for the spec in the `len` scratch bytes
/// from `start` (after a frame already written there).
#[wasm_bindgen]
pub fn propagator(start: usize, len: usize) -> u32 {
    BUFFERS.with_borrow_mut(|buffers| {
        let [_, spec] = split(&buffers.scratch, [start, len]);
        let entry = host::parse_spec(text(spec)).map_err(|e| e.code());
        let handle = match buffers.propagators.iter().position(|known| *known == entry) {
            Some(handle) => handle,
            None => {
                buffers.propagators.push(entry);
                buffers.propagators.len() - 1
            }
        };
        handle as u32
    })
}

/// The header names the propagator reads or writes, comma-separated.
#[wasm_bindgen]
pub fn fields(handle: u32) -> usize {
    with_propagator(handle, 0, |propagator, _| {
        propagator.fields().collect::<Vec<_>>().join(",")
    })
}

/// The record of the context in the frame of `len` scratch bytes, or "" for none.
#[wasm_bindgen]
pub fn extract(handle: u32, len: usize) -> usize {
    with_propagator(handle, len, |propagator, frame| {
        propagator
            .extract(&Frame(frame))
            .map_or_else(String::new, |context| host::record(&context))
    })
}

/// The record of a child of the context in the frame, or of a new root.
#[wasm_bindgen]
pub fn continue_trace(handle: u32, len: usize) -> usize {
    with_propagator(handle, len, |propagator, frame| {
        host::record(&propagator.continue_trace(&Frame(frame)))
    })
}

/// The record of a child of the context in the frame (or of a new root), then `\0`
/// and the header lines the propagator injects for it: `continueTrace` and the
/// `inject` that usually follows, in one call (neither encoding ever holds a `\0`).
#[wasm_bindgen]
pub fn continue_trace_inject(handle: u32, len: usize) -> usize {
    with_propagator(handle, len, |propagator, frame| {
        let context = propagator.continue_trace(&Frame(frame));
        let record = host::record(&context);
        let lines = host::header_lines(propagator, &context);
        let mut out = String::with_capacity(record.len() + 1 + lines.len());
        for part in [&record, "\0", &lines] {
            out.push_str(part);
        }
        out
    })
}

/// Diagnostic lines for the frame.
#[wasm_bindgen]
pub fn diagnose(handle: u32, len: usize) -> usize {
    with_propagator(handle, len, |propagator, frame| {
        host::diagnostic_lines(&propagator.diagnose(&Frame(frame)))
    })
}

/// The record of a new root context.
#[wasm_bindgen]
pub fn new_root() -> usize {
    respond(0, |_, _| host::record(&Context::new_root()))
}

/// The record of a child of the context whose record is in the scratch buffer.
#[wasm_bindgen]
pub fn child(len: usize) -> usize {
    respond(len, |input, _| {
        record(host::parse_record(text(input)).map(|context| context.child()))
    })
}

/// The record of the context in the scratch buffer with `key=value` set in its
/// trace state; record, key and value lie one after the other.
#[wasm_bindgen]
pub fn with_tracestate(record_len: usize, key_len: usize, value_len: usize) -> usize {
    let total = record_len.saturating_add(key_len).saturating_add(value_len);
    respond(total, |input, _| {
        let [context, key, value] = split(input, [record_len, key_len, value_len]);
        record(
            host::parse_record(text(context))
                .and_then(|context| context.with_tracestate(text(key), text(value))),
        )
    })
}

/// The header lines the propagator writes for the context in the scratch buffer.
#[wasm_bindgen]
pub fn inject(handle: u32, len: usize) -> usize {
    with_propagator(handle, len, |propagator, input| {
        host::parse_record(text(input)).map_or_else(
            |e| failure(e.code()),
            |context| host::header_lines(propagator, &context),
        )
    })
}

/// The record of the context in a frame of environment variables, or "" for none.
#[wasm_bindgen]
pub fn extract_env(handle: u32, len: usize) -> usize {
    with_propagator(handle, len, |propagator, frame| {
        env::extract(propagator, &Frame(frame)).map_or_else(String::new, |c| host::record(&c))
    })
}

/// The record of a child of the context in a frame of environment variables, or
/// of a new root.
#[wasm_bindgen]
pub fn continue_trace_env(handle: u32, len: usize) -> usize {
    with_propagator(handle, len, |propagator, frame| {
        host::record(&env::continue_trace(propagator, &Frame(frame)))
    })
}

/// Diagnostic lines for a frame of environment variables.
#[wasm_bindgen]
pub fn diagnose_env(handle: u32, len: usize) -> usize {
    with_propagator(handle, len, |propagator, frame| {
        host::diagnostic_lines(&env::diagnose(propagator, &Frame(frame)))
    })
}

/// The record of the context in the scratch buffer with `key=value` in its
/// baggage; record, key and value lie one after the other.
#[wasm_bindgen]
pub fn with_baggage(record_len: usize, key_len: usize, value_len: usize) -> usize {
    let total = record_len.saturating_add(key_len).saturating_add(value_len);
    respond(total, |input, _| {
        let [context, key, value] = split(input, [record_len, key_len, value_len]);
        record(
            host::parse_record(text(context))
                .and_then(|context| context.with_baggage(text(key), text(value))),
        )
    })
}

/// Baggage, links, debug and deferred of the context in the scratch buffer, as JSON.
#[wasm_bindgen]
pub fn details(len: usize) -> usize {
    respond(len, |input, _| {
        host::parse_record(text(input)).map_or_else(
            |e| failure(e.code()),
            |context| host::details_json(&context),
        )
    })
}

/// The variable lines the propagator writes for the context in the scratch buffer.
#[wasm_bindgen]
pub fn inject_env(handle: u32, len: usize) -> usize {
    with_propagator(handle, len, |propagator, input| {
        host::parse_record(text(input)).map_or_else(
            |e| failure(e.code()),
            |context| host::env_lines(propagator, &context),
        )
    })
}

/// The record of the context stamped in the JSON body in the scratch buffer, ""
/// for none, or `!invalid_json`; body and the two field names lie one after the other.
#[wasm_bindgen]
pub fn extract_json(body_len: usize, trace_id_len: usize, span_id_len: usize) -> usize {
    let total = body_len
        .saturating_add(trace_id_len)
        .saturating_add(span_id_len);
    respond(total, |input, _| {
        let [body, trace_id, span_id] = split(input, [body_len, trace_id_len, span_id_len]);
        let fields = JsonFields {
            trace_id: text(trace_id),
            span_id: text(span_id),
        };
        json::extract(body, fields).map_or_else(
            |e| failure(e.code()),
            |context| context.map_or_else(String::new, |c| host::record(&c)),
        )
    })
}

/// The JSON body with the context stamped in, or `!code`; record, body and the two
/// field names lie one after the other in the scratch buffer.
#[wasm_bindgen]
pub fn inject_json(
    record_len: usize,
    body_len: usize,
    trace_id_len: usize,
    span_id_len: usize,
) -> usize {
    let lens = [record_len, body_len, trace_id_len, span_id_len];
    let total = lens
        .iter()
        .fold(0usize, |sum, len| sum.saturating_add(*len));
    BUFFERS.with_borrow_mut(|buffers| {
        let input = &buffers.scratch[..total.min(buffers.scratch.len())];
        let [context, body, trace_id, span_id] = split(input, lens);
        let fields = JsonFields {
            trace_id: text(trace_id),
            span_id: text(span_id),
        };
        buffers.output = host::parse_record(text(context))
            .and_then(|context| json::inject(&context, body, fields))
            .unwrap_or_else(|e| failure(e.code()).into_bytes());
        buffers.output.len()
    })
}

/// Talc instead of std's dlmalloc: about 6 KB less WebAssembly.
#[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
