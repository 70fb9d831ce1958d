//! tracewire against the OpenTelemetry SDK's propagators on the same inputs:
//! `cargo bench -p tracewire --bench compare`.
//!
//! First a table from one interleaved run (every case and both sides take turns,
//! round after round; medians of the rounds; the thread's CPU time, so that time
//! spent descheduled on a busy machine counts for neither side; allocations per
//! operation counted apart), then the same pairs as criterion benchmarks. The
//! "floor" table compares the borrowed `&str` path with a bare strict parse +
//! format written inline here, the least any implementation must do.

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::HashMap;
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use criterion::Criterion;
use opentelemetry::propagation::{
    Extractor as OtelExtractor, Injector as OtelInjector, TextMapCompositePropagator,
    TextMapPropagator,
};
use opentelemetry::trace::{SpanContext, TraceContextExt, TraceFlags, TraceState};
use opentelemetry::Context as OtelContext;
use opentelemetry_sdk::propagation::{BaggagePropagator, TraceContextPropagator};
use opentelemetry_sdk::trace::{IdGenerator, RandomIdGenerator};
use tracewire::Propagator;

// --- allocation counting (only while `COUNTING` is set, so timing is unaffected) ---

struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations (and reallocations) one call of `f` makes, after a warm-up call.
fn allocations(f: &mut dyn FnMut()) -> usize {
    f();
    ALLOCATIONS.store(0, Ordering::Relaxed);
    COUNTING.store(true, Ordering::Relaxed);
    f();
    COUNTING.store(false, Ordering::Relaxed);
    ALLOCATIONS.load(Ordering::Relaxed)
}

// --- inputs ---

const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const TRACESTATE: &str = "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7";
const OTHER: [(&str, &str); 6] = [
    ("content-type", "application/json"),
    ("accept", "*/*"),
    ("user-agent", "checkout/1.4"),
    ("x-request-id", "5f1c0e2a-7c1f-4b8e-9f0e-2b5d3a1c9e77"),
    ("content-length", "512"),
    ("host", "orders.internal"),
];

/// The six unrelated headers plus `extra`.
fn map(extra: &[(&str, String)]) -> HashMap<String, String> {
    OTHER
        .iter()
        .map(|&(k, v)| (k, v.to_string()))
        .chain(extra.iter().map(|(k, v)| (*k, v.clone())))
        .map(|(k, v)| (k.to_string(), v))
        .collect()
}

fn trace_headers(tracestate: &str) -> Vec<(&'static str, String)> {
    vec![
        ("traceparent", TRACEPARENT.to_string()),
        ("tracestate", tracestate.to_string()),
    ]
}

/// 32 members, the most the spec allows (~500 characters).
fn long_tracestate() -> String {
    (0..32)
        .map(|i| format!("vendor{i:02}=opaque-value-{i:02}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// Baggage members of ~64 characters up to 1 KiB, a few needing percent-encoding.
fn kib_baggage() -> String {
    let mut members = Vec::new();
    let mut len = 0;
    for i in 0.. {
        let member = format!("key{i:02}=value%20{i:02}-{}", "x".repeat(48));
        if len + member.len() + 1 > 1024 {
            break;
        }
        len += member.len() + 1;
        members.push(member);
    }
    members.join(",")
}

// --- the OpenTelemetry side, as a service using the SDK would write it ---

/// A child span context of the extracted one (or a new sampled root), in a context
/// to inject: the least the SDK needs, without a tracer or span processor.
fn otel_continue(extracted: &OtelContext, ids: &RandomIdGenerator) -> OtelContext {
    let span = extracted.span();
    let parent = span.span_context();
    let child = if parent.is_valid() {
        SpanContext::new(
            parent.trace_id(),
            ids.new_span_id(),
            parent.trace_flags(),
            false,
            parent.trace_state().clone(),
        )
    } else {
        SpanContext::new(
            ids.new_trace_id(),
            ids.new_span_id(),
            TraceFlags::SAMPLED,
            false,
            TraceState::default(),
        )
    };
    extracted.with_remote_span_context(child)
}

/// Kafka record headers for OpenTelemetry: the adapter every rdkafka user writes.
struct OtelRecord<'a>(&'a [(String, Vec<u8>)]);

impl OtelExtractor for OtelRecord<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        let (_, value) = self.0.iter().find(|(k, _)| k.eq_ignore_ascii_case(key))?;
        std::str::from_utf8(value).ok()
    }

    fn keys(&self) -> Vec<&str> {
        self.0.iter().map(|(k, _)| k.as_str()).collect()
    }
}

