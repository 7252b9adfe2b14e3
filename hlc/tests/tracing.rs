//! The `tracing` feature: which events an operator gets, with which fields, and none on
//! the common path. A minimal subscriber records every event.
#![cfg(all(feature = "tracing", feature = "std"))]

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};
use ward_hlc::{
    BoundError, BoundStore, DurableHlc, DurableOptions, ErrorBound, Hlc, JumpThresholds,
    ManualClock, RestartPolicy, StoreError, Timestamp, UncertainClock,
};

/// One recorded event: level, target and every field as text.
#[derive(Debug, Clone)]
struct Recorded {
    level: Level,
    target: String,
    fields: Vec<(String, String)>,
}

impl Recorded {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn message(&self) -> &str {
        self.field("message").unwrap_or("")
    }
}

#[derive(Clone, Default)]
struct Recorder {
    events: Arc<Mutex<Vec<Recorded>>>,
}

impl Recorder {
    fn take(&self) -> Vec<Recorded> {
        std::mem::take(&mut *self.events.lock().unwrap())
    }
}

struct Fields(Vec<(String, String)>);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0
            .push((field.name().to_string(), format!("{value:?}")));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push((field.name().to_string(), value.to_string()));
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut fields = Fields(Vec::new());
        event.record(&mut fields);
        self.events.lock().unwrap().push(Recorded {
            level: *event.metadata().level(),
            target: event.metadata().target().to_string(),
            fields: fields.0,
        });
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

/// Runs `f` with a fresh recorder as the thread's subscriber; returns its events.
fn record(f: impl FnOnce()) -> Vec<Recorded> {
    let recorder = Recorder::default();
    tracing::subscriber::with_default(recorder.clone(), f);
    recorder.take()
}

const START: u64 = 1_700_000_000_000_000;

#[test]
fn clock_jumps_are_events_with_their_readings() {
    let clock = ManualClock::new(START);
    let hlc = Hlc::builder(&clock)
        .watch_jumps(JumpThresholds::new(
            Duration::from_millis(1),
            Duration::from_secs(1),
        ))
        .build();
    let events = record(|| {
        hlc.now().unwrap();
        clock.step_back(Duration::from_millis(5));
        hlc.now().unwrap();
        clock.advance(Duration::from_secs(3));
        hlc.now().unwrap();
    });
    assert_eq!(events.len(), 2, "{events:?}");
    let back = &events[0];
    assert_eq!(back.level, Level::WARN);
    assert_eq!(back.target, "ward_hlc");
    assert_eq!(back.message(), "physical clock jumped");
    assert_eq!(back.field("direction"), Some("backward"));
    assert_eq!(back.field("from_micros"), Some(START.to_string().as_str()));
    assert_eq!(
        back.field("to_micros"),
        Some((START - 5_000).to_string().as_str())
    );
    assert_eq!(back.field("amount"), Some("5ms"));
    assert_eq!(events[1].field("direction"), Some("forward"));
}

#[test]
fn drift_rejections_are_events_with_the_drift_and_bound() {
    let clock = ManualClock::new(START);
    let hlc = Hlc::builder(&clock)
        .max_drift(Duration::from_millis(250))
        .build();
    let far = Timestamp::new(START + 300_000, 0).unwrap();
    let near = Timestamp::new(START + 250_000, 0).unwrap();
    let events = record(|| {
        assert!(hlc.receive(far).is_err());
        assert!(hlc.observe(far).is_err());
        hlc.receive(near).unwrap();
    });
    assert_eq!(events.len(), 2, "{events:?}");
    for e in &events {
        assert_eq!(e.level, Level::WARN);
        assert_eq!(
            e.message(),
            "remote timestamp refused: ahead by more than the maximum drift"
        );
        assert_eq!(e.field("drift"), Some("300ms"));
        assert_eq!(e.field("max"), Some("250ms"));
        assert_eq!(
            e.field("remote_micros"),
            Some((START + 300_000).to_string().as_str())
        );
        assert_eq!(e.field("local_micros"), Some(START.to_string().as_str()));
    }
}

