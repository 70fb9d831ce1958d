//! `tracewire.Propagator`: which formats to read and write, and the policies
//! between them. The module-level functions are the default propagator's.

use std::borrow::Cow;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyString, PyTuple};
use tracewire::{Format, Propagator};

use crate::carrier::{self, Text, Writer};
use crate::context::PyContext;
use crate::diagnostic::PyDiagnostic;
use crate::env::environ_or;
use crate::errors::{from_core, guard};

/// Formats to extract and to inject, in order (default `["tracecontext",
/// "baggage"]`; also `"b3"`, `"b3multi"`, `"jaeger"`, `"xray"`, `"datadog"`), and
/// the policy for a header that must appear once but came repeated (`"restart"`,
/// `"first"` or `"last"`).
///
/// Raises `TracewireError` (`unknown_format`, `invalid_policy`).
#[pyclass(frozen, eq, hash, module = "tracewire", name = "Propagator")]
#[derive(PartialEq, Eq, Hash)]
pub struct PyPropagator(Propagator);

impl PyPropagator {
    pub const DEFAULT: Self = Self(Propagator::DEFAULT);
}

#[pymethods]
impl PyPropagator {
    #[new]
    #[pyo3(
        signature = (extract=None, inject=None, repeated=Text(Cow::Borrowed("restart"))),
        text_signature = "(extract=('tracecontext', 'baggage'), inject=('tracecontext', 'baggage'), repeated='restart')"
    )]
    fn new(
        py: Python<'_>,
        extract: Option<&Bound<'_, PyAny>>,
        inject: Option<&Bound<'_, PyAny>>,
        repeated: Text,
    ) -> PyResult<Self> {
        guard(py, || {
            let default = Propagator::DEFAULT;
            Ok(Self(
                Propagator::builder()
                    .extract(formats(extract, default.extract_formats())?)
                    .inject(formats(inject, default.inject_formats())?)
                    .repeated(repeated.parse().map_err(|err| from_core(py, &err))?)
                    .build(),
            ))
        })
    }

    /// The incoming context, or `None`.
    pub fn extract(&self, headers: &Bound<'_, PyAny>) -> PyResult<Option<PyContext>> {
        guard(headers.py(), || {
            let headers = carrier::read(&self.0, headers)?;
            Ok(self.0.extract(headers.as_slice()).map(PyContext))
        })
    }

    /// A child of the incoming context, or a new root when there is none.
    pub fn continue_trace(&self, headers: &Bound<'_, PyAny>) -> PyResult<PyContext> {
        guard(headers.py(), || {
            let headers = carrier::read(&self.0, headers)?;
            Ok(PyContext(self.0.continue_trace(headers.as_slice())))
        })
    }

    /// Writes `ctx` into `headers` (a new dict when `None`) and returns them.
    #[pyo3(signature = (ctx, headers=None))]
    pub fn inject<'py>(
        &self,
        py: Python<'py>,
        ctx: &PyContext,
        headers: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let mut writer = Writer::new(py, headers)?;
            self.0.inject(&ctx.0, &mut writer);
            writer.finish()
        })
    }

    /// Which format won (`extracted`) and why anything else was ignored.
    pub fn diagnose(&self, headers: &Bound<'_, PyAny>) -> PyResult<Vec<PyDiagnostic>> {
        guard(headers.py(), || {
            let headers = carrier::read(&self.0, headers)?;
            let diagnostics = self.0.diagnose(headers.as_slice());
            Ok(diagnostics.into_iter().map(PyDiagnostic).collect())
        })
    }

    /// The context in the environment mapping `env` (`os.environ` when `None`),
    /// or `None`.
    #[pyo3(signature = (env=None))]
    pub fn extract_env<'py>(
        &self,
        py: Python<'py>,
        env: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Option<PyContext>> {
        guard(py, || {
            let vars = carrier::read_env(&self.0, &environ_or(py, env)?)?;
            Ok(tracewire::env::extract(&self.0, vars.as_slice()).map(PyContext))
        })
    }

    /// A child of the context in `env` (`os.environ` when `None`), or a new root.
    #[pyo3(signature = (env=None))]
    pub fn continue_trace_env<'py>(
        &self,
        py: Python<'py>,
        env: Option<Bound<'py, PyAny>>,
    ) -> PyResult<PyContext> {
        guard(py, || {
            let vars = carrier::read_env(&self.0, &environ_or(py, env)?)?;
            Ok(PyContext(tracewire::env::continue_trace(
                &self.0,
                vars.as_slice(),
            )))
        })
    }

    /// What extraction from `env` (`os.environ` when `None`) found, as `diagnose` does.
    #[pyo3(signature = (env=None))]
    pub fn diagnose_env<'py>(
        &self,
        py: Python<'py>,
        env: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Vec<PyDiagnostic>> {
        guard(py, || {
            let vars = carrier::read_env(&self.0, &environ_or(py, env)?)?;
            let diagnostics = tracewire::env::diagnose(&self.0, vars.as_slice());
            Ok(diagnostics.into_iter().map(PyDiagnostic).collect())
        })
    }

    /// Writes `ctx` into the environment mapping `env` (a new dict when `None`;
    /// `os.environ` works) under variable names and returns it.
    #[pyo3(signature = (ctx, env=None))]
    pub fn inject_env<'py>(
        &self,
        py: Python<'py>,
        ctx: &PyContext,
        env: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let mut writer = Writer::new(py, env)?;
            tracewire::env::inject(&self.0, &ctx.0, &mut writer);
            writer.finish()
        })
    }

    /// Every header name the formats read or write (lowercase; a name ending in
    /// `*` stands for every header with that prefix).
    #[getter]
    fn fields<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        guard(py, || PyTuple::new(py, self.0.fields().collect::<Vec<_>>()))
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        guard(py, || {
            let names =
                |formats: &[Format]| PyTuple::new(py, formats.iter().map(|f| f.name()))?.repr();
            Ok(format!(
                "Propagator(extract={}, inject={}, repeated='{}')",
                names(self.0.extract_formats())?,
                names(self.0.inject_formats())?,
                self.0.repeated()
            ))
        })
    }
}

/// Format names from an iterable of `str` (a lone `str` is refused, not split
/// into letters); `None` means `default`.
fn formats(names: Option<&Bound<'_, PyAny>>, default: &[Format]) -> PyResult<Vec<Format>> {
    let Some(names) = names else {
        return Ok(default.to_vec());
    };
    if names.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(
            "formats must be an iterable of names, not a str",
        ));
    }
    names
        .try_iter()?
        .map(|name| {
            let name = name?.cast_into::<PyString>()?;
            name.to_string_lossy()
                .parse()
                .map_err(|err| from_core(name.py(), &err))
        })
        .collect()
}
