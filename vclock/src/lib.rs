#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]

#[cfg(feature = "alloc")]
extern crate alloc;

mod dot;
mod error;
mod range;

#[cfg(feature = "alloc")]
mod buffer;
#[cfg(feature = "alloc")]
mod context;
#[cfg(feature = "alloc")]
mod message;
#[cfg(feature = "alloc")]
mod vclock;

pub use crate::dot::Dot;
pub use crate::error::{DecodeError, VClockError};
pub use crate::range::{DotRange, RangeDots};

#[cfg(feature = "alloc")]
pub use crate::buffer::{CausalBuffer, Missing, Offered, PushError, Pushed, Ready, StampError};
#[cfg(feature = "alloc")]
pub use crate::context::{DotContext, Dots};
#[cfg(feature = "alloc")]
pub use crate::message::{Message, MessageError};
#[cfg(feature = "alloc")]
pub use crate::vclock::{IntoIter, Iter, VClock};
