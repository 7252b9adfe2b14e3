//! Message delay distributions for the WARS model, and the random source that drives them.

use std::sync::Arc;

use crate::fastmath;
use std::vec::Vec;

/// A source of uniformly distributed 64-bit words.
///
/// The simulator needs one word per delay sample. Implement it to plug in your own
/// generator; [`Xoshiro256PlusPlus`] is the default.
///
/// # Examples
///
/// ```
/// use ward_quorum::delay::{RandomSource, Xoshiro256PlusPlus};
///
/// let mut a = Xoshiro256PlusPlus::from_seed(7);
/// let mut b = Xoshiro256PlusPlus::from_seed(7);
/// assert_eq!(a.next_u64(), b.next_u64());
/// ```
pub trait RandomSource {
    /// The next uniformly distributed word.
    fn next_u64(&mut self) -> u64;

    /// A uniform sample in `(0, 1]` with 53 bits of resolution (never zero, so logarithms of
    /// it are finite).
    fn next_unit(&mut self) -> f64 {
        #[allow(clippy::cast_precision_loss)] // 53-bit integer: exact
        let k = ((self.next_u64() >> 11) + 1) as f64;
        k * (1.0 / (1_u64 << 53) as f64)
    }
}

/// The xoshiro256++ generator of Blackman and Vigna (*Scrambled Linear Pseudorandom Number
/// Generators*, 2021), seeded through SplitMix64: small, fast, and good enough for Monte
/// Carlo (not for cryptography).
///
/// # Examples
///
/// ```
/// use ward_quorum::delay::{RandomSource, Xoshiro256PlusPlus};
///
/// let mut rng = Xoshiro256PlusPlus::from_seed(42);
/// let u = rng.next_unit();
/// assert!(u > 0.0 && u <= 1.0);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Xoshiro256PlusPlus {
    s: [u64; 4],
}

/// One step of SplitMix64 (Steele, Lea, Flood, *Fast Splittable Pseudorandom Number
/// Generators*, 2014): a bijective mixer used to derive seeds.
pub(crate) fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Xoshiro256PlusPlus {
    /// A generator whose 256-bit state is expanded from `seed` by SplitMix64 (never all
    /// zero).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::delay::{RandomSource, Xoshiro256PlusPlus};
    ///
    /// assert_ne!(
    ///     Xoshiro256PlusPlus::from_seed(1).next_u64(),
    ///     Xoshiro256PlusPlus::from_seed(2).next_u64()
    /// );
    /// ```
    pub fn from_seed(seed: u64) -> Self {
        let mut state = seed;
        let s = [
            splitmix64(&mut state),
            splitmix64(&mut state),
            splitmix64(&mut state),
            splitmix64(&mut state),
        ];
        Self { s }
    }
}

impl RandomSource for Xoshiro256PlusPlus {
    #[inline]
    fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let result = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }
}

/// Why a delay distribution was rejected.
///
/// # Examples
///
/// ```
/// use ward_quorum::delay::{Delay, DelayError};
///
/// assert_eq!(Delay::exponential(0.0), Err(DelayError::InvalidParameter { name: "rate", value: 0.0 }));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DelayError {
    /// A parameter is NaN, infinite, or outside its range (rates, scales and shapes must be
    /// positive; constants and offsets non-negative; weights in `[0, 1]`; rates, shapes
    /// and non-zero weights not so small that their reciprocal overflows to infinity).
    #[error("{name} {value} is out of range")]
    InvalidParameter {
        /// Which parameter.
        name: &'static str,
        /// The value given.
        value: f64,
    },
    /// Empirical samples were empty.
    #[error("an empirical distribution needs at least one sample")]
    NoSamples,
    /// An empirical sample is negative, NaN or infinite.
    #[error("sample {index} ({value}) is not a finite non-negative delay")]
    InvalidSample {
        /// Position of the sample.
        index: usize,
        /// The value given.
        value: f64,
    },
}

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Constant(f64),
    Exponential {
        inv_rate: f64,
    },
    Pareto {
        scale: f64,
        neg_inv_shape: f64,
    },
    /// Pareto with probability `weight`, else exponential: the paper's fitted form, kept flat
    /// so that sampling it needs no recursion.
    ParetoExponential {
        weight: f64,
        inv_weight: f64,
        inv_rest: f64,
        scale: f64,
        neg_inv_shape: f64,
        inv_rate: f64,
    },
    Mixture(Arc<(f64, Delay, Delay)>),
    Shifted(Arc<(f64, Delay)>),
    Empirical(Arc<[f64]>),
}

