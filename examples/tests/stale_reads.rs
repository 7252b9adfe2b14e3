//! Scenario 4: reading one replica of three returns old stock counts; R = W = 2 quorum
//! collectors never do, and list the replicas to repair.

use ward_examples::scenarios::stale_reads::{READS, run};

#[test]
fn one_replica_reads_are_stale_and_quorum_reads_are_not() {
    for seed in [1, 2, 3, 77] {
        let o = run(seed).expect("valid configurations");
        assert!(o.anomaly_observed(), "seed {seed}: {:#?}", o.naive);
        assert!(o.prevented(), "seed {seed}: {:#?}", o.quorum);
        assert_eq!(o.naive.reads, READS);
        assert_eq!(o.quorum.reads, READS);
        let stale = o.naive.first_stale.as_ref().expect("a stale read");
        // Stock only goes down, so a stale read shows more stock than was left.
        assert!(stale.stock > stale.committed_stock);
        assert_eq!(stale.replicas.len(), 1);
    }
}

#[test]
fn pbs_rows_agree_with_the_quorum_arithmetic() {
    let o = run(1).unwrap();
    for p in &o.pbs {
        assert_eq!(p.strict, p.r + p.w > 3);
        if p.strict {
            assert_eq!(p.p_stale, 0.0);
            assert_eq!(p.consistent_at_0, 1.0);
        } else {
            // C(3 - W, R) / C(3, R)
            let expected = match (p.r, p.w) {
                (1, 1) => 2.0 / 3.0,
                _ => 1.0 / 3.0,
            };
            assert!((p.p_stale - expected).abs() < 1e-12, "{p:?}");
            // A read right at commit is consistent at least when its quorum meets the
            // write's, and usually more often: replication keeps going.
            assert!(p.consistent_at_0 >= 1.0 - p.p_stale - 0.02, "{p:?}");
            assert!(p.t_999_ms > 0.0);
        }
    }
}
