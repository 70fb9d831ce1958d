//! Python header containers as core carriers.
//!
//! Reading walks the container once and converts only the values of the headers
//! the propagator uses (`Propagator::fields`, where a name ending in `*` stands
//! for every header with that prefix); writing is an [`Injector`] over the
//! container itself. Environment mappings are read the same way, their variable
//! names translated by the core (`tracewire::env::header_name`).

use std::borrow::Cow;

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

/// The headers `propagator` uses, in container order, repeats included: a slice
/// of these is a core `Extractor`. An exact field is named by its lowercase name,
/// a header matching a prefix field (`uberctx-*`) by its own name.
pub fn read<'py>(
    propagator: &Propagator,
    container: &Bound<'py, PyAny>,
) -> PyResult<Vec<(Cow<'static, str>, Value<'py>)>> {
    let mut headers = Vec::new();
    each_pair(container, |name, value| {
        let Some(name) = matching(name, || propagator.fields())? else {
            return Ok(());
        };
        push_values(&mut headers, name, value)
    })?;
    Ok(headers)
}

/// The variables of an environment mapping whose header names (`TRACEPARENT` →
/// `traceparent`) `propagator` uses, under their variable names, for the core's
/// `tracewire::env` functions.
pub fn read_env<'py>(
    propagator: &Propagator,
    env: &Bound<'py, PyAny>,
) -> PyResult<Vec<(Cow<'static, str>, Value<'py>)>> {
    let mut variables = Vec::new();
    each_pair(env, |name, value| {
        let variable = if let Ok(text) = name.cast::<PyString>() {
            text.to_string_lossy()
        } else if let Ok(bytes) = name.cast::<PyBytes>() {
            String::from_utf8_lossy(bytes.as_bytes())
        } else {
            return Err(type_error("variable names must be str or bytes", name));
        };
        let wanted = tracewire::env::header_name(&variable).is_some_and(|header| {
            propagator
                .fields()
                .any(|field| reads(field, header.as_bytes()))
        });
        if wanted {
            push_values(&mut variables, Cow::Owned(variable.into_owned()), value)?;
        }
        Ok(())
    })?;
    Ok(variables)
}

/// Calls `keep` with every `(name, value)` of a header container, in order.
fn each_pair<'py>(
    container: &Bound<'py, PyAny>,
    mut keep: impl FnMut(&Bound<'py, PyAny>, &Bound<'py, PyAny>) -> PyResult<()>,
) -> PyResult<()> {
    if container.is_none() {
        return Ok(());
    }
    if let Ok(dict) = container.cast_exact::<PyDict>() {
        return dict
            .iter()
            .try_for_each(|(name, value)| keep(&name, &value));
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
    Ok(())
}

/// Appends the value (or the values of a repeated header) of `name`.
fn push_values<'py>(
    out: &mut Vec<(Cow<'static, str>, Value<'py>)>,
    name: Cow<'static, str>,
    value: &Bound<'py, PyAny>,
) -> PyResult<()> {
    if is_list_or_tuple(value) {
        for item in value.try_iter()? {
            out.push((name.clone(), bytes_of(&item?)?));
        }
    } else if !value.is_none() {
        // (`None` is a Kafka header without a value.)
        out.push((name, bytes_of(value)?));
    }
    Ok(())
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

pub fn type_error(expected: &str, got: &Bound<'_, PyAny>) -> PyErr {
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

/// Whether the header `name` is the field `field` of `Propagator::fields`:
/// equal to it, or for a field ending in `*` longer than and starting with its
/// prefix, ASCII-case-insensitively.
fn reads(field: &str, name: &[u8]) -> bool {
    match field.strip_suffix('*') {
        Some(prefix) => {
            name.len() > prefix.len()
                && name[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
        }
        None => name.eq_ignore_ascii_case(field.as_bytes()),
    }
}

/// What the header `name` is called in the carrier handed to the core, when it
/// is one of `fields`: the field's own name, or for a prefix field the header's.
fn matching<N: Iterator<Item = &'static str>>(
    name: &Bound<'_, PyAny>,
    fields: impl Fn() -> N,
) -> PyResult<Option<Cow<'static, str>>> {
    let name_of = |field: &'static str, name: &[u8]| {
        if field.ends_with('*') {
            Cow::Owned(String::from_utf8_lossy(name).into_owned())
        } else {
            Cow::Borrowed(field)
        }
    };
    let find = |name: &[u8]| {
        fields()
            .find(|field| reads(field, name))
            .map(|field| name_of(field, name))
    };
    if let Ok(text) = name.cast::<PyString>() {
        // The fields are ASCII, so a match has as many code points as an exact
        // field has bytes, or more than a prefix has: most names are ruled out
        // before any conversion.
        let len = text.len()?;
        let possible = fields().any(|field| match field.strip_suffix('*') {
            Some(prefix) => len > prefix.len(),
            None => len == field.len(),
        });
        Ok(possible
            .then(|| find(text.to_string_lossy().as_bytes()))
            .flatten())
    } else if let Ok(bytes) = name.cast::<PyBytes>() {
        Ok(find(bytes.as_bytes()))
    } else {
        Err(type_error("header names must be str or bytes", name))
    }
}

/// Whether the header `name` is `wanted`, ASCII-case-insensitively.
fn named(name: &Bound<'_, PyAny>, wanted: &str) -> PyResult<bool> {
    if let Ok(text) = name.cast::<PyString>() {
        Ok(text.len()? == wanted.len()
            && text
                .to_string_lossy()
                .as_bytes()
                .eq_ignore_ascii_case(wanted.as_bytes()))
    } else if let Ok(bytes) = name.cast::<PyBytes>() {
        Ok(bytes.as_bytes().eq_ignore_ascii_case(wanted.as_bytes()))
    } else {
        Err(type_error("header names must be str or bytes", name))
    }
}

/// The bytes of a `str` (UTF-8), `bytes`, `bytearray` or `memoryview` value.
pub fn bytes_of<'py>(value: &Bound<'py, PyAny>) -> PyResult<Value<'py>> {
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
        if let Some(list) = &self.list {
            // Backwards, so deletions leave the indices still to visit in place.
            for index in (0..list.len()).rev() {
                let (key, _) = split_pair(&list.get_item(index)?)?;
                if named(&key, name)? {
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
            if named(&key, name)? {
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
