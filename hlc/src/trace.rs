//! Events for operators. Empty for now, and inlined away.

use crate::interval::BoundError;

/// An error bound source failed; the reading failed with it.
#[inline(always)]
pub(crate) fn bound_failed(error: BoundError) {
    let _ = error;
}