struct OtelRecordMut<'a>(&'a mut Vec<(String, Vec<u8>)>);

impl OtelInjector for OtelRecordMut<'_> {
    fn set(&mut self, key: &str, value: String) {
        self.0.retain(|(k, _)| !k.eq_ignore_ascii_case(key));
        self.0.push((key.to_owned(), value.into_bytes()));
    }
}

// --- the floor: a bare strict parse + format of one traceparent, nothing else ---

/// Eight lowercase hex digits as a `u32`, or `None`.
fn hex8(digits: &[u8]) -> Option<u32> {
    let x = u64::from_be_bytes(digits.try_into().ok()?);
    const ONES: u64 = 0x0101_0101_0101_0101;
    let digit = x.wrapping_add(0x50 * ONES) & !x.wrapping_add(0x46 * ONES);
    let lower = x.wrapping_add(0x1f * ONES) & !x.wrapping_add(0x19 * ONES);
    if (digit | lower) & !x & (0x80 * ONES) != 0x80 * ONES {
        return None;
    }
    let mut v = (x & (0x0f * ONES)) + ((x >> 6) & ONES) * 9;
    v = (v | v >> 4) & 0x00ff_00ff_00ff_00ff;
    v = (v | v >> 8) & 0x0000_ffff_0000_ffff;
    Some((v | v >> 16) as u32)
}

fn hex16(digits: &[u8]) -> Option<u64> {
    Some(u64::from(hex8(&digits[..8])?) << 32 | u64::from(hex8(&digits[8..])?))
}

/// `value` as 16 lowercase hex digits.
fn put_hex16(value: u64, out: &mut [u8]) {
    for (i, byte) in out.iter_mut().enumerate() {
        let nibble = (value >> (60 - 4 * i)) as u8 & 0x0f;
        *byte = b"0123456789abcdef"[usize::from(nibble)];
    }
}

fn next_id(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0xa076_1d64_78bd_642f);
    let wide = u128::from(*state) * u128::from(*state ^ 0xe703_7ed1_a0b4_28db);
    ((wide >> 64) as u64 ^ wide as u64) | 1
}

/// Validates a version-00 `traceparent` and formats a child's: what the `&str`
/// path must do at the least.
fn bare_child(value: &str, state: &mut u64) -> Option<String> {
    let s = value.as_bytes();
    if s.len() != 55 || &s[..3] != b"00-" || s[35] != b'-' || s[52] != b'-' {
        return None;
    }
    let (high, low, span) = (hex16(&s[3..19])?, hex16(&s[19..35])?, hex16(&s[36..52])?);
    let flags = hex8(&[b'0', b'0', b'0', b'0', b'0', b'0', s[53], s[54]])?;
    if high | low == 0 || span == 0 {
        return None;
    }
    let mut out = [b'-'; 55];
    out[..2].copy_from_slice(b"00");
    out[3..35].copy_from_slice(&s[3..35]);
    put_hex16(next_id(state), &mut out[36..52]);
    out[53] = b'0';
    out[54] = b"0123"[(flags & 3) as usize];
    // SAFETY: only ASCII hex digits and dashes were written (as tracewire does).
    Some(unsafe { String::from_utf8_unchecked(out.to_vec()) })
}

// --- the cases ---

type Run = Box<dyn FnMut()>;

struct Case {
    name: &'static str,
    tracewire: Run,
    other: Run,
}

