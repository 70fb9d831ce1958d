//! The W3C-only WebAssembly module of `tracewire-wasm` (`tracewire-wasm/w3c`):
//! the core's allocation-free W3C Trace Context path ([`tracewire::w3c`]) behind
//! plain exports over linear memory, with no wasm-bindgen, no allocator and no
//! panic messages, so that the module stays a few kilobytes.
//!
//! The JS entry writes its input at the start of [`buffer`]'s region and calls one
//! export; the answer is written right after the input. Each export returns the
//! answer's length (0: no context), or -1 if it did not fit (which [`buffer`]'s
//! sizing rules out). Ids come from a generator of the core, seeded on first use
//! through the module's one import, `crypto.getRandomValues`.
// Only a WebAssembly build has linear memory to export (on other targets: empty).
#![cfg(target_arch = "wasm32")]
#![forbid(unsafe_op_in_unsafe_fn)]

use std::cell::Cell;

use tracewire::w3c::{self, Ids};

#[link(wasm_import_module = "tracewire")]
extern "C" {
    /// Fills `len` bytes at `at` with `crypto.getRandomValues`.
    fn random(at: *mut u8, len: usize);
}

/// The state of this instance.
struct Instance {
    ids: Cell<Option<Ids>>,
    /// Where the region of [`buffer`] starts (0 until first asked for) and its size.
    region: Cell<(usize, usize)>,
}

// SAFETY: wasm32-unknown-unknown without the atomics feature runs one thread.
unsafe impl Sync for Instance {}

static INSTANCE: Instance = Instance {
    ids: Cell::new(None),
    region: Cell::new((0, 0)),
};

const PAGE: usize = 65_536;

/// The start of a region for `len` bytes of input and the longest answer to it,
/// growing memory when needed. Everything past the memory the module started
/// with is this region's: the module allocates nothing else. Null if memory
/// cannot grow.
#[no_mangle]
pub extern "C" fn buffer(len: usize) -> *mut u8 {
    let (mut start, size) = INSTANCE.region.get();
    if start == 0 {
        start = core::arch::wasm32::memory_size(0) * PAGE;
    }
    let wanted = len.saturating_add(w3c::capacity(len));
    if wanted > size {
        let end = core::arch::wasm32::memory_size(0) * PAGE;
        let missing = (start + wanted).saturating_sub(end);
        if core::arch::wasm32::memory_grow(0, missing.div_ceil(PAGE)) == usize::MAX {
            return core::ptr::null_mut();
        }
        INSTANCE.region.set((start, wanted));
    } else {
        INSTANCE.region.set((start, size));
    }
    start as *mut u8
}

/// The input (its first `len` bytes) and the room after it for the answer.
fn region(len: usize) -> (&'static [u8], &'static mut [u8]) {
    let (start, size) = INSTANCE.region.get();
    if start == 0 {
        return (&[], &mut []);
    }
    let len = len.min(size);
    // SAFETY: `buffer` grew memory to hold `size` bytes from `start`, which
    // nothing else uses, and the JS entry reads it only between calls.
    let all = unsafe { core::slice::from_raw_parts_mut(start as *mut u8, size) };
    let (input, output) = all.split_at_mut(len);
    (input, output)
}

/// Runs `op` with the instance's generator, seeding it on first use.
fn with_ids(op: impl FnOnce(&mut Ids) -> Result<usize, tracewire::Code>) -> isize {
    let mut ids = INSTANCE.ids.get().unwrap_or_else(|| {
        let mut seed = [0u8; 8];
        // SAFETY: the import writes exactly the 8 bytes it is given.
        unsafe { random(seed.as_mut_ptr(), seed.len()) };
        Ids::from_seed(u64::from_le_bytes(seed))
    });
    let answer = op(&mut ids);
    INSTANCE.ids.set(Some(ids));
    length(answer)
}

fn length(answer: Result<usize, tracewire::Code>) -> isize {
    answer.map_or(-1, |len| len as isize)
}

/// The record of the context in the frame of `len` bytes (`tracewire::host::Frame`).
#[no_mangle]
pub extern "C" fn extract(len: usize) -> isize {
    let (frame, out) = region(len);
    length(w3c::extract(frame, out))
}

/// The record of a child of the context in the frame, or of a new root.
#[no_mangle]
pub extern "C" fn continue_trace(len: usize) -> isize {
    let (frame, out) = region(len);
    with_ids(|ids| w3c::continue_trace(frame, ids, out))
}

/// The diagnostic lines for the frame.
#[no_mangle]
pub extern "C" fn diagnose(len: usize) -> isize {
    let (frame, out) = region(len);
    length(w3c::diagnose(frame, out))
}

/// The record of a new trace.
#[no_mangle]
pub extern "C" fn new_root() -> isize {
    let (_, out) = region(0);
    with_ids(|ids| w3c::new_root(ids, out))
}

/// The record of a child of the record of `len` bytes.
#[no_mangle]
pub extern "C" fn child(len: usize) -> isize {
    let (record, out) = region(len);
    with_ids(|ids| w3c::child(record, ids, out))
}
