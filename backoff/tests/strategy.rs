//! Delay strategies: bounds, monotonic ceilings and the distribution of full jitter.

use core::time::Duration;

use proptest::prelude::*;
use proptest::strategy::Strategy as _;
use ward_backoff::{Backoff, ConfigError, SplitMix64, Strategy, StrategyKind};

const KINDS: [StrategyKind; 7] = [
    StrategyKind::Constant,
    StrategyKind::Exponential,
    StrategyKind::FullJitter,
    StrategyKind::EqualJitter,
    StrategyKind::Decorrelated,
    StrategyKind::DecorrelatedCorrected,
    StrategyKind::Randomized,
];

/// Multipliers in thousandths: doubling, gRPC's 1.6, Resilience4j's 1.5, the edges.
fn multiplier_milli() -> impl proptest::strategy::Strategy<Value = u32> {
    prop_oneof![
        Just(2000u32),
        Just(1600),
        Just(1500),
        Just(1000),
        Just(1001),
        Just(1_000_000),
        1000u32..=10_000
    ]
}

/// `strategy(kind, base, cap)` with the multiplier set where it applies.
fn with_multiplier(s: Strategy, m_milli: u32) -> Strategy {
    match s.kind() {
        StrategyKind::Constant
        | StrategyKind::Decorrelated
        | StrategyKind::DecorrelatedCorrected => s,
        _ => s
            .with_multiplier(f64::from(m_milli) / 1000.0)
            .expect("in range"),
    }
}

fn strategy(kind: StrategyKind, base: u64, cap: u64) -> Strategy {
    let cap = if kind == StrategyKind::Constant {
        base
    } else {
        cap
    };
    Strategy::new(kind, Duration::from_nanos(base), Duration::from_nanos(cap))
        .expect("valid by construction")
}

fn base_cap() -> impl proptest::strategy::Strategy<Value = (u64, u64)> {
    prop_oneof![
        (1u64..=1_000, 0u64..=1_000_000),
        (1u64..=u64::MAX, any::<u64>()),
        Just((u64::MAX, 0)),
        Just((1, u64::MAX - 1)),
    ]
    .prop_map(|(base, extra)| (base, base.saturating_add(extra)))
}

