//! Restart safety as a property: across any sequence of clock moves (forwards and
//! backwards), events and restarts, every timestamp is above every earlier one and the
//! durable bound always covers what was issued.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use proptest::prelude::*;
use proptest::test_runner::RngSeed;
use ward_hlc::{BoundStore, DurableHlc, Hlc, ManualClock, StoreError, Timestamp};

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
    Restart,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (-5_000i64..5_000).prop_map(Op::Move),
        4 => Just(Op::Now),
        2 => (-3_000i64..8_000).prop_map(Op::Receive),
        1 => Just(Op::Restart),
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
        lease_micros in 1u64..4_000,
    ) {
        let lease = Duration::from_micros(lease_micros);
        let clock = ManualClock::new(START);
        let disk = Disk::default();
        let mut hlc = DurableHlc::create(Hlc::builder(&clock), disk.clone(), lease).unwrap();
        let mut max_issued: Option<Timestamp> = None;
        for op in ops {
            let issued = match op {
                Op::Move(d) => {
                    clock.set(clock.now_micros().saturating_add_signed(d));
                    continue;
                }
                Op::Restart => {
                    drop(hlc);
                    hlc = DurableHlc::open(Hlc::builder(&clock), disk.clone(), lease).unwrap();
                    continue;
                }
                Op::Now => hlc.now().unwrap(),
                Op::Receive(d) => {
                    let remote = Timestamp::new(clock.now_micros().saturating_add_signed(d), 3).unwrap();
                    let got = hlc.receive(remote).unwrap();
                    prop_assert!(got > remote);
                    got
                }
            };
            if let Some(m) = max_issued {
                prop_assert!(issued > m, "{} issued after {}", issued, m);
            }
            max_issued = Some(issued);
            let durable = disk.0.lock().unwrap().expect("created");
            prop_assert!(durable >= issued.physical(), "issued {} beyond durable bound {}", issued, durable);
            prop_assert_eq!(durable, hlc.persisted_bound());
        }
    }
}
