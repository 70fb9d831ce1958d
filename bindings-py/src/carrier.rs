//! Python header containers as core carriers.
//!
//! Reading walks the container once and converts only the values of the headers
//! the propagator uses (`Propagator::fields`, where a name ending in `*` stands
//! for every header with that prefix); writing is an [`Injector`] over the
//! container itself. Environment mappings are read the same way, their variable
//! names translated by the core (`tracewire::env::header_name`).

use std::borrow::Cow;
use std::ffi::c_char;

use pyo3::exceptions::{PyKeyError, PyTypeError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyList, PyMemoryView, PyString, PyTuple};
use pyo3::{ffi, intern};
use tracewire::{Injector, Propagator};

/// One value of a relevant header: a `bytes` object or a `str` read in place,
/// or a copy.
pub enum Value<'py> {
    Bytes(Bound<'py, PyBytes>),
    Text(Bound<'py, PyString>),
    Copied(Vec<u8>),
}

impl AsRef<[u8]> for Value<'_> {
    fn as_ref(&self) -> &[u8] {
        match self {
            Self::Bytes(bytes) => bytes.as_bytes(),
            // (Made only from a `str` whose UTF-8 form was read already.)
            Self::Text(text) => utf8(text).unwrap_or_default().as_bytes(),
            Self::Copied(bytes) => bytes,
        }
    }
}

/// The name a header is handed to the core under: a field's own, the `str` it
/// came as (read in place), or a copy.
#[derive(Clone)]
pub enum Name<'py> {
    Field(&'static str),
    Text(Bound<'py, PyString>),
    Owned(String),
}

impl AsRef<str> for Name<'_> {
    fn as_ref(&self) -> &str {
        match self {
            Self::Field(name) => name,
            // (Made only from a `str` whose UTF-8 form was read already.)
            Self::Text(text) => utf8(text).unwrap_or_default(),
            Self::Owned(name) => name,
        }
    }
}

/// The UTF-8 form of a `str`, read in place: CPython keeps it with the object
/// (for ASCII text it is the object's own buffer), so nothing is copied. `None`
/// for a `str` holding lone surrogates, which has no UTF-8 form.
fn utf8<'a>(text: &'a Bound<'_, PyString>) -> Option<&'a str> {
    extern "C" {
        // In the stable ABI since 3.10 and exported with this signature by every
        // CPython 3 before it; pyo3 leaves it out of abi3-py39 builds only
        // because the 3.9 limited headers do not list it.
        fn PyUnicode_AsUTF8AndSize(
            unicode: *mut ffi::PyObject,
            size: *mut ffi::Py_ssize_t,
        ) -> *const c_char;
    }
    let mut size: ffi::Py_ssize_t = 0;
    // SAFETY: `text` is a live `str`; the returned buffer is immutable and lives
    // as long as the object, which `text` keeps alive for `'a`.
    let data = unsafe { PyUnicode_AsUTF8AndSize(text.as_ptr(), &mut size) };
    if data.is_null() {
        // The `UnicodeEncodeError` of a lone surrogate: the caller falls back.
        drop(PyErr::take(text.py()));
        return None;
    }
    let len = usize::try_from(size).ok()?;
    // SAFETY: CPython returned `len` initialised bytes at `data` (see above), its
    // UTF-8 encoding of the text.
    Some(unsafe { std::str::from_utf8_unchecked(std::slice::from_raw_parts(data.cast(), len)) })
}

