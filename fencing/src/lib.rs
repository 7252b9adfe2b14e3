#![doc = include_str!("../README.md")]
// Items that a build without `std` (or `alloc`, or off Linux) does not compile: the README's
// links to them point to the published documentation instead of dangling.
#![cfg_attr(
    not(feature = "std"),
    doc = "<!-- the std items, for builds without std -->
[`DurableFence`]: https://docs.rs/ward-fencing/latest/ward_fencing/struct.DurableFence.html
[`DurableFence::open`]: https://docs.rs/ward-fencing/latest/ward_fencing/struct.DurableFence.html#method.open
[`DurableFence::try_write`]: https://docs.rs/ward-fencing/latest/ward_fencing/struct.DurableFence.html#method.try_write
[`DurableFence::write`]: https://docs.rs/ward-fencing/latest/ward_fencing/struct.DurableFence.html#method.write
[`DurableFenceError`]: https://docs.rs/ward-fencing/latest/ward_fencing/enum.DurableFenceError.html
[`DurableKey`]: https://docs.rs/ward-fencing/latest/ward_fencing/trait.DurableKey.html
[`DurableKeyedError`]: https://docs.rs/ward-fencing/latest/ward_fencing/enum.DurableKeyedError.html
[`DurableKeyedFence`]: https://docs.rs/ward-fencing/latest/ward_fencing/struct.DurableKeyedFence.html
[`DurableKeyedFence::evict`]: https://docs.rs/ward-fencing/latest/ward_fencing/struct.DurableKeyedFence.html#method.evict
[`Fenced`]: https://docs.rs/ward-fencing/latest/ward_fencing/struct.Fenced.html
[`Fenced::with_mark`]: https://docs.rs/ward-fencing/latest/ward_fencing/struct.Fenced.html#method.with_mark
[`Fenced::write`]: https://docs.rs/ward-fencing/latest/ward_fencing/struct.Fenced.html#method.write
[`FileStore`]: https://docs.rs/ward-fencing/latest/ward_fencing/struct.FileStore.html
[`FileStore::create`]: https://docs.rs/ward-fencing/latest/ward_fencing/struct.FileStore.html#method.create
[`FileSystem`]: https://docs.rs/ward-fencing/latest/ward_fencing/trait.FileSystem.html
[`IoOp`]: https://docs.rs/ward-fencing/latest/ward_fencing/enum.IoOp.html
[`IssueError`]: https://docs.rs/ward-fencing/latest/ward_fencing/enum.IssueError.html
[`KeyedConfigError`]: https://docs.rs/ward-fencing/latest/ward_fencing/enum.KeyedConfigError.html
[`KeyedFence`]: https://docs.rs/ward-fencing/latest/ward_fencing/struct.KeyedFence.html
[`KeyedFence::bounded`]: https://docs.rs/ward-fencing/latest/ward_fencing/struct.KeyedFence.html#method.bounded
[`KeyedFence::evict`]: https://docs.rs/ward-fencing/latest/ward_fencing/struct.KeyedFence.html#method.evict
[`KeyedFence::marks`]: https://docs.rs/ward-fencing/latest/ward_fencing/struct.KeyedFence.html#method.marks
[`KeyedFence::max_floor`]: https://docs.rs/ward-fencing/latest/ward_fencing/struct.KeyedFence.html#method.max_floor
[`KeyedFence::raise_floor`]: https://docs.rs/ward-fencing/latest/ward_fencing/struct.KeyedFence.html#method.raise_floor
[`MarkStore`]: https://docs.rs/ward-fencing/latest/ward_fencing/trait.MarkStore.html
[`MemoryStore`]: https://docs.rs/ward-fencing/latest/ward_fencing/struct.MemoryStore.html
[`ShardCountError`]: https://docs.rs/ward-fencing/latest/ward_fencing/struct.ShardCountError.html
[`StdFileSystem`]: https://docs.rs/ward-fencing/latest/ward_fencing/struct.StdFileSystem.html
[`StoreError`]: https://docs.rs/ward-fencing/latest/ward_fencing/enum.StoreError.html
[`StoreError::Locked`]: https://docs.rs/ward-fencing/latest/ward_fencing/enum.StoreError.html#variant.Locked
[`StoreError::Regressed`]: https://docs.rs/ward-fencing/latest/ward_fencing/enum.StoreError.html#variant.Regressed
[`StoreError::ReservedName`]: https://docs.rs/ward-fencing/latest/ward_fencing/enum.StoreError.html#variant.ReservedName
[`SystemClock`]: https://docs.rs/ward-fencing/latest/ward_fencing/struct.SystemClock.html
[`TokenIssuer`]: https://docs.rs/ward-fencing/latest/ward_fencing/struct.TokenIssuer.html
"
)]
#![cfg_attr(
    not(feature = "alloc"),
    doc = "<!-- the alloc items, for builds without alloc -->
[`ReplicaConfigError`]: https://docs.rs/ward-fencing/latest/ward_fencing/enum.ReplicaConfigError.html
[`ReplicaFencing`]: https://docs.rs/ward-fencing/latest/ward_fencing/struct.ReplicaFencing.html
[`UnknownReplica`]: https://docs.rs/ward-fencing/latest/ward_fencing/struct.UnknownReplica.html
"
)]
#![cfg_attr(
    not(all(feature = "std", any(target_os = "linux", target_os = "android"))),
    doc = "[`BootClock`]: https://docs.rs/ward-fencing/latest/ward_fencing/struct.BootClock.html"
)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![cfg_attr(not(feature = "std"), no_std)]

#[cfg(feature = "alloc")]
extern crate alloc;

mod guard;
mod lease;
mod sync;
mod token;
mod trace;

#[cfg(feature = "std")]
mod durable;
#[cfg(feature = "std")]
mod durable_keyed;
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

#[cfg(feature = "etcd")]
mod etcd;
#[cfg(any(feature = "etcd", feature = "zookeeper"))]
mod holder;
#[cfg(feature = "zookeeper")]
mod zookeeper;

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
pub use durable_keyed::{DurableKey, DurableKeyedError, DurableKeyedFence};
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

#[cfg(feature = "etcd")]
#[cfg_attr(docsrs, doc(cfg(feature = "etcd")))]
pub use etcd::{EtcdElection, EtcdLock};
#[cfg(any(feature = "etcd", feature = "zookeeper"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "etcd", feature = "zookeeper"))))]
pub use holder::{CoordinationError, LockHolder};
#[cfg(feature = "zookeeper")]
#[cfg_attr(docsrs, doc(cfg(feature = "zookeeper")))]
pub use zookeeper::ZooKeeperElection;

/// The etcd client (a 0.x crate) whose `Client` [`EtcdLock`] and [`EtcdElection`] take,
/// re-exported so that its version is the one this crate was built with.
#[cfg(feature = "etcd")]
#[cfg_attr(docsrs, doc(cfg(feature = "etcd")))]
pub use etcd_client;
/// The ZooKeeper client (a 0.x crate) whose `Client` [`ZooKeeperElection`] takes,
/// re-exported so that its version is the one this crate was built with.
#[cfg(feature = "zookeeper")]
#[cfg_attr(docsrs, doc(cfg(feature = "zookeeper")))]
pub use zookeeper_client;
