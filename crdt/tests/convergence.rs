//! Convergence of three replicas of every delta CRDT when deltas are lost, duplicated
//! and reordered, followed by full-state anti-entropy. (The OR-set has its own, stronger
//! version against a model in `tests/orset.rs`.)

use core::fmt::Debug;

use proptest::prelude::*;
use ward_crdt::{DeltaCrdt, GCounter, MvRegister, PnCounter, Replica};

const REPLICAS: usize = 3;

#[derive(Debug, Clone)]
enum NetOp {
    /// Run the type's mutator on a replica with this argument; ship the delta to the
    /// other replicas.
    Mutate(usize, u16),
    /// Full-state merge `from → to`.
    Merge(usize, usize),
    Deliver(usize),
    Duplicate(usize),
    Lose(usize),
}

fn net_op() -> impl Strategy<Value = NetOp> {
    prop_oneof![
        6 => (0..REPLICAS, any::<u16>()).prop_map(|(r, a)| NetOp::Mutate(r, a)),
        1 => (0..REPLICAS, 0..REPLICAS).prop_map(|(a, b)| NetOp::Merge(a, b)),
        6 => any::<usize>().prop_map(NetOp::Deliver),
        2 => any::<usize>().prop_map(NetOp::Duplicate),
        2 => any::<usize>().prop_map(NetOp::Lose),
    ]
}

/// Runs the history, then anti-entropy; checks that all replicas end equal and returns
/// the common final state.
fn converge<T>(
    ops: &[NetOp],
    mutate: impl Fn(&mut Replica<u8, T>, u16) -> T,
) -> Result<T, TestCaseError>
where
    T: DeltaCrdt<Actor = u8> + Clone + PartialEq + Debug,
{
    let mut replicas: Vec<Replica<u8, T>> = (0..REPLICAS)
        .map(|r| Replica::new(r as u8, T::default()))
        .collect();
    let mut wire: Vec<(usize, T)> = Vec::new();
    for op in ops {
        match *op {
            NetOp::Mutate(r, arg) => {
                let delta = mutate(&mut replicas[r], arg);
                wire.extend(
                    (0..REPLICAS)
                        .filter(|&to| to != r)
                        .map(|to| (to, delta.clone())),
                );
            }
            NetOp::Merge(from, to) => {
                let state = replicas[from].state().clone();
                replicas[to].merge(&state).expect("distinct actors");
            }
            NetOp::Deliver(i) | NetOp::Duplicate(i) | NetOp::Lose(i) if !wire.is_empty() => {
                let i = i % wire.len();
                let (to, delta) = match op {
                    NetOp::Duplicate(_) => wire[i].clone(),
                    _ => wire.remove(i),
                };
                if !matches!(op, NetOp::Lose(_)) {
                    replicas[to].merge_delta(&delta).expect("distinct actors");
                }
            }
            NetOp::Deliver(_) | NetOp::Duplicate(_) | NetOp::Lose(_) => {}
        }
    }
    for _ in 0..2 {
        for from in 0..REPLICAS {
            for to in 0..REPLICAS {
                let state = replicas[from].state().clone();
                replicas[to].merge(&state).expect("distinct actors");
            }
        }
    }
    let first = replicas[0].state().clone();
    for r in &replicas[1..] {
        prop_assert_eq!(r.state(), &first);
    }
    Ok(first)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn prop_gcounter_converges_to_the_sum(ops in prop::collection::vec(net_op(), 0..60)) {
        let total = converge(&ops, |r: &mut Replica<u8, GCounter<u8>>, n| r.increment(u64::from(n)).expect("no overflow"))?;
        let expected: u128 = ops
            .iter()
            .map(|op| match *op {
                NetOp::Mutate(_, n) => u128::from(n),
                _ => 0,
            })
            .sum();
        prop_assert_eq!(total.value(), expected);
    }

    #[test]
    fn prop_pncounter_converges_to_the_sum(ops in prop::collection::vec(net_op(), 0..60)) {
        // Odd arguments decrement, even ones increment.
        let step = |n: u16| if n % 2 == 1 { -i128::from(n) } else { i128::from(n) };
        let total = converge(&ops, |r: &mut Replica<u8, PnCounter<u8>>, n| {
            if n % 2 == 1 { r.decrement(u64::from(n)) } else { r.increment(u64::from(n)) }.expect("no overflow")
        })?;
        let expected: i128 = ops
            .iter()
            .map(|op| match *op {
                NetOp::Mutate(_, n) => step(n),
                _ => 0,
            })
            .sum();
        prop_assert_eq!(total.value(), expected);
    }

    #[test]
    fn prop_mvregister_converges_to_the_latest_concurrent_writes(ops in prop::collection::vec(net_op(), 0..60)) {
        let reg = converge(&ops, |r: &mut Replica<u8, MvRegister<u16, u8>>, v| r.write(v).expect("dots left"))?;
        // Each replica's last write is either a sibling or was seen by a later write,
        // so the register is empty only if nothing was written.
        let writes: Vec<u16> = ops
            .iter()
            .filter_map(|op| match *op {
                NetOp::Mutate(_, v) => Some(v),
                _ => None,
            })
            .collect();
        prop_assert_eq!(reg.is_empty(), writes.is_empty());
        prop_assert!(reg.len() <= REPLICAS);
        for v in reg.values() {
            prop_assert!(writes.contains(v));
        }
    }
}
