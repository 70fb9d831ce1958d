//! The one pass over a carrier: keeps the values of the headers the configured
//! formats read, borrowed from the carrier, allocating only for repeats.

use crate::Extractor;

/// A header some format reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Field {
    Traceparent,
    Tracestate,
}

impl Field {
    const ALL: [Field; 2] = [Field::Traceparent, Field::Tracestate];

    const fn name(self) -> &'static str {
        match self {
            Self::Traceparent => "traceparent",
            Self::Tracestate => "tracestate",
        }
    }

    fn matching(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|field| name.eq_ignore_ascii_case(field.name()))
    }
}

/// The values of one header, in carrier order.
#[derive(Default)]
pub(crate) struct Values<'a> {
    first: Option<&'a [u8]>,
    rest: Vec<&'a [u8]>,
}

impl<'a> Values<'a> {
    fn push(&mut self, value: &'a [u8]) {
        if self.first.is_none() {
            self.first = Some(value);
        } else {
            self.rest.push(value);
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.first.is_none()
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &'a [u8]> + Clone + '_ {
        self.first.into_iter().chain(self.rest.iter().copied())
    }
}

/// The values of every field, gathered in one pass.
#[derive(Default)]
pub(crate) struct Seen<'a> {
    values: [Values<'a>; Field::ALL.len()],
}

impl<'a> Seen<'a> {
    pub(crate) fn gather<E: Extractor + ?Sized>(carrier: &'a E) -> Self {
        let mut seen = Self::default();
        carrier.for_each_header(&mut |name, value| {
            if let Some(field) = Field::matching(name) {
                seen.values[field as usize].push(value);
            }
        });
        seen
    }

    pub(crate) fn values(&self, field: Field) -> &Values<'a> {
        &self.values[field as usize]
    }
}
