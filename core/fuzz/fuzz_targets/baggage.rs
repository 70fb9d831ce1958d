//! `baggage` after a valid `traceparent`: the input's pieces are the `baggage`
//! values (repeats combined in order). Besides the shared invariants: the
//! baggage equals `Baggage::parse` of the values joined, stays within 64 members
//! and 8192 bytes, and every member that did not make it is explained. The first
//! piece, as raw `key=value`, is also added with `with_baggage`: refused, or
//! propagated.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tracewire::{Baggage, Format, Propagator};
use tracewire_fuzz::input::{list_members, Input};
use tracewire_fuzz::{invariants, track};

const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

fuzz_target!(|data: &[u8]| {
    track(data.len());
    let input = Input::parse(data);
    let propagator = Propagator::builder()
        .extract([Format::TraceContext, Format::Baggage])
        .inject([Format::TraceContext, Format::Baggage])
        .repeated(input.repeated)
        .build();
    let mut carrier = vec![("traceparent".to_owned(), TRACEPARENT.as_bytes().to_vec())];
    carrier.extend(input.values_of("baggage"));
    let context = invariants::headers(&propagator, &carrier).expect("a valid traceparent");
    let texts = input.texts();
    let baggage = context.baggage();
    assert_eq!(*baggage, Baggage::parse(&texts.join(",")));
    assert!(baggage.len() <= 64 && baggage.header().len() <= 8192);
    let members = list_members(&texts);
    if baggage.len() < members.len() || texts.len() < input.pieces.len() {
        let diagnostics = propagator.diagnose(&carrier);
        assert!(
            diagnostics.iter().any(|d| d.header == "baggage"),
            "dropped without a reason: {diagnostics:?}"
        );
    }
    // What a service adds (the first piece as raw `key=value`, any bytes in the
    // value) is refused or propagated too; checked on small inputs, since a round
    // trip of 8 KiB of baggage is slow under coverage instrumentation.
    let added = texts
        .first()
        .and_then(|t| t.split_once('='))
        .filter(|_| data.len() < 1024);
    if let Some((key, value)) = added {
        if let Ok(more) = context.clone().with_baggage(key, value) {
            assert_eq!(more.baggage().get(key), Some(value));
            invariants::round_trip(&propagator, &more);
        }
    }
});
