//! Shared pieces of the Ward benchmark suite.
//!
//! The benchmark groups live in `benches/`, one file per primitive, each comparing a Ward
//! crate with its peer crates in the same run. Two binaries turn a run into a report:
//!
//! - `memory` measures heap bytes with a counting global allocator and prints one line per
//!   metric, `<metric> <impl>=<value> ...`;
//! - `report` reads criterion's saved estimates and that memory output and writes
//!   `BENCHMARKS.md`, stating for every target from the crate issues whether it is met.
//!
//! This library holds the parts the binaries and the benchmarks share: the list of targets
//! ([`targets`]), the one-line description of each group's work ([`groups`]), the parsing of criterion's output ([`criterion_data`]) and of the memory
//! lines ([`memory`]), and the two-thread timing loop ([`contention`]).

pub mod contention;
pub mod criterion_data;
pub mod groups;
pub mod memory;
pub mod targets;
