//! The one in-order parallel helper: jobs run on the rayon pool, their results are placed on
//! the submitting thread in the order the jobs were submitted.
//!
//! Both streaming paths use it: the streaming engine ([`ordered_jobs`], items pulled from a
//! reading thread) and the audit of an account iterator (chunks pushed by the loop that reads
//! them). At most `in_flight` jobs are out (running, or done and waiting for an earlier one),
//! so memory stays at a few blocks whatever the input's length, and placing in order makes
//! the outcome independent of the thread count.
//!
//! The placing thread blocks while it waits for a job. When it is itself a worker of the pool
//! (as in an audit run inside `par_iter`), another worker must be free to run the jobs: with
//! one thread, callers work in place instead (see `formats::blocks::pool_blocks`). A job that
//! panics is caught and its panic resumed on the placing thread when its turn comes, so a
//! panic ends the call instead of leaving the placing thread waiting.

use std::collections::BTreeMap;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::mpsc::{channel, sync_channel, Receiver, Sender};

use crate::error::{Error, Result};

/// Jobs spawned on a rayon scope, results placed in submission order.
pub(crate) struct InOrder<'a, 'scope, R> {
    scope: &'a rayon::Scope<'scope>,
    tx: Sender<(u64, std::thread::Result<R>)>,
    rx: Receiver<(u64, std::thread::Result<R>)>,
    submitted: u64,
    placed: u64,
    pending: BTreeMap<u64, std::thread::Result<R>>,
    in_flight: u64,
}

impl<'a, 'scope, R: Send + 'scope> InOrder<'a, 'scope, R> {
    /// At most `in_flight` (at least 1) jobs out at once on `scope`.
    pub(crate) fn new(scope: &'a rayon::Scope<'scope>, in_flight: usize) -> Self {
        let (tx, rx) = channel();
        InOrder {
            scope,
            tx,
            rx,
            submitted: 0,
            placed: 0,
            pending: BTreeMap::new(),
            in_flight: in_flight.max(1) as u64,
        }
    }

    /// Places results, in order, until fewer than `in_flight` jobs are out.
    ///
    /// # Errors
    /// The first error of `place` (nothing after it is placed).
    pub(crate) fn make_room(&mut self, place: &mut impl FnMut(R) -> Result<()>) -> Result<()> {
        while self.submitted - self.placed >= self.in_flight {
            self.wait_one();
            self.place_ready(place)?;
        }
        Ok(())
    }

    /// Starts `job` on the pool. Call [`InOrder::make_room`] first to keep the bound.
    pub(crate) fn spawn(&mut self, job: impl FnOnce() -> R + Send + 'scope) {
        let seq = self.submitted;
        self.submitted += 1;
        let tx = self.tx.clone();
        self.scope.spawn(move |_| {
            // The receiver is gone only when placing already failed.
            let _ = tx.send((seq, catch_unwind(AssertUnwindSafe(job))));
        });
    }

    /// [`InOrder::make_room`], [`InOrder::spawn`], then places whatever is ready without
    /// waiting.
    ///
    /// # Errors
    /// The first error of `place`.
    pub(crate) fn submit(
        &mut self,
        job: impl FnOnce() -> R + Send + 'scope,
        place: &mut impl FnMut(R) -> Result<()>,
    ) -> Result<()> {
        self.make_room(place)?;
        self.spawn(job);
        self.place_ready(place)
    }

    /// Places every finished result that is next in order, without waiting.
    ///
    /// # Errors
    /// The first error of `place`.
    ///
    /// # Panics
    /// With the panic of a job whose turn has come.
    pub(crate) fn place_ready(&mut self, place: &mut impl FnMut(R) -> Result<()>) -> Result<()> {
        while let Ok((seq, result)) = self.rx.try_recv() {
            self.pending.insert(seq, result);
        }
        while let Some(result) = self.pending.remove(&self.placed) {
            self.placed += 1;
            match result {
                Ok(result) => place(result)?,
                Err(panic) => resume_unwind(panic),
            }
        }
        Ok(())
    }

    /// Waits for every job and places the rest.
    ///
    /// # Errors
    /// The first error of `place`.
    pub(crate) fn drain(&mut self, place: &mut impl FnMut(R) -> Result<()>) -> Result<()> {
        self.place_ready(place)?;
        while self.placed < self.submitted {
            self.wait_one();
            self.place_ready(place)?;
        }
        Ok(())
    }

    fn wait_one(&mut self) {
        // Every job sends its result, a caught panic included, and `self.tx` keeps the
        // channel open: `recv` returns.
        let (seq, result) = self
            .rx
            .recv()
            .expect("the channel is open while self holds tx");
        self.pending.insert(seq, result);
    }
}

