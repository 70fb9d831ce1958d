//! Ids never repeat across threads or processes, and their random bits look
//! random: 10 million span ids drawn on 4 threads are distinct, and so are 2
//! million new roots; every bit position, and every byte value of the trace id's
//! right-most 7 bytes, is as frequent as chance allows (bounds at 7 sigma: a
//! false alarm about once in 10^11 runs); a forked child draws ids of its own.

use std::thread;

use tracewire::{Context, Format, Propagator, SpanId};

const THREADS: usize = 4;
/// How far from the expected count a frequency may be, in standard deviations.
const SIGMAS: f64 = 7.0;

/// Draws `per_thread` values on each of [`THREADS`] threads.
fn draw<T: Send + 'static>(per_thread: usize, draw: fn() -> T) -> Vec<T> {
    let handles: Vec<_> = (0..THREADS)
        .map(|_| thread::spawn(move || (0..per_thread).map(|_| draw()).collect::<Vec<T>>()))
        .collect();
    let mut all = Vec::with_capacity(per_thread * THREADS);
    for handle in handles {
        all.extend(handle.join().unwrap());
    }
    all
}

/// How often each value of each byte position occurs.
struct Frequencies<const N: usize> {
    counts: Vec<[u64; 256]>,
    total: u64,
}

impl<const N: usize> Frequencies<N> {
    fn of(ids: impl IntoIterator<Item = [u8; N]>) -> Self {
        let mut counts = vec![[0u64; 256]; N];
        let mut total = 0;
        for id in ids {
            for (position, &byte) in id.iter().enumerate() {
                counts[position][usize::from(byte)] += 1;
            }
            total += 1;
        }
        Self { counts, total }
    }

    /// How many ids have bit `bit` (0 = most significant of byte 0) set.
    fn ones(&self, bit: usize) -> u64 {
        let mask = 0x80 >> (bit % 8);
        let values = self.counts[bit / 8].iter().enumerate();
        values
            .filter(|&(value, _)| value & mask != 0)
            .map(|(_, count)| count)
            .sum()
    }

    /// Monobit: the one-bits over all ids and positions are half of all bits;
    /// per position, each bit is set in half of the ids.
    fn check_bits(&self, what: &str) {
        let bits = 8 * N as u64;
        let ones: u64 = (0..8 * N).map(|bit| self.ones(bit)).sum();
        within(what, "one-bits in all", ones, bits * self.total, 0.5);
        for bit in 0..8 * N {
            within(
                what,
                &format!("bit {bit} set"),
                self.ones(bit),
                self.total,
                0.5,
            );
        }
    }

    /// Each of the 256 values of byte `position` in 1/256 of the ids.
    fn check_byte(&self, what: &str, position: usize) {
        for (value, &count) in self.counts[position].iter().enumerate() {
            let case = format!("byte {position} = {value:#04x}");
            within(what, &case, count, self.total, 1.0 / 256.0);
        }
    }
}

/// Asserts that `count` successes of `trials` with probability `p` each are
/// within [`SIGMAS`] standard deviations of the expectation.
fn within(what: &str, case: &str, count: u64, trials: u64, p: f64) {
    let expected = trials as f64 * p;
    let sigma = (trials as f64 * p * (1.0 - p)).sqrt();
    let distance = (count as f64 - expected).abs() / sigma;
    assert!(
        distance <= SIGMAS,
        "{what}: {case}: {count} of {trials}, {distance:.1} sigma from {expected}"
    );
}

fn span_id() -> u64 {
    u64::from_be_bytes(SpanId::random().to_bytes())
}

#[test]
#[cfg_attr(debug_assertions, ignore = "10 million ids: run with --release")]
fn ten_million_span_ids_on_four_threads_are_distinct_and_balanced() {
    let mut ids = draw(10_000_000 / THREADS, span_id);
    Frequencies::of(ids.iter().map(|id| id.to_be_bytes())).check_bits("span ids");
    ids.sort_unstable();
    let repeats = ids.windows(2).filter(|pair| pair[0] == pair[1]).count();
    assert_eq!(repeats, 0, "{repeats} repeated span ids in {}", ids.len());
    println!(
        "{} span ids drawn on {THREADS} threads, all distinct",
        ids.len()
    );
}

#[test]
fn new_roots_are_distinct_random_and_flagged() {
    let roots = draw(2_000_000 / THREADS, || {
        let root = Context::new_root();
        (root.trace_id().to_bytes(), root.flags().bits())
    });
    assert!(roots.iter().all(|&(_, flags)| flags == 0x03));
    let mut ids: Vec<[u8; 16]> = roots.iter().map(|&(id, _)| id).collect();
    let frequencies = Frequencies::of(ids.iter().copied());
    frequencies.check_bits("trace ids");
    // Level 2's random flag promises the right-most 7 bytes.
    for position in 9..16 {
        frequencies.check_byte("trace ids", position);
    }
    ids.sort_unstable();
    let repeats = ids.windows(2).filter(|pair| pair[0] == pair[1]).count();
    assert_eq!(repeats, 0, "{repeats} repeated trace ids in {}", ids.len());
    println!(
        "{} new roots drawn on {THREADS} threads, all distinct",
        ids.len()
    );
}

