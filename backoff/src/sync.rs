//! Atomics used by the shared state machines, swapped for loom's under `cfg(ward_loom)`.

#[cfg(ward_loom)]
pub(crate) use loom::sync::atomic::{AtomicU32, AtomicU64, Ordering};

#[cfg(not(ward_loom))]
pub(crate) use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};
