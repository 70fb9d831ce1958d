//! The JSON event-payload carrier: the input is a body. For two fixed contexts
//! (a sampled one with a trace state, and an unsampled one without):
//! - extract and inject agree on what is a JSON object (`invalid_json` both, or
//!   neither), and with serde_json wherever serde_json parses the body;
//! - an injected body is a JSON object again (for serde_json too, when it read
//!   the input), re-extracts to the injected ids (and trace state and flags when
//!   the body is a CloudEvent), and injecting the same context again changes
//!   nothing;
//! - extract ∘ inject ∘ extract is a fixed point: the extracted context,
//!   injected back into its body, is extracted again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tracewire::json::{self, JsonFields};
use tracewire::{Code, Context, SpanId, TraceFlags, TraceId, TraceState};
use tracewire_fuzz::track;

fuzz_target!(|data: &[u8]| {
    track(data.len());
    let fields = JsonFields::default();
    let extracted = json::extract(data, fields);
    let serde = serde_json::from_slice::<serde_json::Value>(data).ok();
    if let Some(value) = &serde {
        assert_eq!(
            extracted.is_ok(),
            value.is_object(),
            "serde_json reads {value:?}"
        );
    }
    for context in fixed() {
        let injected = json::inject(context, data, fields);
        match (&extracted, &injected) {
            (Err(e), Err(i)) => {
                assert_eq!(e.code(), Code::InvalidJson);
                assert_eq!(i.code(), Code::InvalidJson);
                continue;
            }
            (Ok(_), Ok(_)) => {}
            _ => panic!("extract {extracted:?} but inject {injected:?}"),
        }
        let body = injected.unwrap();
        if serde.is_some() {
            let value: serde_json::Value = serde_json::from_slice(&body)
                .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&body)));
            assert!(value.is_object());
        }
        let back = json::extract(&body, fields)
            .unwrap_or_else(|e| panic!("{e:?}: {}", String::from_utf8_lossy(&body)))
            .unwrap_or_else(|| panic!("no context in {}", String::from_utf8_lossy(&body)));
        assert_eq!(back.trace_id(), context.trace_id());
        assert_eq!(back.span_id(), context.span_id());
        assert!(back.links().is_empty(), "{back:?}");
        // Only a CloudEvent (a body with `traceparent`) carries flags and a trace state.
        let cloud_event =
            !back.trace_state().is_empty() || back.flags() == context.flags() && !context.sampled();
        if cloud_event {
            assert_eq!(back.flags(), context.flags());
            assert_eq!(
                back.trace_state().as_str(),
                context.trace_state().header(),
                "{}",
                String::from_utf8_lossy(&body)
            );
        } else {
            assert!(back.sampled());
        }
        let again = json::inject(context, &body, fields).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&again),
            String::from_utf8_lossy(&body),
            "a second injection changed the body"
        );
    }
    if let Ok(Some(first)) = extracted {
        let body = json::inject(&first, data, fields).unwrap();
        let second = json::extract(&body, fields).unwrap().unwrap();
        assert_eq!(second.trace_id(), first.trace_id());
        assert_eq!(second.span_id(), first.span_id());
        assert_eq!(second.sampled(), first.sampled());
        assert_eq!(second.trace_state().as_str(), first.trace_state().header());
        assert!(second.links().is_empty());
    }
});

/// The contexts injected into every body.
fn fixed() -> &'static [Context; 2] {
    static FIXED: std::sync::OnceLock<[Context; 2]> = std::sync::OnceLock::new();
    FIXED.get_or_init(|| {
        let trace = "4bf92f3577b34da6a3ce929d0e0e4736"
            .parse::<TraceId>()
            .unwrap();
        let span = "00f067aa0ba902b7".parse::<SpanId>().unwrap();
        let state = TraceState::parse("congo=t61rcWkgMzE,rojo=00f067aa0ba902b7").unwrap();
        let other_trace = "0af7651916cd43dd8448eb211c80319c"
            .parse::<TraceId>()
            .unwrap();
        let other_span = "b7ad6b7169203331".parse::<SpanId>().unwrap();
        [
            Context::new(trace, span, TraceFlags::SAMPLED | TraceFlags::RANDOM)
                .with_trace_state(state),
            Context::new(other_trace, other_span, TraceFlags::NONE),
        ]
    })
}
