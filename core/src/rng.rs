//! Id generation: a per-thread generator seeded from the operating system.
//!
//! Each thread owns a wyrand state, so drawing an id takes no lock. A process that
//! `fork()`s copies that state into the child; a fork counter bumped by a
//! `pthread_atfork` handler makes the child re-seed before its first draw, so parent
//! and child never share a sequence.

use std::cell::Cell;

thread_local! {
    /// (generator state, fork generation it was seeded in); `None` until first use.
    static STATE: Cell<Option<(u64, u64)>> = const { Cell::new(None) };
}

/// Draws 64 random bits.
pub(crate) fn next_u64() -> u64 {
    STATE.with(|cell| {
        let generation = fork::generation();
        let mut state = match cell.get() {
            Some((state, seeded_in)) if seeded_in == generation => state,
            _ => seed(),
        };
        let value = wyrand(&mut state);
        cell.set(Some((state, generation)));
        value
    })
}

/// One step of wyrand: advances `state` and returns 64 random bits.
pub(crate) fn wyrand(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0xa076_1d64_78bd_642f);
    let wide = u128::from(*state) * u128::from(*state ^ 0xe703_7ed1_a0b4_28db);
    ((wide >> 64) as u64) ^ (wide as u64)
}

/// Draws a non-zero value of 64 random bits.
pub(crate) fn next_nonzero_u64() -> u64 {
    loop {
        let value = next_u64();
        if value != 0 {
            return value;
        }
    }
}

fn seed() -> u64 {
    fork::register();
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        // No OS entropy: std's hasher keys are the best remaining source.
        use std::hash::{BuildHasher, Hasher};
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_usize(&bytes as *const _ as usize);
        bytes = hasher.finish().to_le_bytes();
    }
    u64::from_le_bytes(bytes)
}

#[cfg(unix)]
mod fork {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Once;

    static GENERATION: AtomicU64 = AtomicU64::new(0);
    static REGISTER: Once = Once::new();

    extern "C" fn in_child() {
        GENERATION.fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn register() {
        REGISTER.call_once(|| {
            // SAFETY: `in_child` only touches an atomic, which is async-signal-safe.
            unsafe {
                libc::pthread_atfork(None, None, Some(in_child));
            }
        });
    }

    pub(super) fn generation() -> u64 {
        GENERATION.load(Ordering::Relaxed)
    }
}

#[cfg(not(unix))]
mod fork {
    pub(super) fn register() {}

    pub(super) fn generation() -> u64 {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn threads_draw_distinct_values() {
        let handles: Vec<_> = (0..4)
            .map(|_| std::thread::spawn(|| (0..50_000).map(|_| next_u64()).collect::<Vec<_>>()))
            .collect();
        let mut seen = HashSet::new();
        for handle in handles {
            for value in handle.join().unwrap() {
                assert!(seen.insert(value), "duplicate {value:x}");
            }
        }
    }

    #[test]
    fn bits_are_balanced() {
        let ones: u32 = (0..10_000).map(|_| next_u64().count_ones()).sum();
        let expected = 10_000 * 32;
        assert!(
            ones.abs_diff(expected) < 4_000,
            "{ones} one-bits of {}",
            expected * 2
        );
    }
}
