//! The carriers the core supports out of the box.

use std::collections::{BTreeMap, HashMap};

use tracewire::{Code, Context, Propagator};

const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

#[test]
fn string_maps() {
    let hash = HashMap::from([("TRACEPARENT".to_string(), TRACEPARENT.to_string())]);
    let btree = BTreeMap::from([("traceparent", TRACEPARENT)]);
    for ctx in [tracewire::extract(&hash), tracewire::extract(&btree)] {
        assert_eq!(ctx.unwrap().traceparent().as_str(), TRACEPARENT);
    }
}

#[test]
fn kafka_byte_headers_keep_order_and_repeats() {
    let headers: Vec<(String, Vec<u8>)> = vec![
        ("traceparent".into(), TRACEPARENT.into()),
        ("tracestate".into(), b"a=1".to_vec()),
        ("other".into(), vec![0xff, 0x00]),
        ("tracestate".into(), b"b=2".to_vec()),
    ];
    let ctx = tracewire::extract(&headers).unwrap();
    assert_eq!(ctx.trace_state().as_str(), "a=1,b=2");
}

#[test]
fn invalid_utf8_is_a_diagnostic_not_an_error() {
    let headers = [("traceparent", &[0xc3u8, 0x28][..])];
    assert!(tracewire::extract(&headers).is_none());
    let codes: Vec<Code> = tracewire::diagnose(&headers)
        .iter()
        .map(|d| d.code)
        .collect();
    assert_eq!(codes, [Code::InvalidUtf8]);
}

#[test]
fn injection_replaces_every_spelling_and_removes_stale_tracestate() {
    let ctx = Context::new_root();
    let mut record: Vec<(String, Vec<u8>)> = vec![
        ("TraceParent".into(), b"old".to_vec()),
        ("traceparent".into(), b"older".to_vec()),
        ("tracestate".into(), b"stale=1".to_vec()),
        ("key".into(), b"kept".to_vec()),
    ];
    ctx.inject(&mut record);
    let names: Vec<&str> = record.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(names, ["key", "traceparent"]);
    assert_eq!(record[1].1, ctx.traceparent().as_bytes());

    let mut map = HashMap::from([("TRACEPARENT".to_string(), "old".to_string())]);
    ctx.inject(&mut map);
    assert_eq!(map.len(), 1);
    assert_eq!(map["traceparent"], ctx.traceparent().as_str());
}

#[test]
fn continue_trace_without_context_starts_a_root() {
    let ctx = Propagator::DEFAULT.continue_trace(&Vec::<(String, String)>::new());
    assert_eq!(ctx.parent_span_id(), None);
    assert_eq!(ctx.flags().bits(), 0x03);
}