fn attempt() -> impl proptest::strategy::Strategy<Value = u32> {
    prop_oneof![0u32..=70, any::<u32>(), Just(u32::MAX), Just(u32::MAX - 1)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Every strategy, every attempt: no panic and `0 <= delay <= cap`; decorrelated
    /// strategies never go below the base; jittered ones stay under their ceiling.
    #[test]
    fn prop_delay_within_bounds(
        (base, cap) in base_cap(),
        start in attempt(),
        seed in any::<u64>(),
        steps in 1usize..40,
        m in multiplier_milli(),
    ) {
        for kind in KINDS {
            let s = with_multiplier(strategy(kind, base, cap), m);
            let mut b = Backoff::new(s, SplitMix64::new(seed));
            b.set_attempt(start);
            for i in 0..steps {
                let n = start.saturating_add(i as u32);
                let d = b.next_delay();
                prop_assert!(d <= s.cap(), "{kind:?} {d:?} > cap {:?}", s.cap());
                match kind {
                    StrategyKind::Constant => prop_assert_eq!(d, s.base()),
                    StrategyKind::Exponential => prop_assert_eq!(d, s.ceiling(n)),
                    StrategyKind::FullJitter => prop_assert!(d <= s.ceiling(n)),
                    StrategyKind::EqualJitter => {
                        prop_assert!(d <= s.ceiling(n));
                        prop_assert!(d >= s.ceiling(n) / 2);
                    }
                    StrategyKind::Randomized => {
                        // ± 50 % (the default factor) around E(n), capped.
                        let e = s.ceiling(n).as_nanos();
                        prop_assert!(d.as_nanos() >= e - e / 2, "{d:?} below E(n) / 2");
                        prop_assert!(d.as_nanos() <= e + e / 2 + 1);
                    }
                    _ => prop_assert!(d >= s.base(), "{kind:?} {d:?} < base"),
                }
            }
        }
    }

    /// With any multiplier, `E(n)` is non-decreasing in `n`, starts at the base, never
    /// leaves `[base, cap]` and ends at the cap (the base for a multiplier of 1).
    #[test]
    fn prop_scaled_ceiling_non_decreasing((base, cap) in base_cap(), n in attempt(), m in multiplier_milli()) {
        let s = with_multiplier(strategy(StrategyKind::Exponential, base, cap), m);
        prop_assert!(s.ceiling(n) <= s.ceiling(n.saturating_add(1)));
        prop_assert!(s.ceiling(n) >= s.base() && s.ceiling(n) <= s.cap());
        prop_assert_eq!(s.ceiling(0), s.base());
        let last = if m == 1000 { s.base() } else { s.cap() };
        prop_assert_eq!(s.ceiling(u32::MAX), last);
    }

    /// `E(n)` is non-decreasing in `n`, starts at the base and ends at the cap.
    #[test]
    fn prop_ceiling_non_decreasing((base, cap) in base_cap(), n in attempt()) {
        let s = strategy(StrategyKind::Exponential, base, cap);
        prop_assert!(s.ceiling(n) <= s.ceiling(n.saturating_add(1)));
        prop_assert_eq!(s.ceiling(0), s.base());
        prop_assert_eq!(s.ceiling(u32::MAX), s.cap());
        // Exact against a wide computation.
        let want = if n >= 64 { cap } else { (u128::from(base) << n).min(u128::from(cap)) as u64 };
        prop_assert_eq!(s.ceiling(n), Duration::from_nanos(want));
    }

    /// A seed reproduces every delay.
    #[test]
    fn prop_seed_reproduces((base, cap) in base_cap(), seed in any::<u64>()) {
        for kind in KINDS {
            let s = strategy(kind, base, cap);
            let a: Vec<_> = Backoff::new(s, SplitMix64::new(seed)).take(20).collect();
            let b: Vec<_> = Backoff::new(s, SplitMix64::new(seed)).take(20).collect();
            prop_assert_eq!(a, b);
        }
    }

    /// Constructors refuse exactly the invalid configurations.
    #[test]
    fn prop_constructor_validates(base in 0u64..1000, cap in 0u64..1000) {
        let r = Strategy::full_jitter(Duration::from_nanos(base), Duration::from_nanos(cap));
        match r {
            Ok(s) => prop_assert!(base > 0 && base <= cap && s.base().as_nanos() == u128::from(base)),
            Err(ConfigError::ZeroBase) => prop_assert_eq!(base, 0),
            Err(ConfigError::BaseAboveCap { .. }) => prop_assert!(base > 0 && base > cap),
            Err(e) => prop_assert!(false, "unexpected {e}"),
        }
    }
}

#[test]
fn constructors_reject_bad_input() {
    let ms = Duration::from_millis;
    assert_eq!(
        Strategy::exponential(ms(0), ms(1)),
        Err(ConfigError::ZeroBase)
    );
    assert_eq!(
        Strategy::decorrelated(ms(2), ms(1)),
        Err(ConfigError::BaseAboveCap {
            base: ms(2),
            cap: ms(1)
        })
    );
    let huge = Duration::from_secs(u64::MAX);
    assert_eq!(
        Strategy::full_jitter(ms(1), huge),
        Err(ConfigError::TooLong { delay: huge })
    );
    assert_eq!(
        Strategy::new(StrategyKind::Constant, ms(1), ms(2)),
        Err(ConfigError::BaseAboveCap {
            base: ms(1),
            cap: ms(2)
        })
    );
    assert_eq!(
        ConfigError::BaseAboveCap {
            base: ms(2),
            cap: ms(1)
        }
        .to_string(),
        "base delay 2ms exceeds the cap 1ms"
    );
}

/// With a fixed seed, the mean of many full-jitter draws lies within 1 % of `E/2`: the
/// draw is uniform on `[0, E]`. 200 000 draws put the standard error of the mean at
/// `E / sqrt(12 · 200 000) ≈ 0.065 % of E`, so a 1 % band is over 7 standard errors wide
/// (and the seed is fixed, so the test is deterministic).
#[test]
fn full_jitter_mean_is_half_the_ceiling() {
    let e = 1_000_000_000u64;
    let s = Strategy::full_jitter(Duration::from_nanos(e), Duration::from_nanos(e)).unwrap();
    let mut b = Backoff::new(s, SplitMix64::new(0x5EED));
    let n = 200_000u64;
    let sum: u128 = (0..n).map(|_| u128::from(b.next_nanos())).sum();
    let mean = (sum / u128::from(n)) as f64;
    let half = e as f64 / 2.0;
    assert!((mean - half).abs() < 0.01 * half, "mean {mean} vs {half}");
    // Equal jitter: uniform on [E/2, E], mean 3E/4.
    let s = Strategy::equal_jitter(Duration::from_nanos(e), Duration::from_nanos(e)).unwrap();
    let mut b = Backoff::new(s, SplitMix64::new(0x5EED));
    let sum: u128 = (0..n).map(|_| u128::from(b.next_nanos())).sum();
    let mean = (sum / u128::from(n)) as f64;
    assert!((mean - 0.75 * e as f64).abs() < 0.01 * half, "mean {mean}");
}

/// The published decorrelated formula piles saturated draws on the cap; the corrected one
/// spreads them over `[base, cap]`.
#[test]
fn corrected_decorrelated_does_not_pile_on_the_cap() {
    let (base, cap) = (Duration::from_millis(10), Duration::from_millis(100));
    let at_cap = |s: Strategy| {
        let mut b = Backoff::new(s, SplitMix64::new(99));
        (0..10_000).filter(|_| b.next_delay() == cap).count()
    };
    let plain = at_cap(Strategy::decorrelated(base, cap).unwrap());
    let corrected = at_cap(Strategy::decorrelated_corrected(base, cap).unwrap());
    assert!(
        plain > 3_000,
        "plain decorrelated hit the cap {plain} times"
    );
    assert!(corrected < 100, "corrected hit the cap {corrected} times");
}

#[test]
fn the_published_sequences_by_hand() {
    let ms = Duration::from_millis;
    // Exponential, base 100 ms, cap 1 s: 100, 200, 400, 800, 1000, 1000.
    let s = Strategy::exponential(ms(100), ms(1000)).unwrap();
    let got: Vec<_> = Backoff::new(s, SplitMix64::new(0)).take(6).collect();
    assert_eq!(
        got,
        [ms(100), ms(200), ms(400), ms(800), ms(1000), ms(1000)]
    );
    // Reset returns to the start.
    let mut b = Backoff::new(s, SplitMix64::new(0));
    b.next_delay();
    b.next_delay();
    b.reset();
    assert_eq!(b.next_delay(), ms(100));
    assert_eq!(s.to_string(), "exponential (base 100ms, cap 1s)");
}

#[test]
fn shared_types_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Strategy>();
    assert_send_sync::<Backoff<SplitMix64>>();
    assert_send_sync::<ward_backoff::RetryPolicy>();
    assert_send_sync::<ward_backoff::ManualClock>();
    assert_send_sync::<ward_backoff::Retrier<ward_backoff::ManualClock>>();
    assert_send_sync::<ward_backoff::budget::RetryThrottle>();
    assert_send_sync::<ward_backoff::budget::RetryQuota>();
    assert_send_sync::<ward_backoff::budget::TpsBudget<ward_backoff::MonotonicClock>>();
    assert_send_sync::<ward_backoff::budget::AdaptiveThrottle<ward_backoff::MonotonicClock>>();
}

