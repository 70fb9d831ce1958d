//! Extraction from a carrier without trace headers allocates nothing, and the
//! W3C path over caller buffers (`tracewire::w3c`) allocates nothing at all.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_during(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

#[test]
fn miss_and_hit_without_tracestate_allocate_nothing() {
    let miss: Vec<(&str, &str)> = vec![
        ("content-type", "application/json"),
        ("x-request-id", "abc"),
    ];
    let hit: Vec<(&str, &str)> = vec![
        (
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        ),
        ("content-type", "application/json"),
    ];
    assert!(tracewire::extract(&miss).is_none());
    assert_eq!(
        allocations_during(|| assert!(tracewire::extract(&miss).is_none())),
        0
    );
    assert_eq!(
        allocations_during(|| assert!(tracewire::extract(&hit).is_some())),
        0
    );
}

#[test]
fn the_w3c_path_allocates_nothing() {
    use tracewire::{host::Frame, w3c};

    let frame = Frame::encode([
        (
            "TraceParent",
            &b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"[..],
        ),
        ("tracestate", b"rojo=00f067aa0ba902b7 , congo=t61rcWkgMzE"),
        ("tracestate", b"bad key=1"),
    ]);
    let (mut record, mut out) = ([0; 256], vec![0; w3c::capacity(frame.len())]);
    let mut ids = w3c::Ids::from_seed(1);
    let mut lengths = [0; 5];
    let allocations = allocations_during(|| {
        let len = w3c::extract(&frame, &mut record).unwrap();
        lengths = [
            len,
            w3c::continue_trace(&frame, &mut ids, &mut out).unwrap(),
            w3c::diagnose(&frame, &mut out).unwrap(),
            w3c::new_root(&mut ids, &mut out).unwrap(),
            w3c::child(&record[..len], &mut ids, &mut out).unwrap(),
        ];
    });
    assert_eq!(allocations, 0);
    // Records without the tracestate (the second field has a bad key, so the
    // whole value is dropped), and the diagnostics saying so.
    let diagnostics =
        "tracecontext\ttracestate\tinvalid_tracestate_key\ntracecontext\ttraceparent\textracted\n";
    assert_eq!(lengths, [73, 73, diagnostics.len(), 73, 73]);
    assert_eq!(&out[55..71], b"00f067aa0ba902b7", "the child's parent");
}
