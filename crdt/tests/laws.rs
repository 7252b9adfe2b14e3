//! Algebraic laws on whole states, for every CRDT of the crate.
//!
//! States come from random histories of three replicas (mutations and full-state merges),
//! so they are states the API can really reach; the deltas those mutations returned are
//! states too and join the pool. On the pool: merge is commutative, associative and
//! idempotent. During the histories: every mutator is an inflation (`x ≤ m(x)`) and
//! returns a delta with `x ⊔ δ(x) == m(x)`.

use core::fmt::Debug;
use core::hash::{Hash, Hasher};
use std::collections::hash_map::DefaultHasher;

use proptest::prelude::*;
use proptest::sample::Index;
use ward_crdt::{GCounter, Lattice, LwwRegister, MvRegister, OrSet, PnCounter, Replica};

const REPLICAS: usize = 3;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        ..ProptestConfig::default()
    }
}

/// Commutativity, associativity and idempotence on three states of the pool.
fn check_laws<T: Lattice + Clone + PartialEq + Debug + Hash>(
    pool: &[T],
    (i, j, k): (Index, Index, Index),
) -> Result<(), TestCaseError> {
    let x = i.get(pool);
    let y = j.get(pool);
    let z = k.get(pool);
    prop_assert_eq!(x.clone().join(y), y.clone().join(x), "commutativity");
    // Equal states hash alike, however they were built.
    prop_assert_eq!(hash(&x.clone().join(y)), hash(&y.clone().join(x)), "hash");
    prop_assert_eq!(
        x.clone().join(y).join(z),
        x.clone().join(&y.clone().join(z)),
        "associativity"
    );
    prop_assert_eq!(&x.clone().join(x), x, "idempotence");
    // Join is an upper bound, and the least one reachable from the operands.
    let xy = x.clone().join(y);
    prop_assert!(x.leq(&xy) && y.leq(&xy), "join is an upper bound");
    Ok(())
}

/// The two mutator laws, given the state before, the state after and the delta.
fn check_mutator<T: Lattice + Clone + PartialEq + Debug>(
    before: &T,
    after: &T,
    delta: &T,
) -> Result<(), TestCaseError> {
    prop_assert!(
        before.leq(after),
        "mutator is not an inflation: {:?} -> {:?}",
        before,
        after
    );
    prop_assert_eq!(&before.clone().join(delta), after, "x ⊔ δ(x) != m(x)");
    prop_assert!(delta.leq(after), "delta is not below the new state");
    Ok(())
}

