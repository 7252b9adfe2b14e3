//! The properties proved in "Logical Physical Clocks and Consistent Snapshots in Globally
//! Distributed Databases" (Kulkarni, Demirbas et al., 2014), checked over random
//! multi-node executions.
//!
//! Each execution has 2–5 nodes whose physical clocks read `t + offset_i` with
//! `offset_i ∈ [0, ε]`, so the mutual skew is at most ε. Global time `t` advances by
//! random steps. Messages sit in a network bag: any pending message may be delivered
//! next (reordering, arbitrary delay), and a delivered message may stay in the bag to be
//! delivered again (duplication). Happens-before is tracked exactly with vector clocks.

use std::time::Duration;

use proptest::prelude::*;
use proptest::test_runner::RngSeed;
use ward_hlc::{ClockError, Hlc, ManualClock, Timestamp};

#[derive(Debug, Clone)]
enum Step {
    /// Advance global time by this many microseconds.
    Tick(u64),
    /// A local event on a node.
    Local(usize),
    /// A node sends a message (to the bag).
    Send(usize),
    /// Deliver pending message `index % pending` to node; keep it pending if `duplicate`.
    Deliver {
        node: usize,
        index: usize,
        duplicate: bool,
    },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        2 => (0u64..40).prop_map(Step::Tick),
        2 => (0usize..5).prop_map(Step::Local),
        3 => (0usize..5).prop_map(Step::Send),
        4 => (0usize..5, any::<usize>(), proptest::bool::weighted(0.2))
            .prop_map(|(node, index, duplicate)| Step::Deliver { node, index, duplicate }),
    ]
}

/// One event as observed: who, its timestamp, the physical reading, its vector clock.
struct Event {
    node: usize,
    ts: Timestamp,
    pt: u64,
    vc: Vec<u64>,
}

struct Message {
    ts: Timestamp,
    vc: Vec<u64>,
}

/// `a` happened before `b` (strictly).
fn happened_before(a: &[u64], b: &[u64]) -> bool {
    a.iter().zip(b).all(|(x, y)| x <= y) && a != b
}

const START: u64 = 1_700_000_000_000_000;

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        rng_seed: RngSeed::Fixed(0x41c00002),
        ..ProptestConfig::default()
    })]

    #[test]
    fn prop_paper_properties_hold_in_random_executions(
        nodes in 2usize..=5,
        epsilon in 0u64..60,
        offsets in proptest::collection::vec(0.0f64..=1.0, 5),
        drift_bound in proptest::option::of(0u64..60),
        steps in proptest::collection::vec(step(), 1..160),
    ) {
        // Offsets in [0, ε]: every pair of clocks differs by at most ε.
        let offsets: Vec<u64> = offsets.iter().take(nodes).map(|f| (f * epsilon as f64) as u64).collect();
        let clocks: Vec<ManualClock> = offsets.iter().map(|o| ManualClock::new(START + o)).collect();
        let hlcs: Vec<Hlc<&ManualClock>> = clocks
            .iter()
            .map(|c| Hlc::builder(c).with_max_drift(drift_bound.map(Duration::from_micros)).build())
            .collect();
        let mut t = START;
        let mut vcs = vec![vec![0u64; nodes]; nodes];
        let mut bag: Vec<Message> = Vec::new();
        let mut events: Vec<Event> = Vec::new();
        let mut last: Vec<Option<Timestamp>> = vec![None; nodes];

        for step in steps {
            let (node, issued, received) = match step {
                Step::Tick(dt) => {
                    t += dt;
                    for (clock, o) in clocks.iter().zip(&offsets) {
                        clock.set(t + o);
                    }
                    continue;
                }
                Step::Local(n) | Step::Send(n) => {
                    let n = n % nodes;
                    let ts = hlcs[n].now().unwrap();
                    vcs[n][n] += 1;
                    if matches!(step, Step::Send(_)) {
                        bag.push(Message { ts, vc: vcs[n].clone() });
                    }
                    (n, ts, None)
                }
                Step::Deliver { node, index, duplicate } => {
                    if bag.is_empty() {
                        continue;
                    }
                    let n = node % nodes;
                    let i = index % bag.len();
                    let msg = if duplicate { Message { ts: bag[i].ts, vc: bag[i].vc.clone() } } else { bag.swap_remove(i) };
                    let before = hlcs[n].last();
                    match hlcs[n].receive(msg.ts) {
                        Ok(ts) => {
                            // Accepted only within the drift bound.
                            if let Some(d) = drift_bound {
                                prop_assert!(msg.ts.physical() <= clocks[n].now_micros() + d);
                            }
                            for (mine, theirs) in vcs[n].iter_mut().zip(&msg.vc) {
                                *mine = (*mine).max(*theirs);
                            }
                            vcs[n][n] += 1;
                            (n, ts, Some(msg.ts))
                        }
                        Err(ClockError::DriftExceeded { drift, max }) => {
                            // Rejected receives change nothing, and were really too far ahead.
                            prop_assert_eq!(hlcs[n].last(), before);
                            let d = drift_bound.expect("no bound, no rejection");
                            prop_assert_eq!(max, Duration::from_micros(d));
                            let ahead = msg.ts.physical() - clocks[n].now_micros();
                            prop_assert_eq!(drift, Duration::from_micros(ahead));
                            prop_assert!(ahead > d);
                            continue;
                        }
                        Err(e) => return Err(TestCaseError::fail(format!("unexpected {e}"))),
                    }
                }
            };
            let pt = clocks[node].now_micros();
            // Strictly monotonic per node.
            if let Some(prev) = last[node] {
                prop_assert!(issued > prev, "node {} went from {} to {}", node, prev, issued);
            }
            last[node] = Some(issued);
            // Send → receive ordered.
            if let Some(sent) = received {
                prop_assert!(issued > sent);
            }
            // l ≥ pt and l − pt ≤ ε.
            prop_assert!(issued.physical() >= pt);
            prop_assert!(issued.physical() - pt <= epsilon, "l − pt = {} > ε = {}", issued.physical() - pt, epsilon);
            events.push(Event { node, ts: issued, pt, vc: vcs[node].clone() });
        }

        // Causality: e hb f ⇒ ts(e) < ts(f). And the counter bound of the paper:
        // c.f ≤ |{g : g hb f ∧ l.g = l.f}|.
        for f in &events {
            let mut same_l_before = 0u64;
            for g in &events {
                if happened_before(&g.vc, &f.vc) {
                    prop_assert!(g.ts < f.ts, "hb violated: {} (node {}) vs {} (node {})", g.ts, g.node, f.ts, f.node);
                    if g.ts.physical() == f.ts.physical() {
                        same_l_before += 1;
                    }
                }
            }
            prop_assert!(u64::from(f.ts.logical()) <= same_l_before,
                "c = {} exceeds {} predecessors with the same l", f.ts.logical(), same_l_before);
            prop_assert!(f.ts.physical() >= f.pt);
        }
    }
}