/// Extract, start a child (or a new root), inject into a new carrier: both
/// sides over the same `HashMap` of the six other headers plus `extra`.
fn continue_and_inject(
    name: &'static str,
    extra: Vec<(&'static str, String)>,
    otel: impl TextMapPropagator + 'static,
) -> Case {
    let incoming = map(&extra);
    let theirs = incoming.clone();
    let ids = RandomIdGenerator::default();
    Case {
        name,
        tracewire: Box::new(move || {
            let ctx = tracewire::continue_trace(black_box(&incoming));
            let mut out = HashMap::new();
            ctx.inject(&mut out);
            black_box(out);
        }),
        other: Box::new(move || {
            let cx = otel_continue(&otel.extract(black_box(&theirs)), &ids);
            let mut out = HashMap::new();
            otel.inject_context(&cx, &mut out);
            black_box(out);
        }),
    }
}

fn with_baggage() -> TextMapCompositePropagator {
    TextMapCompositePropagator::new(vec![
        Box::new(TraceContextPropagator::new()),
        Box::new(BaggagePropagator::new()),
    ])
}

fn cases() -> Vec<Case> {
    let mut cases = vec![
        continue_and_inject(
            "hit",
            trace_headers(TRACESTATE),
            TraceContextPropagator::new(),
        ),
        continue_and_inject("miss", Vec::new(), TraceContextPropagator::new()),
    ];

    let incoming = map(&trace_headers(TRACESTATE));
    let theirs = incoming.clone();
    let otel = TraceContextPropagator::new();
    cases.push(Case {
        name: "extract only",
        tracewire: Box::new(move || {
            black_box(tracewire::extract(black_box(&incoming)));
        }),
        other: Box::new(move || {
            black_box(otel.extract(black_box(&theirs)));
        }),
    });

    let incoming = map(&[]);
    let theirs = incoming.clone();
    let otel = TraceContextPropagator::new();
    cases.push(Case {
        name: "extract only, no trace headers",
        tracewire: Box::new(move || {
            black_box(tracewire::extract(black_box(&incoming)));
        }),
        other: Box::new(move || {
            black_box(otel.extract(black_box(&theirs)));
        }),
    });

    let ours = tracewire::extract(&map(&trace_headers(TRACESTATE)))
        .unwrap()
        .child();
    let otel = TraceContextPropagator::new();
    let ids = RandomIdGenerator::default();
    let theirs = otel_continue(&otel.extract(&map(&trace_headers(TRACESTATE))), &ids);
    cases.push(Case {
        name: "inject only",
        tracewire: Box::new(move || {
            let mut out = HashMap::new();
            black_box(&ours).inject(&mut out);
            black_box(out);
        }),
        other: Box::new(move || {
            let mut out = HashMap::new();
            otel.inject_context(black_box(&theirs), &mut out);
            black_box(out);
        }),
    });

    cases.push(continue_and_inject(
        "32-member tracestate",
        trace_headers(&long_tracestate()),
        TraceContextPropagator::new(),
    ));

    let mut extra = trace_headers(TRACESTATE);
    extra.push(("baggage", kib_baggage()));
    cases.push(continue_and_inject("1 KiB baggage", extra, with_baggage()));

    let record: Vec<(String, Vec<u8>)> = OTHER
        .iter()
        .map(|&(k, v)| (k, v))
        .chain([("traceparent", TRACEPARENT), ("tracestate", TRACESTATE)])
        .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
        .collect();
    let theirs = record.clone();
    let otel = TraceContextPropagator::new();
    let ids = RandomIdGenerator::default();
    cases.push(Case {
        name: "Kafka byte headers",
        tracewire: Box::new(move || {
            let ctx = tracewire::continue_trace(black_box(&record));
            let mut out: Vec<(String, Vec<u8>)> = Vec::new();
            ctx.inject(&mut out);
            black_box(out);
        }),
        other: Box::new(move || {
            let cx = otel_continue(&otel.extract(&OtelRecord(black_box(&theirs))), &ids);
            let mut out: Vec<(String, Vec<u8>)> = Vec::new();
            otel.inject_context(&cx, &mut OtelRecordMut(&mut out));
            black_box(out);
        }),
    });
    cases
}

/// The borrowed path (`&str` in, a child's `traceparent` `String` out) against
/// the bare parse + format.
fn floor() -> Case {
    let mut state = 0x5eed_u64;
    let child = bare_child(TRACEPARENT, &mut state).unwrap();
    assert_eq!((&child[..36], &child[52..]), (&TRACEPARENT[..36], "-01"));
    Case {
        name: "str → child traceparent",
        tracewire: Box::new(|| {
            let carrier = [("traceparent", black_box(TRACEPARENT))];
            let ctx = Propagator::DEFAULT.extract(&carrier);
            black_box(ctx.map(|ctx| ctx.child().traceparent().as_str().to_owned()));
        }),
        other: Box::new(move || {
            black_box(bare_child(black_box(TRACEPARENT), &mut state));
        }),
    }
}

// --- the interleaved run ---

/// This thread's CPU time: on a shared machine, time spent descheduled is not
/// the code's.
#[cfg(unix)]
fn now() -> Duration {
    let mut time = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `time` is a valid out-pointer for the call.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut time) };
    Duration::new(time.tv_sec as u64, time.tv_nsec as u32)
}

