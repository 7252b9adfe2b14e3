//! The performance targets each crate promised, and how a run is judged against them.

use std::collections::BTreeMap;
use std::fmt;

use crate::criterion_data::Measurement;
use crate::memory::MemoryLine;

/// One performance target.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Target {
    /// The median of `id` is at most `max_ns` nanoseconds.
    MaxNs {
        /// Benchmark id, `group/function[/parameter]`.
        id: &'static str,
        /// The bound, in nanoseconds.
        max_ns: f64,
    },
    /// Ward is at least `min_ratio` times faster than a peer: `peer / ward >= min_ratio`.
    Faster {
        /// Ward's benchmark id.
        ward: &'static str,
        /// The peer's benchmark id.
        peer: &'static str,
        /// The required speed-up.
        min_ratio: f64,
    },
    /// Ward costs at most `max_ratio` times a floor: `ward / floor <= max_ratio`.
    WithinFloor {
        /// Ward's benchmark id.
        ward: &'static str,
        /// The floor's benchmark id (the cost of the bare operation underneath).
        floor: &'static str,
        /// The allowed overhead factor.
        max_ratio: f64,
    },
    /// A group with an element throughput processes at least `min_per_sec` elements a second.
    MinThroughput {
        /// Benchmark id.
        id: &'static str,
        /// The bound, in elements per second.
        min_per_sec: f64,
    },
    /// A memory metric of one implementation is at most `max`.
    MaxMemory {
        /// The metric name, as printed by the `memory` binary.
        metric: &'static str,
        /// The implementation, e.g. `ward`.
        implementation: &'static str,
        /// The bound, in the metric's unit.
        max: f64,
    },
}

/// A target with the crate it belongs to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spec {
    /// The crate that promised the target.
    pub krate: &'static str,
    /// The target.
    pub target: Target,
}

/// The outcome of judging one target against a run.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// The target holds; the measured figure is given.
    Met(f64),
    /// The target does not hold; the measured figure is given.
    NotMet(f64),
    /// The run lacks a figure the target needs; the missing id is given.
    Missing(String),
}

impl Verdict {
    /// `true` when the target holds.
    pub fn is_met(&self) -> bool {
        matches!(self, Verdict::Met(_))
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Target::MaxNs { id, max_ns } => write!(f, "`{id}` median ≤ {max_ns} ns"),
            Target::Faster {
                ward,
                peer,
                min_ratio,
            } => write!(f, "`{ward}` ≥ {min_ratio} × faster than `{peer}`"),
            Target::WithinFloor {
                ward,
                floor,
                max_ratio,
            } => write!(f, "`{ward}` ≤ {max_ratio} × `{floor}`"),
            Target::MinThroughput { id, min_per_sec } => {
                write!(f, "`{id}` ≥ {} elements/s", human(min_per_sec))
            }
            Target::MaxMemory {
                metric,
                implementation,
                max,
            } => write!(f, "`{metric}` {implementation} ≤ {max}"),
        }
    }
}

/// Formats large counts with a unit suffix: `5.00 M`.
pub fn human(x: f64) -> String {
    if x >= 1e9 {
        format!("{:.2} G", x / 1e9)
    } else if x >= 1e6 {
        format!("{:.2} M", x / 1e6)
    } else if x >= 1e3 {
        format!("{:.2} k", x / 1e3)
    } else {
        format!("{x:.2}")
    }
}

impl Target {
    /// Judges this target against a run's measurements and memory lines.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::collections::BTreeMap;
    /// use ward_benches::criterion_data::Measurement;
    /// use ward_benches::targets::{Target, Verdict};
    ///
    /// let m = |f: &str, ns: f64| Measurement {
    ///     group: "g".into(), function: f.into(), parameter: String::new(),
    ///     median_ns: ns, median_ci_ns: (ns, ns), elements_per_iter: None,
    /// };
    /// let run: BTreeMap<_, _> = [m("ward", 2.0), m("peer", 7.0)]
    ///     .into_iter().map(|x| (x.id(), x)).collect();
    /// let t = Target::Faster { ward: "g/ward", peer: "g/peer", min_ratio: 3.0 };
    /// assert_eq!(t.judge(&run, &BTreeMap::new()), Verdict::Met(3.5));
    /// ```
    pub fn judge(
        &self,
        run: &BTreeMap<String, Measurement>,
        memory: &BTreeMap<String, MemoryLine>,
    ) -> Verdict {
        let median = |id: &str| run.get(id).map(|m| m.median_ns);
        let verdict = |ok: bool, x: f64| {
            if ok {
                Verdict::Met(x)
            } else {
                Verdict::NotMet(x)
            }
        };
        match *self {
            Target::MaxNs { id, max_ns } => match median(id) {
                Some(x) => verdict(x <= max_ns, x),
                None => Verdict::Missing(id.to_owned()),
            },
            Target::Faster {
                ward,
                peer,
                min_ratio,
            } => match (median(ward), median(peer)) {
                (Some(w), Some(p)) => {
                    let r = p / w;
                    verdict(r >= min_ratio, r)
                }
                (None, _) => Verdict::Missing(ward.to_owned()),
                (_, None) => Verdict::Missing(peer.to_owned()),
            },
            Target::WithinFloor {
                ward,
                floor,
                max_ratio,
            } => match (median(ward), median(floor)) {
                (Some(w), Some(f)) => {
                    let r = w / f;
                    verdict(r <= max_ratio, r)
                }
                (None, _) => Verdict::Missing(ward.to_owned()),
                (_, None) => Verdict::Missing(floor.to_owned()),
            },
            Target::MinThroughput { id, min_per_sec } => {
                match run.get(id).and_then(Measurement::elements_per_sec) {
                    Some(x) => verdict(x >= min_per_sec, x),
                    None => Verdict::Missing(id.to_owned()),
                }
            }
            Target::MaxMemory {
                metric,
                implementation,
                max,
            } => match memory.get(metric).and_then(|l| l.value(implementation)) {
                Some(x) => verdict(x <= max, x),
                None => Verdict::Missing(format!("{metric} {implementation}")),
            },
        }
    }
}

