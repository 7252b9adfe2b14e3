//! The atomics and locks behind every fence (`FenceGuard`, `Fenced`, `KeyedFence`,
//! `DurableFence`, `MemoryStore`), swapped for loom's under `--cfg ward_loom` so the models
//! in `tests/loom.rs` explore every interleaving.

#[cfg(ward_loom)]
pub(crate) use loom::sync::atomic::{AtomicU64, Ordering};

#[cfg(not(ward_loom))]
pub(crate) use core::sync::atomic::{AtomicU64, Ordering};

#[cfg(all(feature = "std", not(ward_loom)))]
pub(crate) use parking_lot::{Mutex, RwLock};

#[cfg(all(feature = "std", ward_loom))]
pub(crate) use self::loom_lock::{Mutex, RwLock};

/// Loom's `Mutex` and `RwLock` with parking_lot's non-poisoning signatures.
#[cfg(all(feature = "std", ward_loom))]
mod loom_lock {
    use loom::sync::{MutexGuard, RwLockReadGuard, RwLockWriteGuard};

    #[derive(Debug, Default)]
    pub(crate) struct Mutex<T>(loom::sync::Mutex<T>);

    impl<T> Mutex<T> {
        pub(crate) fn new(value: T) -> Self {
            Self(loom::sync::Mutex::new(value))
        }

        pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
            self.0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        }

        pub(crate) fn into_inner(self) -> T {
            self.0
                .into_inner()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        }
    }

    #[derive(Debug)]
    pub(crate) struct RwLock<T>(loom::sync::RwLock<T>);

    impl<T> RwLock<T> {
        pub(crate) fn new(value: T) -> Self {
            Self(loom::sync::RwLock::new(value))
        }

        pub(crate) fn read(&self) -> RwLockReadGuard<'_, T> {
            self.0
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        }

        pub(crate) fn write(&self) -> RwLockWriteGuard<'_, T> {
            self.0
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        }

        pub(crate) fn into_inner(self) -> T {
            self.0
                .into_inner()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        }
    }
}