fn hash<T: Hash>(value: &T) -> u64 {
    let mut hasher = DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

fn indices() -> impl Strategy<Value = (Index, Index, Index)> {
    (any::<Index>(), any::<Index>(), any::<Index>())
}

// ---------------------------------------------------------------------------------------
// OR-set

#[derive(Debug, Clone)]
enum SetOp {
    Add(usize, u8),
    Remove(usize, u8),
    Clear(usize),
    Merge(usize, usize),
    /// Merge the in-flight delta at this index into a replica other than its author,
    /// or drop it (`false`): replicas then hold contexts with gaps (dot clouds).
    Deliver(usize, usize, bool),
}

fn set_op() -> impl Strategy<Value = SetOp> {
    prop_oneof![
        6 => (0..REPLICAS, 0..8_u8).prop_map(|(r, e)| SetOp::Add(r, e)),
        4 => (0..REPLICAS, 0..8_u8).prop_map(|(r, e)| SetOp::Remove(r, e)),
        1 => (0..REPLICAS).prop_map(SetOp::Clear),
        3 => (0..REPLICAS, 0..REPLICAS).prop_map(|(a, b)| SetOp::Merge(a, b)),
        4 => (any::<usize>(), 1..REPLICAS, any::<bool>())
            .prop_map(|(i, to, keep)| SetOp::Deliver(i, to, keep)),
    ]
}

type Set = OrSet<u8, u8>;

fn set_history(ops: &[SetOp]) -> Result<Vec<Set>, TestCaseError> {
    let mut replicas: Vec<Replica<u8, Set>> = (0..REPLICAS)
        .map(|r| Replica::new(r as u8, OrSet::new()))
        .collect();
    let mut pool = Vec::new();
    // In-flight deltas with their author, delivered in any order or lost.
    let mut wire: Vec<(usize, Set)> = Vec::new();
    for op in ops {
        let (r, delta) = match *op {
            SetOp::Add(r, e) => {
                let before = replicas[r].state().clone();
                let delta = replicas[r].add(e).expect("dots left");
                (r, Some((before, delta)))
            }
            SetOp::Remove(r, e) => {
                let before = replicas[r].state().clone();
                (
                    r,
                    Some((before, replicas[r].remove(&e).unwrap_or_default())),
                )
            }
            SetOp::Clear(r) => {
                let before = replicas[r].state().clone();
                (r, Some((before, replicas[r].clear())))
            }
            SetOp::Merge(from, to) => {
                let other = replicas[from].state().clone();
                replicas[to].merge(&other).expect("distinct actors");
                (to, None)
            }
            SetOp::Deliver(i, offset, keep) => {
                if !wire.is_empty() {
                    let (author, delta) = wire.swap_remove(i % wire.len());
                    if keep {
                        let to = (author + offset) % REPLICAS;
                        replicas[to].merge_delta(&delta).expect("distinct actors");
                    }
                }
                continue;
            }
        };
        if let Some((before, delta)) = delta {
            check_mutator(&before, replicas[r].state(), &delta)?;
            wire.push((r, delta.clone()));
            pool.push(delta);
        }
    }
    pool.extend(replicas.into_iter().map(|r| r.into_parts().1));
    Ok(pool)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn prop_orset_laws(ops in prop::collection::vec(set_op(), 0..40), ix in indices()) {
        let pool = set_history(&ops)?;
        check_laws(&pool, ix)?;
    }
}

// ---------------------------------------------------------------------------------------
// Counters

#[derive(Debug, Clone)]
enum CounterOp {
    Increment(usize, u64),
    Decrement(usize, u64),
    Merge(usize, usize),
}

fn counter_op() -> impl Strategy<Value = CounterOp> {
    prop_oneof![
        (0..REPLICAS, 0..1_000_u64).prop_map(|(r, n)| CounterOp::Increment(r, n)),
        (0..REPLICAS, 0..1_000_u64).prop_map(|(r, n)| CounterOp::Decrement(r, n)),
        (0..REPLICAS, 0..REPLICAS).prop_map(|(a, b)| CounterOp::Merge(a, b)),
    ]
}

fn gcounter_history(ops: &[CounterOp]) -> Result<Vec<GCounter<u8>>, TestCaseError> {
    let mut replicas: Vec<_> = (0..REPLICAS)
        .map(|r| Replica::new(r as u8, GCounter::new()))
        .collect();
    let mut pool = Vec::new();
    for op in ops {
        match *op {
            CounterOp::Increment(r, n) | CounterOp::Decrement(r, n) => {
                let before = replicas[r].state().clone();
                let delta = replicas[r].increment(n).expect("no overflow");
                check_mutator(&before, replicas[r].state(), &delta)?;
                prop_assert_eq!(replicas[r].state().value(), before.value() + u128::from(n));
                pool.push(delta);
            }
            CounterOp::Merge(from, to) => {
                let other = replicas[from].state().clone();
                replicas[to].merge(&other).expect("distinct actors");
            }
        }
    }
    pool.extend(replicas.into_iter().map(|r| r.into_parts().1));
    Ok(pool)
}

fn pncounter_history(ops: &[CounterOp]) -> Result<Vec<PnCounter<u8>>, TestCaseError> {
    let mut replicas: Vec<_> = (0..REPLICAS)
        .map(|r| Replica::new(r as u8, PnCounter::new()))
        .collect();
    let mut pool = Vec::new();
    for op in ops {
        let (r, before, delta) = match *op {
            CounterOp::Increment(r, n) => {
                let before = replicas[r].state().clone();
                let delta = replicas[r].increment(n).expect("no overflow");
                prop_assert_eq!(replicas[r].state().value(), before.value() + i128::from(n));
                (r, before, delta)
            }
            CounterOp::Decrement(r, n) => {
                let before = replicas[r].state().clone();
                let delta = replicas[r].decrement(n).expect("no overflow");
                prop_assert_eq!(replicas[r].state().value(), before.value() - i128::from(n));
                (r, before, delta)
            }
            CounterOp::Merge(from, to) => {
                let other = replicas[from].state().clone();
                replicas[to].merge(&other).expect("distinct actors");
                continue;
            }
        };
        check_mutator(&before, replicas[r].state(), &delta)?;
        pool.push(delta);
    }
    pool.extend(replicas.into_iter().map(|r| r.into_parts().1));
    Ok(pool)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn prop_gcounter_laws(ops in prop::collection::vec(counter_op(), 0..30), ix in indices()) {
        let pool = gcounter_history(&ops)?;
        check_laws(&pool, ix)?;
    }

    #[test]
    fn prop_pncounter_laws(ops in prop::collection::vec(counter_op(), 0..30), ix in indices()) {
        let pool = pncounter_history(&ops)?;
        check_laws(&pool, ix)?;
    }

    /// The counter's value after merging everything is the sum of all increments minus
    /// all decrements, whatever the merge order.
    #[test]
    fn prop_pncounter_value_is_sum_of_updates(ops in prop::collection::vec(counter_op(), 0..30)) {
        let pool = pncounter_history(&ops)?;
        let expected: i128 = ops
            .iter()
            .map(|op| match *op {
                CounterOp::Increment(_, n) => i128::from(n),
                CounterOp::Decrement(_, n) => -i128::from(n),
                CounterOp::Merge(..) => 0,
            })
            .sum();
        let all = pool.iter().fold(PnCounter::new(), Lattice::join);
        prop_assert_eq!(all.value(), expected);
    }
}

// ---------------------------------------------------------------------------------------
// Registers

#[derive(Debug, Clone)]
enum RegOp {
    Write(usize, u8),
    Clear(usize),
    Merge(usize, usize),
}

fn reg_op() -> impl Strategy<Value = RegOp> {
    prop_oneof![
        4 => (0..REPLICAS, any::<u8>()).prop_map(|(r, v)| RegOp::Write(r, v)),
        1 => (0..REPLICAS).prop_map(RegOp::Clear),
        3 => (0..REPLICAS, 0..REPLICAS).prop_map(|(a, b)| RegOp::Merge(a, b)),
    ]
}

fn mvreg_history(ops: &[RegOp]) -> Result<Vec<MvRegister<u8, u8>>, TestCaseError> {
    let mut replicas: Vec<_> = (0..REPLICAS)
        .map(|r| Replica::new(r as u8, MvRegister::new()))
        .collect();
    let mut pool = Vec::new();
    for op in ops {
        let (r, before, delta) = match *op {
            RegOp::Write(r, v) => {
                let before = replicas[r].state().clone();
                let delta = replicas[r].write(v).expect("dots left");
                prop_assert_eq!(replicas[r].state().values().collect::<Vec<_>>(), [&v]);
                (r, before, delta)
            }
            RegOp::Clear(r) => {
                let before = replicas[r].state().clone();
                (r, before, replicas[r].clear())
            }
            RegOp::Merge(from, to) => {
                let other = replicas[from].state().clone();
                replicas[to].merge(&other).expect("distinct actors");
                continue;
            }
        };
        check_mutator(&before, replicas[r].state(), &delta)?;
        pool.push(delta);
    }
    pool.extend(replicas.into_iter().map(|r| r.into_parts().1));
    Ok(pool)
}

/// Last-writer-wins histories with Lamport stamps `(time, replica)`: unique per write.
type Lww = LwwRegister<u8, (u32, u8)>;

fn lww_history(ops: &[RegOp]) -> Result<Vec<Lww>, TestCaseError> {
    let mut replicas: Vec<Lww> = vec![LwwRegister::new(); REPLICAS];
    let mut pool = Vec::new();
    for op in ops {
        match *op {
            RegOp::Write(r, v) => {
                let time = replicas[r].stamp().map_or(0, |s| s.0) + 1;
                let before = replicas[r].clone();
                let delta = replicas[r].set(v, (time, r as u8)).expect("stamp advances");
                check_mutator(&before, &replicas[r], &delta)?;
                pool.push(delta);
            }
            RegOp::Merge(from, to) => {
                let other = replicas[from].clone();
                replicas[to].merge(&other);
            }
            // A last-writer-wins register has no clear.
            RegOp::Clear(_) => {}
        }
    }
    pool.extend(replicas);
    Ok(pool)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn prop_mvregister_laws(ops in prop::collection::vec(reg_op(), 0..30), ix in indices()) {
        let pool = mvreg_history(&ops)?;
        check_laws(&pool, ix)?;
    }

    #[test]
    fn prop_lwwregister_laws(ops in prop::collection::vec(reg_op(), 0..30), ix in indices()) {
        let pool = lww_history(&ops)?;
        check_laws(&pool, ix)?;
    }

    /// Laws hold even for arbitrary registers, including equal stamps with different
    /// values (the value breaks the tie).
    #[test]
    fn prop_lwwregister_laws_arbitrary(
        regs in prop::collection::vec(prop::option::of((0..4_u8, 0..4_u8)), 1..6),
        ix in indices(),
    ) {
        let pool: Vec<LwwRegister<u8, u8>> = regs
            .into_iter()
            .map(|w| w.map_or_else(LwwRegister::new, |(s, v)| LwwRegister::with_value(v, s)))
            .collect();
        check_laws(&pool, ix)?;
    }
}
