//! An operator picks `R` and `W` for a three-replica cluster.
//!
//! The requirement: 99 % of reads started 10 ms after a write commits see it, with p99.9
//! reads within 5 ms and p99.9 writes within 15 ms, on LinkedIn's disk-backed latency
//! profile from the PBS paper (`Preset::LnkdDisk`).
//!
//! 1. `tune::evaluate` simulates every `(R, W)` and decides on a one-sided 95 % lower
//!    confidence bound, not on the point estimate. With 1,000 trials `R = 2, W = 1`
//!    shows 99.4 % consistent reads but cannot prove 99 %, so the cheapest proven choice
//!    is the strict `R = 3, W = 1`; with 30,000 trials the bound clears 99 % and the
//!    cheaper partial quorum is chosen.
//! 2. `domains::FailureDomains` then asks what each qualifying `(R, W)` costs in
//!    availability when the three replicas share a rack, against one replica per rack
//!    (racks failing with 1 %, nodes with 0.1 %): spreading helps every quorum smaller
//!    than `N` and hurts the one that needs every replica.
//!
//! Run with `cargo run --release -p ward-quorum --example pick_r_w` (well under a second).

use std::error::Error;

use ward_quorum::QuorumConfig;
use ward_quorum::domains::FailureDomains;
use ward_quorum::tune::{Candidate, Target, cheapest, evaluate};
use ward_quorum::wars::{Preset, Simulation, WarsDelays};

const N: usize = 3;
const SEED: u64 = 7;

fn table(candidates: &[Candidate]) {
    println!("  R,W  P(consistent)  95 % lower bound  read / write p99.9 (ms)  meets target");
    for c in candidates {
        println!(
            "  {},{}  {:>12.4} %  {:>14.4} %  {:>10.2} / {:<10.2}  {}",
            c.quorum.r(),
            c.quorum.w(),
            100.0 * c.consistency,
            100.0 * c.consistency_lower,
            c.read_latency,
            c.write_latency,
            if c.meets_target { "yes" } else { "no" },
        );
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let delays = WarsDelays::preset(Preset::LnkdDisk);
    let target = Target::new(0.99, 10.0, 0.999, 5.0, 15.0)?;
    let cost = |c: &Candidate| c.quorum.r() + c.quorum.w();
    let find = |all: &[Candidate], r: usize, w: usize| {
        all.iter()
            .find(|c| (c.quorum.r(), c.quorum.w()) == (r, w))
            .copied()
            .ok_or("configuration missing")
    };

    // Too few trials: the point estimate of R = 2, W = 1 passes, its lower bound does not.
    let few = Simulation::new(1_000, SEED)?;
    let candidates = evaluate(N, &delays, &target, &few)?;
    println!("N = {N}, LNKD-DISK, 1,000 trials per configuration (seed {SEED}):");
    table(&candidates);
    let r2w1 = find(&candidates, 2, 1)?;
    assert!(r2w1.consistency >= 0.99 && !r2w1.meets_target, "{r2w1:?}");
    let unproven = cheapest(N, &delays, &target, &few)?.ok_or("nothing qualifies")?;
    assert!(unproven.quorum.is_strict(), "{unproven:?}");
    println!(
        "cheapest proven on 1,000 trials: R = {}, W = {}",
        unproven.quorum.r(),
        unproven.quorum.w()
    );

    // Enough trials to prove the cheaper configuration.
    let enough = Simulation::new(30_000, SEED)?;
    let candidates = evaluate(N, &delays, &target, &enough)?;
    println!("N = {N}, LNKD-DISK, 30,000 trials per configuration (seed {SEED}):");
    table(&candidates);
    let best =
        cheapest(N, &delays, &target, &enough)?.ok_or("no configuration meets the target")?;
    assert!(best.consistency_lower >= 0.99 && !best.quorum.is_strict());
    assert!(best.read_latency <= 5.0 && best.write_latency <= 15.0);
    assert!(cost(&best) < cost(&unproven));
    // Nothing that contacts fewer replicas qualifies.
    assert!(
        candidates
            .iter()
            .filter(|c| cost(c) < cost(&best))
            .all(|c| !c.meets_target)
    );
    println!(
        "cheapest proven on 30,000 trials: R = {}, W = {} (lower bound {:.3} %)",
        best.quorum.r(),
        best.quorum.w(),
        100.0 * best.consistency_lower,
    );

    // Where the three replicas live: one rack, or one rack each.
    let one_rack = FailureDomains::uniform(1, 1, 3, [0.0, 0.01, 0.001])?;
    let three_racks = FailureDomains::uniform(1, 3, 1, [0.0, 0.01, 0.001])?;
    println!("unavailability, racks failing with 1 %, nodes with 0.1 %:");
    println!("  R,W  one rack: reads / writes  one rack each: reads / writes");
    for c in candidates.iter().filter(|c| c.meets_target) {
        let config = QuorumConfig::new(N, c.quorum.r(), c.quorum.w())?;
        let [shared_read, shared_write] = one_rack.quorum_config(&config)?;
        let [spread_read, spread_write] = three_racks.quorum_config(&config)?;
        println!(
            "  {},{}   {:>14.2e} / {:<9.2e} {:>15.2e} / {:.2e}",
            config.r(),
            config.w(),
            shared_read.unavailable,
            shared_write.unavailable,
            spread_read.unavailable,
            spread_write.unavailable,
        );
        // A shared rack is down 1 % of the time, and every quorum with it.
        assert!(shared_read.unavailable >= 0.01 && shared_write.unavailable >= 0.01);
        for (q, shared, spread) in [
            (config.r(), shared_read, spread_read),
            (config.w(), shared_write, spread_write),
        ] {
            if q < N {
                // Spreading removes that floor for every quorum that tolerates a loss...
                assert!(spread.unavailable < shared.unavailable / 10.0, "{config:?}");
            } else {
                // ...and adds failure domains to the one that needs every replica.
                assert!(spread.unavailable > shared.unavailable, "{config:?}");
            }
        }
    }
    Ok(())
}
