#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]

#[cfg(feature = "alloc")]
extern crate alloc;

mod guard;
mod lease;
mod sync;
mod token;

#[cfg(feature = "std")]
mod durable;
#[cfg(feature = "std")]
mod fenced;
#[cfg(feature = "std")]
mod format;
#[cfg(feature = "std")]
mod fs;
#[cfg(feature = "std")]
mod issuer;
#[cfg(feature = "std")]
mod keyed;
#[cfg(feature = "alloc")]
mod replica;
#[cfg(feature = "std")]
mod store;
#[cfg(feature = "std")]
mod table;

pub use guard::{Admission, FenceGuard, StaleToken};
#[cfg(all(feature = "std", any(target_os = "linux", target_os = "android")))]
pub use lease::BootClock;
#[cfg(feature = "std")]
pub use lease::SystemClock;
pub use lease::{
    Lease, LeaseError, LeaseRequest, ManualClock, MonotonicClock, Renewal, drift_margin,
};
pub use token::{FencingToken, TokenError};

#[cfg(feature = "std")]
pub use durable::{DurableFence, DurableFenceError};
#[cfg(feature = "std")]
pub use fenced::Fenced;
#[cfg(feature = "std")]
pub use fs::{FileSystem, StdFileSystem};
#[cfg(feature = "std")]
pub use issuer::{IssueError, TokenIssuer};
#[cfg(feature = "std")]
pub use keyed::{KeyedConfigError, KeyedFence, ShardCountError};
#[cfg(feature = "alloc")]
pub use replica::{ReplicaConfigError, ReplicaFencing, UnknownReplica};
#[cfg(feature = "std")]
pub use store::{FileStore, IoOp, MarkStore, MemoryStore, StoreError};
