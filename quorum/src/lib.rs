// The README is the crate documentation. Its examples run the simulator, so without `std`
// (where they could not compile as doctests) a summary stands in for it.
#![cfg_attr(feature = "std", doc = include_str!("../README.md"))]
#![cfg_attr(
    not(feature = "std"),
    doc = "Quorum arithmetic and the closed forms of Probabilistically Bounded Staleness, in
`no_std` form: [`QuorumConfig`], [`majority`], [`FlexiblePaxos`], [`load`], [`pbs`] and
[`session`]; with `alloc` also weighted voting, availability, failure domains, commit
gating, consistency levels and quorum collectors.

This build leaves out the `std` feature, and with it the simulator and the crate's full
documentation, whose examples use both. Read that documentation on
[docs.rs](https://docs.rs/ward-quorum), or build it with the default features."
)]
#![cfg_attr(not(feature = "std"), no_std)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "alloc")]
extern crate alloc;

mod config;
pub mod load;
pub mod pbs;
pub mod session;
mod trace;

#[cfg(feature = "alloc")]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub mod availability;
#[cfg(feature = "alloc")]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub mod collector;
#[cfg(feature = "alloc")]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub mod domains;
#[cfg(feature = "alloc")]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub mod gate;
#[cfg(feature = "alloc")]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub mod levels;
#[cfg(feature = "alloc")]
mod weighted;

#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub mod delay;
#[cfg(feature = "std")]
mod fastmath;
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub mod tune;
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub mod wars;

pub use config::{ConfigError, FlexiblePaxos, QuorumConfig, majority};
#[cfg(feature = "alloc")]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub use weighted::{WeightedVoting, WeightedVotingError};
