//! `tracewire.Diagnostic`: one reason extraction ignored (part of) what arrived.

use pyo3::prelude::*;

use crate::errors::guard;

/// Why a header was rejected: the format, the (lowercase) header name and a
/// stable snake_case `code` such as `"uppercase_hex"`.
#[pyclass(frozen, eq, hash, module = "tracewire", name = "Diagnostic")]
#[derive(PartialEq, Eq, Hash)]
pub struct PyDiagnostic(pub tracewire::Diagnostic);

#[pymethods]
impl PyDiagnostic {
    /// The format whose header was rejected (`"tracecontext"`).
    #[getter]
    fn format(&self, py: Python<'_>) -> PyResult<&'static str> {
        guard(py, || Ok(self.0.format.name()))
    }

    /// The lowercase header name concerned.
    #[getter]
    fn header(&self, py: Python<'_>) -> PyResult<&'static str> {
        guard(py, || Ok(self.0.header))
    }

    /// The stable reason.
    #[getter]
    fn code(&self, py: Python<'_>) -> PyResult<&'static str> {
        guard(py, || Ok(self.0.code.as_str()))
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        guard(py, || {
            let tracewire::Diagnostic {
                format,
                header,
                code,
            } = self.0;
            Ok(format!(
                "Diagnostic(format='{format}', header='{header}', code='{code}')"
            ))
        })
    }
}
