//! Whatever arrives is processed with bounded memory in linear work: adversarial
//! values (runs of the characters the parsers split on, repeated keys, invalid
//! escapes, deep or wide JSON) up to 1 MiB in each header every format reads,
//! 10,000 repeats of each header, huge JSON bodies and environment variables.
//!
//! A counting allocator measures each operation (extract, diagnose, continue,
//! inject; with the header's own format and with all formats) on the test's
//! thread, a reallocation counting as a new allocation beside the old one. For an
//! input of `n` bytes in `k` headers:
//! - bytes allocated in total ≤ 4n + 256 × k + 64 KiB, and live at the peak ≤
//!   2n + 256 × k + 64 KiB: a context and its child, or a body written back, hold
//!   the input about twice at most; a header that repeats costs a reference kept
//!   until the formats have read it, in a growing list (JSON members are scanned,
//!   never kept: a body counts as one value);
//! - allocations ≤ 1,024 for one huge value, whatever its size (a full baggage,
//!   copied into a child and written back, takes about 500); ≤ 8 × k + 1,024 for
//!   many headers;
//! - the carrier is read in one pass (the environment in two: names, then values);
//! - work is linear: 16 times the input (64 KiB to 1 MiB values, 625 to 10,000
//!   repeats) costs at most 20 times the allocations, the bytes allocated and
//!   the bytes read.
//!
//! Debug builds use smaller inputs (4 to 64 KiB values, 160 to 2,560 repeats)
//! to stay fast; the sizes above are those of release builds. Time per MiB is
//! printed, not asserted:
//! `cargo test -p tracewire --all-features --release --test bounds -- --nocapture`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::{Cell, RefCell};
use std::time::Instant;

use tracewire::json::{self, JsonFields};
use tracewire::{env, Context, Extractor, Format, Propagator};

// ---------------------------------------------------------------------------
// Counting

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
    static ALLOCATED: Cell<u64> = const { Cell::new(0) };
    static LIVE: Cell<i64> = const { Cell::new(0) };
    static PEAK: Cell<i64> = const { Cell::new(0) };
}

fn allocated(size: usize) {
    ALLOCATIONS.with(|n| n.set(n.get() + 1));
    ALLOCATED.with(|n| n.set(n.get() + size as u64));
    moved(size as i64);
}

fn moved(delta: i64) {
    let live = LIVE.with(|n| {
        n.set(n.get() + delta);
        n.get()
    });
    PEAK.with(|p| p.set(p.get().max(live)));
}

// SAFETY: forwards to the system allocator; only counts, on the current thread.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        allocated(layout.size());
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        allocated(layout.size());
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // Counted as a new allocation beside the old one: the worst a copy costs.
        allocated(new_size);
        moved(-(layout.size() as i64));
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        moved(-(layout.size() as i64));
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// What an operation cost; for several, the most of each.
#[derive(Clone, Copy, Debug, Default)]
struct Cost {
    allocations: u64,
    /// Bytes allocated in total.
    bytes: u64,
    /// Live bytes at the peak, above those live before.
    peak: u64,
    /// Bytes of names and values the carrier handed out.
    read: u64,
    /// The propagator and operation that allocated the most bytes.
    worst: (&'static str, &'static str),
}

impl Cost {
    fn max(self, other: Cost) -> Cost {
        Cost {
            allocations: self.allocations.max(other.allocations),
            bytes: self.bytes.max(other.bytes),
            peak: self.peak.max(other.peak),
            read: self.read.max(other.read),
            worst: if other.bytes > self.bytes {
                other.worst
            } else {
                self.worst
            },
        }
    }
}

/// The cost of `op`, whose result is dropped inside the measurement.
fn cost<T>(op: impl FnOnce() -> T) -> Cost {
    let before = (
        ALLOCATIONS.with(Cell::get),
        ALLOCATED.with(Cell::get),
        LIVE.with(Cell::get),
    );
    PEAK.with(|p| p.set(before.2));
    drop(op());
    Cost {
        allocations: ALLOCATIONS.with(Cell::get) - before.0,
        bytes: ALLOCATED.with(Cell::get) - before.1,
        peak: (PEAK.with(Cell::get) - before.2) as u64,
        ..Cost::default()
    }
}

/// A carrier that counts the bytes it hands out.
struct Counted<E> {
    inner: E,
    read: Cell<u64>,
}

