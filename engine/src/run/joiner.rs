//! Ordered, bounded concurrency for Map iterations and Parallel branches without spawning:
//! at most `limit` futures are in flight, polled in index order, and results come back in
//! index order. Polling order is fixed, so runs without real I/O are deterministic; tasks
//! awaiting I/O or timers still overlap.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

pub(crate) type Boxed<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Runs `make(i)` for `i in 0..n` with at most `limit()` (0 = unlimited) in flight, asked
/// before each start (a Map Run's `maxConcurrency` can change while it runs). When `stop_on`
/// returns true for a finished result, no further futures are started and the remaining
/// in-flight ones are dropped (cancelled).
pub(crate) async fn run_bounded<'a, T, F>(
    n: usize,
    limit: impl Fn() -> usize,
    mut make: F,
    stop_on: impl Fn(&T) -> bool,
) -> Vec<Option<T>>
where
    F: FnMut(usize) -> Boxed<'a, T>,
    T: 'a,
{
    let limit = || match limit() {
        0 => n.max(1),
        l => l,
    };
    let mut results: Vec<Option<T>> = (0..n).map(|_| None).collect();
    let mut running: Vec<(usize, Boxed<'a, T>)> = Vec::new();
    let mut next = 0usize;
    let mut stopped = false;
    loop {
        // Start what the limit allows, in index order, polling each once right away: most
        // iterations never wait and finish here, without ever joining the running set.
        std::future::poll_fn(|cx: &mut Context<'_>| {
            while !stopped && running.len() < limit() && next < n {
                let mut fut = make(next);
                match fut.as_mut().poll(cx) {
                    Poll::Ready(v) => {
                        if stop_on(&v) {
                            stopped = true;
                        }
                        if let Some(slot) = results.get_mut(next) {
                            *slot = Some(v);
                        }
                    }
                    Poll::Pending => running.push((next, fut)),
                }
                next = next.saturating_add(1);
            }
            Poll::Ready(())
        })
        .await;
        if running.is_empty() {
            if stopped || next >= n {
                break;
            }
            continue;
        }
        let done = std::future::poll_fn(|cx: &mut Context<'_>| {
            let mut finished = Vec::new();
            for (k, (_, fut)) in running.iter_mut().enumerate() {
                if let Poll::Ready(v) = fut.as_mut().poll(cx) {
                    finished.push((k, v));
                    // Finish one at a time in index order so later iterations start in the
                    // same order Step Functions schedules them.
                    break;
                }
            }
            if finished.is_empty() {
                Poll::Pending
            } else {
                Poll::Ready(finished)
            }
        })
        .await;
        for (k, v) in done.into_iter().rev() {
            if k < running.len() {
                let (idx, _) = running.remove(k);
                if stop_on(&v) {
                    stopped = true;
                }
                if let Some(slot) = results.get_mut(idx) {
                    *slot = Some(v);
                }
            }
        }
        if stopped {
            running.clear();
        }
    }
    results
}
