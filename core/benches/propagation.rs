//! The hot path: extract, start a child span, inject. `cargo bench -p tracewire`.

use std::collections::HashMap;
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use tracewire::{Context, Propagator};

const OTHER: [(&str, &str); 6] = [
    ("content-type", "application/json"),
    ("accept", "*/*"),
    ("user-agent", "checkout/1.4"),
    ("x-request-id", "5f1c0e2a-7c1f-4b8e-9f0e-2b5d3a1c9e77"),
    ("content-length", "512"),
    ("host", "orders.internal"),
];

fn headers(with_context: bool) -> HashMap<String, String> {
    let mut map: HashMap<String, String> = OTHER
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    if with_context {
        map.insert(
            "traceparent".into(),
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".into(),
        );
        map.insert(
            "tracestate".into(),
            "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7".into(),
        );
    }
    map
}

fn propagation(c: &mut Criterion) {
    let hit = headers(true);
    let miss = headers(false);
    c.bench_function("hit: extract + child + inject (HashMap)", |b| {
        b.iter(|| {
            let ctx = tracewire::continue_trace(black_box(&hit));
            let mut out = HashMap::new();
            ctx.inject(&mut out);
            out
        })
    });
    c.bench_function("miss: new root + inject (HashMap)", |b| {
        b.iter(|| {
            let ctx = tracewire::continue_trace(black_box(&miss));
            let mut out = HashMap::new();
            ctx.inject(&mut out);
            out
        })
    });
    c.bench_function("extract only (HashMap)", |b| {
        b.iter(|| tracewire::extract(black_box(&hit)))
    });
    let ctx = tracewire::extract(&hit).unwrap();
    c.bench_function("inject only (HashMap)", |b| {
        b.iter(|| {
            let mut out = HashMap::new();
            black_box(&ctx).inject(&mut out);
            out
        })
    });
    let borrowed = [(
        "traceparent",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    )];
    c.bench_function("borrowed: &str in, traceparent String out", |b| {
        b.iter(|| {
            let ctx = Propagator::DEFAULT.continue_trace(black_box(&borrowed));
            ctx.traceparent().to_string()
        })
    });
    c.bench_function("new root", |b| b.iter(Context::new_root));
}

criterion_group!(benches, propagation);
criterion_main!(benches);
