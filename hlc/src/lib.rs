#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]

#[cfg(feature = "alloc")]
extern crate alloc;

mod builder;
mod clock;
mod hlc;
mod jump;
#[cfg(feature = "std")]
mod options;
#[cfg(feature = "std")]
mod persist;
mod stamp;
#[cfg(feature = "std")]
mod store;
mod sync;
mod timestamp;

pub use crate::builder::{DEFAULT_MAX_DRIFT, HlcBuilder};
#[cfg(feature = "std")]
pub use crate::clock::{CoarseClock, SystemClock};
pub use crate::clock::{ManualClock, PhysicalClock};
pub use crate::hlc::{ClockError, Hlc, OverflowPolicy};
pub use crate::jump::{ClockJump, JumpDirection, JumpStats, JumpThresholds};
#[cfg(feature = "std")]
pub use crate::options::{DurableOptions, RestartPolicy};
#[cfg(feature = "std")]
pub use crate::persist::{DurableError, DurableHlc};
pub use crate::stamp::Stamp;
#[cfg(feature = "std")]
pub use crate::store::{BoundStore, FileBoundStore, StoreError};
pub use crate::timestamp::{
    LOGICAL_BITS, MAX_LOGICAL, MAX_PHYSICAL, PHYSICAL_BITS, ParseTimestampError, Timestamp,
    TimestampError,
};
