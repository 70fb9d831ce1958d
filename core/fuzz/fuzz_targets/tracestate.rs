//! `tracestate` after a valid `traceparent`: the input's pieces are the
//! `tracestate` values (repeats combined in order). Besides the shared invariants:
//! the trace state is the members as received (trimmed, in order) or, when any
//! member breaks the grammar, nothing, with a diagnostic saying why; it is kept
//! exactly when every member is valid, keys are distinct and there are at most 32.
//! The first piece, as `key=value`, is also set with `with_tracestate`: refused,
//! or written first and propagated.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tracewire::{Format, Propagator};
use tracewire_fuzz::input::{list_members, Input};
use tracewire_fuzz::{invariants, track};

const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

fuzz_target!(|data: &[u8]| {
    track(data.len());
    let input = Input::parse(data);
    let propagator = Propagator::builder()
        .extract([Format::TraceContext])
        .inject([Format::TraceContext])
        .repeated(input.repeated)
        .build();
    let mut carrier = vec![("traceparent".to_owned(), TRACEPARENT.as_bytes().to_vec())];
    carrier.extend(input.values_of("tracestate"));
    let context = invariants::headers(&propagator, &carrier).expect("a valid traceparent");
    let members = list_members(&input.texts());
    let kept = context.trace_state().as_str();
    if members.is_empty() || !valid(&members) {
        assert_eq!(kept, "", "kept {members:?}");
    } else {
        assert_eq!(kept, members.join(","), "changed {members:?}");
    }
    // A vendor's update, from the first piece as `key=value`: refused, or
    // propagated with that member first.
    if let Some((key, value)) = input.texts().first().and_then(|t| t.split_once('=')) {
        if let Ok(updated) = context.clone().with_tracestate(key, value) {
            assert!(updated
                .trace_state()
                .as_str()
                .starts_with(&format!("{key}={value}")));
            assert!(updated.trace_state().len() <= 32);
            invariants::round_trip(&propagator, &updated);
        }
    }
    let rejected = !members.is_empty() && kept.is_empty();
    let unreadable = input.texts().len() < input.pieces.len();
    if rejected || unreadable {
        let diagnostics = propagator.diagnose(&carrier);
        assert!(
            diagnostics.iter().any(|d| d.header == "tracestate"),
            "dropped without a reason: {diagnostics:?}"
        );
    }
});

/// W3C Trace Context level 2 §3.3.1: `key=value` members, distinct keys, at most 32.
fn valid(members: &[&str]) -> bool {
    let mut keys = Vec::new();
    members.len() <= 32
        && members.iter().all(|member| {
            let Some((key, value)) = member.split_once('=') else {
                return false;
            };
            let key_ok = key.len() <= 256
                && key.bytes().enumerate().all(|(i, b)| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || (i > 0 && b"_-*/@".contains(&b))
                })
                && !key.is_empty();
            let value_ok = !value.is_empty()
                && value.len() <= 256
                && !value.ends_with(' ')
                && value
                    .bytes()
                    .all(|b| (0x20..=0x7e).contains(&b) && b != b',' && b != b'=');
            let fresh = !keys.contains(&key);
            keys.push(key);
            key_ok && value_ok && fresh
        })
}
