#![doc = include_str!("../README.md")]

pub mod cli;
pub mod html;
pub mod report;
pub mod scenarios;
mod sim;
pub mod switches;

pub use report::{Report, Table};
pub use switches::{Primitive, Switches};

/// What every scenario takes from the command line.
///
/// # Examples
///
/// ```
/// use ward_examples::Options;
///
/// let options = Options::with_seed(7);
/// assert_eq!(options.seed, 7);
/// assert!(!options.sweep);
/// assert!(options.switches.all_on());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// The seed of every random draw in the run; the same seed gives the same output.
    pub seed: u64,
    /// Thundering herd only: also sweep over client counts.
    pub sweep: bool,
    /// The Ward primitives switched off (`--without`); all on by default.
    pub switches: Switches,
}

impl Options {
    /// The seed used when none is given on the command line.
    pub const DEFAULT_SEED: u64 = 1;

    /// Options with the given seed and no sweep.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_examples::Options;
    ///
    /// assert_eq!(Options::with_seed(3).seed, 3);
    /// ```
    pub fn with_seed(seed: u64) -> Self {
        Self {
            seed,
            sweep: false,
            switches: Switches::default(),
        }
    }
}

impl Default for Options {
    fn default() -> Self {
        Self::with_seed(Self::DEFAULT_SEED)
    }
}
