//! The largest input a run tried, printed when the fuzzer exits, for the
//! reliability figures (libFuzzer reports executions, not input sizes).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Once;

static LARGEST: AtomicUsize = AtomicUsize::new(0);
static REGISTER: Once = Once::new();

/// Records that an input of `len` bytes was tried.
pub fn track(len: usize) {
    REGISTER.call_once(|| {
        // SAFETY: `report` only reads an atomic and writes to stderr.
        unsafe {
            libc::atexit(report);
        }
    });
    LARGEST.fetch_max(len, Ordering::Relaxed);
}

extern "C" fn report() {
    eprintln!("#largest_input {}", LARGEST.load(Ordering::Relaxed));
}