/// A source that always answers 0, as the trait's documentation suggests for tests.
struct AlwaysZero;
impl ward_backoff::RandomSource for AlwaysZero {
    fn next_u64(&mut self) -> u64 {
        0
    }
}

/// Issue 19, defect 5: an always-0 random source made the unbiased bounded draw reject
/// every word and spin forever. Every kind must now return a delay within its bounds.
#[test]
fn regression_always_zero_random_source_does_not_spin() {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut out = Vec::new();
        for kind in KINDS {
            let s = strategy(kind, 3_000, 10_000_000);
            let mut b = Backoff::new(s, AlwaysZero);
            for _ in 0..8 {
                out.push((kind, b.next_delay(), s));
            }
        }
        let _ = tx.send(out);
    });
    let out = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("a constant random source made the draw spin");
    for (kind, d, s) in out {
        assert!(d <= s.cap(), "{kind:?}: {d:?}");
        if matches!(
            kind,
            StrategyKind::Decorrelated | StrategyKind::DecorrelatedCorrected
        ) {
            assert!(d >= s.base(), "{kind:?}: {d:?}");
        }
    }
}

/// gRPC and Resilience4j parameters: multiplier and randomization factor, the cap holding
/// after the jitter, and the refused settings.
#[test]
fn multiplier_and_randomization_factor() {
    let ms = Duration::from_millis;
    // gRPC connection backoff: 1 s × 1.6^n ± 20 %, at most 120 s.
    let s = Strategy::randomized(Duration::from_secs(1), Duration::from_secs(120), 0.2)
        .unwrap()
        .with_multiplier(1.6)
        .unwrap();
    assert_eq!(s.ceiling(1), ms(1600));
    assert_eq!(s.ceiling(2), ms(2560));
    let mut b = Backoff::new(s, SplitMix64::new(5));
    for n in 0..40 {
        let d = b.next_delay();
        let e = s.ceiling(n);
        assert!(
            d >= e * 4 / 5 && d <= (e * 6 / 5).min(s.cap()),
            "{n}: {d:?} vs {e:?}"
        );
    }
    assert_eq!(
        s.to_string(),
        "randomized (base 1s, cap 120s, multiplier 1.6, ± 20 %)"
    );
    // The multiplier is refused where it has no meaning, and out of range.
    let base = Duration::from_secs(1);
    assert!(matches!(
        Strategy::decorrelated(base, base * 10)
            .unwrap()
            .with_multiplier(1.5),
        Err(ConfigError::MultiplierNotApplicable {
            kind: StrategyKind::Decorrelated
        })
    ));
    for m in [0.5, f64::NAN, f64::INFINITY, 1000.5] {
        assert!(matches!(
            Strategy::exponential(base, base * 10)
                .unwrap()
                .with_multiplier(m),
            Err(ConfigError::MultiplierOutOfRange { .. })
        ));
    }
    for f in [-0.1, 1.0, 0.9999, f64::NAN] {
        assert!(matches!(
            Strategy::randomized(base, base * 10, f),
            Err(ConfigError::RandomizationFactorOutOfRange { .. })
        ));
    }
}

/// A backoff never runs out, and says so.
#[test]
fn backoff_iterator_is_endless() {
    let strategy = Strategy::constant(Duration::from_millis(5)).unwrap();
    let backoff = Backoff::new(strategy, SplitMix64::new(1));
    assert_eq!(backoff.size_hint(), (usize::MAX, None));
}
