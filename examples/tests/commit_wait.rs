//! Scenario 11: physical clocks let a later transaction take an earlier timestamp;
//! commit-wait on an uncertainty interval never does.

use ward_examples::scenarios::commit_wait::{BOUND, Outcome, Pair, run, run_with};
use ward_examples::{Primitive, Switches, scenarios};

#[test]
fn physical_clocks_invert_and_commit_wait_does_not() {
    let bound = BOUND.as_micros() as u64;
    for seed in [1, 2, 3, 4] {
        let o = run(seed).expect("runs");
        assert!(o.anomaly_observed(), "seed {seed}: offsets {:?}", o.offsets);
        assert!(o.prevented(), "seed {seed}");
        assert!(o.offsets.iter().all(|x| x.unsigned_abs() <= bound));
        for p in &o.pairs {
            // Timestamps taken as the interval's latest are the physical reading plus the
            // bound, so the Ward T1 is the naive T1 plus the bound.
            assert_eq!(p.ward.0, p.naive.0 + bound, "{p:?}");
            // The wait is about twice the bound, never more than twice plus a microsecond.
            assert!(
                p.waited_micros > 0 && p.waited_micros <= 2 * bound + 1,
                "{p:?}"
            );
            assert!(p.ward.1 > p.ward.0, "{p:?}");
        }
        // Every stamp is what a clock at true time plus its node's offset reads: T1 at the
        // user's moment, T2 after the wait (Ward only) and the user's pause.
        let spread = o.offsets.iter().max().unwrap() - o.offsets.iter().min().unwrap();
        assert!(
            spread.unsigned_abs() > bound / 2,
            "offsets spread: {:?}",
            o.offsets
        );
        let mut last_true = 0;
        for p in &o.pairs {
            let (a, b) = p.nodes;
            assert_ne!(a, b, "T2 runs on another node");
            let t1 = p.naive.0.checked_add_signed(-o.offsets[a]).unwrap();
            assert!(t1 > last_true, "users come one after another");
            last_true = t1;
            let at = |t: u64, node: usize| t.checked_add_signed(o.offsets[node]).unwrap();
            assert_eq!(p.naive.1, at(t1 + p.think_micros, b), "{p:?}");
            assert_eq!(
                p.ward.1,
                at(t1 + p.waited_micros + p.think_micros, b) + bound,
                "{p:?}"
            );
        }
        let mean = o.pairs.iter().map(|p| p.waited_micros).sum::<u64>() / o.pairs.len() as u64;
        assert_eq!(o.mean_wait_micros(), mean);
        assert!(mean > bound, "the wait is about twice the bound: {mean}");
        // Only pairs whose T2 node runs behind T1's can invert naively.
        for p in o.pairs.iter().filter(|p| p.naive.1 <= p.naive.0) {
            assert!(o.offsets[p.nodes.1] < o.offsets[p.nodes.0], "{p:?}");
        }
    }
}

#[test]
fn without_the_wait_the_interval_alone_does_not_help() {
    let o = run_with(1, Switches::default().without(Primitive::CommitWait)).expect("runs");
    assert!(!o.prevented());
    assert!(o.ward_inversions() > 0);
    assert_eq!(o.max_wait_micros(), 0);
}

#[test]
fn runs_are_reproducible() {
    assert_eq!(run(9).unwrap(), run(9).unwrap());
}

fn pair(naive: (u64, u64), ward: (u64, u64), waited_micros: u64) -> Pair {
    Pair {
        nodes: (0, 1),
        naive,
        ward,
        waited_micros,
        think_micros: 0,
    }
}

#[test]
fn the_verdict_predicates_read_the_pairs() {
    let outcome = |pairs: Vec<Pair>| Outcome {
        offsets: vec![0, 0, 0],
        bound_micros: 5_000,
        pairs,
        wait_on: true,
    };
    // In order on both sides, with a wait: nothing to show, prevented.
    let calm = outcome(vec![
        pair((10, 20), (10, 20), 7),
        pair((30, 40), (30, 40), 3),
    ]);
    assert_eq!(calm.naive_inversions(), 0);
    assert!(!calm.anomaly_observed());
    assert!(calm.prevented());
    assert_eq!((calm.mean_wait_micros(), calm.max_wait_micros()), (5, 7));
    // Equal stamps count as inverted (the snapshot order is not the real order).
    let tie = outcome(vec![
        pair((10, 10), (10, 20), 7),
        pair((30, 40), (30, 40), 3),
    ]);
    assert_eq!(tie.naive_inversions(), 1);
    assert!(tie.anomaly_observed());
    // No wait at all is not the protection, even with no Ward inversion.
    let unheld = outcome(vec![pair((10, 5), (10, 20), 0)]);
    assert!(unheld.anomaly_observed() && !unheld.prevented());
    // A Ward inversion fails it, however long the wait.
    let broken = outcome(vec![pair((10, 5), (20, 20), 9)]);
    assert_eq!(broken.ward_inversions(), 1);
    assert!(!broken.prevented());
}

#[test]
fn the_report_shows_an_inverted_pair() {
    let report = scenarios::find("commit-wait")
        .expect("the scenario")
        .run(&ward_examples::Options::with_seed(1));
    let first = &report.tables[1];
    let ms = |cell: &str| -> f64 { cell.trim_end_matches(" ms").parse().expect("a number") };
    let rows = first.rows();
    assert_eq!(rows.len(), 2);
    // The naive T2 stamp is not after T1's; the Ward one is.
    assert!(ms(&rows[1][2]) <= ms(&rows[0][2]), "{rows:?}");
    assert!(ms(&rows[1][3]) > ms(&rows[0][3]), "{rows:?}");
}