/// `−ln f64::EPSILON`: the largest `−ln v` a mixture component can see (its uniform is
/// clamped to `≥ f64::EPSILON`).
const MAX_LN_LOSS: f64 = 36.05;
/// The largest argument [`fastmath::exp_in_range`] accepts.
const MAX_EXP_ARG: f64 = 709.0;

/// A Pareto/exponential mixture whose Pareto exponent `−ln(v)/α` stays below
/// [`MAX_EXP_ARG`], sampled without branches; see [`Delay::mix_params`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct MixParams {
    weight: f64,
    inv_weight: f64,
    inv_rest: f64,
    scale: f64,
    neg_inv_shape: f64,
    inv_rate: f64,
}

impl MixParams {
    /// The same value as [`Delay::at`] for the mixture, bit for bit, computed on both
    /// components and selected: which component a uniform picks is unpredictable, so a
    /// branch would be mispredicted often, and the loop over a trial's samples stays
    /// straight-line code.
    #[inline(always)]
    pub(crate) fn at(&self, u: f64) -> f64 {
        // `pick` is 1 for the Pareto component, 0 for the exponential one. Selecting by
        // multiplying with it (`x·1 + y·0 = x` exactly, every term being finite and the
        // kept one non-zero or given a `−0` partner) keeps the compiler from turning the
        // selections back into branches.
        let pick = f64::from(u8::from(u <= self.weight));
        let rest = 1.0 - pick;
        let v = (u * self.inv_weight) * pick + ((u - self.weight) * self.inv_rest) * rest;
        // v ∈ [ε, 1 + ε]: positive and normal. The Pareto exponent lies in
        // [−ε/α, −ln(ε)/α] ⊂ [−708, 709] by the check in `mix_params` (and is ±0 for the
        // exponential component, whose `e` is then discarded).
        let l = fastmath::ln_normal(v.max(f64::EPSILON));
        let e = fastmath::exp_in_range(l * (self.neg_inv_shape * pick));
        // The discarded term must be −0 when the exponential is kept: `x + (−0) = x` even
        // for `x = −0` (at `u = 1`), where `x + 0` would flip the sign of the zero.
        let keep_pareto = pick.copysign(pick - 0.5);
        (-l * self.inv_rate) * rest + (self.scale * e) * keep_pareto
    }
}

/// A delay distribution in milliseconds (any unit works if you use it consistently).
///
/// Every distribution is sampled by inversion from a single uniform number, so one random
/// word buys one delay, and a mixture reuses its uniform for the chosen component.
///
/// # Examples
///
/// ```
/// use ward_quorum::delay::Delay;
///
/// // 38 % Pareto(xm 1.05, α 1.51) + 62 % Exponential(λ 0.183): the LNKD-DISK write delay.
/// let w = Delay::pareto_exponential(0.38, 1.05, 1.51, 0.183)?;
/// assert!((w.mean() - (0.38 * 1.05 * 1.51 / 0.51 + 0.62 / 0.183)).abs() < 1e-9);
/// let shifted = Delay::exponential(1.0)?.shifted(75.0)?;
/// assert!((shifted.mean() - 76.0).abs() < 1e-12);
/// # Ok::<(), ward_quorum::delay::DelayError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Delay(Kind);

fn positive(name: &'static str, value: f64) -> Result<f64, DelayError> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(DelayError::InvalidParameter { name, value })
    }
}

/// A positive finite parameter whose reciprocal is finite too (the sampler multiplies by
/// `1/value`; below about `5.6e-309` that is `∞`, and the samples would be `∞` or NaN).
fn invertible(name: &'static str, value: f64) -> Result<f64, DelayError> {
    let value = positive(name, value)?;
    if (1.0 / value).is_finite() {
        Ok(value)
    } else {
        Err(DelayError::InvalidParameter { name, value })
    }
}

fn non_negative(name: &'static str, value: f64) -> Result<f64, DelayError> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(DelayError::InvalidParameter { name, value })
    }
}

impl Delay {
    /// Always `ms`.
    ///
    /// # Errors
    ///
    /// [`DelayError::InvalidParameter`] unless `ms` is finite and `≥ 0`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::delay::Delay;
    /// assert_eq!(Delay::constant(2.5)?.mean(), 2.5);
    /// # Ok::<(), ward_quorum::delay::DelayError>(())
    /// ```
    pub fn constant(ms: f64) -> Result<Self, DelayError> {
        Ok(Self(Kind::Constant(non_negative("constant", ms)?)))
    }

