//! Jaeger: the input's pieces are `name:value` headers (`uber-trace-id`,
//! `uberctx-*` baggage, anything else). Upper-case control bytes also extract
//! and inject W3C Baggage, so both baggage sources meet.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tracewire::{Format, Propagator};
use tracewire_fuzz::input::Input;
use tracewire_fuzz::{invariants, track};

fuzz_target!(|data: &[u8]| {
    track(data.len());
    let input = Input::parse(data);
    let formats: &[Format] = if input.variant {
        &[Format::Jaeger, Format::Baggage]
    } else {
        &[Format::Jaeger]
    };
    let propagator = Propagator::builder()
        .extract(formats.iter().copied())
        .inject(formats.iter().copied())
        .repeated(input.repeated)
        .build();
    let carrier = input.headers();
    if let Some(context) = invariants::headers(&propagator, &carrier) {
        assert!(context.baggage().len() <= 64);
        assert!(!context.flags().is_random());
    }
});
