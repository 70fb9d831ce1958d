//! The `tracewire._tracewire` extension module, re-exported by the `tracewire`
//! Python package: host containers in, core calls, host values out. All
//! parsing, validation and id generation happens in the `tracewire` crate.

mod carrier;
mod context;
mod diagnostic;
mod env;
mod errors;
mod json;
mod propagator;

use pyo3::prelude::*;

use crate::context::PyContext;
use crate::diagnostic::PyDiagnostic;
use crate::propagator::PyPropagator;

/// The incoming context (W3C Trace Context and Baggage), or `None`.
#[pyfunction]
fn extract(headers: &Bound<'_, PyAny>) -> PyResult<Option<PyContext>> {
    PyPropagator::DEFAULT.extract(headers)
}

/// A child of the incoming context, or a new root (carrying any baggage that
/// came) when there is none: the span a service starts for the message it handles.
#[pyfunction]
fn continue_trace(headers: &Bound<'_, PyAny>) -> PyResult<PyContext> {
    PyPropagator::DEFAULT.continue_trace(headers)
}

/// Which format won (`extracted`) and why anything else was ignored.
#[pyfunction]
fn diagnose(headers: &Bound<'_, PyAny>) -> PyResult<Vec<PyDiagnostic>> {
    PyPropagator::DEFAULT.diagnose(headers)
}

/// Trace-context propagation (W3C Trace Context, Baggage, B3, Jaeger, X-Ray,
/// Datadog) implemented in Rust.
#[pymodule]
mod _tracewire {
    use pyo3::prelude::*;

    #[pymodule_export]
    use super::context::{PyContext, PyLink};
    #[pymodule_export]
    use super::diagnostic::PyDiagnostic;
    #[pymodule_export]
    use super::env::{continue_trace_env, diagnose_env, extract_env};
    #[pymodule_export]
    use super::errors::TracewireError;
    #[pymodule_export]
    use super::json::extract_json;
    #[pymodule_export]
    use super::propagator::PyPropagator;
    #[pymodule_export]
    use super::{continue_trace, diagnose, extract};

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        m.add("__version__", env!("CARGO_PKG_VERSION"))
    }
}
