#![doc = include_str!("../README.md")]
// Without `std` the items below are not compiled; the README's links to them point to
// the published documentation instead of dangling.
#![cfg_attr(
    not(feature = "std"),
    doc = "<!-- the std items, for builds without std -->
[`BoundStore`]: https://docs.rs/ward-hlc/latest/ward_hlc/trait.BoundStore.html
[`CoarseClock`]: https://docs.rs/ward-hlc/latest/ward_hlc/struct.CoarseClock.html
[`SystemClock`]: https://docs.rs/ward-hlc/latest/ward_hlc/struct.SystemClock.html
[`DurableError`]: https://docs.rs/ward-hlc/latest/ward_hlc/enum.DurableError.html
[`DurableError::BoundAhead`]: https://docs.rs/ward-hlc/latest/ward_hlc/enum.DurableError.html#variant.BoundAhead
[`DurableHlc`]: https://docs.rs/ward-hlc/latest/ward_hlc/struct.DurableHlc.html
[`DurableHlc::reset_bound`]: https://docs.rs/ward-hlc/latest/ward_hlc/struct.DurableHlc.html#method.reset_bound
[`DurableOptions`]: https://docs.rs/ward-hlc/latest/ward_hlc/struct.DurableOptions.html
[`FileBoundStore`]: https://docs.rs/ward-hlc/latest/ward_hlc/struct.FileBoundStore.html
[`RestartPolicy`]: https://docs.rs/ward-hlc/latest/ward_hlc/enum.RestartPolicy.html
[`RestartPolicy::Jump`]: https://docs.rs/ward-hlc/latest/ward_hlc/enum.RestartPolicy.html#variant.Jump
[`RestartPolicy::Wait`]: https://docs.rs/ward-hlc/latest/ward_hlc/enum.RestartPolicy.html#variant.Wait
[`StoreError`]: https://docs.rs/ward-hlc/latest/ward_hlc/enum.StoreError.html
[`StoreError::Locked`]: https://docs.rs/ward-hlc/latest/ward_hlc/enum.StoreError.html#variant.Locked
"
)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![cfg_attr(not(feature = "std"), no_std)]

#[cfg(feature = "alloc")]
extern crate alloc;

mod batch;
mod builder;
mod clock;
mod hlc;
mod interval;
mod jump;
mod node;
#[cfg(feature = "std")]
mod options;
#[cfg(feature = "std")]
mod persist;
mod stamp;
#[cfg(feature = "std")]
mod store;
mod sync;
mod timestamp;
mod trace;

pub use crate::batch::{Batch, BatchIter};
pub use crate::builder::{DEFAULT_MAX_DRIFT, HlcBuilder};
#[cfg(feature = "std")]
pub use crate::clock::{CoarseClock, SystemClock};
pub use crate::clock::{ManualClock, PhysicalClock};
pub use crate::hlc::{ClockError, Hlc, OverflowPolicy};
pub use crate::interval::{
    BoundError, CommitWait, DEFAULT_MAX_COMMIT_WAIT, ErrorBound, FixedBound, Interval,
    IntervalError, MAX_ERROR_BOUND, UncertainClock,
};
pub use crate::jump::{ClockJump, JumpDirection, JumpStats, JumpThresholds};
pub use crate::node::NodeHlc;
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
