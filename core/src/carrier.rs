//! Carriers: the header containers of a message, read in one pass and written one
//! header at a time.
//!
//! Names match ASCII-case-insensitively. Values are bytes (Kafka record headers)
//! or text (HTTP); a value that is not UTF-8 is treated as absent by the formats.

use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasher;

/// Read access to a carrier.
pub trait Extractor {
    /// Calls `visit` once for every stored `(name, value)`, in order, repeats included.
    fn for_each_header<'a>(&'a self, visit: &mut dyn FnMut(&'a str, &'a [u8]));
}

/// Write access to a carrier.
pub trait Injector {
    /// Stores `value` under `name` (lowercase), replacing every header whose name
    /// equals it ASCII-case-insensitively.
    fn set_header(&mut self, name: &str, value: &str);

    /// Removes every header whose name equals `name` ASCII-case-insensitively, so a
    /// stale value (say a `tracestate` of another span) is not sent on.
    fn remove_header(&mut self, name: &str);
}

impl<T: Extractor + ?Sized> Extractor for &T {
    fn for_each_header<'a>(&'a self, visit: &mut dyn FnMut(&'a str, &'a [u8])) {
        (**self).for_each_header(visit);
    }
}

impl<T: Injector + ?Sized> Injector for &mut T {
    fn set_header(&mut self, name: &str, value: &str) {
        (**self).set_header(name, value);
    }

    fn remove_header(&mut self, name: &str) {
        (**self).remove_header(name);
    }
}

impl<T: Extractor> Extractor for Option<T> {
    fn for_each_header<'a>(&'a self, visit: &mut dyn FnMut(&'a str, &'a [u8])) {
        if let Some(inner) = self {
            inner.for_each_header(visit);
        }
    }
}

impl<K: AsRef<str>, V: AsRef<[u8]>> Extractor for [(K, V)] {
    fn for_each_header<'a>(&'a self, visit: &mut dyn FnMut(&'a str, &'a [u8])) {
        for (name, value) in self {
            visit(name.as_ref(), value.as_ref());
        }
    }
}

impl<K: AsRef<str>, V: AsRef<[u8]>, const N: usize> Extractor for [(K, V); N] {
    fn for_each_header<'a>(&'a self, visit: &mut dyn FnMut(&'a str, &'a [u8])) {
        self[..].for_each_header(visit);
    }
}

impl<K: AsRef<str>, V: AsRef<[u8]>> Extractor for Vec<(K, V)> {
    fn for_each_header<'a>(&'a self, visit: &mut dyn FnMut(&'a str, &'a [u8])) {
        self[..].for_each_header(visit);
    }
}

impl<K: AsRef<str>, V: AsRef<[u8]>, S: BuildHasher> Extractor for HashMap<K, V, S> {
    fn for_each_header<'a>(&'a self, visit: &mut dyn FnMut(&'a str, &'a [u8])) {
        for (name, value) in self {
            visit(name.as_ref(), value.as_ref());
        }
    }
}

impl<K: AsRef<str>, V: AsRef<[u8]>> Extractor for BTreeMap<K, V> {
    fn for_each_header<'a>(&'a self, visit: &mut dyn FnMut(&'a str, &'a [u8])) {
        for (name, value) in self {
            visit(name.as_ref(), value.as_ref());
        }
    }
}

/// Kafka-style record headers: replace by removing every same-named header, then append.
impl Injector for Vec<(String, Vec<u8>)> {
    fn set_header(&mut self, name: &str, value: &str) {
        self.remove_header(name);
        self.push((name.to_owned(), value.as_bytes().to_vec()));
    }

    fn remove_header(&mut self, name: &str) {
        self.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
    }
}

impl Injector for Vec<(String, String)> {
    fn set_header(&mut self, name: &str, value: &str) {
        self.remove_header(name);
        self.push((name.to_owned(), value.to_owned()));
    }

    fn remove_header(&mut self, name: &str) {
        self.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
    }
}

impl<S: BuildHasher> Injector for HashMap<String, String, S> {
    fn set_header(&mut self, name: &str, value: &str) {
        if self
            .keys()
            .any(|k| k != name && k.eq_ignore_ascii_case(name))
        {
            self.remove_header(name);
        }
        self.insert(name.to_owned(), value.to_owned());
    }

    fn remove_header(&mut self, name: &str) {
        self.retain(|k, _| !k.eq_ignore_ascii_case(name));
    }
}

impl Injector for BTreeMap<String, String> {
    fn set_header(&mut self, name: &str, value: &str) {
        if self
            .keys()
            .any(|k| k != name && k.eq_ignore_ascii_case(name))
        {
            self.remove_header(name);
        }
        self.insert(name.to_owned(), value.to_owned());
    }

    fn remove_header(&mut self, name: &str) {
        self.retain(|k, _| !k.eq_ignore_ascii_case(name));
    }
}

#[cfg(feature = "http")]
mod http_carrier {
    use super::{Extractor, Injector};

    impl Extractor for http::HeaderMap {
        fn for_each_header<'a>(&'a self, visit: &mut dyn FnMut(&'a str, &'a [u8])) {
            for (name, value) in self {
                visit(name.as_str(), value.as_bytes());
            }
        }
    }

    /// `HeaderMap` names are case-insensitive already, so `insert` replaces.
    impl Injector for http::HeaderMap {
        fn set_header(&mut self, name: &str, value: &str) {
            // Injected names and values are always valid header tokens and text.
            if let (Ok(name), Ok(value)) = (
                http::HeaderName::from_bytes(name.as_bytes()),
                http::HeaderValue::from_str(value),
            ) {
                self.insert(name, value);
            }
        }

        fn remove_header(&mut self, name: &str) {
            self.remove(name);
        }
    }

    /// Requests and responses through their headers, as hyper, axum and reqwest
    /// hand them over: `continue_trace(&request)`, `ctx.inject(&mut response)`.
    macro_rules! through_headers {
        ($($message:ident),*) => {$(
            impl<B> Extractor for http::$message<B> {
                fn for_each_header<'a>(&'a self, visit: &mut dyn FnMut(&'a str, &'a [u8])) {
                    self.headers().for_each_header(visit);
                }
            }

            impl<B> Injector for http::$message<B> {
                fn set_header(&mut self, name: &str, value: &str) {
                    self.headers_mut().set_header(name, value);
                }

                fn remove_header(&mut self, name: &str) {
                    self.headers_mut().remove_header(name);
                }
            }
        )*};
    }

    through_headers!(Request, Response);
}
