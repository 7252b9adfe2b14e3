//! Restart safety as a property: across any sequence of clock moves (forwards and
//! backwards), events and restarts, every timestamp is above every earlier one and the
//! durable bound always covers what was issued.
#![cfg(feature = "std")]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use proptest::prelude::*;
use proptest::test_runner::RngSeed;
use ward_hlc::{
    BoundStore, DurableError, DurableHlc, DurableOptions, Hlc, ManualClock, RestartPolicy,
    StoreError, Timestamp,
};

/// A store whose "disk" outlives the clock, like a file across a restart.
#[derive(Debug, Clone, Default)]
struct Disk(Arc<Mutex<Option<u64>>>);

impl BoundStore for Disk {
    fn load(&mut self) -> Result<u64, StoreError> {
        self.0.lock().unwrap().ok_or(StoreError::Missing {
            path: "disk".into(),
        })
    }

    fn store(&mut self, bound: u64) -> Result<(), StoreError> {
        *self.0.lock().unwrap() = Some(bound);
        Ok(())
    }
}

#[derive(Debug, Clone)]
enum Op {
    /// Move the clock by this many microseconds (negative: set back).
    Move(i64),
    Now,
    /// Receive a timestamp this many microseconds from the clock's reading.
    Receive(i64),
    /// Merge, without issuing, a timestamp this many microseconds from the reading.
    Observe(i64),
    /// Reserve a batch of this many timestamps.
    Reserve(u32),
    /// Restart, waiting for the clock (`false`) or jumping ahead of it (`true`).
    Restart(bool),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (-5_000i64..5_000).prop_map(Op::Move),
        4 => Just(Op::Now),
        2 => (-3_000i64..8_000).prop_map(Op::Receive),
        1 => (-3_000i64..8_000).prop_map(Op::Observe),
        1 => prop_oneof![1u32..5, 4_000u32..9_000].prop_map(Op::Reserve),
        1 => any::<bool>().prop_map(Op::Restart),
    ]
}

const START: u64 = 1_700_000_000_000_000;

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        rng_seed: RngSeed::Fixed(0x41c00003),
        ..ProptestConfig::default()
    })]

    #[test]
    fn prop_restarts_never_go_back(
        ops in proptest::collection::vec(op(), 1..80),
        lease_micros in 1_000u64..4_000,
    ) {
        let lease = Duration::from_micros(lease_micros);
        let clock = Arc::new(ManualClock::new(START));
        let disk = Disk::default();
        let builder = || Hlc::builder(Arc::clone(&clock)).with_max_drift(None);
        let mut hlc = DurableHlc::create(builder(), disk.clone(), lease).unwrap();
        let mut max_issued: Option<Timestamp> = None;
        // Everything issued or observed: a later timestamp must exceed all of it.
        let mut max_seen: Option<Timestamp> = None;
        for op in ops {
            let issued = match op {
                Op::Move(d) => {
                    clock.set(clock.now_micros().saturating_add_signed(d));
                    continue;
                }
                Op::Restart(jump) => {
                    drop(hlc);
                    let bound = disk.0.lock().unwrap().expect("created");
                    let moved = Arc::clone(&clock);
                    let wait = DurableOptions::new(lease).sleep_with(move |d| moved.advance(d));
                    let jump_options = DurableOptions::new(lease).restart(RestartPolicy::Jump);
                    hlc = if jump {
                        DurableHlc::open(builder(), disk.clone(), jump_options).unwrap()
                    } else {
                        match DurableHlc::open(builder(), disk.clone(), wait) {
                            Ok(hlc) => {
                                // Waited: the clock is past the old bound, and the next
                                // local event follows it again.
                                prop_assert!(clock.now_micros() > bound);
                                hlc
                            }
                            Err(DurableError::BoundAhead { bound: b, now, max_wait }) => {
                                prop_assert_eq!(b, bound);
                                prop_assert!(Duration::from_micros(b + 1 - now) > max_wait);
                                // The operator's choice: start ahead of the clock.
                                DurableHlc::open(builder(), disk.clone(), jump_options).unwrap()
                            }
                            Err(e) => return Err(TestCaseError::fail(format!("{e}"))),
                        }
                    };
                    continue;
                }
                Op::Observe(d) => {
                    let remote = Timestamp::new(clock.now_micros().saturating_add_signed(d), 3).unwrap();
                    hlc.observe(remote).unwrap();
                    let durable = disk.0.lock().unwrap().expect("created");
                    prop_assert!(durable >= remote.physical(), "observed {} beyond durable bound {}", remote, durable);
                    max_seen = max_seen.max(Some(remote));
                    continue;
                }
                Op::Reserve(n) => {
                    let batch = hlc.reserve(n).unwrap();
                    prop_assert_eq!(batch.len(), n);
                    if let Some(m) = max_seen {
                        prop_assert!(batch.first() > m, "batch from {} after {}", batch.first(), m);
                    }
                    batch.last()
                }
                Op::Now => hlc.now().unwrap(),
                Op::Receive(d) => {
                    let remote = Timestamp::new(clock.now_micros().saturating_add_signed(d), 3).unwrap();
                    let got = hlc.receive(remote).unwrap();
                    prop_assert!(got > remote);
                    got
                }
            };
            if let Some(m) = max_issued.max(max_seen) {
                prop_assert!(issued > m, "{} issued after {}", issued, m);
            }
            max_issued = Some(issued);
            max_seen = max_seen.max(Some(issued));
            let durable = disk.0.lock().unwrap().expect("created");
            prop_assert!(durable >= issued.physical(), "issued {} beyond durable bound {}", issued, durable);
            prop_assert_eq!(durable, hlc.persisted_bound());
        }
    }
}
