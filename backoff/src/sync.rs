//! Atomics used by the shared state machines, swapped for loom's under `cfg(ward_loom)`,
//! and the small spin lock of the breaker's time-based window.

#[cfg(ward_loom)]
#[cfg_attr(not(feature = "alloc"), allow(unused_imports))]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};

#[cfg(not(ward_loom))]
#[cfg_attr(not(feature = "alloc"), allow(unused_imports))]
pub(crate) use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};

/// A test-and-test-and-set lock that guards a group of atomics so they change together.
///
/// It holds no data: every field it protects is itself an atomic, so no unsafe code is
/// needed; the lock only makes a group of relaxed updates indivisible for other holders.
/// Critical sections are a few loads and stores. Waiters spin, and with `std` yield the
/// thread after a short while so a preempted holder can finish.
#[cfg(feature = "alloc")]
#[derive(Debug)]
pub(crate) struct SpinLock {
    locked: AtomicBool,
}

#[cfg(feature = "alloc")]
impl SpinLock {
    pub(crate) fn new() -> Self {
        Self {
            locked: AtomicBool::new(false),
        }
    }

    /// Waits for the lock; it is released when the guard is dropped.
    #[inline]
    pub(crate) fn lock(&self) -> SpinGuard<'_> {
        let mut spins = 0u32;
        loop {
            if !self.locked.load(Ordering::Relaxed)
                && self
                    .locked
                    .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
                    .is_ok()
            {
                return SpinGuard { lock: self };
            }
            spins = spins.saturating_add(1);
            relax(spins);
        }
    }
}

#[cfg(feature = "alloc")]
#[inline]
fn relax(spins: u32) {
    #[cfg(ward_loom)]
    {
        let _ = spins;
        loom::thread::yield_now();
    }
    #[cfg(all(not(ward_loom), feature = "std"))]
    {
        if spins > 64 {
            std::thread::yield_now();
        } else {
            core::hint::spin_loop();
        }
    }
    #[cfg(all(not(ward_loom), not(feature = "std")))]
    {
        let _ = spins;
        core::hint::spin_loop();
    }
}

/// Holds a [`SpinLock`] until dropped.
#[cfg(feature = "alloc")]
#[derive(Debug)]
pub(crate) struct SpinGuard<'a> {
    lock: &'a SpinLock,
}

#[cfg(feature = "alloc")]
impl Drop for SpinGuard<'_> {
    #[inline]
    fn drop(&mut self) {
        self.lock.locked.store(false, Ordering::Release);
    }
}

// The request-coalescing state: loom's lock, condition variable and `Arc` in the models.
#[cfg(all(feature = "std", ward_loom))]
pub(crate) use loom::sync::{Arc as SharedArc, Condvar, Mutex};
#[cfg(all(feature = "std", not(ward_loom)))]
pub(crate) use std::sync::{Arc as SharedArc, Condvar, Mutex};
