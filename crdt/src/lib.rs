#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]
#![cfg_attr(docsrs, feature(doc_cfg))]
// Without `alloc` only the traits and errors exist, so the README's and their docs'
// links to the CRDT types cannot resolve; every other build (docs.rs builds with all
// features) checks them.
#![cfg_attr(not(feature = "alloc"), allow(rustdoc::broken_intra_doc_links))]

#[cfg(feature = "alloc")]
extern crate alloc;

mod error;
mod lattice;

#[cfg(feature = "alloc")]
mod binary;
#[cfg(feature = "alloc")]
mod dots;
#[cfg(feature = "alloc")]
mod gcounter;
#[cfg(feature = "alloc")]
mod lww;
#[cfg(feature = "alloc")]
mod mvreg;
#[cfg(feature = "alloc")]
mod ormap;
#[cfg(feature = "alloc")]
mod orset;
#[cfg(feature = "alloc")]
mod pncounter;
#[cfg(feature = "alloc")]
mod replica;
#[cfg(feature = "alloc")]
mod sync;
#[cfg(feature = "alloc")]
mod trace;

pub use crate::error::{
    CounterError, DecodeError, DuplicateStamp, RemoveError, ReplicaError, StaleStamp,
};
pub use crate::lattice::{DeltaCrdt, Lattice};

/// Event ids, runs of them (a context's cloud) and the error of minting one, re-exported
/// from `ward-vclock` because this crate's API returns them.
pub use ward_vclock::{Dot, DotRange, VClockError};
/// Causal contexts and version vectors, re-exported from `ward-vclock` because this
/// crate's API returns them.
#[cfg(feature = "alloc")]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub use ward_vclock::{DotContext, VClock};

#[cfg(feature = "alloc")]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub use crate::binary::{BINARY_VERSION, Binary, from_bytes, to_bytes};
#[cfg(feature = "alloc")]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub use crate::gcounter::GCounter;
#[cfg(feature = "alloc")]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub use crate::lww::LwwRegister;
#[cfg(feature = "alloc")]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub use crate::mvreg::MvRegister;
#[cfg(feature = "alloc")]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub use crate::ormap::{MapDigest, Nested, OrMap};
#[cfg(feature = "alloc")]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub use crate::orset::{Digest, Iter, OrSet};
#[cfg(feature = "alloc")]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub use crate::pncounter::PnCounter;
#[cfg(feature = "alloc")]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub use crate::replica::Replica;
#[cfg(feature = "alloc")]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub use crate::sync::{AntiEntropy, DeltaInterval, SyncError};
