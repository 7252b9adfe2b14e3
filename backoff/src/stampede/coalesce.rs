//! Request coalescing: one computation per key at a time, its result shared.

use core::fmt;
use core::hash::Hash;
use std::collections::HashMap;
use std::sync::PoisonError;

use crate::sync::{Condvar, Mutex, SharedArc};

/// What a computation in flight has come to.
enum Slot<V, E> {
    Running,
    Done(Result<V, E>),
    /// The leader panicked or was dropped before finishing: a waiter takes over.
    Abandoned,
}

/// One computation in flight, shared by its leader and its waiters.
struct Flight<V, E> {
    slot: Mutex<Slot<V, E>>,
    done: Condvar,
    #[cfg(feature = "tokio")]
    notify: tokio::sync::Notify,
}

/// Request coalescing ("single flight"): for each key, one caller (the leader) computes
/// and every caller that asks for the same key meanwhile waits for that result instead of
/// computing it again.
///
/// - **Results.** Every waiter receives a clone of the leader's result, success or
///   failure: a failure reaches every waiter, and none of them calls the backend again.
///   The key is free again as soon as the result is in (nothing is cached here: put
///   the value in your cache before returning it).
/// - **A leader that goes away.** If the leader's computation panics (sync) or its future
///   is dropped (async), the computation is marked abandoned, the key freed and the
///   waiters woken: one of them becomes the new leader and runs its own computation,
///   the others wait for it. No waiter is left hanging and none sees a result that was
///   never produced.
/// - **Forms.** [`Coalesce::run`] blocks on a condition variable; `Coalesce::run_async`
///   (`tokio` feature) awaits a tokio `Notify`. Both can share one `Coalesce`.
///
/// # Examples
///
/// ```
/// use std::sync::atomic::{AtomicU32, Ordering};
/// use ward_backoff::stampede::Coalesce;
/// let flights: Coalesce<&str, String, String> = Coalesce::new();
/// let backend_calls = AtomicU32::new(0);
/// std::thread::scope(|s| {
///     for _ in 0..8 {
///         s.spawn(|| {
///             let v = flights.run("user:7", || {
///                 backend_calls.fetch_add(1, Ordering::Relaxed);
///                 std::thread::sleep(std::time::Duration::from_millis(50));
///                 Ok("Ada".to_string())
///             });
///             assert_eq!(v.as_deref(), Ok("Ada"));
///         });
///     }
/// });
/// // Usually 1; more only if a thread arrived after an earlier flight had finished.
/// assert!(backend_calls.load(Ordering::Relaxed) >= 1);
/// assert_eq!(flights.in_flight(), 0);
/// ```
pub struct Coalesce<K, V, E> {
    flights: Mutex<HashMap<K, SharedArc<Flight<V, E>>>>,
}

enum Role<V, E> {
    Leader(SharedArc<Flight<V, E>>),
    Waiter(SharedArc<Flight<V, E>>),
}

impl<K, V, E> fmt::Debug for Coalesce<K, V, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Coalesce").finish_non_exhaustive()
    }
}