#[cfg(not(unix))]
fn now() -> Duration {
    use std::time::Instant;
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    START.get_or_init(Instant::now).elapsed()
}

/// Iterations of `f` that take about `target`.
fn calibrate(f: &mut dyn FnMut(), target: Duration) -> u64 {
    let mut iterations = 1u64;
    loop {
        let start = now();
        for _ in 0..iterations {
            f();
        }
        let elapsed = now() - start;
        if elapsed >= target / 4 {
            let scale = target.as_secs_f64() / elapsed.as_secs_f64();
            return ((iterations as f64 * scale) as u64).max(1);
        }
        iterations *= 4;
    }
}

fn time(f: &mut dyn FnMut(), iterations: u64) -> f64 {
    let start = now();
    for _ in 0..iterations {
        f();
    }
    (now() - start).as_secs_f64() * 1e9 / iterations as f64
}

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

/// Median ns/op of both sides of every case over `rounds` rounds, each side of
/// each case timed once per round (which side goes first alternates).
fn interleaved(cases: &mut [Case], rounds: usize) -> Vec<(f64, f64)> {
    let batch = Duration::from_millis(4);
    let iterations: Vec<(u64, u64)> = cases
        .iter_mut()
        .map(|case| {
            (
                calibrate(&mut case.tracewire, batch),
                calibrate(&mut case.other, batch),
            )
        })
        .collect();
    let mut samples = vec![(Vec::new(), Vec::new()); cases.len()];
    for round in 0..rounds {
        for ((case, &(ours, theirs)), (mine, other)) in
            cases.iter_mut().zip(&iterations).zip(&mut samples)
        {
            if round % 2 == 0 {
                mine.push(time(&mut case.tracewire, ours));
                other.push(time(&mut case.other, theirs));
            } else {
                other.push(time(&mut case.other, theirs));
                mine.push(time(&mut case.tracewire, ours));
            }
        }
    }
    samples
        .into_iter()
        .map(|(mine, other)| (median(mine), median(other)))
        .collect()
}

fn table() {
    let rounds = std::env::var("TRACEWIRE_BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(41);
    let mut all = cases();
    all.push(floor());
    let results = interleaved(&mut all, rounds);
    let (floor, compared) = all.split_last_mut().unwrap();
    let (floor_result, results) = results.split_last().unwrap();

    println!(
        "\ntracewire vs opentelemetry_sdk 0.33 (Rust): CPU time per operation, medians of \
         {rounds} interleaved rounds\n"
    );
    println!(
        "| case | tracewire ns/op | allocs | OpenTelemetry ns/op | allocs | OTel ÷ tracewire |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    for (case, &(ours, theirs)) in compared.iter_mut().zip(results) {
        let (our_allocs, their_allocs) = (
            allocations(&mut case.tracewire),
            allocations(&mut case.other),
        );
        println!(
            "| {} | {ours:.0} | {our_allocs} | {theirs:.0} | {their_allocs} | {:.1}× |",
            case.name,
            theirs / ours
        );
    }
    let (ours, bare) = *floor_result;
    println!("\n| floor | tracewire ns/op | bare parse + format ns/op | tracewire ÷ bare |");
    println!("|---|---:|---:|---:|");
    println!(
        "| {} | {ours:.0} | {bare:.0} | {:.2}× |\n",
        floor.name,
        ours / bare
    );
}

fn main() {
    table();
    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();
    let mut all = cases();
    all.push(floor());
    for mut case in all {
        let mut group = criterion.benchmark_group(case.name);
        group.bench_function("tracewire", |b| b.iter(&mut case.tracewire));
        let other = if case.name.starts_with("str") {
            "bare parse + format"
        } else {
            "opentelemetry"
        };
        group.bench_function(other, |b| b.iter(&mut case.other));
        group.finish();
    }
    criterion.final_summary();
}
