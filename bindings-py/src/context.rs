//! `tracewire.Context`: the span a service holds while it handles one message.

use std::borrow::Cow;

use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::errors::{from_core, guard};
use crate::propagator::PyPropagator;

/// The current span of a trace, as received from a caller or started here.
///
/// Immutable and hashable: `child()` and `with_tracestate()` return new contexts.
#[pyclass(frozen, eq, hash, module = "tracewire", name = "Context")]
#[derive(PartialEq, Eq, Hash)]
pub struct PyContext(pub tracewire::Context);

#[pymethods]
impl PyContext {
    /// Starts a new trace: random ids, sampled, with the random-trace-id flag.
    #[staticmethod]
    fn new_root(py: Python<'_>) -> PyResult<Self> {
        guard(py, || Ok(Self(tracewire::Context::new_root())))
    }

    /// A span under this one: same trace id, flags and trace state, a new span id,
    /// and this span as its parent.
    fn child(&self, py: Python<'_>) -> PyResult<Self> {
        guard(py, || Ok(Self(self.0.child())))
    }

    /// Writes this context into `headers` (a new dict when `None`) and returns them.
    #[pyo3(signature = (headers=None))]
    fn inject<'py>(
        &self,
        py: Python<'py>,
        headers: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        PyPropagator::DEFAULT.inject(py, self, headers)
    }

    /// This context with `key=value` first in its trace state.
    ///
    /// Raises `TracewireError` (`invalid_tracestate_key`, `invalid_tracestate_value`).
    fn with_tracestate(
        &self,
        py: Python<'_>,
        key: Cow<'_, str>,
        value: Cow<'_, str>,
    ) -> PyResult<Self> {
        guard(py, || {
            self.0
                .clone()
                .with_tracestate(&key, &value)
                .map(Self)
                .map_err(|err| from_core(py, &err))
        })
    }

    /// The trace id: 32 lowercase hex digits.
    #[getter]
    fn trace_id<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyString>> {
        guard(py, || Ok(PyString::new(py, &self.0.trace_id().to_hex())))
    }

    /// This span's id: 16 lowercase hex digits.
    #[getter]
    fn span_id<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyString>> {
        guard(py, || Ok(PyString::new(py, &self.0.span_id().to_hex())))
    }

    /// The parent span's id; `None` for a root or a context just extracted.
    #[getter]
    fn parent_span_id<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyString>>> {
        guard(py, || {
            Ok(self
                .0
                .parent_span_id()
                .map(|id| PyString::new(py, &id.to_hex())))
        })
    }

    /// All 8 trace-flag bits, as received.
    #[getter]
    fn flags(&self, py: Python<'_>) -> PyResult<u8> {
        guard(py, || Ok(self.0.flags().bits()))
    }

    /// Whether the sampled flag is set.
    #[getter]
    fn sampled(&self, py: Python<'_>) -> PyResult<bool> {
        guard(py, || Ok(self.0.sampled()))
    }

    /// The `traceparent` value this context injects.
    #[getter]
    fn traceparent<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyString>> {
        guard(py, || Ok(PyString::new(py, &self.0.traceparent())))
    }

    /// The full `tracestate` value; `""` when there is none.
    #[getter]
    fn tracestate<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyString>> {
        guard(py, || Ok(PyString::new(py, self.0.trace_state().as_str())))
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        guard(py, || {
            let parent = match self.0.parent_span_id() {
                Some(id) => format!("'{id}'"),
                None => "None".to_owned(),
            };
            let tracestate = PyString::new(py, self.0.trace_state().as_str()).repr()?;
            Ok(format!(
                "Context(traceparent='{}', parent_span_id={parent}, tracestate={tracestate})",
                self.0.traceparent()
            ))
        })
    }
}
