//! Per-product stock as an `OrMap` of `PnCounter`s on three replicas.
//!
//! Two shops and a web store each keep a replica of the stock map: product to count.
//! Deliveries increment a product's counter and sales decrement it, on whichever replica
//! takes them, without asking the others. First a small story: the last two desks are
//! sold three times concurrently, and the replicas agree on a stock of -1. A counter
//! converges; it does not enforce a bound (that needs coordination, for example units
//! reserved per replica in advance).
//!
//! Then a seeded run of random deliveries and sales whose deltas the network loses,
//! duplicates and reorders. One round of anti-entropy (`digest`, then `delta_for` the
//! digest) repairs what was lost; every replica then holds the same map, each count
//! equals the sum of all deliveries less all sales, and a second round sends nothing.
//!
//! Run with `cargo run -p ward-crdt --example counters_map`.

use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt as _, SeedableRng as _};
use std::collections::BTreeMap;

use ward_crdt::{OrMap, PnCounter, Replica, ReplicaError};

type Stock = OrMap<&'static str, PnCounter<&'static str>, &'static str>;

const PRODUCTS: [&str; 4] = ["chair", "desk", "lamp", "shelf"];
/// Random operations in the seeded run.
const STEPS: usize = 300;
const SEED: u64 = 7;

fn count(replica: &Replica<&'static str, Stock>, product: &str) -> i128 {
    replica.state().get(product).map_or(0, PnCounter::value)
}

/// One anti-entropy round: each replica sends its digest to each other one, which
/// answers with the optimal delta for it. Returns how many answers were not empty.
fn anti_entropy(replicas: &mut [Replica<&'static str, Stock>]) -> Result<usize, ReplicaError> {
    let mut sent = 0;
    for to in 0..replicas.len() {
        for from in (0..replicas.len()).filter(|&from| from != to) {
            let digest = replicas[to].state().digest();
            let delta = replicas[from].state().delta_for(&digest);
            if delta != Stock::new() {
                sent += 1;
                replicas[to].merge_delta(&delta)?;
            }
        }
    }
    Ok(sent)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut replicas = [
        Replica::new("shop-a", Stock::new()),
        Replica::new("shop-b", Stock::new()),
        Replica::new("web", Stock::new()),
    ];

    // Two desks arrive at the web store's warehouse; every replica hears of it.
    let delivery = replicas[2].update("desk", |c| c.increment(2))?;
    for replica in &mut replicas[..2] {
        replica.merge_delta(&delivery)?;
    }
    // Each replica sells a desk before hearing of the others' sales.
    let sales = replicas
        .iter_mut()
        .map(|r| r.update("desk", |c| c.decrement(1)))
        .collect::<Result<Vec<_>, _>>()?;
    for (i, replica) in replicas.iter_mut().enumerate() {
        for (j, sale) in sales.iter().enumerate() {
            if i != j {
                replica.merge_delta(sale)?;
            }
        }
    }
    for replica in &replicas {
        println!("{:>6}: desks {}", replica.actor(), count(replica, "desk"));
        assert_eq!(count(replica, "desk"), -1, "three sales of two desks");
    }
    println!("the replicas agree: one desk oversold; a counter does not enforce a bound");

    // The seeded run: random deliveries and sales, deltas lost, duplicated, reordered.
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(SEED);
    let mut expected: BTreeMap<&str, i128> = BTreeMap::new();
    expected.insert("desk", -1);
    let mut network: Vec<(usize, Stock)> = Vec::new();
    let (mut lost, mut duplicated) = (0, 0);
    for _ in 0..STEPS {
        if network.is_empty() || rng.random_range(0..2) == 0 {
            let at = rng.random_range(0..replicas.len());
            let product = PRODUCTS[rng.random_range(0..PRODUCTS.len())];
            let delta = if rng.random_range(0..3) == 0 {
                let by = 1 + rng.random_range(0..5) as u64;
                *expected.entry(product).or_default() += i128::from(by);
                replicas[at].update(product, |c| c.increment(by))?
            } else {
                let by = 1 + rng.random_range(0..2) as u64;
                *expected.entry(product).or_default() -= i128::from(by);
                replicas[at].update(product, |c| c.decrement(by))?
            };
            for to in (0..replicas.len()).filter(|&to| to != at) {
                match rng.random_range(0..6) {
                    0 => lost += 1,
                    1 => {
                        duplicated += 1;
                        network.push((to, delta.clone()));
                        network.push((to, delta.clone()));
                    }
                    _ => network.push((to, delta.clone())),
                }
            }
        } else {
            let (to, delta) = network.swap_remove(rng.random_range(0..network.len()));
            replicas[to].merge_delta(&delta)?;
        }
    }
    for (to, delta) in network.drain(..) {
        replicas[to].merge_delta(&delta)?;
    }
    println!("{STEPS} steps: {lost} deltas lost, {duplicated} sent twice, the rest reordered");
    let behind = replicas
        .iter()
        .filter(|r| {
            PRODUCTS
                .iter()
                .any(|p| count(r, p) != expected.get(p).copied().unwrap_or(0))
        })
        .count();
    println!("replicas with a wrong count before anti-entropy: {behind}");
    // Lost deltas left replicas behind, so the repair below has work to do.
    assert!(behind > 0, "nothing was lost");

    // Anti-entropy repairs what the network lost.
    let repaired = anti_entropy(&mut replicas)?;
    println!("anti-entropy: {repaired} non-empty deltas");
    for product in PRODUCTS {
        let want = expected.get(product).copied().unwrap_or(0);
        println!(
            "  {product:>5}: {:>4} {:>4} {:>4} (expected {want})",
            count(&replicas[0], product),
            count(&replicas[1], product),
            count(&replicas[2], product)
        );
        for replica in &replicas {
            assert_eq!(
                count(replica, product),
                want,
                "{} {product}",
                replica.actor()
            );
        }
    }
    assert!(
        replicas[0].state() == replicas[1].state() && replicas[1].state() == replicas[2].state()
    );
    let again = anti_entropy(&mut replicas)?;
    println!("a second round: {again} non-empty deltas; equal replicas send nothing");
    assert_eq!(again, 0);
    Ok(())
}
