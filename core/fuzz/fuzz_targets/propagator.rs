//! The whole propagator over arbitrary header lists, with every format extracted
//! (in an arbitrary order) and injected, and an arbitrary repeated-header policy.
//! Header names are drawn from the propagator's fields (in arbitrary letter
//! case, `uberctx-` with arbitrary keys) and noise; values are arbitrary bytes,
//! or values from the shared vectors, edited, cut, or joined with `,`. At most
//! 64 headers and 16 joined values: huge carriers are core/tests/bounds.rs's
//! business, and would only slow the search here.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use tracewire::{Format, Propagator, Repeated};
use tracewire_fuzz::templates::templates;
use tracewire_fuzz::{invariants, track};

/// Every fixed header name of every format.
const NAMES: [&str; 16] = [
    "traceparent",
    "tracestate",
    "baggage",
    "b3",
    "x-b3-traceid",
    "x-b3-spanid",
    "x-b3-parentspanid",
    "x-b3-sampled",
    "x-b3-flags",
    "uber-trace-id",
    "x-amzn-trace-id",
    "x-datadog-trace-id",
    "x-datadog-parent-id",
    "x-datadog-sampling-priority",
    "x-datadog-origin",
    "x-datadog-tags",
];

#[derive(Arbitrary, Debug)]
struct Input {
    /// Sort keys giving the extract and inject orders.
    extract_order: [u8; 7],
    inject_order: [u8; 7],
    repeated: u8,
    headers: Vec<Header>,
}

#[derive(Arbitrary, Debug)]
struct Header {
    name: Name,
    value: Value,
}

#[derive(Arbitrary, Debug)]
enum Name {
    /// One of [`NAMES`]; bit `i` of `case` upper-cases letter `i`.
    Known {
        index: u8,
        case: u32,
    },
    /// `uberctx-` and a key.
    Baggage {
        key: String,
        case: u32,
    },
    Noise(String),
}

#[derive(Arbitrary, Debug)]
enum Value {
    Raw(Vec<u8>),
    /// A value the vectors hold for this header, with bytes overwritten and cut.
    Known {
        index: u16,
        edits: Vec<(u16, u8)>,
        cut: Option<u16>,
    },
    /// Vector values of this header joined by `,` (as HTTP stacks join repeats).
    Joined(Vec<u16>),
}

impl Name {
    fn text(&self) -> String {
        let (name, case) = match self {
            Self::Known { index, case } => {
                (NAMES[usize::from(*index) % NAMES.len()].to_owned(), *case)
            }
            Self::Baggage { key, case } => (format!("uberctx-{key}"), *case),
            Self::Noise(name) => return name.clone(),
        };
        name.char_indices()
            .map(|(i, c)| match i < 32 && case >> i & 1 == 1 {
                true => c.to_ascii_uppercase(),
                false => c,
            })
            .collect()
    }
}

impl Value {
    fn bytes(&self, name: &str) -> Vec<u8> {
        let known = |index: u16| templates().pick(name, usize::from(index)).to_vec();
        match self {
            Self::Raw(bytes) => bytes.clone(),
            Self::Known { index, edits, cut } => {
                let mut value = known(*index);
                for &(at, byte) in edits {
                    if !value.is_empty() {
                        let at = usize::from(at) % value.len();
                        value[at] = byte;
                    }
                }
                if let Some(cut) = cut {
                    value.truncate(usize::from(*cut));
                }
                value
            }
            Self::Joined(indices) => indices
                .iter()
                .take(16)
                .map(|&index| known(index))
                .collect::<Vec<_>>()
                .join(&b", "[..]),
        }
    }
}

/// The formats ordered by their sort keys (ties keep the fixed order).
fn ordered(keys: [u8; 7]) -> Vec<Format> {
    let mut formats: Vec<(u8, Format)> = keys.into_iter().zip(Format::ALL).collect();
    formats.sort_by_key(|(key, _)| *key);
    formats.into_iter().map(|(_, format)| format).collect()
}

fuzz_target!(|input: Input| {
    let propagator = Propagator::builder()
        .extract(ordered(input.extract_order))
        .inject(ordered(input.inject_order))
        .repeated(Repeated::ALL[usize::from(input.repeated % 3)])
        .build();
    let carrier: Vec<(String, Vec<u8>)> = input
        .headers
        .iter()
        .take(64)
        .map(|header| {
            let name = header.name.text();
            let value = header.value.bytes(&name);
            (name, value)
        })
        .collect();
    track(carrier.iter().map(|(n, v)| n.len() + v.len()).sum());
    invariants::headers(&propagator, &carrier);
});
