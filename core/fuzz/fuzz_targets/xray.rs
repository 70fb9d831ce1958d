//! AWS X-Ray: the input's pieces are `X-Amzn-Trace-Id` values (repeats kept).
//! Besides the shared invariants: the written `Root` starts with the trace id's
//! epoch part.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tracewire::{Format, Propagator};
use tracewire_fuzz::input::Input;
use tracewire_fuzz::{invariants, track};

fuzz_target!(|data: &[u8]| {
    track(data.len());
    let input = Input::parse(data);
    let propagator = Propagator::builder()
        .extract([Format::Xray])
        .inject([Format::Xray])
        .repeated(input.repeated)
        .build();
    let name = if input.variant {
        "X-Amzn-Trace-Id"
    } else {
        "x-amzn-trace-id"
    };
    let carrier = input.values_of(name);
    if let Some(context) = invariants::headers(&propagator, &carrier) {
        let mut headers: Vec<(String, String)> = Vec::new();
        propagator.inject(&context, &mut headers);
        let root = format!("Root=1-{}-", &context.trace_id().to_string()[..8]);
        assert!(headers[0].1.starts_with(&root), "{headers:?}");
        assert!(!context.flags().is_random());
    }
});
