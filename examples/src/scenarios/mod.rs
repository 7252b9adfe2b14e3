//! The scenarios of the tour, in the order they run. Each module has a `run(seed)` that
//! returns a typed outcome (what the integration tests assert on) and a `report` that
//! turns it into tables and a verdict.

use core::fmt;

use crate::{Options, Primitive, Report};

pub mod cache_stampede;
pub mod cascading_failure;
pub mod causality;
pub mod clock_skew;
pub mod commit_wait;
pub mod oversell;
pub mod read_your_writes;
pub mod shopping_cart;
pub mod stale_reads;
pub mod thundering_herd;
pub mod torn_transfer;
pub mod zombie_leader;

/// One scenario of the tour.
///
/// # Examples
///
/// ```
/// use ward_examples::scenarios;
///
/// let names: Vec<&str> = scenarios::all().iter().map(|s| s.name).collect();
/// assert_eq!(names[0], "zombie-leader");
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Scenario {
    /// The command-line name, such as `thundering-herd`.
    pub name: &'static str,
    /// Its position in the tour, from 1.
    pub number: u8,
    /// One line on what goes wrong without Ward.
    pub summary: &'static str,
    /// The Ward primitives that carry the protection; switching any of them off
    /// (`--without`) makes the scenario fail.
    pub primitives: &'static [Primitive],
    runner: fn(&Options) -> Report,
}

impl Scenario {
    /// A registry entry from a scenario's identity and its runner.
    const fn new(meta: Meta, runner: fn(&Options) -> Report) -> Self {
        Scenario {
            name: meta.name,
            number: meta.number,
            summary: meta.summary,
            primitives: meta.primitives,
            runner,
        }
    }

    /// Runs the scenario with the given options.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_examples::{Options, scenarios};
    ///
    /// let report = scenarios::find("zombie-leader").unwrap().run(&Options::default());
    /// assert_eq!(report.scenario, "zombie-leader");
    /// ```
    pub fn run(&self, options: &Options) -> Report {
        (self.runner)(options)
    }
}

impl PartialEq for Scenario {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for Scenario {}

const ALL: &[Scenario] = &[
    Scenario::new(zombie_leader::META, zombie_leader::tour),
    Scenario::new(clock_skew::META, clock_skew::tour),
    Scenario::new(causality::META, causality::tour),
    Scenario::new(stale_reads::META, stale_reads::tour),
    Scenario::new(shopping_cart::META, shopping_cart::tour),
    Scenario::new(oversell::META, oversell::tour),
    Scenario::new(thundering_herd::META, thundering_herd::tour),
    Scenario::new(cascading_failure::META, cascading_failure::tour),
    Scenario::new(read_your_writes::META, read_your_writes::tour),
    Scenario::new(torn_transfer::META, torn_transfer::tour),
    Scenario::new(commit_wait::META, commit_wait::tour),
    Scenario::new(cache_stampede::META, cache_stampede::tour),
];

/// Every scenario, in tour order.
///
/// # Examples
///
/// ```
/// use ward_examples::scenarios;
///
/// assert!(scenarios::all().windows(2).all(|w| w[0].number < w[1].number));
/// ```
pub fn all() -> &'static [Scenario] {
    ALL
}

/// The scenario with this command-line name.
///
/// # Examples
///
/// ```
/// use ward_examples::scenarios;
///
/// assert!(scenarios::find("no-such-thing").is_none());
/// ```
pub fn find(name: &str) -> Option<&'static Scenario> {
    ALL.iter().find(|s| s.name == name)
}

/// A scenario's identity: written once, in its module, and used by its registry entry and
/// by every report it makes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Meta {
    /// Command-line name.
    pub(crate) name: &'static str,
    /// Position in the tour.
    pub(crate) number: u8,
    /// Heading of its report.
    pub(crate) title: &'static str,
    /// The Ward crate (or crates) it shows.
    pub(crate) crate_name: &'static str,
    /// One line for `--list`.
    pub(crate) summary: &'static str,
    /// The primitives that carry the protection.
    pub(crate) primitives: &'static [Primitive],
}

/// Runs a scenario's outcome through its report, or reports why it could not run, and
/// records which of its primitives were switched off.
fn tour<O>(
    meta: &Meta,
    options: &Options,
    outcome: Result<O, ScenarioError>,
    report: fn(&O) -> Report,
) -> Report {
    let mut report = match outcome {
        Ok(outcome) => report(&outcome),
        Err(error) => failed(meta, &error),
    };
    report.switched_off = meta
        .primitives
        .iter()
        .copied()
        .filter(|p| !options.switches.is_on(*p))
        .collect();
    report
}