impl<E: Extractor> Extractor for Counted<E> {
    fn for_each_header<'a>(&'a self, visit: &mut dyn FnMut(&'a str, &'a [u8])) {
        self.inner.for_each_header(&mut |name, value| {
            self.read
                .set(self.read.get() + (name.len() + value.len()) as u64);
            visit(name, value);
        });
    }
}

impl<E> Counted<E> {
    fn new(inner: E) -> Self {
        Self {
            inner,
            read: Cell::new(0),
        }
    }

    /// The cost of `op` on this carrier, with the bytes it read.
    fn cost<T>(&self, op: impl FnOnce(&Self) -> T) -> Cost {
        self.read.set(0);
        let mut cost = cost(|| op(self));
        cost.read = self.read.get();
        cost
    }
}

// ---------------------------------------------------------------------------
// Inputs

type Headers = Vec<(String, Vec<u8>)>;

/// The size of one huge value, small and large.
const SIZES: [usize; 2] = if cfg!(debug_assertions) {
    [4 << 10, 64 << 10]
} else {
    [64 << 10, 1 << 20]
};

/// How many times each header repeats, few and many.
const REPEATS: [usize; 2] = if cfg!(debug_assertions) {
    [160, 2560]
} else {
    [625, 10_000]
};

const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const XRAY_ROOT: &str = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8";

/// Every header some format reads (`uberctx-` with a key), with the first
/// format that reads it.
fn fields() -> Vec<(&'static str, Format)> {
    let mut fields: Vec<(&'static str, Format)> = Vec::new();
    for format in Format::ALL {
        for field in format.fields() {
            let field = if field == "uberctx-*" {
                "uberctx-key"
            } else {
                field
            };
            if fields.iter().all(|(known, _)| *known != field) {
                fields.push((field, format));
            }
        }
    }
    fields
}

/// Adversarial values: `prefix`, then `unit` repeated.
const PATTERNS: &[(&str, &str, &str)] = &[
    ("commas", "", ","),
    ("equals signs", "", "="),
    ("spaces", "", " "),
    ("tabs and spaces", "", "\t "),
    ("percent signs", "", "%"),
    ("semicolons", "", ";"),
    ("colons and %3A", "", ":%3A"),
    ("dashes", "", "-"),
    ("hex digits", "", "a"),
    ("decimal digits", "", "1"),
    ("a repeated key", "", "a=1,"),
    ("a repeated key, spaced", "", " a = 1 ;p = v , "),
    ("distinct keys", "", "k=v,l=w,m=x,n=y,"),
    ("bad escapes", "", "a=%,"),
    ("bad properties", "", "a=1;=,"),
    ("bare words", "", "x,"),
    ("%-escapes", "k=", "%41"),
    ("one long token", "", "k"),
    ("valid, then junk", TRACEPARENT, "x"),
    (
        "valid, repeated",
        "",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01,",
    ),
    ("X-Ray fields", XRAY_ROOT, ";Lineage=a:1"),
    ("X-Ray bad fields", XRAY_ROOT, ";x=\u{1}"),
    ("Datadog tags", "", "_dd.p.a=1,"),
    ("two-byte UTF-8", "", "é"),
];

/// `prefix`, then `unit` repeated to `len` bytes.
fn value(prefix: &str, unit: &str, len: usize) -> Vec<u8> {
    let count = len.saturating_sub(prefix.len()) / unit.len();
    [prefix.as_bytes(), &unit.repeat(count).into_bytes()].concat()
}

/// A typical value of each field.
fn typical(name: &str) -> &'static str {
    match name {
        "traceparent" => TRACEPARENT,
        "tracestate" => "congo=t61rcWkgMzE",
        "baggage" => "user=alice",
        "b3" => "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1",
        "x-b3-traceid" => "80f198ee56343ba864fe8b2a57d3eff7",
        "x-b3-spanid" | "x-b3-parentspanid" => "e457b5a2e4d86bd1",
        "x-b3-sampled" | "x-b3-flags" => "1",
        "uber-trace-id" => "4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b7:0:1",
        "uberctx-key" => "value",
        "x-amzn-trace-id" => XRAY_ROOT,
        "x-datadog-trace-id" => "1234567890123456789",
        "x-datadog-parent-id" => "987654321",
        "x-datadog-sampling-priority" => "1",
        "x-datadog-origin" => "rum",
        _ => "_dd.p.dm=-4",
    }
}

