//! Configuration values round-trip through serde, and decoding validates.
#![cfg(feature = "serde")]

use core::time::Duration;

use proptest::prelude::*;
use ward_backoff::breaker::{BreakerConfig, SlidingWindow};
use ward_backoff::{RetryPolicy, Strategy, StrategyKind};

#[test]
fn strategy_round_trips_and_rejects_invalid_input() {
    let s =
        Strategy::decorrelated_corrected(Duration::from_millis(5), Duration::from_secs(2)).unwrap();
    let json = serde_json::to_string(&s).unwrap();
    assert_eq!(
        json,
        r#"{"kind":"decorrelated_corrected","base":{"secs":0,"nanos":5000000},"cap":{"secs":2,"nanos":0},"multiplier":2.0}"#
    );
    assert_eq!(serde_json::from_str::<Strategy>(&json).unwrap(), s);
    // The multiplier may be left out (2), and a randomized strategy keeps its factor.
    let short = r#"{"kind":"decorrelated_corrected","base":{"secs":0,"nanos":5000000},"cap":{"secs":2,"nanos":0}}"#;
    assert_eq!(serde_json::from_str::<Strategy>(short).unwrap(), s);
    let r = Strategy::randomized(Duration::from_secs(1), Duration::from_secs(120), 0.2)
        .unwrap()
        .with_multiplier(1.6)
        .unwrap();
    let json = serde_json::to_string(&r).unwrap();
    assert!(
        json.contains(r#""multiplier":1.6,"randomization_factor":0.2"#),
        "{json}"
    );
    assert_eq!(serde_json::from_str::<Strategy>(&json).unwrap(), r);
    // Invalid multipliers and factors, a factor on a kind without one, unknown fields.
    for bad in [
        json.replace("1.6", "0.5"),
        json.replace("0.2", "1.0"),
        json.replace("randomized", "exponential"),
        json.replace("\"multiplier\"", "\"multiplyer\""),
    ] {
        assert!(serde_json::from_str::<Strategy>(&bad).is_err(), "{bad}");
    }
    // A factor of 0 on a kind without one says nothing and is accepted.
    let zero = json
        .replace("randomized", "exponential")
        .replace("0.2", "0.0");
    let decoded = serde_json::from_str::<Strategy>(&zero).unwrap();
    assert_eq!(decoded.kind(), ward_backoff::StrategyKind::Exponential);
    assert_eq!(decoded.randomization_factor(), 0.0);
    let bad = r#"{"kind":"full_jitter","base":{"secs":3,"nanos":0},"cap":{"secs":2,"nanos":0}}"#;
    let err = serde_json::from_str::<Strategy>(bad).unwrap_err();
    assert!(
        err.to_string().contains("base delay 3s exceeds the cap 2s"),
        "{err}"
    );
    let zero = r#"{"kind":"exponential","base":{"secs":0,"nanos":0},"cap":{"secs":2,"nanos":0}}"#;
    assert!(serde_json::from_str::<Strategy>(zero).is_err());
}

#[test]
fn policy_round_trips_and_rejects_zero_attempts() {
    let p = RetryPolicy::new(Strategy::constant(Duration::from_secs(1)).unwrap())
        .with_max_attempts(7)
        .unwrap()
        .with_max_elapsed(Duration::from_secs(30));
    let json = serde_json::to_string(&p).unwrap();
    assert_eq!(serde_json::from_str::<RetryPolicy>(&json).unwrap(), p);
    let bad = json.replace("\"max_attempts\":7", "\"max_attempts\":0");
    assert!(serde_json::from_str::<RetryPolicy>(&bad).is_err());
}

#[test]
fn breaker_config_round_trips_and_rejects_invalid_thresholds() {
    let c = BreakerConfig::builder()
        .sliding_window(SlidingWindow::TimeBased(30))
        .failure_rate_threshold(20.0)
        .max_wait_in_half_open(Duration::from_secs(9))
        .build()
        .unwrap();
    let json = serde_json::to_string(&c).unwrap();
    assert_eq!(serde_json::from_str::<BreakerConfig>(&json).unwrap(), c);
    let bad = json.replace(
        "\"failure_rate_threshold\":20.0",
        "\"failure_rate_threshold\":120.0",
    );
    assert_ne!(bad, json);
    assert!(serde_json::from_str::<BreakerConfig>(&bad).is_err());
    // A decoded window is bounded like a built one: no huge allocation from a config file.
    let huge = json.replace("\"time_based\":30", "\"time_based\":4294967295");
    assert_ne!(huge, json);
    assert!(serde_json::from_str::<BreakerConfig>(&huge).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Whatever a decoder is handed, it yields a valid strategy or an error, never an
    /// invalid value: decoding agrees with the constructor.
    #[test]
    fn prop_decode_agrees_with_the_constructor(base in 0u64..2000, cap in 0u64..2000, k in 0usize..6) {
        let kinds = ["constant", "exponential", "full_jitter", "equal_jitter", "decorrelated", "decorrelated_corrected"];
        let json = format!(
            r#"{{"kind":"{}","base":{{"secs":0,"nanos":{base}}},"cap":{{"secs":0,"nanos":{cap}}}}}"#,
            kinds[k]
        );
        let decoded = serde_json::from_str::<Strategy>(&json).ok();
        let kind: StrategyKind = serde_json::from_str(&format!("\"{}\"", kinds[k])).unwrap();
        let built = Strategy::new(kind, Duration::from_nanos(base), Duration::from_nanos(cap)).ok();
        prop_assert_eq!(decoded, built);
    }
}

/// Issue 26: the breaker configuration's fields are named after the builder methods
/// (`sliding_window`, `failure_rate_threshold`, `slow_call_rate_threshold`,
/// `slow_call_duration`, `wait_in_open`, `max_wait_in_half_open`); the first release's
/// names are still read, unknown fields refused.
#[test]
fn regression_breaker_serde_fields_are_the_builder_names() {
    let c = BreakerConfig::builder()
        .sliding_window(SlidingWindow::CountBased(20))
        .failure_rate_threshold(25.0)
        .slow_call_rate_threshold(80.0)
        .slow_call_duration(Duration::from_secs(2))
        .wait_in_open(Duration::from_secs(5))
        .max_wait_in_half_open(Duration::from_secs(9))
        .build()
        .unwrap();
    let json = serde_json::to_string(&c).unwrap();
    for name in [
        "sliding_window",
        "minimum_calls",
        "failure_rate_threshold",
        "slow_call_rate_threshold",
        "slow_call_duration",
        "wait_in_open",
        "half_open_permits",
        "max_wait_in_half_open",
        "automatic_half_open",
        "slow_call_rule",
    ] {
        assert!(json.contains(&format!("\"{name}\":")), "{name} in {json}");
    }
    let old = r#"{"window":{"count_based":20},"minimum_calls":100,"failure_pct":25.0,
        "slow_pct":80.0,"slow":{"secs":2,"nanos":0},"open_wait":{"fixed":{"secs":5,"nanos":0}},
        "half_open_permits":10,"max_half_open":{"secs":9,"nanos":0}}"#;
    assert_eq!(serde_json::from_str::<BreakerConfig>(old).unwrap(), c);
    let unknown = json.replace("\"minimum_calls\"", "\"minimum_cals\"");
    assert!(serde_json::from_str::<BreakerConfig>(&unknown).is_err());
}

/// The slow-call rule switch round-trips, and a configuration written before it existed
/// (no `slow_call_rule` field) keeps the rule on.
#[test]
fn breaker_slow_call_rule_round_trips_and_defaults_to_on() {
    let off = BreakerConfig::builder()
        .slow_call_rule(false)
        .build()
        .unwrap();
    let json = serde_json::to_string(&off).unwrap();
    assert!(json.contains("\"slow_call_rule\":false"), "{json}");
    assert_eq!(serde_json::from_str::<BreakerConfig>(&json).unwrap(), off);
    let without = json.replace(",\"slow_call_rule\":false", "");
    assert_ne!(without, json);
    let on = serde_json::from_str::<BreakerConfig>(&without).unwrap();
    assert!(on.slow_call_rule());
    assert_eq!(on, BreakerConfig::default());
    let bad = json.replace("false", "\"no\"");
    assert!(serde_json::from_str::<BreakerConfig>(&bad).is_err());
}

/// Issue 26: durations accept "250ms"-style texts as well as `{"secs", "nanos"}`, and a
/// bad text is refused with the parser's message.
#[test]
fn regression_durations_accept_text() {
    let c: BreakerConfig = serde_json::from_str(
        r#"{"sliding_window":{"count_based":20},"minimum_calls":100,
        "failure_rate_threshold":25.0,"slow_call_rate_threshold":80.0,
        "slow_call_duration":"2s","wait_in_open":{"fixed":"5s"},"half_open_permits":10,
        "max_wait_in_half_open":"1m30s"}"#,
    )
    .unwrap();
    let want = BreakerConfig::builder()
        .sliding_window(SlidingWindow::CountBased(20))
        .failure_rate_threshold(25.0)
        .slow_call_rate_threshold(80.0)
        .slow_call_duration(Duration::from_secs(2))
        .wait_in_open(Duration::from_secs(5))
        .max_wait_in_half_open(Duration::from_secs(90))
        .build()
        .unwrap();
    assert_eq!(c, want);
    let s: Strategy =
        serde_json::from_str(r#"{"kind":"full_jitter","base":"250ms","cap":"20s"}"#).unwrap();
    assert_eq!(
        s,
        Strategy::full_jitter(Duration::from_millis(250), Duration::from_secs(20)).unwrap()
    );
    let p: RetryPolicy = serde_json::from_str(
        r#"{"strategy":{"kind":"constant","base":"1s","cap":"1s"},"max_attempts":3,
        "max_elapsed":"30s","max_pushback":"10s","attempt_timeout":"500ms"}"#,
    )
    .unwrap();
    assert_eq!(p.max_elapsed(), Some(Duration::from_secs(30)));
    assert_eq!(p.attempt_timeout(), Some(Duration::from_millis(500)));
    let p: RetryPolicy = serde_json::from_str(
        r#"{"strategy":{"kind":"constant","base":"1s","cap":"1s"},"max_attempts":3}"#,
    )
    .unwrap();
    assert_eq!(p.max_elapsed(), None);
    let err = serde_json::from_str::<Strategy>(r#"{"kind":"constant","base":"1 sec","cap":"1s"}"#)
        .unwrap_err();
    assert!(
        err.to_string().contains("unknown duration unit at byte 1"),
        "{err}"
    );
}