impl<K: Eq + Hash + Clone, V: Clone, E: Clone> Default for Coalesce<K, V, E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: Eq + Hash + Clone, V: Clone, E: Clone> Coalesce<K, V, E> {
    /// Nothing in flight.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_backoff::stampede::Coalesce;
    /// let c: Coalesce<u64, u64, ()> = Coalesce::new();
    /// assert_eq!(c.in_flight(), 0);
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self {
            flights: Mutex::new(HashMap::new()),
        }
    }

    /// Keys being computed now.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_backoff::stampede::Coalesce;
    /// let c: Coalesce<u64, u64, ()> = Coalesce::new();
    /// assert_eq!(c.run(1, || { Ok(2) }), Ok(2));
    /// assert_eq!(c.in_flight(), 0); // freed once the result is in
    /// ```
    pub fn in_flight(&self) -> usize {
        self.flights
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Leads the computation of `key`, or joins the one in flight.
    fn join(&self, key: &K) -> Role<V, E> {
        let mut flights = self.flights.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(flight) = flights.get(key) {
            return Role::Waiter(SharedArc::clone(flight));
        }
        let flight = SharedArc::new(Flight {
            slot: Mutex::new(Slot::Running),
            done: Condvar::new(),
            #[cfg(feature = "tokio")]
            notify: tokio::sync::Notify::new(),
        });
        flights.insert(key.clone(), SharedArc::clone(&flight));
        Role::Leader(flight)
    }

    /// Computes `key` with `compute` unless a computation of it is in flight, in which case
    /// this waits for that one's result. Blocks the thread while waiting.
    ///
    /// # Errors
    ///
    /// The computation's error (the leader's, cloned to every waiter).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_backoff::stampede::Coalesce;
    /// let c: Coalesce<&str, u32, &str> = Coalesce::new();
    /// assert_eq!(c.run("k", || Err("backend down")), Err("backend down"));
    /// assert_eq!(c.run("k", || Ok(3)), Ok(3)); // a new flight: the key was freed
    /// ```
    pub fn run(&self, key: K, compute: impl FnOnce() -> Result<V, E>) -> Result<V, E> {
        let flight = loop {
            match self.join(&key) {
                Role::Leader(flight) => break flight,
                Role::Waiter(flight) => {
                    if let Some(result) = wait(&flight) {
                        return result;
                    }
                    // The leader went away: try to lead.
                }
            }
        };
        let lead = Lead {
            owner: self,
            key: &key,
            flight: &flight,
            finished: false,
        };
        let result = compute();
        lead.finish(result.clone());
        result
    }

    /// As [`Coalesce::run`], awaiting instead of blocking. If this call leads and its
    /// future is dropped before `compute` finishes, a waiter takes over.
    ///
    /// # Errors
    ///
    /// As [`Coalesce::run`].
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_backoff::stampede::Coalesce;
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let c: Coalesce<&str, u32, ()> = Coalesce::new();
    /// let (a, b) = tokio::join!(
    ///     c.run_async("k", || async { tokio::task::yield_now().await; Ok(1) }),
    ///     c.run_async("k", || async { Ok(2) }), // joins the first: never runs
    /// );
    /// assert_eq!((a, b), (Ok(1), Ok(1)));
    /// # });
    /// ```
    #[cfg(feature = "tokio")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
    pub async fn run_async<F, Fut>(&self, key: K, compute: F) -> Result<V, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, E>>,
    {
        let flight = loop {
            match self.join(&key) {
                Role::Leader(flight) => break flight,
                Role::Waiter(flight) => {
                    if let Some(result) = wait_async(&flight).await {
                        return result;
                    }
                }
            }
        };
        let lead = Lead {
            owner: self,
            key: &key,
            flight: &flight,
            finished: false,
        };
        let result = compute().await;
        lead.finish(result.clone());
        result
    }
}

/// Waits for the flight's result; `None` if its leader went away.
fn wait<V: Clone, E: Clone>(flight: &Flight<V, E>) -> Option<Result<V, E>> {
    let mut slot = flight.slot.lock().unwrap_or_else(PoisonError::into_inner);
    loop {
        match &*slot {
            Slot::Running => {
                slot = flight
                    .done
                    .wait(slot)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            Slot::Done(result) => return Some(result.clone()),
            Slot::Abandoned => return None,
        }
    }
}

#[cfg(feature = "tokio")]
async fn wait_async<V: Clone, E: Clone>(flight: &Flight<V, E>) -> Option<Result<V, E>> {
    loop {
        // Registered before the slot is read, so a result published in between still
        // wakes this waiter.
        let notified = flight.notify.notified();
        let mut notified = core::pin::pin!(notified);
        notified.as_mut().enable();
        match &*flight.slot.lock().unwrap_or_else(PoisonError::into_inner) {
            Slot::Running => {}
            Slot::Done(result) => return Some(result.clone()),
            Slot::Abandoned => return None,
        }
        notified.await;
    }
}

/// The leader's duty: publish a result, or mark the flight abandoned if dropped first.
struct Lead<'a, K: Eq + Hash, V, E> {
    owner: &'a Coalesce<K, V, E>,
    key: &'a K,
    flight: &'a SharedArc<Flight<V, E>>,
    finished: bool,
}

impl<K: Eq + Hash, V, E> Lead<'_, K, V, E> {
    fn finish(mut self, result: Result<V, E>) {
        self.settle(Slot::Done(result));
        self.finished = true;
    }

    /// Frees the key (if it is still this flight's), then publishes and wakes everyone.
    fn settle(&self, end: Slot<V, E>) {
        {
            let mut flights = self
                .owner
                .flights
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if flights
                .get(self.key)
                .is_some_and(|f| SharedArc::ptr_eq(f, self.flight))
            {
                flights.remove(self.key);
            }
        }
        *self
            .flight
            .slot
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = end;
        self.flight.done.notify_all();
        #[cfg(feature = "tokio")]
        self.flight.notify.notify_waiters();
    }
}

impl<K: Eq + Hash, V, E> Drop for Lead<'_, K, V, E> {
    fn drop(&mut self) {
        if !self.finished {
            self.settle(Slot::Abandoned);
        }
    }
}
