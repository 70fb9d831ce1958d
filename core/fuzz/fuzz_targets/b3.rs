//! B3, single and multiple headers: the input's pieces are `name:value` headers
//! (`b3`, `x-b3-*`, anything else). Lower-case control bytes extract and inject
//! `b3`, upper-case ones `b3multi` (both read both encodings).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tracewire::{Format, Propagator};
use tracewire_fuzz::input::Input;
use tracewire_fuzz::{invariants, track};

fuzz_target!(|data: &[u8]| {
    track(data.len());
    let input = Input::parse(data);
    let format = if input.variant {
        Format::B3Multi
    } else {
        Format::B3
    };
    let propagator = Propagator::builder()
        .extract([format])
        .inject([format])
        .repeated(input.repeated)
        .build();
    let carrier = input.headers();
    if let Some(context) = invariants::headers(&propagator, &carrier) {
        // B3 ids are not known to be random.
        assert!(!context.flags().is_random());
        assert!(context.sampled() || !context.is_debug());
    }
});
