//! The event-payload carrier: `str` or bytes-like JSON bodies in, the same type
//! out. Scanning and splicing happen in the core (`tracewire::json`).

use std::borrow::Cow;

use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyMemoryView, PyString};
use tracewire::json::JsonFields;

use crate::carrier::{bytes_of, type_error, Text, Value};
use crate::context::PyContext;
use crate::errors::{from_core, guard};

/// The context stamped in the JSON object `body` (`str` or bytes-like): its
/// top-level `traceparent`/`tracestate` (CloudEvents) or, failing those, its
/// `traceId`/`spanId` fields (a 16-digit trace id is left-padded); `None` when
/// the ids are absent or invalid.
///
/// Raises `TracewireError` (`invalid_json`) for a body that is not a JSON object.
#[pyfunction]
#[pyo3(
    signature = (
        body,
        trace_id_field = Text(Cow::Borrowed("traceId")),
        span_id_field = Text(Cow::Borrowed("spanId")),
    ),
    text_signature = "(body, trace_id_field='traceId', span_id_field='spanId')"
)]
pub fn extract_json(
    body: &Bound<'_, PyAny>,
    trace_id_field: Text,
    span_id_field: Text,
) -> PyResult<Option<PyContext>> {
    let py = body.py();
    guard(py, || {
        let (bytes, _) = read(body)?;
        let fields = JsonFields {
            trace_id: &trace_id_field,
            span_id: &span_id_field,
        };
        tracewire::json::extract(bytes.as_ref(), fields)
            .map(|context| context.map(PyContext))
            .map_err(|err| from_core(py, &err))
    })
}

/// `body` with `context` stamped in, as `str` when `body` is one, else `bytes`.
pub fn inject<'py>(
    context: &tracewire::Context,
    body: &Bound<'py, PyAny>,
    trace_id_field: &str,
    span_id_field: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let py = body.py();
    guard(py, || {
        let (bytes, text) = read(body)?;
        let fields = JsonFields {
            trace_id: trace_id_field,
            span_id: span_id_field,
        };
        let out = tracewire::json::inject(context, bytes.as_ref(), fields)
            .map_err(|err| from_core(py, &err))?;
        Ok(if text {
            // Valid JSON text in, so valid UTF-8 out: the conversion never replaces.
            PyString::new(py, &String::from_utf8_lossy(&out)).into_any()
        } else {
            PyBytes::new(py, &out).into_any()
        })
    })
}

/// The body's bytes, and whether it was a `str`.
fn read<'py>(body: &Bound<'py, PyAny>) -> PyResult<(Value<'py>, bool)> {
    let text = body.is_instance_of::<PyString>();
    if text
        || body.is_instance_of::<PyBytes>()
        || body.is_instance_of::<PyByteArray>()
        || body.is_instance_of::<PyMemoryView>()
    {
        Ok((bytes_of(body)?, text))
    } else {
        Err(type_error("a JSON body must be str or bytes", body))
    }
}
