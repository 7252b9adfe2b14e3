#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]

#[cfg(feature = "alloc")]
extern crate alloc;

mod clock;
mod policy;
mod retry;
mod rng;
mod strategy;
mod sync;
#[cfg(feature = "tower")]
mod tower_retry;

#[cfg(feature = "alloc")]
pub mod breaker;
pub mod budget;

#[cfg(feature = "std")]
pub use clock::MonotonicClock;
#[cfg(feature = "tokio")]
pub use clock::TokioClock;
pub use clock::{Clock, ManualClock};
pub use policy::{Decision, RetryPolicy, RetrySchedule, StopReason};
#[cfg(feature = "std")]
pub use retry::ThreadSleep;
pub use retry::{Action, Retrier, RetryError, Sleep};
pub use rng::{RandomSource, SplitMix64};
pub use strategy::{Backoff, ConfigError, Strategy, StrategyKind};
#[cfg(feature = "tower")]
pub use tower_retry::TowerRetryPolicy;
