//! Extraction from a carrier without trace headers allocates nothing.

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