/// The random flag says the trace id is random: set for the traces started
/// here, kept as received from W3C, never made up for formats that cannot say.
#[test]
fn the_random_flag_is_only_set_for_random_trace_ids() {
    let root = Context::new_root();
    assert!(root.flags().is_random() && root.child().flags().is_random());
    let headers = |name: &str, value: &str| vec![(name.to_owned(), value.to_owned())];
    let cases = [
        (
            Format::TraceContext,
            headers(
                "traceparent",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03",
            ),
            true,
        ),
        (
            Format::TraceContext,
            headers(
                "traceparent",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            ),
            false,
        ),
        (
            Format::B3,
            headers("b3", "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1"),
            false,
        ),
        (
            Format::Jaeger,
            headers(
                "uber-trace-id",
                "4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b7:0:1",
            ),
            false,
        ),
        (
            Format::Xray,
            headers(
                "x-amzn-trace-id",
                "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
            ),
            false,
        ),
        (
            Format::Datadog,
            vec![
                (
                    "x-datadog-trace-id".to_owned(),
                    "1234567890123456789".to_owned(),
                ),
                ("x-datadog-parent-id".to_owned(), "987654321".to_owned()),
            ],
            false,
        ),
        // Nothing arrived: a new root, random.
        (Format::B3, Vec::new(), true),
    ];
    for (format, headers, random) in cases {
        let propagator = Propagator::builder().extract([format]).build();
        let span = propagator.continue_trace(&headers);
        assert_eq!(span.flags().is_random(), random, "{format}: {headers:?}");
    }
}

#[cfg(unix)]
mod fork {
    use super::span_id;

    const IDS: usize = 1000;

    /// Forks a child that draws [`IDS`] span ids and sends them back.
    fn child_ids() -> Vec<u64> {
        let mut fds = [0; 2];
        // SAFETY: `fds` has room for the two descriptors.
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        let [read, write] = fds;
        // Filled in the child, allocated before: a child of a threaded process
        // must not allocate (another thread may hold the allocator's lock).
        let mut bytes = [0u8; IDS * 8];
        // SAFETY: the child only draws ids, writes to a pipe and exits.
        match unsafe { libc::fork() } {
            -1 => panic!("fork failed"),
            0 => {
                for chunk in bytes.chunks_exact_mut(8) {
                    chunk.copy_from_slice(&span_id().to_be_bytes());
                }
                let mut sent = 0;
                while sent < bytes.len() {
                    // SAFETY: writes from a live buffer within its bounds.
                    let n = unsafe {
                        libc::write(write, bytes[sent..].as_ptr().cast(), bytes.len() - sent)
                    };
                    if n <= 0 {
                        // SAFETY: ends the child without unwinding into the test harness.
                        unsafe { libc::_exit(1) };
                    }
                    sent += n as usize;
                }
                // SAFETY: as above.
                unsafe { libc::_exit(0) }
            }
            child => {
                // SAFETY: closes the parent's copy of the write end, once.
                unsafe { libc::close(write) };
                let mut received = 0;
                while received < bytes.len() {
                    // SAFETY: reads into a live buffer within its bounds.
                    let n = unsafe {
                        libc::read(
                            read,
                            bytes[received..].as_mut_ptr().cast(),
                            bytes.len() - received,
                        )
                    };
                    assert!(n > 0, "the child sent {received} bytes");
                    received += n as usize;
                }
                let mut status = 0;
                // SAFETY: waits for the child just forked; closes the read end once.
                unsafe {
                    assert_eq!(libc::waitpid(child, &mut status, 0), child);
                    libc::close(read);
                }
                assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0);
                bytes
                    .chunks_exact(8)
                    .map(|chunk| u64::from_be_bytes(chunk.try_into().unwrap()))
                    .collect()
            }
        }
    }

    /// Without re-seeding, a child would draw exactly the parent's next ids.
    #[test]
    fn forked_children_draw_ids_of_their_own() {
        // This thread's generator is running, as in a service that forks workers.
        let _ = span_id();
        let first = child_ids();
        let second = child_ids();
        let parent: Vec<u64> = (0..IDS).map(|_| span_id()).collect();
        let mut all: Vec<u64> = [&first[..], &second, &parent].concat();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), 3 * IDS, "parent and children share ids");
        println!("{IDS} ids from each of two forked children and the parent, all distinct");
    }
}
