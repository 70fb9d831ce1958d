//! `tracewire.Context`: the span a service holds while it handles one message.

use std::borrow::Cow;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use crate::carrier::Text;
use crate::errors::{from_core, guard};
use crate::json;
use crate::propagator::PyPropagator;

/// The current span of a trace, as received from a caller or started here.
///
/// Immutable and hashable: `child()`, `with_tracestate()` and `with_baggage()`
/// return new contexts.
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

    /// A span under this one: same trace id, flags, trace state and baggage, a new
    /// span id, and this span as its parent (links stay with this span).
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
    fn with_tracestate(&self, py: Python<'_>, key: Text, value: Text) -> PyResult<Self> {
        guard(py, || {
            self.0
                .clone()
                .with_tracestate(&key, &value)
                .map(Self)
                .map_err(|err| from_core(py, &err))
        })
    }

    /// This context with `key` set to `value` in its baggage (replacing earlier
    /// values of `key`).
    ///
    /// Raises `TracewireError` (`invalid_baggage_key`: the key must be an HTTP token).
    fn with_baggage(&self, py: Python<'_>, key: Text, value: Text) -> PyResult<Self> {
        guard(py, || {
            self.0
                .clone()
                .with_baggage(&key, &value)
                .map(Self)
                .map_err(|err| from_core(py, &err))
        })
    }

    /// `body` (a JSON object as `str` or bytes) with this context stamped in its
    /// top-level `traceId`/`spanId` fields (and `traceparent`/`tracestate` when
    /// the body has them); every other byte is kept. Returns the same type: `str`
    /// for `str`, `bytes` for bytes-like.
    ///
    /// Raises `TracewireError` (`invalid_json`) for a body that is not a JSON object.
    #[pyo3(
        signature = (
            body,
            trace_id_field = Text(Cow::Borrowed("traceId")),
            span_id_field = Text(Cow::Borrowed("spanId")),
        ),
        text_signature = "($self, body, trace_id_field='traceId', span_id_field='spanId')"
    )]
    fn inject_json<'py>(
        &self,
        body: &Bound<'py, PyAny>,
        trace_id_field: Text,
        span_id_field: Text,
    ) -> PyResult<Bound<'py, PyAny>> {
        json::inject(&self.0, body, &trace_id_field, &span_id_field)
    }

    /// Writes this context into the environment mapping `env` (`TRACEPARENT`,
    /// `TRACESTATE`, `BAGGAGE`; a new dict when `None`, `os.environ` works) and
    /// returns it.
    #[pyo3(signature = (env=None))]
    fn inject_env<'py>(
        &self,
        py: Python<'py>,
        env: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        PyPropagator::DEFAULT.inject_env(py, self, env)
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

    /// The baggage as a new dict on each access; the last value of a repeated
    /// key wins.
    #[getter]
    fn baggage<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        guard(py, || {
            let dict = PyDict::new(py);
            for (key, value, _) in self.0.baggage().iter() {
                dict.set_item(key, value)?;
            }
            Ok(dict)
        })
    }

    /// Other spans that arrived with this one without being its parent (a
    /// different trace found by a later format).
    #[getter]
    fn links(&self, py: Python<'_>) -> PyResult<Vec<PyLink>> {
        guard(py, || {
            Ok(self.0.links().iter().copied().map(PyLink).collect())
        })
    }

    /// Whether debug sampling was requested upstream (B3 `d`, Jaeger's debug flag).
    #[getter]
    fn debug(&self, py: Python<'_>) -> PyResult<bool> {
        guard(py, || Ok(self.0.is_debug()))
    }

    /// Whether the sampling decision was left to this service (B3 without one,
    /// X-Ray `Sampled=?`); `sampled` is then false.
    #[getter]
    fn deferred(&self, py: Python<'_>) -> PyResult<bool> {
        guard(py, || Ok(self.0.is_deferred()))
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

/// Another span that arrived with the message without being its parent.
///
/// Immutable and hashable; `Link(trace_id, span_id)` raises `TracewireError`
/// (`invalid_trace_id`, `invalid_span_id`) for ids that are not lowercase hex.
#[pyclass(frozen, eq, hash, module = "tracewire", name = "Link")]
#[derive(PartialEq, Eq, Hash)]
pub struct PyLink(tracewire::Link);

#[pymethods]
impl PyLink {
    #[new]
    fn new(py: Python<'_>, trace_id: Text, span_id: Text) -> PyResult<Self> {
        guard(py, || {
            let core = |err: tracewire::Error| from_core(py, &err);
            Ok(Self(tracewire::Link {
                trace_id: trace_id.parse().map_err(core)?,
                span_id: span_id.parse().map_err(core)?,
            }))
        })
    }

    /// The linked span's trace id: 32 lowercase hex digits.
    #[getter]
    fn trace_id<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyString>> {
        guard(py, || Ok(PyString::new(py, &self.0.trace_id.to_hex())))
    }

    /// The linked span's id: 16 lowercase hex digits.
    #[getter]
    fn span_id<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyString>> {
        guard(py, || Ok(PyString::new(py, &self.0.span_id.to_hex())))
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        guard(py, || {
            Ok(format!(
                "Link(trace_id='{}', span_id='{}')",
                self.0.trace_id, self.0.span_id
            ))
        })
    }
}