    /// Exponential with rate `rate` (mean `1/rate`).
    ///
    /// # Errors
    ///
    /// [`DelayError::InvalidParameter`] unless `rate` is finite and positive with a finite
    /// reciprocal (`rate` above about `5.6e-309`).
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::delay::Delay;
    /// assert_eq!(Delay::exponential(0.5)?.mean(), 2.0);
    /// assert!(Delay::exponential(5e-324).is_err());
    /// # Ok::<(), ward_quorum::delay::DelayError>(())
    /// ```
    pub fn exponential(rate: f64) -> Result<Self, DelayError> {
        let rate = invertible("rate", rate)?;
        Ok(Self(Kind::Exponential {
            inv_rate: 1.0 / rate,
        }))
    }

    /// Pareto with scale (minimum) `scale` and shape `shape`: `P(X > x) = (scale/x)^shape`.
    ///
    /// # Errors
    ///
    /// [`DelayError::InvalidParameter`] unless both are finite and positive and `1/shape`
    /// is finite.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::delay::Delay;
    /// assert!((Delay::pareto(1.0, 2.0)?.mean() - 2.0).abs() < 1e-12);
    /// assert_eq!(Delay::pareto(1.0, 1.0)?.mean(), f64::INFINITY);
    /// assert!(Delay::pareto(1.0, 1e-310).is_err());
    /// # Ok::<(), ward_quorum::delay::DelayError>(())
    /// ```
    pub fn pareto(scale: f64, shape: f64) -> Result<Self, DelayError> {
        let scale = positive("scale", scale)?;
        let shape = invertible("shape", shape)?;
        Ok(Self(Kind::Pareto {
            scale,
            neg_inv_shape: -1.0 / shape,
        }))
    }

    /// `first` with probability `weight`, otherwise `second`.
    ///
    /// # Errors
    ///
    /// [`DelayError::InvalidParameter`] unless `weight` is in `[0, 1]` and, when not 0,
    /// has a finite reciprocal (a sample of the first component rescales its uniform by
    /// `1/weight`).
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::delay::Delay;
    /// let m = Delay::mixture(0.25, &Delay::constant(4.0)?, &Delay::constant(0.0)?)?;
    /// assert_eq!(m.mean(), 1.0);
    /// assert!(Delay::mixture(1e-310, &m, &m).is_err());
    /// # Ok::<(), ward_quorum::delay::DelayError>(())
    /// ```
    pub fn mixture(weight: f64, first: &Self, second: &Self) -> Result<Self, DelayError> {
        if !(weight.is_finite()
            && (0.0..=1.0).contains(&weight)
            && (weight == 0.0 || (1.0 / weight).is_finite()))
        {
            return Err(DelayError::InvalidParameter {
                name: "weight",
                value: weight,
            });
        }
        Ok(Self::mix(weight, first, second))
    }

    fn mix(weight: f64, first: &Self, second: &Self) -> Self {
        match (&first.0, &second.0) {
            (
                Kind::Pareto {
                    scale,
                    neg_inv_shape,
                },
                Kind::Exponential { inv_rate },
            ) if weight > 0.0 && weight < 1.0 => Self(Kind::ParetoExponential {
                weight,
                inv_weight: 1.0 / weight,
                inv_rest: 1.0 / (1.0 - weight),
                scale: *scale,
                neg_inv_shape: *neg_inv_shape,
                inv_rate: *inv_rate,
            }),
            _ => Self(Kind::Mixture(Arc::new((
                weight,
                first.clone(),
                second.clone(),
            )))),
        }
    }

    /// The paper's fitted form: Pareto(`scale`, `shape`) with probability `pareto_weight`,
    /// otherwise Exponential(`rate`).
    ///
    /// # Errors
    ///
    /// [`DelayError::InvalidParameter`] for any parameter out of range.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::delay::Delay;
    /// let d = Delay::pareto_exponential(1.0, 2.0, 3.0, 0.5)?; // all Pareto
    /// assert!((d.mean() - 3.0).abs() < 1e-12);
    /// # Ok::<(), ward_quorum::delay::DelayError>(())
    /// ```
    pub fn pareto_exponential(
        pareto_weight: f64,
        scale: f64,
        shape: f64,
        rate: f64,
    ) -> Result<Self, DelayError> {
        Self::mixture(
            pareto_weight,
            &Self::pareto(scale, shape)?,
            &Self::exponential(rate)?,
        )
    }

    /// [`Delay::pareto_exponential`] for parameters known to be valid (the presets).
    pub(crate) fn pareto_exponential_trusted(
        pareto_weight: f64,
        scale: f64,
        shape: f64,
        rate: f64,
    ) -> Self {
        let pareto = Self(Kind::Pareto {
            scale,
            neg_inv_shape: -1.0 / shape,
        });
        let exponential = Self(Kind::Exponential {
            inv_rate: 1.0 / rate,
        });
        Self::mix(pareto_weight, &pareto, &exponential)
    }

