#![doc = include_str!("../README.md")]
//!
// The README links to items that a build without `std` or `alloc` lacks: there, the links
// point to the published documentation of the full crate instead.
#![cfg_attr(
    not(feature = "std"),
    doc = "[`MonotonicClock`]: https://docs.rs/ward-backoff/latest/ward_backoff/struct.MonotonicClock.html"
)]
#![cfg_attr(
    not(feature = "std"),
    doc = "[`Retrier::run`]: https://docs.rs/ward-backoff/latest/ward_backoff/struct.Retrier.html#method.run"
)]
#![cfg_attr(
    not(feature = "std"),
    doc = "[`SplitMix64::from_entropy`]: https://docs.rs/ward-backoff/latest/ward_backoff/struct.SplitMix64.html#method.from_entropy"
)]
#![cfg_attr(
    not(feature = "alloc"),
    doc = "[`breaker`]: https://docs.rs/ward-backoff/latest/ward_backoff/breaker/index.html"
)]
#![cfg_attr(
    not(feature = "alloc"),
    doc = "[`breaker::BreakerConfig`]: https://docs.rs/ward-backoff/latest/ward_backoff/breaker/struct.BreakerConfig.html"
)]
#![cfg_attr(
    not(feature = "alloc"),
    doc = "[`breaker::CallError::retry_action`]: https://docs.rs/ward-backoff/latest/ward_backoff/breaker/enum.CallError.html#method.retry_action"
)]
#![cfg_attr(
    not(feature = "alloc"),
    doc = "[`breaker::CircuitBreaker`]: https://docs.rs/ward-backoff/latest/ward_backoff/breaker/struct.CircuitBreaker.html"
)]
#![cfg_attr(
    not(feature = "alloc"),
    doc = "[`breaker::Metrics`]: https://docs.rs/ward-backoff/latest/ward_backoff/breaker/struct.Metrics.html"
)]
#![cfg_attr(
    not(feature = "alloc"),
    doc = "[`breaker::Outcome`]: https://docs.rs/ward-backoff/latest/ward_backoff/breaker/enum.Outcome.html"
)]
#![cfg_attr(
    not(feature = "alloc"),
    doc = "[`breaker::Permit`]: https://docs.rs/ward-backoff/latest/ward_backoff/breaker/struct.Permit.html"
)]
#![cfg_attr(
    not(feature = "alloc"),
    doc = "[`breaker::Rejected`]: https://docs.rs/ward-backoff/latest/ward_backoff/breaker/struct.Rejected.html"
)]
#![cfg_attr(
    not(feature = "alloc"),
    doc = "[`breaker::TransitionObserver`]: https://docs.rs/ward-backoff/latest/ward_backoff/breaker/trait.TransitionObserver.html"
)]
#![cfg_attr(
    not(feature = "alloc"),
    doc = "[`breaker::Event`]: https://docs.rs/ward-backoff/latest/ward_backoff/breaker/enum.Event.html"
)]
#![cfg_attr(
    not(feature = "alloc"),
    doc = "[`breaker::EventObserver`]: https://docs.rs/ward-backoff/latest/ward_backoff/breaker/struct.EventObserver.html"
)]
#![cfg_attr(
    not(feature = "alloc"),
    doc = "[`breaker::TransitionObserver::on_event`]: https://docs.rs/ward-backoff/latest/ward_backoff/breaker/trait.TransitionObserver.html#method.on_event"
)]
#![cfg_attr(
    not(feature = "std"),
    doc = "[`stampede`]: https://docs.rs/ward-backoff/latest/ward_backoff/stampede/index.html"
)]
#![cfg_attr(
    not(feature = "std"),
    doc = "[`stampede::EarlyExpiration`]: https://docs.rs/ward-backoff/latest/ward_backoff/stampede/struct.EarlyExpiration.html"
)]
#![cfg_attr(
    not(feature = "std"),
    doc = "[`stampede::Coalesce`]: https://docs.rs/ward-backoff/latest/ward_backoff/stampede/struct.Coalesce.html"
)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![cfg_attr(not(feature = "std"), no_std)]

#[cfg(feature = "alloc")]
extern crate alloc;

/// A `tracing` event under target `ward_backoff` with the `tracing` feature; nothing
/// without it.
macro_rules! event {
    ($level:ident, $($arg:tt)+) => {
        #[cfg(feature = "tracing")]
        tracing::$level!(target: "ward_backoff", $($arg)+);
    };
}

mod clock;
mod duration;
#[cfg(feature = "alloc")]
mod hedge;
mod policy;
mod retry;
mod rng;
mod strategy;
mod sync;
#[cfg(feature = "tower")]
mod tower_retry;

#[cfg(feature = "alloc")]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub mod breaker;
pub mod budget;
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub mod stampede;

#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub use clock::MonotonicClock;
#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
pub use clock::TokioClock;
pub use clock::{Clock, ManualClock};
pub use duration::{DurationParseError, parse_duration};
#[cfg(feature = "alloc")]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub use hedge::{Hedge, HedgeError};
pub use policy::{Decision, RetryPolicy, RetrySchedule, StopReason};
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub use retry::ThreadSleep;
pub use retry::{Action, Retrier, RetryError, Sleep};
pub use rng::{RandomSource, SplitMix64};
pub use strategy::{Backoff, ConfigError, Strategy, StrategyKind};
#[cfg(feature = "tower")]
#[cfg_attr(docsrs, doc(cfg(feature = "tower")))]
pub use tower_retry::TowerRetryPolicy;
