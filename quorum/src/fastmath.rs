//! Branch-light natural logarithm and exponential for the simulator's inner loop.
//!
//! The WARS hot path spends most of its time turning uniforms into delays (`−ln u` for an
//! exponential, `exp(−ln(u)/α)` for a Pareto). The platform `ln`/`exp`/`powf` are accurate
//! but call into libm one at a time; these inline versions use a small table and a short
//! polynomial, so independent samples overlap in the pipeline. `exp` is within about 5 ulps;
//! `ln` within `1e-15` relative, or absolute near `x = 1` (checked against `std` in the
//! tests): far below the Monte Carlo noise.

/// `ln 2` split so that `k · LN2_HI` is exact for `|k| < 2²¹`.
const LN2_HI: f64 = 0.693_147_180_369_123_8;
const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
/// `1.5 · 2⁵²`: adding and subtracting it rounds to the nearest integer.
const ROUNDER: f64 = 6_755_399_441_055_744.0;

/// Bits of mantissa that select a table entry for `ln`.
const LN_BITS: u32 = 7;
const LN_SIZE: usize = 1 << LN_BITS;
/// Entries per octave for `exp`.
const EXP_BITS: u32 = 6;
const EXP_SIZE: usize = 1 << EXP_BITS;

/// `ln x` for `x ∈ [1, 2)` at compile time: `2·atanh(f)`, `f = (x−1)/(x+1) ≤ ⅓`, summed until
/// the terms vanish.
const fn ln_1_2(x: f64) -> f64 {
    let f = (x - 1.0) / (x + 1.0);
    let s = f * f;
    let mut term = f;
    let mut sum = 0.0;
    let mut k = 0;
    while k < 60 {
        sum += term / (2 * k + 1) as f64;
        term *= s;
        k += 1;
    }
    2.0 * sum
}

/// `e^x` for `|x| ≤ 1` at compile time, by its Taylor series.
const fn exp_small(x: f64) -> f64 {
    let mut term = 1.0;
    let mut sum = 1.0;
    let mut k = 1;
    while k < 40 {
        term *= x / k as f64;
        sum += term;
        k += 1;
    }
    sum
}

/// `(cⱼ, 1 / cⱼ, ln cⱼ)` for `cⱼ = 1 + j/128`.
const LN_TABLE: [(f64, f64, f64); LN_SIZE] = {
    let mut t = [(0.0, 0.0, 0.0); LN_SIZE];
    let mut j = 0;
    while j < LN_SIZE {
        let c = 1.0 + j as f64 / LN_SIZE as f64;
        t[j] = (c, 1.0 / c, ln_1_2(c));
        j += 1;
    }
    t
};

/// `2^(j/64)`.
const EXP_TABLE: [f64; EXP_SIZE] = {
    let mut t = [0.0; EXP_SIZE];
    let mut j = 0;
    while j < EXP_SIZE {
        t[j] = exp_small(j as f64 / EXP_SIZE as f64 * core::f64::consts::LN_2);
        j += 1;
    }
    t
};

/// Natural logarithm of a positive, normal, finite `x`; other inputs go to `f64::ln`.
///
/// `x = 2ᵉ · m`, `m ∈ [1, 2)`; `m = cⱼ (1 + t)` with `cⱼ = 1 + j/128` from the top mantissa
/// bits and `0 ≤ t < 1/128`; `ln x = e·ln 2 + ln cⱼ + ln(1 + t)`, the last by its series to
/// `t⁷` (truncation below `2⁻⁵⁵` relative).
#[inline]
pub(crate) fn ln(x: f64) -> f64 {
    if !(f64::MIN_POSITIVE..f64::INFINITY).contains(&x) {
        return x.ln();
    }
    ln_normal(x)
}

