//! Reproduces the figures that the crate README compares with the PBS paper.
//!
//! ```text
//! cargo run --release -p ward-quorum --example pbs_paper            # both tables
//! cargo run --release -p ward-quorum --example pbs_paper -- table    # ten million trials per row
//! cargo run --release -p ward-quorum --example pbs_paper -- crossing # the paper's estimator
//! cargo run --release -p ward-quorum --example pbs_paper -- quick    # a small smoke run
//! ```

use std::error::Error;

use ward_quorum::QuorumConfig;
use ward_quorum::wars::{Preset, Simulation, WarsDelays, WarsModel};

fn model(preset: Preset, r: usize, w: usize) -> Result<WarsModel, Box<dyn Error>> {
    Ok(WarsModel::new(
        QuorumConfig::new(3, r, w)?,
        WarsDelays::preset(preset),
    ))
}

/// The comparison table: `N = 3`, one sorted sample per row.
fn table(trials: usize) -> Result<(), Box<dyn Error>> {
    println!("N = 3, {trials} trials per row, seed 2012");
    println!(
        "preset     R,W  P(consistent at 0)  t-visibility 99.9 % [95 % CI] (ms)  read / write p99.9 (ms)"
    );
    let sim = Simulation::new(trials, 2012)?;
    for (name, preset, r, w) in [
        ("LNKD-SSD", Preset::LnkdSsd, 1, 1),
        ("LNKD-DISK", Preset::LnkdDisk, 1, 1),
        ("YMMR", Preset::Ymmr, 1, 1),
        ("YMMR", Preset::Ymmr, 2, 1),
        ("YMMR", Preset::Ymmr, 3, 1),
        ("YMMR α3.35", Preset::YmmrPrinted, 1, 1),
        ("WAN", Preset::Wan, 1, 1),
    ] {
        let report = model(preset, r, w)?.simulate(&sim);
        let tv = report.t_visibility(0.999, 0.95)?;
        println!(
            "{name:<10} {r},{w}  {:>17.1} %  {:>9.3} [{:.3}, {:.3}]  {:>10.2} / {:.2} (sum {:.2})",
            100.0 * report.consistency_at(0.0)?,
            tv.t,
            tv.lower,
            tv.upper,
            report.read_latency(0.999)?,
            report.write_latency(0.999)?,
            report.read_latency(0.999)? + report.write_latency(0.999)?,
        );
    }
    Ok(())
}

/// The paper's first-crossing estimator over five seeds: the range of its answers.
fn crossing(per_point: &[usize], seeds: u64) -> Result<(), Box<dyn Error>> {
    println!(
        "first t whose fresh-batch estimate reaches 99.9 % (N = 3, R = W = 1), seeds 1..={seeds}"
    );
    for (name, preset, step, max_t, paper) in [
        ("LNKD-SSD", Preset::LnkdSsd, 0.01, 50.0, "1.85"),
        ("LNKD-DISK", Preset::LnkdDisk, 0.1, 500.0, "45.5"),
        (
            "YMMR",
            Preset::Ymmr,
            1.0,
            10_000.0,
            "1364 (text), 1352 (table)",
        ),
    ] {
        let m = model(preset, 1, 1)?;
        for &trials in per_point {
            let mut found = Vec::new();
            for seed in 1..=seeds {
                let t = m
                    .paper_t_visibility(0.999, step, max_t, &Simulation::new(trials, seed)?)?
                    .ok_or("not reached")?;
                found.push(t);
            }
            let lo = found.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = found.iter().copied().fold(0.0, f64::max);
            println!(
                "{name:<10} step {step} ms, {trials:>7} trials per point: {lo:.2}–{hi:.2} ms \
                 (each: {found:.2?}); paper {paper}"
            );
        }
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    let what = std::env::args().nth(1).unwrap_or_default();
    match what.as_str() {
        "table" => table(10_000_000),
        "crossing" => crossing(&[10_000, 100_000], 5),
        "quick" => {
            table(50_000)?;
            crossing(&[2_000], 2)
        }
        "" => {
            table(10_000_000)?;
            crossing(&[10_000, 100_000], 5)
        }
        other => Err(format!("unknown argument {other:?}: table, crossing or quick").into()),
    }
}
