//! The allocation-free W3C path (`tracewire::w3c`) against the propagator, over
//! adversarial header lists: the same context (as a record), the same diagnostics,
//! and an error, never a panic, when the output buffer is too small.
//!
//! 256 cases by default; more with `PROPTEST_CASES`.

use proptest::prelude::*;
use tracewire::host::{self, Frame};
use tracewire::{w3c, Code, Context, Format, Propagator};

fn config() -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = 256;
    }
    config.failure_persistence = None;
    config
}

/// Pieces of `traceparent` and `tracestate` values, valid and not, that combine
/// into the cases worth trying: repeats, joins, whitespace, case, bad bytes.
fn value() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".to_vec()),
        Just(b"00-4bf92f3577b34da6a3ce929d0e0e4736-b7ad6b7169203331-03".to_vec()),
        Just(b"cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-ff-x".to_vec()),
        Just(b"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01".to_vec()),
        Just(b"00-00000000000000000000000000000000-00f067aa0ba902b7-01".to_vec()),
        Just(b"congo=t61rcWkgMzE".to_vec()),
        Just(b"rojo=00f067aa0ba902b7".to_vec()),
        Just(b"a@b=1".to_vec()),
        Just(b"A=1".to_vec()),
        Just(format!("long={}", "v".repeat(200)).into_bytes()),
        Just(b",".to_vec()),
        Just(b" ".to_vec()),
        Just(b"\t".to_vec()),
        Just(b"=".to_vec()),
        Just(b"\xff".to_vec()),
        Just("\u{e9}".as_bytes().to_vec()),
        proptest::collection::vec(any::<u8>(), 0..8),
    ];
    proptest::collection::vec(piece, 0..6).prop_map(|pieces| pieces.concat())
}

fn headers() -> impl Strategy<Value = Vec<(String, Vec<u8>)>> {
    let name = prop_oneof![
        Just("traceparent"),
        Just("TraceParent"),
        Just("tracestate"),
        Just("TRACESTATE"),
        Just("baggage"),
    ];
    proptest::collection::vec((name.prop_map(String::from), value()), 0..5)
}

/// The propagator's context as this module's record (see `tracewire::w3c`).
fn record(context: &Context) -> Vec<u8> {
    let mut record = host::record(context).into_bytes();
    record.truncate(record.iter().position(|&b| b == b'\n').unwrap());
    let cut = context.trace_state().header();
    if cut != context.trace_state().as_str() {
        record.push(b'\n');
        record.extend_from_slice(cut.as_bytes());
    }
    record
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn agrees_with_the_propagator(headers in headers()) {
        let propagator = Propagator::builder()
            .extract([Format::TraceContext])
            .inject([Format::TraceContext])
            .build();
        let frame = Frame::encode(headers.iter().map(|(n, v)| (n.as_str(), v.as_slice())));
        let mut out = vec![0; w3c::capacity(frame.len())];

        let len = w3c::extract(&frame, &mut out).unwrap();
        let expected = propagator.extract(&headers[..]).map(|context| record(&context));
        prop_assert_eq!((len > 0).then(|| out[..len].to_vec()), expected);

        let len = w3c::diagnose(&frame, &mut out).unwrap();
        let lines: String = propagator
            .diagnose(&headers[..])
            .iter()
            .map(|d| format!("{}\t{}\t{}\n", d.format, d.header, d.code))
            .collect();
        prop_assert_eq!(std::str::from_utf8(&out[..len]).unwrap(), lines);
    }

    #[test]
    fn a_short_buffer_is_an_error(headers in headers(), size in 0usize..200) {
        let frame = Frame::encode(headers.iter().map(|(n, v)| (n.as_str(), v.as_slice())));
        let mut out = vec![0; size];
        let mut ids = w3c::Ids::from_seed(size as u64);
        // Each call answers: what fits, or why not (a frame is no record: `child` refuses it).
        let answers = [
            w3c::extract(&frame, &mut out),
            w3c::diagnose(&frame, &mut out),
            w3c::continue_trace(&frame, &mut ids, &mut out),
            w3c::child(&frame, &mut ids, &mut out),
        ];
        for answer in answers {
            match answer {
                Ok(len) => prop_assert!(len <= size),
                Err(code) => prop_assert!(matches!(code, Code::InternalError | Code::InvalidContext)),
            }
        }
    }
}