/// The headers `propagator` uses, in container order, repeats included: a slice
/// of these is a core `Extractor`. An exact field is named by its lowercase name,
/// a header matching a prefix field (`uberctx-*`) by its own name.
pub fn read<'py>(
    propagator: &Propagator,
    container: &Bound<'py, PyAny>,
) -> PyResult<Vec<(Name<'py>, Value<'py>)>> {
    let mut headers = Vec::new();
    each_pair(container, |name, value| {
        let Some(name) = matching(propagator, name)? else {
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
) -> PyResult<Vec<(Name<'py>, Value<'py>)>> {
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
            push_values(&mut variables, Name::Owned(variable.into_owned()), value)?;
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
    out: &mut Vec<(Name<'py>, Value<'py>)>,
    name: Name<'py>,
    value: &Bound<'py, PyAny>,
) -> PyResult<()> {
    if value.is_exact_instance_of::<PyString>() || value.is_exact_instance_of::<PyBytes>() {
        out.push((name, bytes_of(value)?));
    } else if is_list_or_tuple(value) {
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

/// What the header `name` is called in the carrier handed to the core, when
/// `propagator` uses it: its own name when a `str`, else the field's own name
/// (or for a prefix field the header's).
fn matching<'py>(propagator: &Propagator, name: &Bound<'py, PyAny>) -> PyResult<Option<Name<'py>>> {
    let find = |name: &[u8]| {
        let field = propagator.fields().find(|field| reads(field, name))?;
        Some(if field.ends_with('*') {
            Name::Owned(String::from_utf8_lossy(name).into_owned())
        } else {
            Name::Field(field)
        })
    };
    let text = name
        .cast_exact::<PyString>()
        .or_else(|_| name.cast::<PyString>());
    if let Ok(text) = text {
        // The core rules most names out by their length alone.
        Ok(match utf8(text) {
            Some(name) => propagator.reads(name).then(|| Name::Text(text.clone())),
            None => find(text.to_string_lossy().as_bytes()),
        })
    } else if let Ok(bytes) = name.cast::<PyBytes>() {
        Ok(find(bytes.as_bytes()))
    } else {
        Err(type_error("header names must be str or bytes", name))
    }
}

/// Whether the header `name` is `wanted`, ASCII-case-insensitively.
fn named(name: &Bound<'_, PyAny>, wanted: &str) -> PyResult<bool> {
    if let Ok(text) = name.cast::<PyString>() {
        Ok(utf8(text).is_some_and(|name| name.eq_ignore_ascii_case(wanted)))
    } else if let Ok(bytes) = name.cast::<PyBytes>() {
        Ok(bytes.as_bytes().eq_ignore_ascii_case(wanted.as_bytes()))
    } else {
        Err(type_error("header names must be str or bytes", name))
    }
}

/// The bytes of a `str` (UTF-8), `bytes`, `bytearray` or `memoryview` value.
pub fn bytes_of<'py>(value: &Bound<'py, PyAny>) -> PyResult<Value<'py>> {
    let py = value.py();
    if let Ok(text) = value.cast_exact::<PyString>() {
        if utf8(text).is_some() {
            return Ok(Value::Text(text.clone()));
        }
    }
    let bytes = if let Ok(bytes) = value.cast::<PyBytes>() {
        bytes.clone().into_any()
    } else if let Ok(text) = value.cast::<PyString>() {
        if utf8(text).is_some() {
            return Ok(Value::Text(text.clone()));
        }
        // Lone surrogates (text decoded with `surrogateescape`) go through as the
        // invalid UTF-8 they are, for the core to report.
        text.call_method1(intern!(py, "encode"), ("utf-8", "surrogatepass"))?
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

/// A `str` argument (a key, a value, a name) as UTF-8. A lone surrogate becomes
/// one U+FFFD, as in a JS string passed to the core, so the core answers with its
/// own code (or keeps the replacement) where Python would raise `UnicodeEncodeError`.
pub struct Text(pub Cow<'static, str>);

impl FromPyObject<'_, '_> for Text {
    type Error = PyErr;

    fn extract(obj: Borrowed<'_, '_, PyAny>) -> PyResult<Self> {
        let text = obj.cast::<PyString>()?;
        if let Ok(utf8) = text.to_cow() {
            return Ok(Self(Cow::Owned(utf8.into_owned())));
        }
        // (`str.encode`, not a subclass's override.)
        let py = obj.py();
        let encoded = py
            .get_type::<PyString>()
            .call_method1(intern!(py, "encode"), (text, "utf-8", "surrogatepass"))?;
        let mut lossy = String::new();
        for chunk in encoded.cast_into::<PyBytes>()?.as_bytes().utf8_chunks() {
            lossy.push_str(chunk.valid());
            // A surrogate's 3 bytes come as 3 invalid chunks, the first one 0xED.
            if chunk.invalid().first() == Some(&0xED) {
                lossy.push(char::REPLACEMENT_CHARACTER);
            }
        }
        Ok(Self(Cow::Owned(lossy)))
    }
}

impl std::ops::Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

/// A Python container being written: a list gets Kafka-style `(name, bytes)`
/// pairs, a dict or other mutable mapping `headers[name] = str`. The `Injector`
/// methods cannot fail, so the first Python error is kept, later writes are
/// skipped, and [`Writer::finish`] raises it.
pub struct Writer<'py> {
    container: Bound<'py, PyAny>,
    list: Option<Bound<'py, PyList>>,
    /// A `dict` that was empty: it holds only the lowercase names written here.
    fresh: Option<Bound<'py, PyDict>>,
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
        let fresh = container
            .cast_exact::<PyDict>()
            .ok()
            .filter(|dict| dict.is_empty())
            .cloned();
        Ok(Self {
            container,
            list,
            fresh,
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
        if let Some(dict) = &self.fresh {
            let name = name_str(dict.py(), name);
            if dict.contains(&name)? {
                dict.del_item(name)?;
            }
            return Ok(());
        }
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
        let mut doomed = Vec::new();
        if let Ok(dict) = self.container.cast_exact::<PyDict>() {
            for (key, _) in dict.iter() {
                if named(&key, name)? {
                    doomed.push(key);
                }
            }
        } else {
            let keys = self
                .container
                .call_method0(intern!(self.container.py(), "keys"))?;
            for key in keys.try_iter()? {
                let key = key?;
                if named(&key, name)? {
                    doomed.push(key);
                }
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

/// The header name `name` as a `str`: the interned one for every name a format
/// writes (so no new object, and its hash is known), a new one otherwise.
fn name_str<'py>(py: Python<'py>, name: &str) -> Bound<'py, PyString> {
    static NAMES: PyOnceLock<Vec<(&'static str, Py<PyString>)>> = PyOnceLock::new();
    let names = NAMES.get_or_init(py, || {
        let names = tracewire::Format::ALL
            .iter()
            .flat_map(|format| format.fields());
        names
            .filter(|name| !name.ends_with('*'))
            .map(|name| (name, PyString::intern(py, name).unbind()))
            .collect()
    });
    match names.iter().find(|(known, _)| *known == name) {
        Some((_, interned)) => interned.bind(py).clone(),
        None => PyString::new(py, name),
    }
}

impl Injector for Writer<'_> {
    fn set_header(&mut self, name: &str, value: &str) {
        self.attempt(|this| {
            // (A fresh dict holds this name, if at all, in the spelling that
            // assignment replaces.)
            if this.fresh.is_none() {
                this.remove(name)?;
            }
            let py = this.container.py();
            let name = name_str(py, name);
            match &this.list {
                Some(list) => list.append((name, PyBytes::new(py, value.as_bytes()))),
                None => this.container.set_item(name, value),
            }
        });
    }

    fn remove_header(&mut self, name: &str) {
        self.attempt(|this| this.remove(name));
    }
}
