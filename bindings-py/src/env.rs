//! The environment carrier (`TRACEPARENT`, `TRACESTATE`, `BAGGAGE`, Lambda's
//! `_X_AMZN_TRACE_ID`) with the default propagator; `os.environ` unless another
//! mapping is given. Name translation happens in the core (`tracewire::env`).

use pyo3::intern;
use pyo3::prelude::*;

use crate::context::PyContext;
use crate::diagnostic::PyDiagnostic;
use crate::propagator::PyPropagator;

/// `env`, or `os.environ` when it is `None`.
pub fn environ_or<'py>(
    py: Python<'py>,
    env: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    match env.filter(|env| !env.is_none()) {
        Some(env) => Ok(env),
        None => py
            .import(intern!(py, "os"))?
            .getattr(intern!(py, "environ")),
    }
}

/// The context in the environment (`os.environ` when `env` is `None`), or `None`.
#[pyfunction]
#[pyo3(signature = (env=None))]
pub fn extract_env<'py>(
    py: Python<'py>,
    env: Option<Bound<'py, PyAny>>,
) -> PyResult<Option<PyContext>> {
    PyPropagator::DEFAULT.extract_env(py, env)
}

/// A child of the context in the environment (`os.environ` when `env` is `None`),
/// or a new root: the span a batch job or subprocess starts.
#[pyfunction]
#[pyo3(signature = (env=None))]
pub fn continue_trace_env<'py>(
    py: Python<'py>,
    env: Option<Bound<'py, PyAny>>,
) -> PyResult<PyContext> {
    PyPropagator::DEFAULT.continue_trace_env(py, env)
}

/// What extraction from the environment found (`os.environ` when `env` is `None`).
#[pyfunction]
#[pyo3(signature = (env=None))]
pub fn diagnose_env<'py>(
    py: Python<'py>,
    env: Option<Bound<'py, PyAny>>,
) -> PyResult<Vec<PyDiagnostic>> {
    PyPropagator::DEFAULT.diagnose_env(py, env)
}
