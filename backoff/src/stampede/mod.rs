//! Against the cache stampede: when a popular cached value expires, every request that
//! misses recomputes it at once, and the backend behind the cache takes the whole load.
//!
//! Two remedies, usable together:
//! - [`EarlyExpiration`]: probabilistic early expiration (XFetch), from Vattani,
//!   Chierichetti and Lowenstein, "Optimal Probabilistic Cache Stampede Prevention" (VLDB
//!   2015). Each read recomputes early with a probability that rises as the expiry nears,
//!   scaled by how long a recomputation takes, so one reader usually refreshes the value
//!   before it expires and the others keep reading it.
//! - [`Coalesce`]: request coalescing ("single flight"). One caller computes a missing
//!   key; concurrent callers for that key wait for its result; a failure reaches every
//!   waiter; a leader that panics or whose future is dropped hands the computation over
//!   to one of the waiters.

mod coalesce;
mod early;

pub use coalesce::Coalesce;
pub use early::EarlyExpiration;
