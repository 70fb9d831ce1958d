//! The JSON event-payload carrier against a parse-to-tree round trip: bodies of
//! 200 B, 10 KB and 1 MB with the ids at the front or at the end.
//! `cargo bench -p tracewire --bench json_body`.
//!
//! `tracewire::json` scans the body once and splices the ids into a copy, so its
//! cost is one validating pass plus one copy; `serde_json` builds a `Value` tree
//! and prints it again (and, without its `preserve_order` feature, reorders keys).

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use serde_json::Value;
use tracewire::json::{self, JsonFields};
use tracewire::Context;

const IDS: &str = r#""traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"00f067aa0ba902b7""#;

/// An order event of about `size` bytes: line items of mixed values, the ids first or last.
fn body(size: usize, ids_first: bool) -> Vec<u8> {
    let mut items = String::new();
    let mut i = 0;
    while items.len() + IDS.len() + 64 < size {
        if i > 0 {
            items.push(',');
        }
        items.push_str(&format!(
            r#"{{"sku":"SKU-{i:06}","qty":{},"price":{}.{:02},"gift":{}}}"#,
            i % 7 + 1,
            i % 300,
            i % 100,
            i % 2 == 0
        ));
        i += 1;
    }
    let rest = format!(r#""orderId":42,"items":[{items}]"#);
    let text = if ids_first {
        format!("{{{IDS},{rest}}}")
    } else {
        format!("{{{rest},{IDS}}}")
    };
    text.into_bytes()
}

fn serde_extract(body: &[u8]) -> Option<(String, String)> {
    let value: Value = serde_json::from_slice(body).ok()?;
    Some((
        value.get("traceId")?.as_str()?.to_owned(),
        value.get("spanId")?.as_str()?.to_owned(),
    ))
}

fn serde_inject(context: &Context, body: &[u8]) -> Vec<u8> {
    let mut value: Value = serde_json::from_slice(body).unwrap();
    let object = value.as_object_mut().unwrap();
    object.insert("traceId".into(), context.trace_id().to_string().into());
    object.insert("spanId".into(), context.span_id().to_string().into());
    serde_json::to_vec(&value).unwrap()
}

fn json_body(c: &mut Criterion) {
    let context = Context::new_root();
    for (label, size) in [("200B", 200), ("10KB", 10_000), ("1MB", 1_000_000)] {
        for ids_first in [true, false] {
            let body = body(size, ids_first);
            let at = if ids_first { "ids-first" } else { "ids-last" };
            let mut group = c.benchmark_group(format!("json-body/{label}/{at}"));
            group.throughput(Throughput::Bytes(body.len() as u64));
            if size >= 1_000_000 {
                group
                    .sample_size(20)
                    .measurement_time(Duration::from_secs(4));
            }
            group.bench_with_input(
                BenchmarkId::new("extract", "tracewire"),
                &body,
                |b, body| b.iter(|| json::extract(black_box(body), JsonFields::default())),
            );
            group.bench_with_input(
                BenchmarkId::new("extract", "serde_json"),
                &body,
                |b, body| b.iter(|| serde_extract(black_box(body))),
            );
            group.bench_with_input(BenchmarkId::new("inject", "tracewire"), &body, |b, body| {
                b.iter(|| json::inject(&context, black_box(body), JsonFields::default()))
            });
            group.bench_with_input(
                BenchmarkId::new("inject", "serde_json"),
                &body,
                |b, body| b.iter(|| serde_inject(&context, black_box(body))),
            );
            group.finish();
        }
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
    targets = json_body
}
criterion_main!(benches);
