//! Python header containers as core carriers.
//!
//! Reading walks the container once and converts only the values of the headers
//! the propagator uses (`Propagator::fields`); writing is an [`Injector`] over the
//! container itself.

use pyo3::exceptions::{PyKeyError, PyTypeError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyList, PyMemoryView, PyString, PyTuple};
use tracewire::{Injector, Propagator};

/// One value of a relevant header: a `bytes` object read in place, or a copy.
pub enum Value<'py> {
    Bytes(Bound<'py, PyBytes>),
    Copied(Vec<u8>),
}

impl AsRef<[u8]> for Value<'_> {
    fn as_ref(&self) -> &[u8] {
        match self {
            Self::Bytes(bytes) => bytes.as_bytes(),
            Self::Copied(bytes) => bytes,
        }
    }
}

/// The headers `propagator` uses, in container order, repeats included, named by
/// their lowercase field name: a slice of these is a core `Extractor`.
pub fn read<'py>(
    propagator: &Propagator,
    container: &Bound<'py, PyAny>,
) -> PyResult<Vec<(&'static str, Value<'py>)>> {
    let mut headers = Vec::new();
    let mut keep = |name: &Bound<'py, PyAny>, value: &Bound<'py, PyAny>| -> PyResult<()> {
        let Some(field) = matching(name, || propagator.fields())? else {
            return Ok(());
        };
        if is_list_or_tuple(value) {
            // The values of a repeated header.
            for item in value.try_iter()? {
                headers.push((field, bytes_of(&item?)?));
            }
        } else if !value.is_none() {
            // (`None` is a Kafka header without a value.)
            headers.push((field, bytes_of(value)?));
        }
        Ok(())
    };
    if container.is_none() {
        return Ok(headers);
    }
    if let Ok(dict) = container.cast_exact::<PyDict>() {
        dict.iter()
            .try_for_each(|(name, value)| keep(&name, &value))?;
        return Ok(headers);
    }
    // Lists and tuples (Kafka record headers) before the `.items()` lookup, which
    // costs an exception when it fails.
    let pairs = if is_list_or_tuple(container) {
        container.clone()
    } else if container.is_instance_of::<PyString>()
        || container.is_instance_of::<PyBytes>()
        || container.is_instance_of::<PyByteArray>()
    {
        return Err(not_headers(container));
    } else if let Some(items) = container.getattr_opt(intern!(container.py(), "items"))? {
        items.call0()?
    } else {
        container.clone()
    };
    for pair in pairs.try_iter().map_err(|_| not_headers(container))? {
        let (name, value) = split_pair(&pair?)?;
        keep(&name, &value)?;
    }
    Ok(headers)
}

fn is_list_or_tuple(obj: &Bound<'_, PyAny>) -> bool {
    obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>()
}

fn not_headers(container: &Bound<'_, PyAny>) -> PyErr {
    type_error(
        "headers must be a mapping, (name, value) pairs or None",
        container,
    )
}

fn type_error(expected: &str, got: &Bound<'_, PyAny>) -> PyErr {
    let name = got.get_type().name().map(|name| name.to_string());
    PyTypeError::new_err(format!("{expected}, not {}", name.unwrap_or_default()))
}

/// A `(name, value)` tuple or two-item list.
fn split_pair<'py>(pair: &Bound<'py, PyAny>) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    if let Ok(tuple) = pair.cast::<PyTuple>() {
        if tuple.len() == 2 {
            return Ok((tuple.get_item(0)?, tuple.get_item(1)?));
        }
    } else if pair.is_instance_of::<PyList>() && pair.len()? == 2 {
        return Ok((pair.get_item(0)?, pair.get_item(1)?));
    }
    Err(type_error("a header must be a (name, value) pair", pair))
}

/// The entry of `names` that the header name `name` equals ASCII-case-insensitively.
fn matching<'n, N: Iterator<Item = &'n str>>(
    name: &Bound<'_, PyAny>,
    names: impl Fn() -> N,
) -> PyResult<Option<&'n str>> {
    let find = |name: &[u8]| names().find(|n| n.as_bytes().eq_ignore_ascii_case(name));
    if let Ok(text) = name.cast::<PyString>() {
        // The names are ASCII, so a match has as many code points as they have
        // bytes: most names are ruled out before any conversion.
        let len = text.len()?;
        Ok(names()
            .any(|n| n.len() == len)
            .then(|| find(text.to_string_lossy().as_bytes()))
            .flatten())
    } else if let Ok(bytes) = name.cast::<PyBytes>() {
        Ok(find(bytes.as_bytes()))
    } else {
        Err(type_error("header names must be str or bytes", name))
    }
}

