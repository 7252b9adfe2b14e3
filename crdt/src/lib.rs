#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]

#[cfg(feature = "alloc")]
extern crate alloc;

mod error;
mod lattice;

#[cfg(feature = "alloc")]
mod dots;
#[cfg(feature = "alloc")]
mod gcounter;
#[cfg(feature = "alloc")]
mod lww;
#[cfg(feature = "alloc")]
mod mvreg;
#[cfg(feature = "alloc")]
mod orset;
#[cfg(feature = "alloc")]
mod pncounter;
#[cfg(feature = "alloc")]
mod replica;
#[cfg(feature = "alloc")]
mod sync;

pub use crate::error::{
    CounterError, DecodeError, DuplicateStamp, RemoveError, ReplicaError, StaleStamp,
};
pub use crate::lattice::{DeltaCrdt, Lattice};

/// Event ids and the error of minting one, re-exported from `ward-vclock` because this
/// crate's API returns them.
pub use ward_vclock::{Dot, VClockError};
/// Causal contexts and version vectors, re-exported from `ward-vclock` because this
/// crate's API returns them.
#[cfg(feature = "alloc")]
pub use ward_vclock::{DotContext, VClock};

#[cfg(feature = "alloc")]
pub use crate::gcounter::GCounter;
#[cfg(feature = "alloc")]
pub use crate::lww::LwwRegister;
#[cfg(feature = "alloc")]
pub use crate::mvreg::MvRegister;
#[cfg(feature = "alloc")]
pub use crate::orset::{Digest, Iter, OrSet};
#[cfg(feature = "alloc")]
pub use crate::pncounter::PnCounter;
#[cfg(feature = "alloc")]
pub use crate::replica::Replica;
#[cfg(feature = "alloc")]
pub use crate::sync::{AntiEntropy, DeltaInterval, SyncError};
