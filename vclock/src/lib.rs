#![doc = include_str!("../README.md")]
// Without `alloc` the items below are not compiled; the README's links to them point to
// the published documentation instead of dangling.
#![cfg_attr(
    not(feature = "alloc"),
    doc = "<!-- the alloc items, for builds without alloc -->
[`CausalBuffer`]: https://docs.rs/ward-vclock/latest/ward_vclock/struct.CausalBuffer.html
[`ContextProbe`]: https://docs.rs/ward-vclock/latest/ward_vclock/struct.ContextProbe.html
[`DotContext`]: https://docs.rs/ward-vclock/latest/ward_vclock/struct.DotContext.html
[`DvvSet`]: https://docs.rs/ward-vclock/latest/ward_vclock/struct.DvvSet.html
[`Itc`]: https://docs.rs/ward-vclock/latest/ward_vclock/struct.Itc.html
[`ItcError`]: https://docs.rs/ward-vclock/latest/ward_vclock/enum.ItcError.html
[`Dots`]: https://docs.rs/ward-vclock/latest/ward_vclock/struct.Dots.html
[`IntoIter`]: https://docs.rs/ward-vclock/latest/ward_vclock/struct.IntoIter.html
[`Iter`]: https://docs.rs/ward-vclock/latest/ward_vclock/struct.Iter.html
[`Message`]: https://docs.rs/ward-vclock/latest/ward_vclock/struct.Message.html
[`MessageError`]: https://docs.rs/ward-vclock/latest/ward_vclock/enum.MessageError.html
[`Missing`]: https://docs.rs/ward-vclock/latest/ward_vclock/struct.Missing.html
[`Offered`]: https://docs.rs/ward-vclock/latest/ward_vclock/enum.Offered.html
[`PushError`]: https://docs.rs/ward-vclock/latest/ward_vclock/enum.PushError.html
[`Pushed`]: https://docs.rs/ward-vclock/latest/ward_vclock/enum.Pushed.html
[`Ready`]: https://docs.rs/ward-vclock/latest/ward_vclock/struct.Ready.html
[`StampError`]: https://docs.rs/ward-vclock/latest/ward_vclock/enum.StampError.html
[`VClock`]: https://docs.rs/ward-vclock/latest/ward_vclock/struct.VClock.html
"
)]
#![cfg_attr(docsrs, feature(doc_cfg))]
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
mod dvvset;
#[cfg(feature = "alloc")]
mod itc;
#[cfg(feature = "alloc")]
mod message;
#[cfg(feature = "alloc")]
mod trace;
#[cfg(feature = "alloc")]
mod vclock;

pub use crate::dot::Dot;
pub use crate::error::{DecodeError, ProbeError, VClockError};
pub use crate::range::{DotRange, RangeDots};

#[cfg(feature = "alloc")]
pub use crate::buffer::{CausalBuffer, Missing, Offered, PushError, Pushed, Ready, StampError};
#[cfg(feature = "alloc")]
pub use crate::context::{ContextProbe, DotContext, Dots};
#[cfg(feature = "alloc")]
pub use crate::dvvset::DvvSet;
#[cfg(feature = "alloc")]
pub use crate::itc::{Itc, ItcError};
#[cfg(feature = "alloc")]
pub use crate::message::{Message, MessageError};
#[cfg(feature = "alloc")]
pub use crate::vclock::{IntoIter, Iter, VClock};
