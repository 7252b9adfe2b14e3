//! Atomics (and the durable clock's mutex), swapped for loom's model-checked ones under
//! `--cfg ward_loom`.

#[cfg(ward_loom)]
pub(crate) use loom::sync::atomic::{AtomicU64, Ordering};

#[cfg(not(ward_loom))]
pub(crate) use core::sync::atomic::{AtomicU64, Ordering};

#[cfg(all(feature = "std", ward_loom))]
pub(crate) use loom::sync::Mutex;

#[cfg(all(feature = "std", not(ward_loom)))]
pub(crate) use std::sync::Mutex;
