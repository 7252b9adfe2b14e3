//! `ManualClock`'s `Duration` and microsecond forms, against a naive model.

use std::time::Duration;

use proptest::prelude::*;
use ward_hlc::{ManualClock, PhysicalClock};

#[test]
fn duration_forms_match_the_micros_forms() {
    let clock = ManualClock::starting_at(Duration::from_secs(3));
    assert_eq!(clock.now_micros(), 3_000_000);
    assert_eq!(clock.now(), Duration::from_secs(3));
    assert_eq!(PhysicalClock::now_micros(&clock), 3_000_000);
    clock.set_to(Duration::from_micros(1_500));
    assert_eq!(clock.now_micros(), 1_500);
    clock.set(2_000);
    assert_eq!(clock.now(), Duration::from_micros(2_000));
    // Whole microseconds, rounding down.
    clock.set_to(Duration::from_nanos(9_999));
    assert_eq!(clock.now(), Duration::from_micros(9));
    assert_eq!(
        ManualClock::starting_at(Duration::from_nanos(999)).now(),
        Duration::ZERO
    );
    // Saturating at u64::MAX microseconds, never wrapping.
    let max = Duration::from_micros(u64::MAX);
    assert_eq!(ManualClock::starting_at(Duration::MAX).now(), max);
    clock.set_to(Duration::MAX);
    assert_eq!(clock.now_micros(), u64::MAX);
    clock.advance(Duration::from_micros(1));
    assert_eq!(clock.now_micros(), u64::MAX);
    clock.set_to(Duration::ZERO);
    clock.step_back(Duration::from_micros(1));
    assert_eq!(clock.now(), Duration::ZERO);
}

#[derive(Debug, Clone)]
enum Op {
    SetTo(Duration),
    Set(u64),
    Advance(Duration),
    StepBack(Duration),
}

fn duration() -> impl Strategy<Value = Duration> {
    prop_oneof![
        (0u64..1_000_000_000).prop_map(Duration::from_nanos),
        any::<u64>().prop_map(Duration::from_micros),
        (any::<u64>(), 0u32..1_000_000_000).prop_map(|(s, n)| Duration::new(s, n)),
        Just(Duration::MAX),
        Just(Duration::from_micros(u64::MAX)),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        duration().prop_map(Op::SetTo),
        prop_oneof![any::<u64>(), Just(u64::MAX), Just(0u64)].prop_map(Op::Set),
        duration().prop_map(Op::Advance),
        duration().prop_map(Op::StepBack),
    ]
}

/// Whole microseconds of `d`, saturating at u64::MAX, computed in u128.
fn model_micros(d: Duration) -> u128 {
    (d.as_nanos() / 1_000).min(u128::from(u64::MAX))
}

proptest! {
    /// Every sequence of operations reads what a saturating model on `u128`
    /// microseconds reads, in both units.
    #[test]
    fn prop_manual_clock_matches_a_saturating_model(
        start in duration(),
        ops in proptest::collection::vec(op(), 0..40),
    ) {
        let clock = ManualClock::starting_at(start);
        let mut model = model_micros(start);
        let max = u128::from(u64::MAX);
        for op in ops {
            match op {
                Op::SetTo(d) => {
                    clock.set_to(d);
                    model = model_micros(d);
                }
                Op::Set(m) => {
                    clock.set(m);
                    model = u128::from(m);
                }
                Op::Advance(d) => {
                    clock.advance(d);
                    model = (model + model_micros(d)).min(max);
                }
                Op::StepBack(d) => {
                    clock.step_back(d);
                    model = model.saturating_sub(model_micros(d));
                }
            }
            prop_assert_eq!(u128::from(clock.now_micros()), model);
            prop_assert_eq!(clock.now().as_micros(), model);
            prop_assert_eq!(clock.now().subsec_nanos() % 1_000, 0);
        }
    }
}

/// A clock can be shared (`Arc`), boxed (`Box<dyn PhysicalClock>`) or borrowed, and
/// an `Hlc` reads the same time through each.
#[test]
fn clocks_behind_arc_box_and_reference_read_through() {
    use std::sync::Arc;
    use ward_hlc::Hlc;

    let clock = Arc::new(ManualClock::starting_at(Duration::from_micros(4_321)));
    let shared = Hlc::new(Arc::clone(&clock));
    assert_eq!(shared.now().map(ward_hlc::Timestamp::physical), Ok(4_321));
    let boxed: Box<dyn PhysicalClock + Send + Sync> = Box::new(ManualClock::new(8_765));
    assert_eq!(boxed.now_micros(), 8_765);
    let boxed = Hlc::new(boxed);
    assert_eq!(boxed.now().map(ward_hlc::Timestamp::physical), Ok(8_765));
    let borrowed = Hlc::new(&*clock);
    clock.advance(Duration::from_micros(9));
    assert_eq!(borrowed.now().map(ward_hlc::Timestamp::physical), Ok(4_330));
    assert_eq!(PhysicalClock::now_micros(&clock), 4_330);
}