/// A bound kept in memory that fails to store while `fail` is set.
struct Flaky {
    bound: Option<u64>,
    fail: Arc<AtomicBool>,
}

impl BoundStore for Flaky {
    fn load(&mut self) -> Result<u64, StoreError> {
        self.bound.ok_or(StoreError::Missing {
            path: "memory".into(),
        })
    }

    fn store(&mut self, bound: u64) -> Result<(), StoreError> {
        if self.fail.load(Ordering::SeqCst) {
            return Err(StoreError::Io {
                path: "memory".into(),
                source: std::io::Error::other("disk full"),
            });
        }
        self.bound = Some(bound);
        Ok(())
    }
}

#[test]
fn failed_bound_refreshes_are_events() {
    let clock = Arc::new(ManualClock::new(START));
    let fail = Arc::new(AtomicBool::new(false));
    let store = Flaky {
        bound: None,
        fail: Arc::clone(&fail),
    };
    let options = DurableOptions::new(Duration::from_millis(10)).restart(RestartPolicy::Jump);
    let durable = DurableHlc::create(Hlc::builder(Arc::clone(&clock)), store, options).unwrap();
    let bound = durable.persisted_bound();
    fail.store(true, Ordering::SeqCst);
    let events = record(|| {
        // Within half a lease of the bound: issued, and the early refresh fails.
        clock.set(bound - 1_000);
        durable.now().unwrap();
        // Past the bound: the required refresh fails, and so does the event.
        clock.set(bound + 1);
        assert!(durable.now().is_err());
    });
    assert!(events.len() >= 2, "{events:?}");
    let early = &events[0];
    assert_eq!(early.level, Level::WARN);
    assert!(early.message().starts_with("early refresh"), "{early:?}");
    assert!(
        early.field("error").unwrap().contains("disk full"),
        "{early:?}"
    );
    let required = events.last().unwrap();
    assert_eq!(required.level, Level::ERROR);
    assert!(
        required
            .message()
            .starts_with("storing the persisted bound failed"),
        "{required:?}"
    );
    assert_eq!(
        required.field("wanted"),
        Some((bound + 1).to_string().as_str())
    );
}

/// An error bound source whose failure the test switches on.
struct Source(AtomicU64);

impl ErrorBound for Source {
    fn error_bound(&self) -> Result<Duration, BoundError> {
        match self.0.load(Ordering::SeqCst) {
            0 => Err(BoundError::Unsynchronized),
            n => Ok(Duration::from_micros(n)),
        }
    }
}

#[test]
fn failed_error_bound_sources_are_events() {
    let source = Source(AtomicU64::new(100));
    let tt = UncertainClock::new(ManualClock::new(START), &source);
    let events = record(|| {
        tt.now().unwrap();
        source.0.store(0, Ordering::SeqCst);
        assert!(tt.now().is_err());
    });
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].level, Level::WARN);
    assert_eq!(
        events[0].field("error"),
        Some("the clock is not synchronized, so no error bound holds")
    );
}

/// The common path emits nothing: issuing, receiving within the drift bound, a clock
/// moving less than the thresholds, interval readings.
#[test]
fn the_common_path_is_silent() {
    let clock = ManualClock::new(START);
    let hlc = Hlc::builder(&clock)
        .watch_jumps(JumpThresholds::new(
            Duration::from_millis(1),
            Duration::from_secs(1),
        ))
        .build();
    let tt = UncertainClock::new(
        &clock,
        ward_hlc::FixedBound::new(Duration::from_micros(50)).unwrap(),
    );
    let events = record(|| {
        for _ in 0..100 {
            let t = hlc.now().unwrap();
            hlc.receive(t).unwrap();
            tt.now().unwrap();
            clock.advance(Duration::from_micros(10));
        }
    });
    assert!(events.is_empty(), "{events:?}");
}