/// Runs `job` on every item `next` gives, as jobs on the rayon pool (at most `in_flight` at
/// once), and hands the results to `place` in the order of the items, on this thread. `next`
/// runs on a reading thread of its own, so reading overlaps the jobs and the placing; an I/O
/// error from it is returned once the items before it are placed. `place` need not be `Send`.
///
/// # Errors
/// The first error of `place` (no item after it is placed), else the I/O error of `next`.
pub(crate) fn ordered_jobs<I, R, N, J, P>(
    in_flight: usize,
    origin: &str,
    mut next: N,
    job: J,
    mut place: P,
) -> Result<()>
where
    I: Send,
    R: Send,
    N: FnMut() -> Option<std::io::Result<I>> + Send,
    J: Fn(I) -> R + Sync,
    P: FnMut(R) -> Result<()>,
{
    let in_flight = in_flight.max(1);
    std::thread::scope(|threads| {
        let (item_tx, item_rx) = sync_channel(in_flight);
        threads.spawn(move || {
            while let Some(item) = next() {
                let stop = item.is_err();
                // The receiver is gone only when placing failed.
                if item_tx.send(item).is_err() || stop {
                    return;
                }
            }
        });
        let job = &job;
        rayon::in_place_scope(|scope| -> Result<()> {
            let mut jobs = InOrder::new(scope, in_flight);
            let mut fatal = None;
            for item in item_rx.iter() {
                match item {
                    Ok(item) => jobs.submit(move || job(item), &mut place)?,
                    Err(err) => {
                        fatal = Some(Error::Io {
                            origin: origin.to_string(),
                            err,
                        });
                        break;
                    }
                }
            }
            jobs.drain(&mut place)?;
            fatal.map_or(Ok(()), Err)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn pool(threads: usize) -> rayon::ThreadPool {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
    }

    /// Later items finish first (they sleep less), yet are placed in item order, and never
    /// more than `in_flight` jobs are out (started and not yet placed), with more pool
    /// threads than that free to run them.
    #[test]
    fn results_are_placed_in_item_order_with_a_bounded_number_out() {
        for (threads, in_flight) in [(2, 1), (4, 2), (4, 3)] {
            let started = AtomicUsize::new(0);
            let placed_count = AtomicUsize::new(0);
            let most_out = AtomicUsize::new(0);
            let mut items = (0..40u64).map(Ok);
            let mut placed = Vec::new();
            pool(threads)
                .install(|| {
                    ordered_jobs(
                        in_flight,
                        "test",
                        || items.next(),
                        |i: u64| {
                            let now = started.fetch_add(1, Ordering::SeqCst) + 1
                                - placed_count.load(Ordering::SeqCst);
                            most_out.fetch_max(now, Ordering::SeqCst);
                            std::thread::sleep(std::time::Duration::from_micros(200 * (40 - i)));
                            i * 10
                        },
                        |r| {
                            placed.push(r);
                            placed_count.fetch_add(1, Ordering::SeqCst);
                            Ok(())
                        },
                    )
                })
                .unwrap();
            assert_eq!(placed, (0..40).map(|i| i * 10).collect::<Vec<_>>());
            let most = most_out.load(Ordering::SeqCst);
            assert!(most <= in_flight, "{threads} threads: {most} out");
        }
    }

    /// A job's panic comes out of the call on the placing thread, after the items before
    /// it are placed, instead of leaving the placing thread waiting.
    #[test]
    fn a_panicking_job_ends_the_call_with_its_panic() {
        let mut items = (0..10u64).map(Ok);
        let mut placed = Vec::new();
        let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| {
            pool(2).install(|| {
                ordered_jobs(
                    2,
                    "test",
                    || items.next(),
                    |i: u64| {
                        assert!(i != 5, "job 5 fails");
                        i
                    },
                    |r| {
                        placed.push(r);
                        Ok(())
                    },
                )
            })
        }));
        let panic = outcome.unwrap_err();
        assert_eq!(panic.downcast_ref::<&str>(), Some(&"job 5 fails"));
        assert_eq!(placed, vec![0, 1, 2, 3, 4]);
    }

    /// An I/O error from the reader comes back after the items before it are placed; a
    /// placing error stops placing at once.
    #[test]
    fn errors_stop_where_they_happen() {
        let mut items = (0..10u64).map(|i| {
            if i == 6 {
                Err(std::io::Error::other("disk gone"))
            } else {
                Ok(i)
            }
        });
        let mut placed = Vec::new();
        let e = pool(2)
            .install(|| {
                ordered_jobs(
                    2,
                    "in.csv",
                    || items.next(),
                    |i: u64| i,
                    |r| {
                        placed.push(r);
                        Ok(())
                    },
                )
            })
            .unwrap_err();
        assert_eq!(placed, vec![0, 1, 2, 3, 4, 5]);
        assert!(
            matches!(e, Error::Io { ref origin, .. } if origin == "in.csv"),
            "{e}"
        );

        let mut items = (0..10u64).map(Ok);
        let mut placed = Vec::new();
        let e = pool(2)
            .install(|| {
                ordered_jobs(
                    2,
                    "in.csv",
                    || items.next(),
                    |i: u64| i,
                    |r| {
                        if r == 4 {
                            return Err(Error::InvalidData("bad record".into()));
                        }
                        placed.push(r);
                        Ok(())
                    },
                )
            })
            .unwrap_err();
        assert_eq!(placed, vec![0, 1, 2, 3]);
        assert!(e.to_string().contains("bad record"), "{e}");
    }
}