    /// `self` shifted by a constant `offset` (a fixed network or processing cost).
    ///
    /// # Errors
    ///
    /// [`DelayError::InvalidParameter`] unless `offset` is finite and `≥ 0`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::delay::Delay;
    /// assert_eq!(Delay::exponential(1.0)?.shifted(75.0)?.mean(), 76.0);
    /// # Ok::<(), ward_quorum::delay::DelayError>(())
    /// ```
    pub fn shifted(&self, offset: f64) -> Result<Self, DelayError> {
        let offset = non_negative("offset", offset)?;
        Ok(Self(Kind::Shifted(Arc::new((offset, self.clone())))))
    }

    /// Resamples measured delays: each sample is one of `samples`, uniformly (a bootstrap of
    /// your own latency measurements).
    ///
    /// # Errors
    ///
    /// [`DelayError::NoSamples`] for an empty slice; [`DelayError::InvalidSample`] for a
    /// negative or non-finite value.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::delay::Delay;
    /// let d = Delay::empirical(&[1.0, 2.0, 6.0])?;
    /// assert_eq!(d.mean(), 3.0);
    /// # Ok::<(), ward_quorum::delay::DelayError>(())
    /// ```
    pub fn empirical(samples: &[f64]) -> Result<Self, DelayError> {
        if samples.is_empty() {
            return Err(DelayError::NoSamples);
        }
        for (index, &value) in samples.iter().enumerate() {
            if !(value.is_finite() && value >= 0.0) {
                return Err(DelayError::InvalidSample { index, value });
            }
        }
        let mut sorted: Vec<f64> = samples.to_vec();
        sorted.sort_by(f64::total_cmp);
        Ok(Self(Kind::Empirical(sorted.into())))
    }

    /// The expected delay (`∞` for a Pareto shape `≤ 1`).
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::delay::Delay;
    /// assert_eq!(Delay::exponential(4.0)?.mean(), 0.25);
    /// # Ok::<(), ward_quorum::delay::DelayError>(())
    /// ```
    pub fn mean(&self) -> f64 {
        match &self.0 {
            Kind::Constant(c) => *c,
            Kind::Exponential { inv_rate } => *inv_rate,
            Kind::Pareto {
                scale,
                neg_inv_shape,
            } => {
                let shape = -1.0 / neg_inv_shape;
                if shape <= 1.0 {
                    f64::INFINITY
                } else {
                    scale * shape / (shape - 1.0)
                }
            }
            Kind::ParetoExponential {
                weight,
                scale,
                neg_inv_shape,
                inv_rate,
                ..
            } => {
                let pareto = Self(Kind::Pareto {
                    scale: *scale,
                    neg_inv_shape: *neg_inv_shape,
                });
                weight * pareto.mean() + (1.0 - weight) * inv_rate
            }
            Kind::Mixture(m) => {
                let (w, a, b) = &**m;
                let (ma, mb) = (a.mean(), b.mean());
                // Avoid 0 · ∞ for a component that is never used.
                let pa = if *w == 0.0 { 0.0 } else { w * ma };
                let pb = if *w == 1.0 { 0.0 } else { (1.0 - w) * mb };
                pa + pb
            }
            Kind::Shifted(s) => s.0 + s.1.mean(),
            #[allow(clippy::cast_precision_loss)]
            Kind::Empirical(v) => {
                // Each sample divided first: the sum of large samples would overflow.
                let n = v.len() as f64;
                v.iter().map(|x| x / n).sum::<f64>()
            }
        }
    }

    /// The delay for the uniform number `u ∈ (0, 1]` (inverse transform).
    #[inline(always)]
    pub(crate) fn at(&self, u: f64) -> f64 {
        match &self.0 {
            Kind::ParetoExponential {
                weight,
                inv_weight,
                inv_rest,
                scale,
                neg_inv_shape,
                inv_rate,
            } => {
                if u <= *weight {
                    let v = (u * inv_weight).max(f64::EPSILON);
                    scale * fastmath::exp(fastmath::ln(v) * neg_inv_shape)
                } else {
                    let v = ((u - weight) * inv_rest).max(f64::EPSILON);
                    -fastmath::ln(v) * inv_rate
                }
            }
            Kind::Exponential { inv_rate } => -fastmath::ln(u) * inv_rate,
            Kind::Pareto {
                scale,
                neg_inv_shape,
            } => scale * fastmath::exp(fastmath::ln(u) * neg_inv_shape),
            Kind::Constant(c) => *c,
            _ => self.at_composite(u),
        }
    }