/// `count` headers `name`: the typical value, or (`differ`) every other one
/// changed, so the repeated-header rules and merging run on each.
fn repeated(name: &str, count: usize, differ: bool) -> Headers {
    (0..count)
        .map(|i| {
            let value = match (differ && i % 2 == 1, name) {
                (false, _) => typical(name).to_owned(),
                (true, "tracestate" | "baggage") => format!("k{i}=v"),
                (true, "uberctx-key") => format!("value{i}"),
                (true, _) => format!("{}0", typical(name)),
            };
            (name.to_owned(), value.into_bytes())
        })
        .collect()
}

fn size(headers: &Headers) -> usize {
    headers.iter().map(|(n, v)| n.len() + v.len()).sum()
}

fn variables(headers: &Headers) -> Headers {
    headers
        .iter()
        .map(|(name, value)| (env::variable_name(name), value.clone()))
        .collect()
}

// ---------------------------------------------------------------------------
// Operations

fn all_formats() -> Propagator {
    Propagator::builder()
        .extract(Format::ALL)
        .inject(Format::ALL)
        .build()
}

/// The format of a header alone, and all formats.
fn propagators(format: Format) -> [(&'static str, Propagator); 2] {
    let alone = Propagator::builder()
        .extract([format])
        .inject([format])
        .build();
    [(format.name(), alone), ("all formats", all_formats())]
}

/// The most any operation cost on `headers`.
fn header_cost(format: Format, headers: &Headers) -> Cost {
    let carrier = Counted::new(headers);
    let mut worst = Cost::default();
    for (name, propagator) in propagators(format) {
        let context = propagator.continue_trace(&carrier);
        let costs = [
            ("extract", carrier.cost(|c| propagator.extract(c))),
            ("diagnose", carrier.cost(|c| propagator.diagnose(c))),
            ("continue", carrier.cost(|c| propagator.continue_trace(c))),
            (
                "inject",
                cost(|| {
                    let mut out: Vec<(String, String)> = Vec::new();
                    propagator.inject(&context, &mut out);
                    out
                }),
            ),
        ];
        for (op, cost) in costs {
            worst = worst.max(Cost {
                worst: (name, op),
                ..cost
            });
        }
    }
    worst
}

/// The same with the headers as environment variables.
fn env_cost(format: Format, vars: &Headers) -> Cost {
    let carrier = Counted::new(vars);
    let mut worst = Cost::default();
    for (name, propagator) in propagators(format) {
        let context = env::continue_trace(&propagator, &carrier);
        let costs = [
            ("extract", carrier.cost(|c| env::extract(&propagator, c))),
            ("diagnose", carrier.cost(|c| env::diagnose(&propagator, c))),
            (
                "continue",
                carrier.cost(|c| env::continue_trace(&propagator, c)),
            ),
            (
                "inject",
                cost(|| {
                    let mut out: Vec<(String, String)> = Vec::new();
                    env::inject(&propagator, &context, &mut out);
                    out
                }),
            ),
        ];
        for (op, cost) in costs {
            worst = worst.max(Cost {
                worst: (name, op),
                ..cost
            });
        }
    }
    worst
}

/// Seconds that `op` takes, the best of a few runs; none in debug builds.
fn seconds(mut op: impl FnMut()) -> f64 {
    if cfg!(debug_assertions) {
        return f64::NAN;
    }
    (0..5)
        .map(|_| {
            let start = Instant::now();
            op();
            start.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

// ---------------------------------------------------------------------------
// Checks

thread_local! {
    static FAILURES: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// Records a failed bound; every case still runs and prints its figures.
fn expect(ok: bool, failure: impl FnOnce() -> String) {
    if !ok {
        FAILURES.with(|f| f.borrow_mut().push(failure()));
    }
}

/// Fails with every bound that did not hold.
fn finish() {
    let failures = FAILURES.with(RefCell::take);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The bounds on one input of `input` bytes in `items` headers or members, read
/// in `passes`.
fn check(case: &str, input: usize, items: usize, passes: u64, cost: Cost) {
    let (n, k, slack) = (input as u64, items as u64, 64 << 10);
    expect(cost.bytes <= 4 * n + 256 * k + slack, || {
        format!("{case}: {} bytes allocated for {n} in {k}", cost.bytes)
    });
    expect(cost.peak <= 2 * n + 256 * k + slack, || {
        format!("{case}: {} bytes live for {n} in {k}", cost.peak)
    });
    let allocations = if items <= 1 { 1024 } else { 8 * k + 1024 };
    expect(cost.allocations <= allocations, || {
        format!("{case}: {} allocations for {n} in {k}", cost.allocations)
    });
    expect(cost.read <= passes * n, || {
        format!("{case}: {} bytes read of {n}", cost.read)
    });
}

/// 16 times the input, at most 20 times the cost.
fn check_linear(case: &str, small: Cost, large: Cost) {
    for (what, s, l) in [
        ("allocations", small.allocations, large.allocations),
        ("bytes allocated", small.bytes, large.bytes),
        ("bytes read", small.read, large.read),
    ] {
        expect(l <= 20 * s.max(1), || {
            format!("{case}: {what} grow from {s} to {l} for 16 times the input")
        });
    }
}

/// One line per case and size: the largest cost of any operation.
fn print(case: &str, input: usize, cost: Cost) {
    println!(
        "{case:<48} {input:>8} B: {:>6} allocations, {:>8} B allocated, {:>8} B peak ({} {})",
        cost.allocations, cost.bytes, cost.peak, cost.worst.0, cost.worst.1
    );
}

fn print_time(case: &str, small: (usize, f64), large: (usize, f64)) {
    if cfg!(debug_assertions) {
        return;
    }
    let per_mib = |(input, seconds): (usize, f64)| seconds * 1e3 * (1 << 20) as f64 / input as f64;
    println!(
        "{case:<48} {:>8.2} ms/MiB at {} KiB, {:>8.2} ms/MiB at {} KiB",
        per_mib(small),
        small.0 >> 10,
        per_mib(large),
        large.0 >> 10
    );
}

// ---------------------------------------------------------------------------
// Cases

#[test]
fn one_huge_value_in_any_header() {
    let all = all_formats();
    for &(pattern, prefix, unit) in PATTERNS {
        let mut timed = [(0, 0.0); 2];
        for (field, format) in fields() {
            let [small, large] = SIZES.map(|len| {
                let headers = vec![(field.to_owned(), value(prefix, unit, len))];
                let input = size(&headers);
                let cost = header_cost(format, &headers);
                check(&format!("{pattern} in {field}"), input, 1, 1, cost);
                let vars = variables(&headers);
                let env = env_cost(format, &vars);
                check(
                    &format!("{pattern} in {field} (env)"),
                    size(&vars),
                    1,
                    2,
                    env,
                );
                let time = seconds(|| drop(all.diagnose(&headers)));
                (input, cost.max(env), time)
            });
            check_linear(&format!("{pattern} in {field}"), small.1, large.1);
            print(&format!("{pattern} in {field}"), large.0, large.1);
            for (total, (input, _, time)) in timed.iter_mut().zip([small, large]) {
                *total = (total.0 + input, total.1 + time);
            }
        }
        print_time(&format!("{pattern}, every header"), timed[0], timed[1]);
    }
    finish();
}

#[test]
fn invalid_utf8_in_any_header() {
    for (field, format) in fields() {
        let [small, large] = SIZES.map(|len| {
            let headers = vec![(field.to_owned(), vec![0xff; len])];
            let cost = header_cost(format, &headers);
            check(
                &format!("invalid UTF-8 in {field}"),
                size(&headers),
                1,
                1,
                cost,
            );
            cost
        });
        check_linear(&format!("invalid UTF-8 in {field}"), small, large);
    }
    finish();
}

#[test]
fn ten_thousand_repeats_of_any_header() {
    let all = all_formats();
    for differ in [false, true] {
        let kind = if differ { "differing" } else { "the same" };
        let mut timed = [(0, 0.0); 2];
        for (field, format) in fields() {
            let case = format!("{field} ×{} ({kind})", REPEATS[1]);
            let [small, large] = REPEATS.map(|count| {
                let headers = repeated(field, count, differ);
                let input = size(&headers);
                let cost = header_cost(format, &headers);
                check(&case, input, count, 1, cost);
                let vars = variables(&headers);
                let env = env_cost(format, &vars);
                check(&format!("{case} (env)"), size(&vars), count, 2, env);
                let time = seconds(|| drop(all.diagnose(&headers)));
                (input, cost.max(env), time)
            });
            check_linear(&case, small.1, large.1);
            print(&case, large.0, large.1);
            for (total, (input, _, time)) in timed.iter_mut().zip([small, large]) {
                *total = (total.0 + input, total.1 + time);
            }
        }
        print_time(
            &format!("{} repeats ({kind}), every header", REPEATS[1]),
            timed[0],
            timed[1],
        );
    }
    finish();
}

/// A full Jaeger baggage, then one of its keys again and again: each repeat
/// replaces a member of a baggage at its limits.
#[test]
fn a_full_jaeger_baggage_updated_ten_thousand_times() {
    let case = format!("a full Jaeger baggage, updated ×{}", REPEATS[1]);
    let [small, large] = REPEATS.map(|count| {
        let mut headers: Headers = (0..63)
            .map(|i| (format!("uberctx-k{i}"), vec![b'v'; 120]))
            .collect();
        let updates =
            (0..count).map(|i| ("uberctx-k0".to_owned(), format!("{i:0>120}").into_bytes()));
        headers.extend(updates);
        let cost = header_cost(Format::Jaeger, &headers);
        check(&case, size(&headers), headers.len(), 1, cost);
        (size(&headers), cost)
    });
    check_linear(&case, small.1, large.1);
    print(&case, large.0, large.1);
    finish();
}

/// JSON bodies of about `len` bytes.
type Body = (&'static str, fn(usize) -> Vec<u8>);

fn bodies() -> [Body; 11] {
    fn object(member: &str, len: usize) -> Vec<u8> {
        let count = (len / (member.len() + 1)).max(1);
        format!("{{{}}}", vec![member; count].join(",")).into_bytes()
    }
    [
        ("deep arrays", |len| value("", "[", len)),
        ("deep objects", |len| value("", "{\"a\":", len)),
        ("128 levels, then wide", |len| {
            let inner = value("", "1,", len);
            let open = format!("{{\"a\":{}", "[".repeat(126));
            let close = format!("{}}}", "]".repeat(126));
            [open.as_bytes(), &inner[..inner.len() - 1], close.as_bytes()].concat()
        }),
        ("one long id string", |len| {
            format!("{{\"traceId\":\"{}\"}}", "a".repeat(len)).into_bytes()
        }),
        ("a string of escapes", |len| {
            format!("{{\"x\":\"{}\"}}", "\\u0041".repeat(len / 6)).into_bytes()
        }),
        ("one long number", |len| {
            format!("{{\"x\":{}}}", "1".repeat(len)).into_bytes()
        }),
        ("whitespace", |len| {
            format!("{{{}}}", " ".repeat(len)).into_bytes()
        }),
        ("many members", |len| object("\"a\":1", len)),
        ("many escaped names", |len| object("\"\\u0061\":1", len)),
        ("many traceId members", |len| {
            object("\"traceId\":\"00f067aa0ba902b7\"", len)
        }),
        ("many CloudEvent members", |len| {
            let member = format!("\"traceparent\":\"{TRACEPARENT}\",\"tracestate\":\"a=1\"");
            object(&member, len)
        }),
    ]
}

#[test]
fn huge_json_bodies() {
    let fields = JsonFields::default();
    let context = Context::new_root();
    for (name, build) in bodies() {
        let case = format!("{name} (JSON)");
        let [small, large] = SIZES.map(|len| {
            let body = build(len);
            let extract = cost(|| json::extract(&body, fields));
            let inject = cost(|| json::inject(&context, &body, fields));
            let cost = Cost {
                worst: ("json", "extract"),
                ..extract
            }
            .max(Cost {
                worst: ("json", "inject"),
                ..inject
            });
            // The members are scanned, never kept: bounded as one value.
            check(&case, body.len(), 1, 0, cost);
            let time = seconds(|| {
                drop(json::extract(&body, fields));
                drop(json::inject(&context, &body, fields));
            });
            (body.len(), cost, time)
        });
        check_linear(&case, small.1, large.1);
        print(&case, large.0, large.1);
        print_time(&case, (small.0, small.2), (large.0, large.2));
    }
    finish();
}

#[test]
fn a_huge_variable_name() {
    let all = all_formats();
    let [small, large] = SIZES.map(|len| {
        let vars = vec![
            (format!("UBERCTX_{}", "A".repeat(len)), b"value".to_vec()),
            ("TRACEPARENT".to_owned(), TRACEPARENT.as_bytes().to_vec()),
        ];
        let cost = env_cost(Format::Jaeger, &vars)
            .max(Counted::new(&vars).cost(|c| env::diagnose(&all, c)));
        check("a huge variable name", size(&vars), 1, 2, cost);
        (size(&vars), cost)
    });
    check_linear("a huge variable name", small.1, large.1);
    print("a huge variable name", large.0, large.1);
    finish();
}