/// The bytes of a `str` (UTF-8), `bytes`, `bytearray` or `memoryview` value.
fn bytes_of<'py>(value: &Bound<'py, PyAny>) -> PyResult<Value<'py>> {
    let py = value.py();
    let bytes = if let Ok(bytes) = value.cast::<PyBytes>() {
        bytes.clone().into_any()
    } else if let Ok(text) = value.cast::<PyString>() {
        // Lone surrogates (text decoded with `surrogateescape`) go through as the
        // invalid UTF-8 they are, for the core to report.
        match text.encode_utf8() {
            Ok(bytes) => bytes.into_any(),
            Err(_) => text.call_method1(intern!(py, "encode"), ("utf-8", "surrogatepass"))?,
        }
    } else if let Ok(array) = value.cast::<PyByteArray>() {
        return Ok(Value::Copied(array.to_vec()));
    } else if value.is_instance_of::<PyMemoryView>() {
        value.call_method0(intern!(py, "tobytes"))?
    } else {
        let expected = "header values must be str, bytes, bytearray, memoryview or a list of those";
        return Err(type_error(expected, value));
    };
    Ok(Value::Bytes(bytes.cast_into::<PyBytes>()?))
}

/// A Python container being written: a list gets Kafka-style `(name, bytes)`
/// pairs, a dict or other mutable mapping `headers[name] = str`. The `Injector`
/// methods cannot fail, so the first Python error is kept, later writes are
/// skipped, and [`Writer::finish`] raises it.
pub struct Writer<'py> {
    container: Bound<'py, PyAny>,
    list: Option<Bound<'py, PyList>>,
    error: Option<PyErr>,
}

impl<'py> Writer<'py> {
    /// A writer for `headers`; `None` means a new `dict`.
    pub fn new(py: Python<'py>, headers: Option<Bound<'py, PyAny>>) -> PyResult<Self> {
        let container = headers
            .filter(|headers| !headers.is_none())
            .unwrap_or_else(|| PyDict::new(py).into_any());
        let list = container.cast::<PyList>().ok().cloned();
        // (A failed `hasattr` costs an exception: lists are told apart first.)
        let writable = list.is_some()
            || container.is_instance_of::<PyDict>()
            || container.hasattr(intern!(py, "keys"))?
                && container.hasattr(intern!(py, "__setitem__"))?;
        if !writable {
            let expected = "headers to inject into must be a mutable mapping, a list or None";
            return Err(type_error(expected, &container));
        }
        Ok(Self {
            container,
            list,
            error: None,
        })
    }

    /// The container, or the first error met while writing it.
    pub fn finish(self) -> PyResult<Bound<'py, PyAny>> {
        self.error.map_or(Ok(self.container), Err)
    }

    fn attempt(&mut self, write: impl FnOnce(&Self) -> PyResult<()>) {
        if self.error.is_none() {
            self.error = write(self).err();
        }
    }

    /// Deletes every header named `name`, in any spelling. A mapping is cleared
    /// before assignment too, as some (`email.message.Message`) append on it.
    fn remove(&self, name: &str) -> PyResult<()> {
        let names = || std::iter::once(name);
        if let Some(list) = &self.list {
            // Backwards, so deletions leave the indices still to visit in place.
            for index in (0..list.len()).rev() {
                let (key, _) = split_pair(&list.get_item(index)?)?;
                if matching(&key, names)?.is_some() {
                    list.del_item(index)?;
                }
            }
            return Ok(());
        }
        let keys = match self.container.cast_exact::<PyDict>() {
            Ok(dict) => dict.keys().into_any(),
            Err(_) => self
                .container
                .call_method0(intern!(self.container.py(), "keys"))?,
        };
        let mut doomed = Vec::new();
        for key in keys.try_iter()? {
            let key = key?;
            if matching(&key, names)?.is_some() {
                doomed.push(key);
            }
        }
        for key in doomed {
            match self.container.del_item(&key) {
                // A case-insensitive mapping already dropped it with another spelling.
                Err(err) if err.is_instance_of::<PyKeyError>(self.container.py()) => {}
                other => other?,
            }
        }
        Ok(())
    }
}

impl Injector for Writer<'_> {
    fn set_header(&mut self, name: &str, value: &str) {
        self.attempt(|this| {
            this.remove(name)?;
            match &this.list {
                Some(list) => list.append((name, PyBytes::new(list.py(), value.as_bytes()))),
                None => this.container.set_item(name, value),
            }
        });
    }

    fn remove_header(&mut self, name: &str) {
        self.attempt(|this| this.remove(name));
    }
}
