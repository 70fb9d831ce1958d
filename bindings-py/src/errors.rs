//! Core errors as `tracewire.TracewireError`, and the panic guard of every entry point.

use std::panic::{catch_unwind, AssertUnwindSafe};

use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

create_exception!(
    tracewire,
    TracewireError,
    PyValueError,
    "A tracewire operation failed; `code` is the stable snake_case reason."
);

/// `TracewireError(message)` with `.code` set. An instance attribute, so pickling
/// (which keeps `args` and `__dict__`) keeps the code.
pub fn error(py: Python<'_>, code: &str, message: String) -> PyErr {
    let err = TracewireError::new_err(message);
    match err.value(py).setattr("code", code) {
        Ok(()) => err,
        Err(setattr_failed) => setattr_failed,
    }
}

/// A core error in the host's idiom.
pub fn from_core(py: Python<'_>, err: &tracewire::Error) -> PyErr {
    error(py, err.code().as_str(), err.to_string())
}

/// Runs `f`, turning a panic into `TracewireError(code="internal_error")` so none
/// unwinds into Python.
pub fn guard<T>(py: Python<'_>, f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| {
        Err(error(
            py,
            tracewire::Code::InternalError.as_str(),
            "internal error in tracewire (a bug: please report it)".to_owned(),
        ))
    })
}
