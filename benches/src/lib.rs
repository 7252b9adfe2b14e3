//! Shared helpers for the Ward benchmarks.
//!
//! The benchmark groups themselves live in `benches/benches/`, one file per primitive,
//! each comparing a Ward crate with its peer crates in the same run.
