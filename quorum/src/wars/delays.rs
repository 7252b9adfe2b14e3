//! The WARS delay distributions and the paper's presets.

use crate::delay::{Delay, DelayError};

/// The delay fits published in the PBS paper (VLDB 2012), in milliseconds.
///
/// # Examples
///
/// ```
/// use ward_quorum::wars::{Preset, WarsDelays};
///
/// let d = WarsDelays::preset(Preset::LnkdDisk);
/// assert_eq!(d.remote_latency(), 0.0);
/// assert_eq!(WarsDelays::preset(Preset::Wan).remote_latency(), 75.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Preset {
    /// LinkedIn Voldemort on SSDs: `W = A = R = S` = 91.22 % Pareto(xₘ 0.235, α 10) +
    /// 8.78 % Exponential(λ 1.66).
    LnkdSsd,
    /// LinkedIn Voldemort on spinning disks: `W` = 38 % Pareto(xₘ 1.05, α 1.51) + 62 %
    /// Exponential(λ 0.183); `A`, `R`, `S` as [`Preset::LnkdSsd`].
    LnkdDisk,
    /// Yammer Riak, with the write shape `α = 3.5` that the paper's published results follow:
    /// `W` = 93.9 % Pareto(xₘ 3, α 3.5) + 6.1 % Exponential(λ 0.0028); `A = R = S` = 98.2 %
    /// Pareto(xₘ 1.5, α 3.8) + 1.8 % Exponential(λ 0.0217).
    Ymmr,
    /// [`Preset::Ymmr`] with the write shape as printed in the paper's table, `α = 3.35`.
    YmmrPrinted,
    /// [`Preset::LnkdDisk`] across datacenters: every replica in its own datacenter, and
    /// 75 ms more on each message to or from a replica outside the writer's (W, A) or the
    /// reader's (R, S) datacenter; writer and reader datacenters drawn uniformly per trial.
    Wan,
}

/// The four WARS delay distributions, plus an optional wide-area penalty.
///
/// # Examples
///
/// ```
/// use ward_quorum::delay::Delay;
/// use ward_quorum::wars::WarsDelays;
///
/// let lan = WarsDelays::symmetric(&Delay::exponential(1.0)?);
/// let wan = lan.with_remote_latency(50.0)?;
/// assert_eq!(wan.remote_latency(), 50.0);
/// # Ok::<(), ward_quorum::delay::DelayError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct WarsDelays {
    pub(super) write: Delay,
    pub(super) ack: Delay,
    pub(super) read: Delay,
    pub(super) response: Delay,
    pub(super) remote: f64,
}

impl WarsDelays {
    /// Separate distributions for write requests, acks, read requests and read responses.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::delay::Delay;
    /// use ward_quorum::wars::WarsDelays;
    ///
    /// let e = Delay::exponential(1.0)?;
    /// let d = WarsDelays::new(Delay::constant(5.0)?, e.clone(), e.clone(), e);
    /// assert_eq!(d.write().mean(), 5.0);
    /// # Ok::<(), ward_quorum::delay::DelayError>(())
    /// ```
    pub fn new(write: Delay, ack: Delay, read: Delay, response: Delay) -> Self {
        Self {
            write,
            ack,
            read,
            response,
            remote: 0.0,
        }
    }

    /// The same distribution for all four delays.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::{delay::Delay, wars::WarsDelays};
    /// let d = WarsDelays::symmetric(&Delay::constant(1.0)?);
    /// assert_eq!(d.response().mean(), 1.0);
    /// # Ok::<(), ward_quorum::delay::DelayError>(())
    /// ```
    pub fn symmetric(delay: &Delay) -> Self {
        Self::new(delay.clone(), delay.clone(), delay.clone(), delay.clone())
    }

    /// One of the paper's fitted production distributions.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::wars::{Preset, WarsDelays};
    ///
    /// let ssd = WarsDelays::preset(Preset::LnkdSsd);
    /// assert_eq!(ssd.write(), ssd.ack());
    /// ```
    pub fn preset(preset: Preset) -> Self {
        // The published constants are all in range (checked by a unit test).
        let mix = Delay::pareto_exponential_trusted;
        let ssd = mix(0.9122, 0.235, 10.0, 1.66);
        let disk_write = mix(0.38, 1.05, 1.51, 0.183);
        let ymmr_ars = mix(0.982, 1.5, 3.8, 0.0217);
        match preset {
            Preset::LnkdSsd => Self::symmetric(&ssd),
            Preset::LnkdDisk => Self::new(disk_write, ssd.clone(), ssd.clone(), ssd),
            Preset::Ymmr => Self::new(
                mix(0.939, 3.0, 3.5, 0.0028),
                ymmr_ars.clone(),
                ymmr_ars.clone(),
                ymmr_ars,
            ),
            Preset::YmmrPrinted => Self::new(
                mix(0.939, 3.0, 3.35, 0.0028),
                ymmr_ars.clone(),
                ymmr_ars.clone(),
                ymmr_ars,
            ),
            Preset::Wan => Self {
                remote: 75.0,
                ..Self::new(disk_write, ssd.clone(), ssd.clone(), ssd)
            },
        }
    }

    /// Places every replica in its own datacenter and adds `ms` to each message between a
    /// replica and a writer or reader in another datacenter (writer and reader datacenters
    /// drawn uniformly per trial). `0` means a single datacenter.
    ///
    /// # Errors
    ///
    /// [`DelayError::InvalidParameter`] unless `ms` is finite and `≥ 0`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::{delay::Delay, wars::WarsDelays};
    /// assert!(WarsDelays::symmetric(&Delay::constant(1.0)?).with_remote_latency(-1.0).is_err());
    /// # Ok::<(), ward_quorum::delay::DelayError>(())
    /// ```
    pub fn with_remote_latency(mut self, ms: f64) -> Result<Self, DelayError> {
        if !(ms.is_finite() && ms >= 0.0) {
            return Err(DelayError::InvalidParameter {
                name: "remote latency",
                value: ms,
            });
        }
        self.remote = ms;
        Ok(self)
    }

    /// Write request delay W.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::wars::{Preset, WarsDelays};
    /// assert!(WarsDelays::preset(Preset::LnkdDisk).write().mean() > 1.0);
    /// ```
    pub fn write(&self) -> &Delay {
        &self.write
    }

    /// Write ack delay A.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::wars::{Preset, WarsDelays};
    /// assert!(WarsDelays::preset(Preset::LnkdDisk).ack().mean() < 1.0);
    /// ```
    pub fn ack(&self) -> &Delay {
        &self.ack
    }

    /// Read request delay R.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::wars::{Preset, WarsDelays};
    /// assert!(WarsDelays::preset(Preset::LnkdSsd).read().mean() < 1.0);
    /// ```
    pub fn read(&self) -> &Delay {
        &self.read
    }

    /// Read response delay S.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::wars::{Preset, WarsDelays};
    /// assert!(WarsDelays::preset(Preset::LnkdSsd).response().mean() < 1.0);
    /// ```
    pub fn response(&self) -> &Delay {
        &self.response
    }

    /// Extra latency across datacenters (0 for a single datacenter).
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::wars::{Preset, WarsDelays};
    /// assert_eq!(WarsDelays::preset(Preset::Ymmr).remote_latency(), 0.0);
    /// ```
    pub fn remote_latency(&self) -> f64 {
        self.remote
    }
}
