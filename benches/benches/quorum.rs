//! Throughput of WARS Monte Carlo trials (N = 3, LNKD-DISK delays), in trials per second on
//! one core. Each iteration draws a batch of trials from one streaming iterator, which is the
//! inner loop of `WarsModel::simulate` without the final sort.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use ward_quorum::QuorumConfig;
use ward_quorum::delay::Xoshiro256PlusPlus;
use ward_quorum::wars::{Preset, WarsDelays, WarsModel};

const BATCH: u64 = 10_000;

fn pbs_trials(c: &mut Criterion) {
    let mut group = c.benchmark_group("pbs_trials");
    group.throughput(Throughput::Elements(BATCH));
    for (name, r, w) in [("lnkd_disk_n3_r1_w1", 1, 1), ("lnkd_disk_n3_r2_w2", 2, 2)] {
        let quorum = QuorumConfig::new(3, r, w).expect("valid quorum");
        let model = WarsModel::new(quorum, WarsDelays::preset(Preset::LnkdDisk));
        let mut trials = model.trials(Xoshiro256PlusPlus::from_seed(0x5EED));
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut stale = 0_u32;
                for trial in trials.by_ref().take(BATCH as usize) {
                    stale += u32::from(!trial.is_consistent_at(0.0));
                }
                black_box(stale)
            });
        });
    }
    group.finish();
}

criterion_group!(benches, pbs_trials);
criterion_main!(benches);