/// Every target promised by the crates, in report order.
pub const SPECS: &[Spec] = &[
    // ward-hlc
    Spec {
        krate: "ward-hlc",
        target: Target::WithinFloor {
            ward: "hlc_now/ward_system",
            floor: "hlc_now/system_time",
            max_ratio: 1.3,
        },
    },
    Spec {
        krate: "ward-hlc",
        target: Target::Faster {
            ward: "hlc_now/ward_system",
            peer: "hlc_now/uhlc",
            min_ratio: 1.3,
        },
    },
    Spec {
        krate: "ward-hlc",
        target: Target::Faster {
            ward: "hlc_now/ward_fast",
            peer: "hlc_now/uhlc_coarse",
            min_ratio: 2.0,
        },
    },
    Spec {
        krate: "ward-hlc",
        target: Target::Faster {
            ward: "hlc_now_two_threads/ward_system",
            peer: "hlc_now_two_threads/uhlc",
            min_ratio: 1.2,
        },
    },
    // ward-vclock
    Spec {
        krate: "ward-vclock",
        target: Target::Faster {
            ward: "vclock_compare/ward/32",
            peer: "vclock_compare/crdts/32",
            min_ratio: 5.0,
        },
    },
    Spec {
        krate: "ward-vclock",
        target: Target::Faster {
            ward: "vclock_merge/ward/32",
            peer: "vclock_merge/crdts/32",
            min_ratio: 5.0,
        },
    },
    // ward-crdt
    Spec {
        krate: "ward-crdt",
        target: Target::Faster {
            ward: "orset_merge_disjoint/ward",
            peer: "orset_merge_disjoint/crdts",
            min_ratio: 1.5,
        },
    },
    Spec {
        krate: "ward-crdt",
        target: Target::Faster {
            ward: "orset_merge_overlap/ward",
            peer: "orset_merge_overlap/crdts",
            min_ratio: 2.5,
        },
    },
    Spec {
        krate: "ward-crdt",
        target: Target::Faster {
            ward: "orset_merge_identical/ward",
            peer: "orset_merge_identical/crdts",
            min_ratio: 2.5,
        },
    },
    Spec {
        krate: "ward-crdt",
        target: Target::Faster {
            ward: "orset_merge_descendant/ward",
            peer: "orset_merge_descendant/crdts",
            min_ratio: 2.5,
        },
    },
    Spec {
        krate: "ward-crdt",
        target: Target::WithinFloor {
            ward: "orset_merge_small_delta/ward/10000",
            floor: "orset_merge_small_delta/ward/10",
            max_ratio: 2.0,
        },
    },
    Spec {
        krate: "ward-crdt",
        target: Target::WithinFloor {
            ward: "orset_merge_small_delta_actors/ward/10000",
            floor: "orset_merge_small_delta_actors/ward/10",
            max_ratio: 2.0,
        },
    },
    Spec {
        krate: "ward-crdt",
        target: Target::Faster {
            ward: "gcounter_merge/ward/64",
            peer: "gcounter_merge/crdts/64",
            min_ratio: 3.0,
        },
    },
    Spec {
        krate: "ward-crdt",
        target: Target::MaxMemory {
            metric: "orset_bytes_per_element/10000",
            implementation: "ward",
            max: 64.0,
        },
    },
    // ward-fencing
    Spec {
        krate: "ward-fencing",
        target: Target::MaxNs {
            id: "fence_admit/ward",
            max_ns: 5.0,
        },
    },
    Spec {
        krate: "ward-fencing",
        target: Target::Faster {
            ward: "fence_admit/ward",
            peer: "fence_admit/mutex",
            min_ratio: 1.0,
        },
    },
    Spec {
        krate: "ward-fencing",
        target: Target::MaxMemory {
            metric: "keyed_fence_bytes_per_key/1000000",
            implementation: "ward",
            max: 24.0,
        },
    },
    Spec {
        krate: "ward-fencing",
        target: Target::MaxMemory {
            metric: "keyed_fence_bounded_bytes/100000_after_10000000",
            implementation: "ward",
            max: 2_400_000.0,
        },
    },
    // ward-backoff
    Spec {
        krate: "ward-backoff",
        target: Target::MaxNs {
            id: "backoff_next/ward_full_jitter",
            max_ns: 10.0,
        },
    },
    Spec {
        krate: "ward-backoff",
        target: Target::Faster {
            ward: "backoff_next/ward_full_jitter",
            peer: "backoff_next/backon",
            min_ratio: 2.0,
        },
    },
    Spec {
        krate: "ward-backoff",
        target: Target::Faster {
            ward: "backoff_next/ward_full_jitter",
            peer: "backoff_next/backoff",
            min_ratio: 4.0,
        },
    },
    Spec {
        krate: "ward-backoff",
        target: Target::MaxNs {
            id: "breaker_closed/ward",
            max_ns: 10.0,
        },
    },
    Spec {
        krate: "ward-backoff",
        target: Target::Faster {
            ward: "breaker_closed/ward",
            peer: "breaker_closed/recloser",
            min_ratio: 2.0,
        },
    },
    Spec {
        krate: "ward-backoff",
        target: Target::Faster {
            ward: "breaker_closed/ward",
            peer: "breaker_closed/failsafe",
            min_ratio: 3.0,
        },
    },
    Spec {
        krate: "ward-backoff",
        target: Target::Faster {
            ward: "breaker_call/ward",
            peer: "breaker_call/recloser",
            min_ratio: 2.0,
        },
    },
    Spec {
        krate: "ward-backoff",
        target: Target::Faster {
            ward: "breaker_call/ward",
            peer: "breaker_call/failsafe",
            min_ratio: 3.0,
        },
    },
    Spec {
        krate: "ward-backoff",
        target: Target::Faster {
            ward: "breaker_call_dirty/ward",
            peer: "breaker_call_dirty/recloser",
            min_ratio: 1.5,
        },
    },
    // ward-quorum
    Spec {
        krate: "ward-quorum",
        target: Target::MinThroughput {
            id: "pbs_trials/lnkd_disk_n3_r1_w1",
            min_per_sec: 5e6,
        },
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    fn run(entries: &[(&str, f64, Option<u64>)]) -> BTreeMap<String, Measurement> {
        entries
            .iter()
            .map(|&(id, ns, elements)| {
                let mut parts = id.splitn(3, '/');
                let m = Measurement {
                    group: parts.next().unwrap().to_owned(),
                    function: parts.next().unwrap_or("").to_owned(),
                    parameter: parts.next().unwrap_or("").to_owned(),
                    median_ns: ns,
                    median_ci_ns: (ns, ns),
                    elements_per_iter: elements,
                };
                (m.id(), m)
            })
            .collect()
    }

    #[test]
    fn each_kind_judges_both_ways() {
        let r = run(&[
            ("g/ward", 4.0, None),
            ("g/peer", 10.0, None),
            ("g/floor", 3.5, None),
            ("t/ward", 1_000.0, Some(4_000)),
        ]);
        let none = BTreeMap::new();
        let faster = |min_ratio| Target::Faster {
            ward: "g/ward",
            peer: "g/peer",
            min_ratio,
        };
        assert_eq!(faster(2.5).judge(&r, &none), Verdict::Met(2.5));
        assert_eq!(faster(2.6).judge(&r, &none), Verdict::NotMet(2.5));
        let max = |max_ns| Target::MaxNs {
            id: "g/ward",
            max_ns,
        };
        assert!(max(4.0).judge(&r, &none).is_met());
        assert!(!max(3.9).judge(&r, &none).is_met());
        let within = |max_ratio| Target::WithinFloor {
            ward: "g/ward",
            floor: "g/floor",
            max_ratio,
        };
        assert!(within(1.2).judge(&r, &none).is_met());
        assert!(!within(1.1).judge(&r, &none).is_met());
        let tp = |min_per_sec| Target::MinThroughput {
            id: "t/ward",
            min_per_sec,
        };
        assert_eq!(tp(4e9).judge(&r, &none), Verdict::Met(4e9));
        assert!(!tp(4.1e9).judge(&r, &none).is_met());
        assert_eq!(
            Target::MaxNs {
                id: "nope/x",
                max_ns: 1.0
            }
            .judge(&r, &none),
            Verdict::Missing("nope/x".into())
        );
    }

    #[test]
    fn memory_targets_read_the_named_implementation() {
        let mem = crate::memory::parse_lines("m ward=60 crdts=200").unwrap();
        let t = |max| Target::MaxMemory {
            metric: "m",
            implementation: "ward",
            max,
        };
        assert_eq!(t(64.0).judge(&BTreeMap::new(), &mem), Verdict::Met(60.0));
        assert_eq!(t(59.0).judge(&BTreeMap::new(), &mem), Verdict::NotMet(60.0));
    }
}