/// [`ln`] for an `x` the caller knows to be positive, normal and finite: no range check, so
/// a loop over many samples stays free of branches.
#[inline(always)]
pub(crate) fn ln_normal(x: f64) -> f64 {
    let bits = x.to_bits();
    #[allow(clippy::cast_possible_wrap)] // an 11-bit field
    let e = ((bits >> 52) as i64) - 1023;
    let m = f64::from_bits((bits & ((1_u64 << 52) - 1)) | (1023_u64 << 52));
    #[allow(clippy::cast_possible_truncation)] // LN_BITS bits
    let j = ((bits >> (52 - LN_BITS)) as usize) & (LN_SIZE - 1);
    let (c, inv_c, ln_c) = LN_TABLE[j];
    let t = (m - c) * inv_c;
    let t2 = t * t;
    // ln(1 + t) = t − t²/2 + t³/3 − t⁴/4 + t⁵/5 − t⁶/6 + t⁷/7, grouped for shorter latency.
    let odd = t + t2 * (t * (1.0 / 3.0) + t2 * (t * (1.0 / 5.0) + t2 * (t * (1.0 / 7.0))));
    let even = t2 * (-0.5 + t2 * (-0.25 + t2 * (-1.0 / 6.0)));
    #[allow(clippy::cast_precision_loss)] // |e| ≤ 1024
    let ef = e as f64;
    ef * LN2_HI + (ef * LN2_LO + ln_c + (odd + even))
}

/// `e^y`; arguments outside `[−708, 709]` (and NaN) go to `f64::exp`.
///
/// `y = (64k + j) · ln2/64 + r` with `|r| ≤ ln2/128`; `e^y = 2ᵏ · 2^(j/64) · e^r`, the last by
/// its Taylor series to `r⁵` (truncation below `2⁻⁵⁴` relative).
#[inline]
pub(crate) fn exp(y: f64) -> f64 {
    if !(-708.0..=709.0).contains(&y) {
        return y.exp();
    }
    exp_in_range(y)
}

/// [`exp`] for a `y` the caller knows to lie in `[−708, 709]`: no range check.
#[inline(always)]
pub(crate) fn exp_in_range(y: f64) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let scale_in = EXP_SIZE as f64 * core::f64::consts::LOG2_E;
    let shifted = y * scale_in + ROUNDER;
    let n = shifted - ROUNDER;
    #[allow(clippy::cast_precision_loss)]
    let inv = 1.0 / EXP_SIZE as f64;
    let r = (y - n * (LN2_HI * inv)) - n * (LN2_LO * inv);
    let r2 = r * r;
    let p = 1.0 + r + r2 * (0.5 + r * (1.0 / 6.0) + r2 * (1.0 / 24.0 + r * (1.0 / 120.0)));
    // The rounded sum is 2⁵² + 2⁵¹ + n with a unit last place: its mantissa holds 2⁵¹ + n.
    #[allow(clippy::cast_possible_wrap)] // 52 bits
    let ni = (shifted.to_bits() & ((1_u64 << 52) - 1)) as i64 - (1_i64 << 51);
    let j = (ni & (EXP_SIZE as i64 - 1)) as usize;
    let k = ni >> EXP_BITS; // floor division
    #[allow(clippy::cast_sign_loss)] // k ∈ [−1022, 1023]
    let two_k = f64::from_bits(((k + 1023) as u64) << 52);
    p * EXP_TABLE[j] * two_k
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delay::{RandomSource, Xoshiro256PlusPlus};

    #[test]
    fn ln_matches_std_within_a_few_ulps() {
        let mut rng = Xoshiro256PlusPlus::from_seed(11);
        for _ in 0..200_000 {
            let u = rng.next_unit();
            for x in [u, u * 1e-300, 1.0 / u, u * 3.7] {
                let (got, want) = (ln(x), x.ln());
                assert!(
                    (got - want).abs() <= 1e-15 * want.abs().max(1.0),
                    "ln({x}) = {got}, std {want}"
                );
            }
        }
        assert_eq!(ln(1.0), 0.0);
        assert!(ln(0.0).is_infinite() && ln(-1.0).is_nan());
    }

    #[test]
    fn exp_matches_std_within_a_few_ulps() {
        let mut rng = Xoshiro256PlusPlus::from_seed(12);
        for _ in 0..200_000 {
            let y = (rng.next_unit() - 0.5) * 1400.0;
            let (got, want) = (exp(y), y.exp());
            assert!(
                (got - want).abs() <= 1e-14 * want,
                "exp({y}) = {got}, std {want}"
            );
        }
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(800.0), f64::INFINITY);
        assert_eq!(exp(-800.0), 0.0);
    }
}
