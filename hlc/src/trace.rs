//! Events for operators, emitted through `tracing` when the `tracing` feature is on:
//! clock jumps, refused remote timestamps, failed bound refreshes and failed error
//! bound sources. Every event is on a path that is already unusual (a jump, an error),
//! never on the common path of an event. Without the feature these functions are empty
//! and inlined away: nothing is compiled in.
//!
//! Every event has the target `ward_hlc`; subscribers filter on it.

use core::time::Duration;

use crate::interval::BoundError;
use crate::jump::{ClockJump, JumpDirection};

/// The jump watch saw the physical clock move by more than a threshold.
#[inline(always)]
pub(crate) fn clock_jumped(jump: &ClockJump) {
    #[cfg(feature = "tracing")]
    {
        let direction = match jump.direction {
            JumpDirection::Backward => "backward",
            JumpDirection::Forward => "forward",
        };
        tracing::warn!(
            target: "ward_hlc",
            direction,
            from_micros = jump.from_micros,
            to_micros = jump.to_micros,
            amount = ?jump.amount(),
            "physical clock jumped"
        );
    }
    #[cfg(not(feature = "tracing"))]
    let _ = (jump, JumpDirection::Forward);
}

/// A remote timestamp was refused: its physical part is ahead of the local clock by
/// more than the maximum drift.
#[inline(always)]
pub(crate) fn drift_rejected(
    remote_micros: u64,
    local_micros: u64,
    drift: Duration,
    max: Duration,
) {
    #[cfg(feature = "tracing")]
    tracing::warn!(
        target: "ward_hlc",
        remote_micros,
        local_micros,
        drift = ?drift,
        max = ?max,
        "remote timestamp refused: ahead by more than the maximum drift"
    );
    #[cfg(not(feature = "tracing"))]
    let _ = (remote_micros, local_micros, drift, max);
}

/// Storing a new persisted bound failed. `early` is a refresh ahead of need (retried
/// when the bound is reached); otherwise the event that needed it fails.
#[cfg(feature = "std")]
#[inline(always)]
pub(crate) fn bound_refresh_failed(error: &crate::store::StoreError, wanted: u64, early: bool) {
    #[cfg(feature = "tracing")]
    let error = Chain(error);
    #[cfg(feature = "tracing")]
    if early {
        tracing::warn!(
            target: "ward_hlc",
            %error,
            wanted,
            "early refresh of the persisted bound failed; retried when the bound is reached"
        );
    } else {
        tracing::error!(
            target: "ward_hlc",
            %error,
            wanted,
            "storing the persisted bound failed; the event that needed it fails"
        );
    }
    #[cfg(not(feature = "tracing"))]
    let _ = (error, wanted, early);
}

/// An error bound source failed; the interval reading failed with it.
#[inline(always)]
pub(crate) fn bound_failed(error: BoundError) {
    #[cfg(feature = "tracing")]
    tracing::warn!(
        target: "ward_hlc",
        %error,
        "error bound unavailable; the interval reading fails"
    );
    #[cfg(not(feature = "tracing"))]
    let _ = error;
}

/// An error and its sources, `error: source: source`, for one event field.
#[cfg(all(feature = "tracing", feature = "std"))]
struct Chain<'a>(&'a crate::store::StoreError);

#[cfg(all(feature = "tracing", feature = "std"))]
impl core::fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = core::error::Error::source(self.0);
        while let Some(e) = source {
            write!(f, ": {e}")?;
            source = e.source();
        }
        Ok(())
    }
}
