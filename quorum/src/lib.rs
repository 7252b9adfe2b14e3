#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]

#[cfg(feature = "alloc")]
extern crate alloc;

mod config;
pub mod pbs;

#[cfg(feature = "alloc")]
pub mod availability;
#[cfg(feature = "alloc")]
pub mod collector;
#[cfg(feature = "alloc")]
pub mod levels;
#[cfg(feature = "alloc")]
mod weighted;

#[cfg(feature = "std")]
pub mod delay;
#[cfg(feature = "std")]
mod fastmath;
#[cfg(feature = "std")]
pub mod tune;
#[cfg(feature = "std")]
pub mod wars;

pub use config::{ConfigError, FlexiblePaxos, QuorumConfig, majority};
#[cfg(feature = "alloc")]
pub use weighted::{WeightedVoting, WeightedVotingError};