/// The report of a scenario that could not run (for example, no scratch directory): it
/// counts as not prevented, so the tour exits non-zero.
fn failed(meta: &Meta, error: &ScenarioError) -> Report {
    Report {
        scenario: meta.name,
        number: meta.number,
        title: meta.title,
        crate_name: meta.crate_name,
        anomaly: format!("the scenario could not run: {error}"),
        tables: Vec::new(),
        notes: Vec::new(),
        anomaly_observed: false,
        prevented: false,
        verdict: format!("error: {error}"),
        details: serde_json::Value::Null,
        switched_off: Vec::new(),
    }
}

/// A scenario's typed outcome as JSON. Encoding cannot fail for these plain structs (no
/// maps with non-string keys, no non-finite floats in practice); if it ever does, the error
/// is reported in place of the details rather than dropped.
fn details<T: serde::Serialize>(outcome: &T) -> serde_json::Value {
    serde_json::to_value(outcome)
        .unwrap_or_else(|e| serde_json::Value::String(format!("could not encode: {e}")))
}

/// A scenario could not run to its verdict. None of these happen with the tour's fixed,
/// valid settings; they exist so a broken environment (no temporary directory) or a changed
/// library is reported with its cause instead of a panic.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScenarioError {
    /// The scratch directory or a file in it could not be used.
    #[error("scratch storage: {0}")]
    Io(#[from] std::io::Error),
    /// A Ward library refused an input the scenario built.
    #[error("{library} refused an input: {message}")]
    Refused {
        /// The library, such as `ward-fencing`.
        library: &'static str,
        /// The library's error message.
        message: String,
    },
    /// The network simulation stopped with an error.
    #[error("simulation failed: {0}")]
    Simulation(String),
    /// A check the scenario makes on its own run failed.
    #[error("scenario invariant broken: {0}")]
    Invariant(String),
}

/// Maps a library error to [`ScenarioError::Refused`].
fn refused<E: fmt::Display>(library: &'static str) -> impl FnOnce(E) -> ScenarioError {
    move |e| ScenarioError::Refused {
        library,
        message: e.to_string(),
    }
}

/// As [`refused`], for errors whose message is their `Debug` form (a stale stamp of a
/// tuple type has no `Display`).
fn refused_debug<E: fmt::Debug>(library: &'static str) -> impl FnOnce(E) -> ScenarioError {
    move |e| ScenarioError::Refused {
        library,
        message: format!("{e:?}"),
    }
}

/// Maps a simulation error to [`ScenarioError::Simulation`].
fn sim_failed<E: fmt::Display>(e: E) -> ScenarioError {
    ScenarioError::Simulation(e.to_string())
}

/// A [`ScenarioError::Invariant`].
fn broken(what: impl Into<String>) -> ScenarioError {
    ScenarioError::Invariant(what.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_read_well() {
        let e = refused("ward-fencing")("stale fencing token 3: the high-water mark is 4");
        assert_eq!(
            e.to_string(),
            "ward-fencing refused an input: stale fencing token 3: the high-water mark is 4"
        );
        let io: ScenarioError = std::io::Error::other("no space left").into();
        assert_eq!(io.to_string(), "scratch storage: no space left");
        assert_eq!(
            refused_debug("ward-crdt")((1, 2)).to_string(),
            "ward-crdt refused an input: (1, 2)"
        );
        assert_eq!(sim_failed("boom").to_string(), "simulation failed: boom");
    }

    #[test]
    fn a_scenario_that_cannot_run_fails_the_tour() {
        let meta = Meta {
            name: "x",
            number: 9,
            title: "X",
            crate_name: "ward-x",
            summary: "a scenario that breaks",
            primitives: &[Primitive::Fence],
        };
        let options = Options {
            switches: crate::Switches::default().without(Primitive::Fence),
            ..Options::default()
        };
        let report = tour(
            &meta,
            &options,
            Err::<(), _>(broken("no reply")),
            |()| unreachable!(),
        );
        assert_eq!(report.switched_off, [Primitive::Fence]);
        assert_eq!((report.scenario, report.number), ("x", 9));
        assert!(!report.passed());
        assert!(!report.prevented);
        assert_eq!(report.verdict, "error: scenario invariant broken: no reply");
    }

    #[test]
    fn names_are_unique_and_numbers_run_from_one() {
        let names: std::collections::BTreeSet<_> = all().iter().map(|s| s.name).collect();
        assert_eq!(names.len(), all().len());
        let numbers: Vec<u8> = all().iter().map(|s| s.number).collect();
        assert_eq!(numbers, (1..=12).collect::<Vec<u8>>());
        // Every primitive is load-bearing somewhere, and every scenario names one.
        for p in Primitive::ALL {
            assert!(all().iter().any(|s| s.primitives.contains(&p)), "{p}");
        }
        assert!(all().iter().all(|s| !s.primitives.is_empty()));
    }
}