    /// The parameters of a Pareto/exponential mixture whose samples never leave the fast
    /// range of the simulator's `ln`/`exp`, for the branch-free batch path; `None` for any
    /// other distribution.
    pub(crate) fn mix_params(&self) -> Option<MixParams> {
        match self.0 {
            Kind::ParetoExponential {
                weight,
                inv_weight,
                inv_rest,
                scale,
                neg_inv_shape,
                inv_rate,
            } if -neg_inv_shape * MAX_LN_LOSS <= MAX_EXP_ARG => Some(MixParams {
                weight,
                inv_weight,
                inv_rest,
                scale,
                neg_inv_shape,
                inv_rate,
            }),
            _ => None,
        }
    }

    /// The recursive cases of [`Delay::at`], kept out of line so the common cases inline.
    #[inline(never)]
    fn at_composite(&self, u: f64) -> f64 {
        match &self.0 {
            Kind::Constant(_)
            | Kind::Exponential { .. }
            | Kind::Pareto { .. }
            | Kind::ParetoExponential { .. } => self.at(u),
            Kind::Mixture(m) => {
                let (w, a, b) = &**m;
                if u <= *w {
                    a.at((u / w).max(f64::EPSILON))
                } else {
                    b.at(((u - w) / (1.0 - w)).max(f64::EPSILON))
                }
            }
            Kind::Shifted(s) => s.0 + s.1.at(u),
            Kind::Empirical(v) => {
                #[allow(
                    clippy::cast_possible_truncation,
                    clippy::cast_sign_loss,
                    clippy::cast_precision_loss
                )]
                let i = ((1.0 - u) * v.len() as f64) as usize;
                v[i.min(v.len() - 1)]
            }
        }
    }

    /// Draws one delay.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::delay::{Delay, Xoshiro256PlusPlus};
    ///
    /// let d = Delay::pareto(2.0, 3.0)?;
    /// let mut rng = Xoshiro256PlusPlus::from_seed(1);
    /// assert!(d.sample(&mut rng) >= 2.0);
    /// # Ok::<(), ward_quorum::delay::DelayError>(())
    /// ```
    pub fn sample<S: RandomSource + ?Sized>(&self, rng: &mut S) -> f64 {
        self.at(rng.next_unit())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xoshiro_reference_vector() {
        // Reference output of xoshiro256++ for state [1, 2, 3, 4] (Vigna's C code).
        let mut rng = Xoshiro256PlusPlus { s: [1, 2, 3, 4] };
        assert_eq!(rng.next_u64(), 41_943_041);
        assert_eq!(rng.next_u64(), 58_720_359);
        assert_eq!(rng.next_u64(), 3_588_806_011_781_223);
    }

    #[test]
    fn mixture_batch_path_matches_the_scalar_path_bit_for_bit() {
        let mut rng = Xoshiro256PlusPlus::from_seed(5);
        // The presets' fits, and a shape at the edge of the fast range.
        for (weight, scale, shape, rate) in [
            (0.9122, 0.235, 10.0, 1.66),
            (0.38, 1.05, 1.51, 0.183),
            (0.939, 3.0, 3.5, 0.0028),
            (0.982, 1.5, 3.8, 0.0217),
            (0.5, 2.0, 0.051, 3.0),
        ] {
            let d = Delay::pareto_exponential(weight, scale, shape, rate).unwrap();
            let fast = d.mix_params().unwrap();
            let edges = [
                1.0,
                1.0 / (1_u64 << 53) as f64,
                f64::EPSILON,
                weight,
                weight.next_up(),
                weight.next_down(),
            ];
            for u in edges
                .into_iter()
                .chain((0..100_000).map(|_| rng.next_unit()))
            {
                assert_eq!(fast.at(u).to_bits(), d.at(u).to_bits(), "u = {u:e}");
            }
        }
        // Shapes whose Pareto exponent could leave the fast range keep the checked path.
        let heavy = Delay::pareto_exponential(0.5, 1.0, 0.05, 1.0).unwrap();
        assert!(heavy.mix_params().is_none());
        assert!(Delay::exponential(1.0).unwrap().mix_params().is_none());
    }

    #[test]
    fn empirical_covers_every_sample() {
        let d = Delay::empirical(&[3.0, 1.0, 2.0]).unwrap();
        assert_eq!(d.at(1.0), 1.0);
        assert_eq!(d.at(0.5), 2.0);
        assert_eq!(d.at(f64::EPSILON), 3.0);
    }
}
