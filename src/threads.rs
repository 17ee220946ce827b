//! Threads with the stack OpenBLAS needs.
//!
//! OpenBLAS's LAPACK routines keep large buffers on the stack; on Rust's default 2 MiB
//! spawned-thread stacks they have crashed intermittently. Every thread mechpert runs work on
//! gets [`STACK_BYTES`] instead, whatever `RUST_MIN_STACK` says: the global rayon pool
//! ([`init_global`], called by [`crate::run::run`]), explicit pools ([`pool`], for commands
//! that size their own), and the tokio runtime of the agents ([`runtime`], workers and
//! blocking threads alike).
//!
//! ```
//! let pool = mechpert::threads::pool(2).unwrap();
//! let sum: u64 = pool.install(|| {
//!     use rayon::prelude::*;
//!     (1..=100u64).into_par_iter().sum()
//! });
//! assert_eq!(sum, 5050);
//! ```

/// Stack size of every worker thread: 64 MiB, what a main thread gets on most systems (the
/// memory is reserved, not committed, until used).
pub const STACK_BYTES: usize = 64 << 20;

unsafe extern "C" {
    // OpenBLAS's own setter (libopenblas, linked through ndarray-linalg's `openblas-system`).
    fn openblas_set_num_threads(num_threads: std::ffi::c_int);
}

/// Makes OpenBLAS compute on the calling thread only. mechpert already runs draws, jobs and
/// folds in parallel on rayon; OpenBLAS's own threads on top of those spin for work
/// (`sched_yield`: 2.4× the wall time of one evaluate on a loaded 2-core machine) and make
/// ridge's last digits depend on how many of them there are, i.e. on the machine's core count
/// or `OPENBLAS_NUM_THREADS`. With one, results do not depend on any thread count.
pub fn single_threaded_blas() {
    // SAFETY: a plain setter taking an int, safe to call at any time from any thread.
    unsafe { openblas_set_num_threads(1) }
}

/// A rayon pool of `n_threads` workers (0: one per core, or `RAYON_NUM_THREADS`) with
/// [`STACK_BYTES`] stacks.
pub fn pool(n_threads: usize) -> Result<rayon::ThreadPool, rayon::ThreadPoolBuildError> {
    builder(n_threads).build()
}

/// Makes the global rayon pool (what `par_iter` uses outside [`pool`]) one with
/// [`STACK_BYTES`] stacks. A second call, or a call after the global pool started, changes
/// nothing; returns whether this call set it.
pub fn init_global() -> bool {
    builder(0).build_global().is_ok()
}

fn builder(n_threads: usize) -> rayon::ThreadPoolBuilder {
    rayon::ThreadPoolBuilder::new()
        .num_threads(n_threads)
        .stack_size(STACK_BYTES)
        .thread_name(|i| format!("mechpert-{i}"))
}

/// A multi-threaded tokio runtime (timers and I/O on) whose workers and blocking threads have
/// [`STACK_BYTES`] stacks.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(STACK_BYTES)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rayon::prelude::*;

    /// Touches a 16 MiB stack frame: a 2 MiB stack overflows (and aborts the test binary).
    fn deep() -> u8 {
        let frame = std::hint::black_box([1u8; 16 << 20]);
        frame[frame.len() - 1]
    }

    #[test]
    fn pool_and_global_threads_have_the_big_stack() {
        let pool = pool(2).unwrap();
        let got: Vec<u8> = pool.install(|| (0..4).into_par_iter().map(|_| deep()).collect());
        assert_eq!(got, vec![1; 4]);
        if !init_global() {
            // Another test started the global pool first; its stacks are not ours to check.
            return;
        }
        let (tx, rx) = std::sync::mpsc::channel();
        rayon::spawn(move || tx.send(deep()).unwrap());
        assert_eq!(rx.recv().unwrap(), 1);
    }

    #[test]
    fn runtime_workers_and_blocking_threads_have_the_big_stack() {
        let rt = runtime().unwrap();
        let worker = rt.block_on(async { tokio::spawn(async { deep() }).await.unwrap() });
        let blocking = rt.block_on(async { tokio::task::spawn_blocking(deep).await.unwrap() });
        assert_eq!((worker, blocking), (1, 1));
    }
}
