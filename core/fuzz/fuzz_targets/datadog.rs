//! Datadog: the input's pieces are `name:value` headers (`x-datadog-*`,
//! anything else). Besides the shared invariants: neither the low 64 bits of the
//! trace id (all a Datadog header can carry) nor the span id is ever zero.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tracewire::{Format, Propagator};
use tracewire_fuzz::input::Input;
use tracewire_fuzz::{invariants, track};

fuzz_target!(|data: &[u8]| {
    track(data.len());
    let input = Input::parse(data);
    let propagator = Propagator::builder()
        .extract([Format::Datadog])
        .inject([Format::Datadog])
        .repeated(input.repeated)
        .build();
    let carrier = input.headers();
    if let Some(context) = invariants::headers(&propagator, &carrier) {
        let low = u128::from_be_bytes(context.trace_id().to_bytes()) as u64;
        let span = u64::from_be_bytes(context.span_id().to_bytes());
        assert!(low != 0 && span != 0);
        assert!(!context.flags().is_random());
    }
});
