#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]

#[cfg(feature = "alloc")]
extern crate alloc;

mod builder;
mod clock;
mod hlc;
mod jump;
#[cfg(feature = "std")]
mod persist;
mod stamp;
mod sync;
mod timestamp;

pub use crate::builder::HlcBuilder;
#[cfg(feature = "std")]
pub use crate::clock::{CoarseClock, SystemClock};
pub use crate::clock::{ManualClock, PhysicalClock};
pub use crate::hlc::{ClockError, Hlc, OverflowPolicy};
pub use crate::jump::{ClockJump, JumpDirection, JumpStats, JumpThresholds};
#[cfg(feature = "std")]
pub use crate::persist::{BoundStore, DurableError, DurableHlc, FileBoundStore, StoreError};
pub use crate::stamp::Stamp;
pub use crate::timestamp::{
    LOGICAL_BITS, MAX_LOGICAL, MAX_PHYSICAL, PHYSICAL_BITS, ParseTimestampError, Timestamp,
    TimestampError,
};
